"""The rules every nsplink radio profile must keep: the law (EU_868) and our own policy.

Legal (ETSI EN 300 220 as the firmware's EU_868 entry encodes it): region EU_868, at most
27 dBm, the 10 % duty cycle left on. Firmware: hop limit 1..7 (three bits). Policy: no position
broadcasts (privacy of people at an NSP), long node-info and telemetry intervals (airtime is the
scarcest thing we have), no MQTT (the mesh is offline and private), role fits the site.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from nsplink.i18n import register
from nsplink.provision.errors import ProfileIssue, issue
from nsplink.provision.schema import Setting

register(
    {
        "provision.rule_missing": (
            "ontbreekt; elk nsplink-profiel moet dit vastleggen ({why})",
            "is missing; every nsplink profile must set it ({why})",
        ),
        "provision.rule_region": (
            "alleen EU_868 is toegestaan (869,525 MHz, 10 % duty cycle, max. 27 dBm), niet {value}",
            "only EU_868 is allowed (869.525 MHz, 10 % duty cycle, max 27 dBm), not {value}",
        ),
        "provision.rule_tx_power": (
            "{value} dBm is boven de wettelijke grens van 27 dBm in EU_868; kies 0 tot en met 27",
            "{value} dBm is above the legal limit of 27 dBm in EU_868; choose 0 to 27",
        ),
        "provision.rule_hop_limit": (
            "hop-limiet {value} kan niet: de firmware staat 1 tot en met 7 toe (3 is gebruikelijk)",
            "hop limit {value} is impossible: the firmware allows 1 to 7 (3 is usual)",
        ),
        "provision.rule_preset": (
            "{value} past niet in EU_868; kies uit {choices}",
            "{value} does not fit EU_868; choose from {choices}",
        ),
        "provision.rule_must_be": (
            "moet {want} zijn ({why}), niet {value}",
            "must be {want} ({why}), not {value}",
        ),
        "provision.rule_min_interval": (
            "{value} s is te kort; minimaal {min} s om zendtijd te sparen",
            "{value} s is too short; at least {min} s to save airtime",
        ),
        "provision.rule_role": (
            "rol {value} past niet bij een {kind}-radio; kies uit {choices}",
            "role {value} does not fit a {kind} radio; choose from {choices}",
        ),
        "why.legal": ("wettelijk", "legal requirement"),
        "why.privacy": ("privacy: geen locaties uitzenden", "privacy: no position broadcasts"),
        "why.offline": ("het netwerk is offline en privé", "the network is offline and private"),
        "why.airtime": ("zendtijd sparen", "save airtime"),
        "why.site": ("hangt af van de locatie", "depends on the site"),
        "why.transmit": ("de radio moet kunnen zenden", "the radio must be able to transmit"),
    }
)

EU_868_PRESETS = (
    "LONG_FAST",
    "LONG_MODERATE",
    "LONG_SLOW",
    "MEDIUM_FAST",
    "MEDIUM_SLOW",
    "SHORT_FAST",
    "SHORT_SLOW",
)
ROLES_FOR_KIND = {
    "nsp": ("CLIENT", "CLIENT_MUTE"),
    "cp": ("CLIENT", "CLIENT_MUTE"),
    "relay": ("ROUTER", "ROUTER_LATE"),
}
MAX_TX_POWER_DBM = 27
MIN_INTERVAL_S = 3600


Values = Mapping[str, Setting]
Check = Callable[[Setting, str, Values], ProfileIssue | None]


@dataclass(frozen=True)
class Rule:
    path: str  # dotted snake_case path
    why: str  # i18n key of the reason (used when the value is missing)
    required: bool
    check: Check


def _equals(want: bool | int | str, why: str) -> Check:
    def check(s: Setting, file: str, values: Values) -> ProfileIssue | None:
        if s.value == want:
            return None
        shown = str(want).lower() if isinstance(want, bool) else want
        return _bad(file, s, "provision.rule_must_be", want=shown, why=f"@{why}")

    return check


def _one_of(choices: tuple[str, ...], why: str) -> Check:
    def check(s: Setting, file: str, values: Values) -> ProfileIssue | None:
        if s.value in choices:
            return None
        return _bad(file, s, "provision.rule_must_be", want=" / ".join(choices), why=f"@{why}")

    return check


def _min_interval(s: Setting, file: str, values: Values) -> ProfileIssue | None:
    if isinstance(s.value, int) and s.value >= MIN_INTERVAL_S:
        return None
    return _bad(file, s, "provision.rule_min_interval", min=MIN_INTERVAL_S)


def _min_interval_when(switch: str) -> Check:
    """An interval only matters while its measurement is switched on (0 = firmware default)."""

    def check(s: Setting, file: str, values: Values) -> ProfileIssue | None:
        on = values.get(switch)
        if on is None or on.value is not True:
            return None
        return _min_interval(s, file, values)

    return check


def _region(s: Setting, file: str, values: Values) -> ProfileIssue | None:
    return None if s.value == "EU_868" else _bad(file, s, "provision.rule_region")


def _tx_power(s: Setting, file: str, values: Values) -> ProfileIssue | None:
    ok = isinstance(s.value, int) and 0 <= s.value <= MAX_TX_POWER_DBM
    return None if ok else _bad(file, s, "provision.rule_tx_power")


def _hop_limit(s: Setting, file: str, values: Values) -> ProfileIssue | None:
    ok = isinstance(s.value, int) and 1 <= s.value <= 7
    return None if ok else _bad(file, s, "provision.rule_hop_limit")


def _preset(s: Setting, file: str, values: Values) -> ProfileIssue | None:
    if s.value in EU_868_PRESETS:
        return None
    return _bad(file, s, "provision.rule_preset", choices=", ".join(EU_868_PRESETS))


def _present(s: Setting, file: str, values: Values) -> ProfileIssue | None:
    return None


def _bad(file: str, s: Setting, key: str, **params: object) -> ProfileIssue:
    return issue(file, s.line, s.shown, key, value=s.value, **params)


_TELEMETRY = "module_config.telemetry"

_TELEMETRY = "module_config.telemetry"

RULES: tuple[Rule, ...] = (
    Rule("config.lora.region", "why.legal", True, _region),
    Rule("config.lora.tx_power", "why.legal", True, _tx_power),
    Rule("config.lora.override_duty_cycle", "why.legal", True, _equals(False, "why.legal")),
    Rule("config.lora.override_frequency", "why.legal", False, _equals(0, "why.legal")),
    Rule("config.lora.hop_limit", "why.airtime", True, _hop_limit),
    Rule("config.lora.use_preset", "why.legal", True, _equals(True, "why.legal")),
    Rule("config.lora.modem_preset", "why.legal", True, _preset),
    Rule("config.lora.tx_enabled", "why.transmit", True, _equals(True, "why.transmit")),
    Rule("config.lora.config_ok_to_mqtt", "why.offline", False, _equals(False, "why.offline")),
    Rule(
        "config.position.gps_mode",
        "why.privacy",
        True,
        _one_of(("DISABLED", "NOT_PRESENT"), "why.privacy"),
    ),
    Rule("config.position.fixed_position", "why.privacy", True, _equals(False, "why.privacy")),
    Rule(
        "config.position.position_broadcast_smart_enabled",
        "why.privacy",
        True,
        _equals(False, "why.privacy"),
    ),
    Rule("config.device.node_info_broadcast_secs", "why.airtime", True, _min_interval),
    Rule("module_config.telemetry.device_update_interval", "why.airtime", True, _min_interval),
    *(
        Rule(f"{_TELEMETRY}.{interval}", "why.airtime", False, _min_interval_when(switch))
        for interval, switch in (
            ("environment_update_interval", f"{_TELEMETRY}.environment_measurement_enabled"),
            ("power_update_interval", f"{_TELEMETRY}.power_measurement_enabled"),
            ("air_quality_interval", f"{_TELEMETRY}.air_quality_enabled"),
            ("health_update_interval", f"{_TELEMETRY}.health_measurement_enabled"),
        )
    ),
    Rule(
        "module_config.neighbor_info.update_interval",
        "why.airtime",
        False,
        _min_interval_when("module_config.neighbor_info.enabled"),
    ),
    Rule("module_config.mqtt.enabled", "why.offline", True, _equals(False, "why.offline")),
    Rule("config.bluetooth.enabled", "why.site", True, _present),
    Rule("config.network.wifi_enabled", "why.site", True, _present),
)


def check_rules(
    kind: str, values: Values, file: str, line_of: Callable[[str], int]
) -> list[ProfileIssue]:
    """Every rule broken by `values` (dotted path -> Setting) of a profile of `kind`."""
    issues: list[ProfileIssue] = []
    for rule in RULES:
        s = values.get(rule.path)
        if s is None:
            if rule.required:
                issues.append(
                    issue(
                        file,
                        line_of(rule.path),
                        rule.path,
                        "provision.rule_missing",
                        why=f"@{rule.why}",
                    )
                )
            continue
        problem = rule.check(s, file, values)
        if problem is not None:
            issues.append(problem)
    role = values.get("config.device.role")
    allowed = ROLES_FOR_KIND.get(kind, ())
    if role is None:
        issues.append(
            issue(
                file,
                line_of("config.device.role"),
                "config.device.role",
                "provision.rule_missing",
                why="@why.site",
            )
        )
    elif role.value not in allowed:
        issues.append(
            _bad(file, role, "provision.rule_role", kind=kind, choices=", ".join(allowed))
        )
    return issues

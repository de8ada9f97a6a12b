"""A radio's settings as plain data, what a profile wants of them, and the difference.

No I/O here: `device.py` reads and writes radios, this module decides. Everything a profile
governs becomes one dotted path with a wanted value, so `check`, the verified diff after
`provision` and the retry decision all use the same comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meshtastic.protobuf import channel_pb2, localonly_pb2

from nsplink.i18n import register
from nsplink.provision.errors import RadioNameInvalid
from nsplink.provision.profile import Profile
from nsplink.provision.schema import WRITABLE_MODULE_SECTIONS, read_value, write_value
from nsplink.provision.secret import PSK_BYTES, describe_psk

register(
    {
        "provision.want_private": ("een eigen 256-bit sleutel", "a private 256-bit key"),
    }
)

MAX_CHANNELS = 8
PRIMARY = channel_pb2.Channel.Role.Name(channel_pb2.Channel.Role.PRIMARY)
DISABLED = channel_pb2.Channel.Role.Name(channel_pb2.Channel.Role.DISABLED)
LONG_NAME_BYTES = 39  # firmware User.long_name is char[40]
SHORT_NAME_BYTES = 4


@dataclass
class RadioSettings:
    """Everything provisioning reads from, or writes to, one radio."""

    node_num: int
    long_name: str
    short_name: str
    config: localonly_pb2.LocalConfig = field(default_factory=localonly_pb2.LocalConfig)
    module_config: localonly_pb2.LocalModuleConfig = field(
        default_factory=localonly_pb2.LocalModuleConfig
    )
    channels: list[channel_pb2.Channel] = field(default_factory=list)

    def copy(self) -> RadioSettings:
        cfg = localonly_pb2.LocalConfig()
        cfg.CopyFrom(self.config)
        mod = localonly_pb2.LocalModuleConfig()
        mod.CopyFrom(self.module_config)
        chans = []
        for ch in self.channels:
            c = channel_pb2.Channel()
            c.CopyFrom(ch)
            chans.append(c)
        return RadioSettings(self.node_num, self.long_name, self.short_name, cfg, mod, chans)

    def channel(self, index: int) -> channel_pb2.Channel:
        for ch in self.channels:
            if ch.index == index:
                return ch
        return channel_pb2.Channel(index=index, role=channel_pb2.Channel.Role.DISABLED)


@dataclass(frozen=True)
class Target:
    """What one radio must look like: a profile, the region's key (None: only check that the
    key is private), and the radio's own names (None: leave them alone)."""

    profile: Profile
    psk: bytes | None = None
    long_name: str | None = None
    short_name: str | None = None


@dataclass(frozen=True)
class Drift:
    path: str
    want: str
    have: str


def show(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def observed(settings: RadioSettings) -> dict[str, str]:
    """Every path any target may govern, as the radio has it now (for display and diffing)."""
    out: dict[str, str] = {
        "owner.long_name": settings.long_name,
        "owner.short_name": settings.short_name,
    }
    for i in range(MAX_CHANNELS):
        ch = settings.channel(i)
        p = f"channel.{i}"
        out[f"{p}.role"] = channel_pb2.Channel.Role.Name(ch.role)
        if i == 0:
            out[f"{p}.name"] = ch.settings.name
            out[f"{p}.psk"] = describe_psk(ch.settings.psk)
            out[f"{p}.uplink_enabled"] = show(ch.settings.uplink_enabled)
            out[f"{p}.downlink_enabled"] = show(ch.settings.downlink_enabled)
            out[f"{p}.position_precision"] = show(ch.settings.module_settings.position_precision)
    return out


def wanted(target: Target) -> dict[str, str]:
    """Path -> wanted display value of everything `target` governs (the key by fingerprint)."""
    out = {s.dotted: show(s.value) for s in target.profile.settings}
    if target.long_name is not None:
        out["owner.long_name"] = target.long_name
    if target.short_name is not None:
        out["owner.short_name"] = target.short_name
    out["channel.0.role"] = PRIMARY
    out["channel.0.name"] = target.profile.channel_name
    if target.psk is not None:
        out["channel.0.psk"] = describe_psk(target.psk)
    out["channel.0.uplink_enabled"] = "false"  # no MQTT bridge may carry our traffic off the mesh
    out["channel.0.downlink_enabled"] = "false"
    out["channel.0.position_precision"] = "0"  # 0: the firmware sends no position on the channel
    for i in range(1, MAX_CHANNELS):
        out[f"channel.{i}.role"] = DISABLED  # e.g. no public LongFast beside the private channel
    return out


def current(settings: RadioSettings, paths: list[str]) -> dict[str, str]:
    have = observed(settings)
    for path in paths:
        if path not in have:
            section, *rest = path.split(".")
            msg = settings.config if section == "config" else settings.module_config
            have[path] = show(read_value(msg, tuple(rest)))
    return have


def diff(target: Target, settings: RadioSettings) -> list[Drift]:
    """Everything on the radio that differs from `target`, in profile order."""
    want = wanted(target)
    have = current(settings, list(want))
    drifts = [Drift(p, w, have[p]) for p, w in want.items() if have[p] != w]
    if target.psk is None:
        key = settings.channel(0).settings.psk
        if len(key) != PSK_BYTES:
            drifts.append(Drift("channel.0.psk", "@provision.want_private", describe_psk(key)))
    return drifts


def apply_target(target: Target, settings: RadioSettings) -> RadioSettings:
    """A copy of `settings` with `target` applied; everything the profile does not mention is
    kept, as `meshtastic --configure` keeps it."""
    if target.psk is None:
        raise ValueError("applying a target needs the channel key")
    out = settings.copy()
    for s in target.profile.settings:
        section, *rest = s.path
        write_value(out.config if section == "config" else out.module_config, tuple(rest), s.value)
    if target.long_name is not None:
        out.long_name = target.long_name
    if target.short_name is not None:
        out.short_name = target.short_name
    primary = channel_pb2.Channel(index=0, role=channel_pb2.Channel.Role.PRIMARY)
    primary.settings.CopyFrom(out.channel(0).settings)
    primary.settings.name = target.profile.channel_name
    primary.settings.psk = target.psk
    primary.settings.uplink_enabled = False
    primary.settings.downlink_enabled = False
    primary.settings.module_settings.position_precision = 0
    chans = [primary]
    for i in range(1, MAX_CHANNELS):
        chans.append(channel_pb2.Channel(index=i, role=channel_pb2.Channel.Role.DISABLED))
    out.channels = chans
    return out


@dataclass(frozen=True)
class Changes:
    """What must be written to turn one RadioSettings into another."""

    owner: bool
    config: tuple[str, ...]
    module_config: tuple[str, ...]
    channels: tuple[int, ...]

    @property
    def empty(self) -> bool:
        return not (self.owner or self.config or self.module_config or self.channels)

    @property
    def count(self) -> int:
        return int(self.owner) + len(self.config) + len(self.module_config) + len(self.channels)


def changes(before: RadioSettings, after: RadioSettings) -> Changes:
    def sections(a: object, b: object) -> tuple[str, ...]:
        names = [f.name for f in a.DESCRIPTOR.fields if f.message_type is not None]  # type: ignore[attr-defined]
        return tuple(n for n in names if getattr(a, n) != getattr(b, n))

    owner = (before.long_name, before.short_name) != (after.long_name, after.short_name)
    chans = tuple(i for i in range(MAX_CHANNELS) if before.channel(i) != after.channel(i))
    return Changes(
        owner,
        sections(before.config, after.config),
        tuple(
            n
            for n in sections(before.module_config, after.module_config)
            if n in WRITABLE_MODULE_SECTIONS
        ),
        chans,
    )


def derive_short_name(long_name: str) -> str:
    """'NSP Zuid' -> 'NSPZ', 'CP Haaglanden' -> 'CPH': recognisable on a 4-character screen."""
    words = [w for w in "".join(c if c.isalnum() else " " for c in long_name).split() if w]
    if not words:
        return ""

    def fit(text: str, budget: int) -> str:
        out = ""
        for c in text:
            if len((out + c).encode("utf-8")) > budget:
                break
            out += c
        return out

    # initials of the later words tell sites apart ("Zuid", "Noord"), so they get room first
    initials = fit("".join(w[0] for w in words[1:]), SHORT_NAME_BYTES - 1)
    head = fit(words[0][:3], SHORT_NAME_BYTES - len(initials.encode("utf-8")))
    return head + initials


def check_names(long_name: str, short_name: str) -> None:
    for name, limit, too_long in (
        (long_name, LONG_NAME_BYTES, "@provision.d_name_long"),
        (short_name, SHORT_NAME_BYTES, "@provision.d_name_short"),
    ):
        if not name.strip() or name != name.strip():
            raise RadioNameInvalid("@provision.d_name_blank", name=name)
        if len(name.encode("utf-8")) > limit:
            raise RadioNameInvalid(too_long, name=name)
        if any(not c.isprintable() for c in name):
            raise RadioNameInvalid("@provision.d_name_ctrl", name=name)

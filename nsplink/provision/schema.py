"""What a profile may say, taken from the meshtastic protobufs themselves.

`meshtastic --configure` silently skips a key it does not know (a typo such as `txPowr: 30` is
lost without a word), so every key is checked here against the real `LocalConfig` /
`LocalModuleConfig` descriptors, spelled the snake_case or camelCase way the tool accepts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from meshtastic.protobuf import localonly_pb2

from nsplink.i18n import register
from nsplink.provision.errors import ProfileIssue, issue
from nsplink.provision.yamlsrc import Located

register(
    {
        "provision.unknown_key": (
            "onbekende instelling; bedoelde u {hint}?",
            "unknown setting; did you mean {hint}?",
        ),
        "provision.unknown_key_nohint": (
            "onbekende instelling (niet in de meshtastic-protobufs)",
            "unknown setting (not in the meshtastic protobufs)",
        ),
        "provision.not_group": (
            "moet een groep instellingen zijn (een YAML-tabel)",
            "must be a group of settings (a YAML mapping)",
        ),
        "provision.type_bool": (
            "moet true of false zijn, niet {value!r}",
            "must be true or false, not {value!r}",
        ),
        "provision.type_int": (
            "moet een geheel getal tussen {lo} en {hi} zijn, niet {value!r}",
            "must be a whole number between {lo} and {hi}, not {value!r}",
        ),
        "provision.type_float": (
            "moet een getal zijn, niet {value!r}",
            "must be a number, not {value!r}",
        ),
        "provision.type_str": ("moet tekst zijn, niet {value!r}", "must be text, not {value!r}"),
        "provision.type_enum": (
            "'{value}' is geen geldige keuze; kies uit {choices}",
            "'{value}' is not a valid choice; choose from {choices}",
        ),
        "provision.secret_field": (
            "is geheim of per radio verschillend en hoort nooit in een profiel",
            "is secret or differs per radio and never belongs in a profile",
        ),
        "provision.unsupported_field": (
            "wordt in profielen niet ondersteund (lijst of binaire waarde)",
            "is not supported in profiles (a list or binary value)",
        ),
    }
)

# Sections a profile may hold, as `meshtastic --export-config` names them.
SECTIONS: dict[str, Descriptor] = {
    "config": localonly_pb2.LocalConfig.DESCRIPTOR,
    "module_config": localonly_pb2.LocalModuleConfig.DESCRIPTOR,
}

# Module sections the library's `Node.writeConfig` can send; it exits the process on any other.
WRITABLE_MODULE_SECTIONS = frozenset(
    {
        "mqtt",
        "serial",
        "external_notification",
        "store_forward",
        "range_test",
        "telemetry",
        "canned_message",
        "audio",
        "remote_hardware",
        "neighbor_info",
        "detection_sensor",
        "ambient_lighting",
        "paxcounter",
        "traffic_management",
    }
)

# Secrets and per-radio identity: a profile is shared by many radios and may be mailed around.
SECRET_FIELDS = frozenset(
    {
        ("config", "network", "wifi_psk"),
        ("config", "security", "private_key"),
        ("config", "security", "public_key"),
        ("config", "security", "admin_key"),
        ("config", "bluetooth", "fixed_pin"),
        ("module_config", "mqtt", "password"),
    }
)

_INT_RANGES = {
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
}
_FLOATS = (FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE)


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


@dataclass(frozen=True)
class Setting:
    """One leaf value of a profile: `path` in snake_case, the value as the radio stores it
    (enums by name), and where it was written."""

    path: tuple[str, ...]
    value: bool | int | float | str
    line: int
    shown: str  # the field as spelled in the file, for messages

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


def field_of(desc: Descriptor, key: str) -> FieldDescriptor | None:
    """The field a key names: snake_case, or the protobuf JSON (camelCase) name."""
    fd = desc.fields_by_name.get(key) or desc.fields_by_name.get(snake(key))
    if fd is None:
        fd = next((f for f in desc.fields if f.json_name == key), None)
    return fd


def file_key(fd: FieldDescriptor) -> str:
    """How a profile spells a field: camelCase as `--export-config` does, except where
    meshtastic's camel->snake conversion would not find the field again (`use_12h_clock`
    becomes `use12hClock`, read back as `use12h_clock`); those stay snake_case so
    `meshtastic --configure` does not skip them."""
    return fd.json_name if snake(fd.json_name) == fd.name else fd.name


def walk_section(
    section: str, node: Located, file: str, out: list[Setting], issues: list[ProfileIssue]
) -> None:
    """Check one of `config` / `module_config` and collect its leaf settings."""
    groups = node.mapping()
    if groups is None:
        issues.append(issue(file, node.line, section, "provision.not_group"))
        return
    _walk(SECTIONS[section], (section,), section, groups, file, out, issues, top=True)


def _walk(
    desc: Descriptor,
    path: tuple[str, ...],
    shown: str,
    entries: dict[str, Located],
    file: str,
    out: list[Setting],
    issues: list[ProfileIssue],
    top: bool = False,
) -> None:
    for key, node in entries.items():
        label = f"{shown}.{key}"
        fd = field_of(desc, key)
        if fd is None or (top and fd.message_type is None):  # `config.version` is not a group
            issues.append(_unknown(desc, key, file, node.line, label))
            continue
        fpath = (*path, fd.name)
        if top and path == ("module_config",) and fd.name not in WRITABLE_MODULE_SECTIONS:
            issues.append(issue(file, node.line, label, "provision.unsupported_field"))
            continue
        if fpath in SECRET_FIELDS:
            issues.append(issue(file, node.line, label, "provision.secret_field"))
            continue
        if fd.message_type is not None:
            sub = node.mapping()
            if sub is None:
                issues.append(issue(file, node.line, label, "provision.not_group"))
            else:
                _walk(fd.message_type, fpath, label, sub, file, out, issues)
            continue
        problem = coerce(fd, node.value)
        if isinstance(problem, ProblemText):
            issues.append(issue(file, node.line, label, problem.key, **problem.params))
        else:
            out.append(Setting(fpath, problem, node.line, label))


@dataclass(frozen=True)
class ProblemText:
    key: str
    params: dict[str, Any]


def coerce(fd: FieldDescriptor, value: object) -> bool | int | float | str | ProblemText:
    """The value as it will be stored, or why it cannot be."""
    if fd.is_repeated or fd.type == FieldDescriptor.TYPE_BYTES:
        return ProblemText("provision.unsupported_field", {})
    if fd.type == FieldDescriptor.TYPE_BOOL:
        return (
            value
            if isinstance(value, bool)
            else ProblemText("provision.type_bool", {"value": value})
        )
    if fd.type == FieldDescriptor.TYPE_ENUM and fd.enum_type is not None:
        names = [v.name for v in fd.enum_type.values]
        if isinstance(value, str) and value in names:
            return value
        return ProblemText("provision.type_enum", {"value": value, "choices": ", ".join(names)})
    if fd.type in _INT_RANGES:
        lo, hi = _INT_RANGES[fd.type]
        if isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi:
            return value
        return ProblemText("provision.type_int", {"value": value, "lo": lo, "hi": hi})
    if fd.type in _FLOATS:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return ProblemText("provision.type_float", {"value": value})
    if isinstance(value, str):
        return value
    return ProblemText("provision.type_str", {"value": value})


def _unknown(desc: Descriptor, key: str, file: str, line: int, label: str) -> ProfileIssue:
    import difflib

    choices = [file_key(f) for f in desc.fields]
    close = difflib.get_close_matches(camel(snake(key)), choices, n=1, cutoff=0.6)
    if close:
        return issue(file, line, label, "provision.unknown_key", hint=close[0])
    return issue(file, line, label, "provision.unknown_key_nohint")


def read_value(msg: Any, path: tuple[str, ...]) -> bool | int | float | str:
    """The value at `path` (after the section name) of a protobuf message, enums by name."""
    for part in path[:-1]:
        msg = getattr(msg, part)
    fd = msg.DESCRIPTOR.fields_by_name[path[-1]]
    raw = getattr(msg, path[-1])
    if fd.type == FieldDescriptor.TYPE_ENUM:
        ev = fd.enum_type.values_by_number.get(raw)
        return ev.name if ev is not None else int(raw)
    if fd.type in _FLOATS:
        return float(raw)
    return raw  # type: ignore[no-any-return]


def write_value(msg: Any, path: tuple[str, ...], value: bool | int | float | str) -> None:
    for part in path[:-1]:
        msg = getattr(msg, part)
    fd = msg.DESCRIPTOR.fields_by_name[path[-1]]
    if fd.type == FieldDescriptor.TYPE_ENUM:
        value = fd.enum_type.values_by_name[str(value)].number
    setattr(msg, path[-1], value)

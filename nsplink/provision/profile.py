"""Firmware profiles: loading, validating and finding them.

A profile is a file in the layout `meshtastic --export-config` writes and `meshtastic --configure`
reads (`config:` and `module_config:` groups, camelCase or snake_case keys), plus one top-level
`nsplink_profile:` block with name, kind, version and the channel name. `meshtastic --configure`
only reads the top-level keys it knows (owner, channel_url, config, ...), so it skips that block.
The channel key (PSK) never appears in a profile: it comes from a separate 0600 file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nsplink.i18n import register
from nsplink.provision.errors import (
    ProfileInvalid,
    ProfileIssue,
    ProfileMissing,
    ProfileUnreadable,
    issue,
)
from nsplink.provision.files import read_small_text
from nsplink.provision.rules import ROLES_FOR_KIND, check_rules
from nsplink.provision.schema import SECTIONS, Setting, snake, walk_section
from nsplink.provision.yamlsrc import Located, load_located

register(
    {
        "provision.meta_missing": (
            "het blok 'nsplink_profile' (name, kind, version, channel) ontbreekt",
            "the 'nsplink_profile' block (name, kind, version, channel) is missing",
        ),
        "provision.meta_unknown": (
            "onbekend veld in nsplink_profile; toegestaan: {allowed}",
            "unknown field in nsplink_profile; allowed: {allowed}",
        ),
        "provision.meta_name": (
            "naam '{value}' moet gelijk zijn aan de bestandsnaam '{stem}'",
            "name '{value}' must equal the file name '{stem}'",
        ),
        "provision.meta_kind": (
            "soort '{value}' bestaat niet; kies uit {choices}",
            "kind '{value}' does not exist; choose from {choices}",
        ),
        "provision.meta_version": (
            "versie moet een geheel getal vanaf 1 zijn, niet {value!r}",
            "version must be a whole number from 1, not {value!r}",
        ),
        "provision.meta_text": ("moet tekst zijn, niet {value!r}", "must be text, not {value!r}"),
        "provision.channel_name": (
            "kanaalnaam '{value}' moet 1 tot 11 bytes zijn (UTF-8), zonder spaties",
            "channel name '{value}' must be 1 to 11 bytes (UTF-8), without spaces",
        ),
        "provision.top_unknown": (
            "onbekend; een profiel bevat alleen nsplink_profile, config en module_config",
            "unknown; a profile holds only nsplink_profile, config and module_config",
        ),
        "provision.top_psk": (
            "bevat de kanaalsleutel (PSK) en hoort nooit in een profiel; "
            "de sleutel komt uit --psk-file",
            "holds the channel key (PSK) and never belongs in a profile; "
            "the key comes from --psk-file",
        ),
        "provision.top_owner": (
            "de naam verschilt per radio; geef die met --name",
            "the name differs per radio; give it with --name",
        ),
    }
)

PROFILE_KEY = "nsplink_profile"
PROFILE_SUFFIX = ".yaml"
MAX_PROFILE_BYTES = 256 * 1024  # an exported, fully spelled-out profile is about 6 KiB
META_FIELDS = ("name", "kind", "version", "description", "channel")
PSK_KEYS = frozenset({"channel_url", "channelUrl"})
PER_RADIO_KEYS = frozenset({"owner", "owner_short", "ownerShort", "location"})


@dataclass(frozen=True)
class Profile:
    name: str
    kind: str  # nsp | cp | relay
    version: int
    description: str
    channel_name: str
    settings: tuple[Setting, ...]
    file: Path

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    def values(self) -> dict[str, Setting]:
        return {s.dotted: s for s in self.settings}


def parse_profile(text: str, file: str | Path) -> Profile:
    """Validate a profile's text; raise ProfileInvalid listing every problem with its line."""
    path = Path(file)
    fname = str(file)
    root = load_located(text, fname)
    top = root.mapping() or {}
    issues: list[ProfileIssue] = []
    settings: list[Setting] = []
    meta: dict[str, Located] = {}
    for key, node in top.items():
        if key == PROFILE_KEY:
            meta = _meta_block(node, fname, issues)
        elif key in SECTIONS:
            walk_section(key, node, fname, settings, issues)
        elif key in PSK_KEYS:
            issues.append(issue(fname, node.line, key, "provision.top_psk"))
        elif key in PER_RADIO_KEYS:
            issues.append(issue(fname, node.line, key, "provision.top_owner"))
        else:
            issues.append(issue(fname, node.line, key, "provision.top_unknown"))
    if PROFILE_KEY not in top:
        issues.append(issue(fname, 1, PROFILE_KEY, "provision.meta_missing"))
    name = _text(meta, "name", path.stem, fname, issues)
    if name != path.stem and "name" in meta:
        issues.append(
            issue(
                fname,
                meta["name"].line,
                f"{PROFILE_KEY}.name",
                "provision.meta_name",
                value=name,
                stem=path.stem,
            )
        )
    kind = _text(meta, "kind", "", fname, issues)
    if PROFILE_KEY in top and kind not in ROLES_FOR_KIND:
        line = meta["kind"].line if "kind" in meta else top[PROFILE_KEY].line
        issues.append(
            issue(
                fname,
                line,
                f"{PROFILE_KEY}.kind",
                "provision.meta_kind",
                value=kind,
                choices=", ".join(ROLES_FOR_KIND),
            )
        )
    version = _version(meta, fname, issues, top)
    description = _text(meta, "description", "", fname, issues)
    channel_name = _channel_name(meta, fname, issues, top)
    values = {s.dotted: s for s in settings}
    issues.extend(check_rules(kind, values, fname, lambda dotted: _line_of(root, dotted)))
    if issues:
        raise ProfileInvalid(fname, sorted(issues, key=lambda i: i.line))
    return Profile(name, kind, version, description, channel_name, tuple(settings), path)


def load_profile(path: str | Path) -> Profile:
    p = Path(path)
    text = read_small_text(
        p,
        MAX_PROFILE_BYTES,
        "utf-8",
        ProfileUnreadable,
        "@provision.d_too_large",
        "@provision.d_not_utf8",
    )
    return parse_profile(text, p)


def default_profiles_dir() -> Path:
    """$NSPLINK_PROFILES, else `firmware-profiles/` of the source tree this package runs from."""
    env = os.environ.get("NSPLINK_PROFILES")
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[2] / "firmware-profiles"


def profile_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.suffix == PROFILE_SUFFIX and p.is_file())


def find_profile(name_or_path: str, directory: Path | None = None) -> Path:
    """`nsp` -> <profiles dir>/nsp.yaml; a path to an existing file is taken as it is."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix == PROFILE_SUFFIX and candidate.is_file():
        return candidate
    where = directory or default_profiles_dir()
    path = where / f"{name_or_path}{PROFILE_SUFFIX}"
    if path.is_file():
        return path
    known = ", ".join(p.stem for p in profile_files(where)) or "-"
    raise ProfileMissing(name=name_or_path, where=where, known=known)


def _meta_block(node: Located, file: str, issues: list[ProfileIssue]) -> dict[str, Located]:
    block = node.mapping()
    if block is None:
        issues.append(issue(file, node.line, PROFILE_KEY, "provision.not_group"))
        return {}
    for key, sub in block.items():
        if key not in META_FIELDS:
            issues.append(
                issue(
                    file,
                    sub.line,
                    f"{PROFILE_KEY}.{key}",
                    "provision.meta_unknown",
                    allowed=", ".join(META_FIELDS),
                )
            )
    return block


def _text(
    meta: dict[str, Located], key: str, default: str, file: str, issues: list[ProfileIssue]
) -> str:
    node = meta.get(key)
    if node is None:
        return default
    if not isinstance(node.value, str):
        issues.append(
            issue(file, node.line, f"{PROFILE_KEY}.{key}", "provision.meta_text", value=node.value)
        )
        return default
    return node.value


def _version(
    meta: dict[str, Located], file: str, issues: list[ProfileIssue], top: dict[str, Located]
) -> int:
    node = meta.get("version")
    value = node.value if node is not None else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if PROFILE_KEY in top:
        line = node.line if node is not None else top[PROFILE_KEY].line
        issues.append(
            issue(file, line, f"{PROFILE_KEY}.version", "provision.meta_version", value=value)
        )
    return 0


def _channel_name(
    meta: dict[str, Located], file: str, issues: list[ProfileIssue], top: dict[str, Located]
) -> str:
    node = meta.get("channel")
    block = node.mapping() if node is not None else None
    name_node = block.get("name") if block is not None else None
    value = name_node.value if name_node is not None else None
    if block is not None:
        for key, sub in block.items():
            if key != "name":
                issues.append(
                    issue(
                        file,
                        sub.line,
                        f"{PROFILE_KEY}.channel.{key}",
                        "provision.meta_unknown",
                        allowed="name",
                    )
                )
    if isinstance(value, str) and valid_channel_name(value):
        return value
    if PROFILE_KEY in top:
        line = (name_node or node or top[PROFILE_KEY]).line
        issues.append(
            issue(file, line, f"{PROFILE_KEY}.channel.name", "provision.channel_name", value=value)
        )
    return ""


def valid_channel_name(value: str) -> bool:
    # the firmware keeps the name in char[12] with a terminating NUL
    return 1 <= len(value.encode("utf-8")) <= 11 and not any(c.isspace() for c in value)


def _line_of(root: Located, dotted: str) -> int:
    """Line of the deepest group on `dotted` that the file has, so 'missing' points somewhere."""
    node, line = root, 1
    for part in dotted.split("."):
        entries = node.mapping()
        if entries is None:
            break
        match = next((v for k, v in entries.items() if snake(k) == part), None)
        if match is None:
            break
        node, line = match, match.line
    return line

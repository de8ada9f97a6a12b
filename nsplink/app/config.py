"""A site's settings, kept as a small TOML file in the site home (`site.toml`)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from nsplink.app.site import SiteHome
from nsplink.bounded import TooDeep, check_depth
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, parse_lang, register
from nsplink.protocol import READ_FORMATS
from nsplink.radio.base import DEFAULT_PORTNUM

register(
    {
        "config.missing": (
            "Deze site is nog niet ingericht ({path}). Voer eerst 'nsplink init' uit.",
            "This site is not set up yet ({path}). Run 'nsplink init' first.",
        ),
        "config.bad": (
            "Het instellingenbestand {path} is onleesbaar: {detail}. Herstel of verwijder het.",
            "The settings file {path} cannot be read: {detail}. Repair or remove it.",
        ),
    }
)

ROLES = ("nsp", "cp", "relay")


class ConfigMissing(NsplinkError):
    code = "config.missing"
    key = "config.missing"


class ConfigInvalid(NsplinkError):
    code = "config.invalid"
    key = "config.bad"


@dataclass
class SiteConfig:
    site: str
    role: str
    region: str
    lang: str = "nl"
    radio: str = ""  # serial:///dev/ttyUSB0, tcp://127.0.0.1:4403, ble://name, or empty
    portnum: int = DEFAULT_PORTNUM
    carry: bool = False  # take custody of messages for unreachable destinations
    undelivered_after_s: int = 3600
    retention_days: int = 90
    operator: str = ""  # who works this laptop now (issue 19); the CLI asks once per shell if empty
    # the newest frame format this site reads and announces (issue 24); 2 makes it behave as a
    # release from before format 3, for a region that upgrades site by site
    newest_format: int = max(READ_FORMATS)

    @property
    def formats(self) -> frozenset[int]:
        return frozenset(f for f in READ_FORMATS if f <= self.newest_format)

    def to_toml(self) -> str:
        lines = ["# nsplink site settings"]
        for key, value in asdict(self).items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            else:
                escaped = str(value).replace("\\", "\\\\").replace('"', '\\"')
                lines.append(f'{key} = "{escaped}"')
        return "\n".join(lines) + "\n"

    @classmethod
    def from_mapping(cls, data: dict[str, Any], path: Path) -> SiteConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigInvalid(f"unknown setting {unknown[0]!r}", path=path)
        try:
            cfg = cls(**data)
        except TypeError as exc:
            raise ConfigInvalid(str(exc), path=path) from exc
        if cfg.role not in ROLES:
            raise ConfigInvalid(f"role must be one of {', '.join(ROLES)}", path=path)
        if cfg.newest_format not in READ_FORMATS:
            formats = ", ".join(map(str, sorted(READ_FORMATS)))
            raise ConfigInvalid(f"newest_format must be one of {formats}", path=path)
        return cfg


MAX_CONFIG = 64 * 1024  # site.toml is a few hundred bytes


def load_config(home: SiteHome) -> SiteConfig:
    path = home.config_path
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CONFIG + 1)
    except FileNotFoundError as exc:
        raise ConfigMissing(path=path) from exc
    except OSError as exc:
        raise ConfigInvalid(exc.strerror or str(exc), path=path) from exc
    if len(raw) > MAX_CONFIG:
        raise ConfigInvalid(f"larger than {MAX_CONFIG} bytes", path=path)
    try:
        text = raw.decode("utf-8")
        check_depth(text, quotes="\"'")  # tomllib recurses per level of nested arrays
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, TooDeep, RecursionError) as exc:
        raise ConfigInvalid(str(exc), path=path) from exc
    return SiteConfig.from_mapping(data, path)


def save_config(home: SiteHome, cfg: SiteConfig) -> None:
    home.root.mkdir(parents=True, exist_ok=True)
    tmp = home.config_path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(cfg.to_toml())
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(home.config_path)  # atomic: a power cut leaves the old or the new file


def configured_lang(home: SiteHome) -> Lang | None:
    try:
        return parse_lang(load_config(home).lang)
    except NsplinkError:
        return None

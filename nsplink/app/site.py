"""Where one site keeps its files: config, identity key, roster and database."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SiteHome:
    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / "site.toml"

    @property
    def key_path(self) -> Path:
        return self.root / "identity.key"

    @property
    def db_path(self) -> Path:
        return self.root / "nsplink.db"

    @property
    def roster_path(self) -> Path:
        return self.root / "roster.json"

    @property
    def socket_path(self) -> Path:
        return self.root / "daemon.sock"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> SiteHome:
    """`--home`, else $NSPLINK_HOME, else $XDG_DATA_HOME/nsplink (~/.local/share/nsplink)."""
    if explicit:
        return SiteHome(Path(explicit).expanduser())
    env = os.environ.get("NSPLINK_HOME")
    if env:
        return SiteHome(Path(env).expanduser())
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return SiteHome(Path(xdg) / "nsplink")

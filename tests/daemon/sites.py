"""Set up site homes for daemon tests: config, identity key, a shared roster."""

from __future__ import annotations

from pathlib import Path

from nsplink.config import SiteConfig, save_config
from nsplink.keys import generate_seed, save_identity
from nsplink.roster import RosterEntry, save_roster
from nsplink.site import SiteHome


def make_sites(
    root: Path, specs: list[tuple[str, str]], *, radios: dict[str, str] | None = None
) -> dict[str, SiteHome]:
    """One home per (name, role) under `root`, all sharing one roster of the region."""
    homes: dict[str, SiteHome] = {}
    entries: list[RosterEntry] = []
    for name, role in specs:
        home = SiteHome(root / name)
        cfg = SiteConfig(site=name, role=role, region="VR01", radio=(radios or {}).get(name, ""))
        save_config(home, cfg)
        ident = save_identity(home.key_path, generate_seed(), site=name)
        entries.append(RosterEntry(name, role, ident.public_key))
        homes[name] = home
    for home in homes.values():
        save_roster(home.roster_path, "VR01", entries)
    return homes

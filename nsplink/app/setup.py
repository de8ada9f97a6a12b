"""Set up a whole exercise region in one directory: a home per site (settings and identity key),
one roster signed with a fresh region key, installed with that key pinned, and the CPs' sealing
key. What `nsplink init` and `nsplink roster ...` leave behind at each site, done at once for the
demo, drills on one laptop and tests.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

from nsplink.app.config import SiteConfig, save_config
from nsplink.app.keys import generate_seed, load_identity, save_identity
from nsplink.app.roster import (
    install_roster,
    load_doc,
    save_doc,
    save_roster,
    seal_key_path,
    sign_roster,
)
from nsplink.app.site import SiteHome
from nsplink.protocol import SiteEntry, seal_public_key


def make_sites(
    root: Path, specs: list[tuple[str, str]], *, radios: dict[str, str] | None = None
) -> dict[str, SiteHome]:
    """One home per (name, role) under `root`, all sharing one region-signed roster."""
    homes: dict[str, SiteHome] = {}
    entries: list[SiteEntry] = []
    for name, role in specs:
        home = SiteHome(root / name)
        cfg = SiteConfig(site=name, role=role, region="VR01", radio=(radios or {}).get(name, ""))
        save_config(home, cfg)
        ident = save_identity(home.key_path, generate_seed(), site=name)
        entries.append(SiteEntry(name, role, ident.public_key))
        homes[name] = home
    sign_for_sites(root, homes, entries)
    return homes


def sign_for_sites(
    root: Path, homes: dict[str, SiteHome], entries: list[SiteEntry], *, cp_seal: bool = True
) -> None:
    """Sign the roster with a fresh region key (kept in `root`, as the region keeps it offline),
    install it in every home with the region key pinned, and give every CP the sealing key.
    `cp_seal=False` signs the region's explicit choice to go without one (`--no-sealing`)."""
    region_key = root / "region.key"
    draft = root / "roster-draft.json"
    save_roster(draft, "VR01", entries)
    if not region_key.exists():
        save_identity(region_key, generate_seed(), site="region VR01")
    doc = load_doc(draft)
    if cp_seal:
        seal = save_identity(root / "cp-seal.key", generate_seed(), site="CPs", force=True)
        doc = replace(doc, seal_key=seal_public_key(seal.box_secret()))
    else:
        doc = replace(doc, no_sealing=True)
    signed = sign_roster(doc, region_key, time.time())
    save_doc(draft, signed)
    public = load_identity(region_key).public_key
    for name, home in homes.items():
        install_roster(home, draft, public)
        role = next(e.role for e in entries if e.site == name)
        if cp_seal and role == "cp":
            shutil.copy2(root / "cp-seal.key", seal_key_path(home))

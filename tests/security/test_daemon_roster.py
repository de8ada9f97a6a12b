"""The daemon starts only on a roster the pinned region key signed: unsigned, forged, unpinned
and rolled-back rosters are refused with one clear line and a non-zero exit, and a CP sealing
key file others can read is refused like any key file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from nsplink.app.daemon import Daemon
from nsplink.app.keys import KeyPermissions, load_identity
from nsplink.app.roster import (
    RegionNotPinned,
    RosterForged,
    RosterRollback,
    RosterUnsigned,
    load_doc,
    open_personal,
    pin_path,
    save_doc,
    save_roster,
    seal_key_path,
    sign_roster,
)
from nsplink.errors import NsplinkError
from nsplink.protocol import Emergency, Envelope, Incident, Services
from nsplink.store import Store
from tests.app.daemon.sites import make_sites
from tests.security.cli import run_nsplink


def _forge(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    data["sites"][0]["role"] = "cp"  # an NSP promoted to CP: it could receipt emergencies
    path.write_text(json.dumps(data), "utf-8")


@pytest.mark.parametrize(
    ("damage", "error", "words"),
    [
        (lambda h: save_roster(h.roster_path, "VR01", []), RosterUnsigned, "niet ondertekend"),
        (lambda h: _forge(h.roster_path), RosterForged, "vervalst"),
        (lambda h: pin_path(h).unlink(), RegionNotPinned, "Geen regiosleutel"),
    ],
)
def test_daemon_refuses_a_roster_the_region_did_not_sign(
    tmp_path: Path, damage: object, error: type[NsplinkError], words: str
) -> None:
    home = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])["NSP Zuid"]
    damage(home)  # type: ignore[operator]
    with pytest.raises(error):
        Daemon(home)
    res = run_nsplink("--home", str(home.root), "daemon")
    assert res.returncode == 2, res.stdout + res.stderr
    assert words in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


async def test_daemon_refuses_an_older_roster_than_it_ran(tmp_path: Path) -> None:
    radio = {"NSP Zuid": "tcp://127.0.0.1:9"}  # never opened: the roster check comes first
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")], radios=radio)
    home = homes["NSP Zuid"]
    v1 = home.roster_path.read_text("utf-8")
    newer = sign_roster(load_doc(home.roster_path), tmp_path / "region.key", 1_767_225_600.0)
    save_doc(home.roster_path, newer)
    # the site ran version 2 once (its log says so) ...
    daemon = Daemon(home)
    async with await Store.open(home.db_path) as store:
        daemon.store = store
        await daemon._roster_loaded()
    # ... then someone puts the old, validly signed version 1 back
    home.roster_path.write_text(v1, "utf-8")
    with pytest.raises(RosterRollback):
        await Daemon(home).run()


def test_a_cp_sealing_key_others_can_read_is_refused(tmp_path: Path) -> None:
    cp = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])["CP Noord"]
    os.chmod(seal_key_path(cp), 0o644)
    ident = load_identity(cp.key_path)
    env = Envelope(ident.key_id, 1, 0, Emergency(Incident.BRA, Services.B, landmark="kerk"))
    with pytest.raises(KeyPermissions):
        open_personal(cp, env, ident.public_key)

"""Personal data sealed by default (issue 20): the region's roster commands, a site's install
and the daemon refuse a roster without the CPs' sealing key unless the region chose, signed and
visibly, `--no-sealing`; a CP installs the key with the roster; `send --yes` warns when personal
data would go out readable. Every command runs as a person runs it: a real subprocess."""

from __future__ import annotations

import json
import stat
import time
from dataclasses import replace
from pathlib import Path

import pytest

from nsplink.app.keys import generate_seed, load_identity, save_identity
from nsplink.app.roster import (
    RosterNoSealing,
    apply_update,
    install_roster,
    load_doc,
    load_trusted_roster,
    save_doc,
    seal_key_path,
)
from nsplink.protocol import RosterMalformed, seal_public_key
from tests.app.daemon.procs import DaemonProc
from tests.app.daemon.sites import make_sites, sign_for_sites
from tests.security.cli import run_nsplink


def _one_line_refusal(res: object, words: str) -> None:
    assert res.returncode == 2, res.stdout + res.stderr  # type: ignore[attr-defined]
    err = res.stderr  # type: ignore[attr-defined]
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_create_makes_the_cp_key_and_sign_refuses_a_roster_without_one(tmp_path: Path) -> None:
    res = run_nsplink("roster", "create", "--region", "VR01", "--key-out", "region.key",
                      cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0, res.stderr
    key = tmp_path / "cp-seal.key"  # made without being asked for
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "--cp-key cp-seal.key" in res.stdout and "Alleen CP's" in res.stdout
    doc = load_doc(tmp_path / "roster.json")
    assert doc.seal_key == seal_public_key(load_identity(key).box_secret())
    assert "CP-sleutel" in run_nsplink("roster", "show", "--roster", "roster.json",
                                       cwd=tmp_path).stdout  # fmt: skip
    # --no-sealing on a roster that has a key would throw it away: refused
    res = run_nsplink("roster", "sign", "--region-key", "region.key", "--no-sealing", cwd=tmp_path)
    _one_line_refusal(res, "zou die weggooien")
    # a draft without a key (an older nsplink made it): sign refuses, naming both ways out
    save_doc(tmp_path / "roster.json", replace(doc, seal_key=None))
    res = run_nsplink("roster", "sign", "--region-key", "region.key", cwd=tmp_path)
    _one_line_refusal(res, "--no-sealing")
    assert "roster seal-key" in res.stderr and load_doc(tmp_path / "roster.json").version == 0
    # the region's explicit choice: signed, recorded, shown
    res = run_nsplink("roster", "sign", "--region-key", "region.key", "--no-sealing", cwd=tmp_path)
    assert res.returncode == 0 and "GEEN versleuteling" in res.stdout, res.stderr
    data = json.loads((tmp_path / "roster.json").read_text("utf-8"))
    assert data["sealing"] == "none" and "seal_key" not in data and data["version"] == 1
    shown = run_nsplink("roster", "show", "--roster", "roster.json", cwd=tmp_path).stdout
    assert "NIET versleuteld (bewuste keuze van de regio" in shown
    # seal-key puts a new key in (and drops the choice); the next signature carries it
    res = run_nsplink("roster", "seal-key", "--cp-key-out", "cp-nieuw.key", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = run_nsplink("roster", "sign", "--region-key", "region.key", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    signed = load_doc(tmp_path / "roster.json")
    assert not signed.no_sealing
    assert signed.seal_key == seal_public_key(load_identity(tmp_path / "cp-nieuw.key").box_secret())


def test_create_with_no_sealing_records_the_choice(tmp_path: Path) -> None:
    res = run_nsplink("roster", "create", "--region", "VR01", "--key-out", "region.key",
                      "--no-sealing", cwd=tmp_path)  # fmt: skip
    assert res.returncode == 0 and "GEEN versleuteling" in res.stdout, res.stderr
    assert not (tmp_path / "cp-seal.key").exists()
    assert load_doc(tmp_path / "roster.json").no_sealing
    res = run_nsplink("roster", "create", "--region", "VR02", "--key-out", "r2.key",
                      "--roster", "r2.json", "--no-sealing", "--cp-key-out", "x.key",
                      cwd=tmp_path)  # fmt: skip
    _one_line_refusal(res, "Kies één")


def test_install_and_daemon_refuse_a_signed_roster_without_sealing(tmp_path: Path) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    nsp = homes["NSP Zuid"]
    region = load_identity(tmp_path / "region.key")
    # what an older signer could make: signed by the region, with no word about sealing
    old = replace(load_trusted_roster(nsp).doc, seal_key=None, version=7).sign(region)
    save_doc(tmp_path / "old.json", old)
    res = run_nsplink("--home", str(nsp.root), "roster", "install", str(tmp_path / "old.json"),
                      "--region-public", region.public_key.hex())  # fmt: skip
    _one_line_refusal(res, "geen CP-sleutel voor persoonsgegevens")
    assert load_trusted_roster(nsp).version == 1  # nothing was installed
    with pytest.raises(RosterNoSealing):
        install_roster(nsp, tmp_path / "old.json", region.public_key)
    # over the air: not applied, a typed decode error the daemon logs as rejected
    with pytest.raises(RosterMalformed):
        apply_update(nsp, load_trusted_roster(nsp), old.signed())
    # put in place behind the program's back: the daemon does not start on it
    save_doc(nsp.roster_path, old)
    res = run_nsplink("--home", str(nsp.root), "daemon")
    _one_line_refusal(res, "geen CP-sleutel voor persoonsgegevens")


def test_a_cp_installs_the_sealing_key_with_the_roster(tmp_path: Path) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    cp = homes["CP Noord"]
    region = load_identity(tmp_path / "region.key").public_key.hex()
    seal_key_path(cp).unlink()
    # a new roster version (same sealing key) arrives on a stick
    sign_for_sites(tmp_path, {}, [e for e in load_trusted_roster(cp).doc.sites])
    new = tmp_path / "roster-draft.json"
    key = tmp_path / "cp-seal.key"
    install = ("--home", str(cp.root), "roster", "install", str(new), "--region-public", region)
    res = run_nsplink(*install)
    _one_line_refusal(res, "--cp-key cp-seal.key")
    assert load_trusted_roster(cp).version == 1 and not seal_key_path(cp).exists()
    stranger = tmp_path / "ander.key"
    save_identity(stranger, generate_seed())
    res = run_nsplink(*install, "--cp-key", str(stranger))
    _one_line_refusal(res, "hoort niet bij deze deelnemerslijst")
    assert not seal_key_path(cp).exists()
    res = run_nsplink(*install, "--cp-key", str(key))
    assert res.returncode == 0 and "CP-sleutel voor persoonsgegevens geïnstalleerd" in res.stdout
    assert seal_key_path(cp).read_bytes() == key.read_bytes()
    assert stat.S_IMODE(seal_key_path(cp).stat().st_mode) == 0o600
    # the next version: the CP holds the matching key already, nothing more to give
    res = run_nsplink(*install)
    assert res.returncode == 0, res.stderr


EMERGENCY = ("send", "emergency", "--incident", "REA", "--services", "AB",
             "--people-involved", "1", "--street", "Dorpsstraat", "--number", "7",
             "--place", "Bunnik", "--yes")  # fmt: skip


@pytest.mark.parametrize("sealed", [True, False])
def test_send_yes_warns_when_personal_data_goes_out_readable(tmp_path: Path, sealed: bool) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    if not sealed:
        entries = list(load_trusted_roster(homes["NSP Zuid"]).doc.sites)
        sign_for_sites(tmp_path, homes, entries, cp_seal=False)  # the region's --no-sealing
        assert load_trusted_roster(homes["NSP Zuid"]).doc.no_sealing
    res = run_nsplink("--home", str(homes["NSP Zuid"].root), *EMERGENCY)
    assert res.returncode == 0, res.stderr
    assert ("persoonsgegevens gaan leesbaar over de radio" in res.stderr) is not sealed


@pytest.mark.parametrize("holds_key", [True, False])
def test_a_cp_daemon_without_the_sealing_key_says_so_at_start(
    tmp_path: Path, holds_key: bool
) -> None:
    radio = {"CP Noord": "tcp://127.0.0.1:9"}  # nothing listens: the daemon keeps trying
    cp = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")], radios=radio)["CP Noord"]
    if not holds_key:
        seal_key_path(cp).unlink()
    proc = DaemonProc(cp, tmp_path)
    proc.start()
    try:
        end = time.monotonic() + 30
        while "daemon started" not in proc.output() and time.monotonic() < end:
            time.sleep(0.2)
        time.sleep(0.5)
        out = proc.output()
        assert "daemon started for CP Noord" in out, out  # DaemonProc runs it in English
        assert ("does not hold the CP key for personal data" in out) is not holds_key, out
    finally:
        assert proc.stop() == 0, proc.output()

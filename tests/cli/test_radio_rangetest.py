"""`nsplink radio rangetest SITE` between two posts on the emulated mesh, through the real
meshtastic library: the other radio's firmware answers our want_ack packets, and the answers'
SNR, RSSI and hops are shown; a radio nobody has makes our firmware give up (a NAK), which is
said as such; the daemon holding the radio, or a post without a known radio, is one line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from nsplink.app.roster import load_trusted_roster
from nsplink.app.site import SiteHome
from nsplink.app.sitelock import site_lock
from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread
from tests.app.daemon.sites import make_sites, sign_for_sites

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def mesh() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatedMesh(2, speedup=8.0, seed=7)) as emu:
        yield emu


def _sites(tmp_path: Path, emu: EmulatorThread, with_nodes: bool) -> dict[str, SiteHome]:
    spec = [("NSP Zuid", "nsp"), ("CP Noord", "cp")]
    devices = emu.mesh.devices
    ports = [dev.tcp_port for dev in devices]
    radios = {name: f"tcp://127.0.0.1:{port}" for (name, _), port in zip(spec, ports, strict=True)}
    homes = make_sites(tmp_path, spec, radios=radios)
    if with_nodes:  # the region wrote each radio's node number into the roster
        nums = dict(zip([n for n, _ in spec], emu.mesh.node_nums, strict=True))
        sites = load_trusted_roster(homes["CP Noord"]).doc.sites
        entries = [replace(e, node=nums[e.site]) for e in sites]
        sign_for_sites(tmp_path, homes, entries)
    return homes


def rangetest(home: SiteHome, *args: str, lang: str = "nl") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nsplink", "--home", str(home.root), "--lang", lang,
         "radio", "rangetest", *args],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=180,
    )  # fmt: skip


def test_rangetest_to_a_post_on_the_roster(tmp_path: Path, mesh: EmulatorThread) -> None:
    homes = _sites(tmp_path, mesh, with_nodes=True)
    res = rangetest(homes["NSP Zuid"], "CP Noord", "--count", "3", "--interval", "1")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Traceback" not in res.stderr
    cp = f"!{mesh.mesh.node_nums[1]:08x}"
    assert f"naar CP Noord ({cp})" in res.stdout
    answers = re.findall(r"antwoord na [\d.]+ s   SNR (-?[\d.]+) dB   RSSI -\d+ dBm   sprongen 0",
                         res.stdout)  # fmt: skip
    assert len(answers) == 3, res.stdout
    assert "CP Noord: 3 van 3 beantwoord" in res.stdout
    en = rangetest(homes["NSP Zuid"], "CP Noord", "--count", "1", lang="en")
    assert en.returncode == 0 and "CP Noord: 1 of 1 answered" in en.stdout, en.stdout


def test_rangetest_says_when_nobody_answers_or_it_cannot_run(
    tmp_path: Path, mesh: EmulatorThread
) -> None:
    homes = _sites(tmp_path, mesh, with_nodes=False)
    nsp = homes["NSP Zuid"]
    # no node number on the roster and nothing heard from that post yet
    res = rangetest(nsp, "CP Noord")
    assert res.returncode == 2 and "geen radionummer bekend" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    # the daemon has the radio: one line, nothing sent
    with site_lock(nsp):
        res = rangetest(nsp, "!4e530002", "--count", "1")
    assert res.returncode == 2 and "gebruikt de radio" in res.stderr, res.stderr
    # a radio number nobody has: the CP's radio repeats the packet (the firmware's implicit
    # ack, after which it stops retrying), but no answer comes from the radio asked
    res = rangetest(nsp, "!0badcafe", "--count", "1", "--wait", "20")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "1/1  geen antwoord (niet binnen 20 s; wel doorgegeven door een buur" in res.stdout
    assert "geen enkel antwoord op 1 pogingen" in res.stdout

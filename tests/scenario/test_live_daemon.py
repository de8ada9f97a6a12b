"""`--live` in a drill: the scenario's messages for one site go into that site's running
daemon (a real subprocess on the emulated mesh) and reach the CP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nsplink.app.site import SiteHome
from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread
from nsplink.store import Store
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.app.daemon.sites import make_sites

SITES = [("CP", "cp"), ("NSP-A", "nsp")]
DRILL = """\
name: Oefening met echte radio's
duration: 1h
sites:
  - {name: CP, role: cp, node: 0x1001, position: [0, 0]}
  - {name: NSP-A, role: nsp, node: 0x2001, position: [800, 0], place: Zuidbroek,
     streets: [Kerkstraat]}
timeline:
  - {at: 1m, site: NSP-A, send: supply, fields: {category: WATER, quantity: 40, unit: L}}
  - at: 2m
    site: NSP-A
    send: emergency
    fields:
      {incident: CO, services: AB, street: Kerkstraat, number: "4", text: Hoofdpijn door kachel}
  - {at: 3m, site: CP, send: supply, fields: {category: VOED, quantity: 1, unit: DOOS}}
"""


@pytest.fixture
def drill(tmp_path: Path) -> Iterator[tuple[dict[str, SiteHome], list[DaemonProc]]]:
    with EmulatorThread(EmulatedMesh(len(SITES), speedup=4.0, seed=3)) as emu:
        radios = {
            name: f"tcp://127.0.0.1:{dev.tcp_port}"
            for (name, _), dev in zip(SITES, emu.mesh.devices, strict=True)
        }
        homes = make_sites(tmp_path / "sites", SITES, radios=radios)
        procs = [DaemonProc(home, tmp_path) for home in homes.values()]
        for proc in procs:
            proc.start()
        try:
            yield homes, procs
        finally:
            for proc in procs:
                proc.stop()


async def test_live_messages_reach_the_cp_through_the_running_daemon(
    drill: tuple[dict[str, SiteHome], list[DaemonProc]], tmp_path: Path
) -> None:
    homes, procs = drill
    for home in homes.values():
        await wait_until(lambda h=home: radio_connected(h), 60, "radio link", procs)
    scenario = tmp_path / "drill.yaml"
    scenario.write_text(DRILL, "utf-8")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "nsplink",
            "--lang",
            "en",
            "--home",
            str(homes["NSP-A"].root),
            "scenario",
            "run",
            str(scenario),
            "--live",
            "--site",
            "NSP-A",
            "--speed",
            "120",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ),
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "Live done: 2 messages queued." in r.stdout  # the CP's own line is not NSP-A's

    async def both_at_cp() -> bool:
        async with await Store.open(homes["CP"].db_path) as store:
            return sorted(i.type for i in await store.inbox()) == ["emergency", "supply"]

    await wait_until(both_at_cp, 90, "the drill's messages at the CP", procs)
    for proc in procs:
        assert proc.stop() == 0, proc.output()[-2000:]

"""With the daemon stopped, nothing goes on air, and the volunteer is told so (issue 20):
`send` stores the message durably and says on stderr that the service is not running and how
to start it; `status` says the service is not running and shows the radio as unknown with the
daemon's last report and its age, never a stale "Radio: verbonden". While the daemon runs,
`status` lists the radios it heard with SNR, hops and last heard. Real daemon processes on the
emulated mesh, every command a real subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from nsplink.app.site import SiteHome
from nsplink.radio.emulator.mesh import EmulatorThread
from nsplink.store import Store
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.cli.live import nsplink

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SITES = [("cp-utrecht", "cp"), ("nsp-houten", "nsp")]
MESH_SEED = 21
SITREP = ("send", "emergency", "--no-interactive", "--incident", "APP", "--services", "A",
          "--people-involved", "1", "--street", "Lindenlaan", "--number", "4",
          "--place", "Houten")  # fmt: skip


def _run(home: SiteHome, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nsplink", "--home", str(home.root), *args],
        cwd=ROOT, env=dict(os.environ, NSPLINK_LANG="nl"), capture_output=True, text=True,
        timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip


async def _state(home: SiteHome, ref: str) -> str | None:
    async with await Store.open(home.db_path) as store:
        item = await store.outbox_item(ref)
        return item.state if item else None


async def test_send_and_status_with_the_daemon_down(
    live_sites: dict[str, SiteHome], live_daemons: list[DaemonProc], live_mesh: EmulatorThread
) -> None:
    cp, nsp = live_sites["cp-utrecht"], live_sites["nsp-houten"]
    daemons = live_daemons
    for home in live_sites.values():
        await wait_until(lambda h=home: radio_connected(h), 60, "radio link", daemons)
    # the daemon runs: the message goes, the CP's receipt is heard, status names the neighbour
    out = nsplink(nsp, *SITREP)
    assert "wordt verstuurd zodra er verbinding is" in out
    first = re.search(r"Berichtnummer: (\S+)", out)
    assert first is not None

    async def delivered(ref: str = first.group(1)) -> bool:
        return await _state(nsp, ref) == "delivered"

    await wait_until(delivered, 90, "the report delivered", daemons)
    cp_node = f"!{live_mesh.mesh.node_nums[0]:08x}"

    def neighbour_line() -> str | None:
        status = nsplink(nsp, "status")
        return next((ln for ln in status.splitlines() if cp_node in ln), None)

    async def neighbour_listed() -> bool:
        return neighbour_line() is not None

    await wait_until(neighbour_listed, 30, "the CP's radio in the neighbour list", daemons)
    status = nsplink(nsp, "status")
    assert "Achtergronddienst: actief" in status
    assert re.search(r"Radio: verbonden sinds [^(]+ \(gemeld door de dienst .* geleden\)", status)
    assert "Buren van de radio" in status and "SNR" in status and "Sprongen" in status
    line = neighbour_line()
    assert line is not None and "cp-utrecht" in line and "0 (direct)" in line
    assert re.search(r" -?\d+\.\d dB ", line) and "geleden)" in line

    # the NSP's daemon dies (power cut, SIGKILL): nothing left to say "not connected"
    daemons[1].kill()
    status = nsplink(nsp, "status")
    assert "Achtergronddienst: NIET actief" in status
    assert f"nsplink --home {nsp.root} daemon" in status
    assert "Radio: verbonden" not in status
    assert re.search(r"Radio: onbekend, want de dienst draait niet \(laatst gemeld .*: verbonden\)",
                     status)  # fmt: skip
    assert cp_node in status  # what it heard is still shown, with its age

    # a message typed now is stored, and the volunteer reads that it is not on its way
    res = _run(nsp, *SITREP)
    assert res.returncode == 0, res.stderr
    assert "Bericht opgeslagen (nog niet verstuurd)." in res.stdout
    assert "zodra er verbinding is" not in res.stdout
    assert "de achtergronddienst van deze post draait niet" in res.stderr
    assert f"Start hem met: nsplink --home {nsp.root} daemon" in res.stderr
    second = re.search(r"Berichtnummer: (\S+)", res.stdout)
    assert second is not None and await _state(nsp, second.group(1)) == "queued"

    # started as it said: the message kept in the log goes out and is delivered
    daemons[1].start()

    async def delivered_later(ref: str = second.group(1)) -> bool:
        return await _state(nsp, ref) == "delivered"

    await wait_until(delivered_later, 90, "the message queued while down, delivered", daemons)
    for p in daemons:
        assert p.stop() == 0, p.output()[-2000:]
    # a clean stop: still not "verbonden"
    status = nsplink(nsp, "status")
    assert "Radio: verbonden" not in status and "dienst gestopt" in status
    # the CP operator marks a report seen with the CP's daemon stopped: the receipt waits
    handled = _run(cp, "handle", "1", "--status", "gezien", "--operator", "JdV")
    assert handled.returncode == 0, handled.stderr
    assert "draait niet" in handled.stderr and f"nsplink --home {cp.root} daemon" in handled.stderr

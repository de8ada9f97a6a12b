"""One daemon per site (issue 18 B), with real daemon processes on the emulated mesh: a second
daemon for the same site directory says so in one line and exits 2, leaving the first one's
socket alone; after the first is SIGKILLed, a new one starts (the kernel dropped the lock)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nsplink.app.nudge import nudge, socket_path
from nsplink.app.site import SiteHome
from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.app.daemon.sites import make_sites


@pytest.fixture
def home(tmp_path: Path) -> Iterator[SiteHome]:
    with EmulatorThread(EmulatedMesh(1, speedup=4.0, seed=3)) as emu:
        radio = f"tcp://127.0.0.1:{emu.mesh.devices[0].tcp_port}"
        yield make_sites(tmp_path, [("NSP Zuid", "nsp")], radios={"NSP Zuid": radio})["NSP Zuid"]


def second_daemon(home: SiteHome, lang: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nsplink", "--home", str(home.root), "--lang", lang, "daemon"],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )


async def test_a_second_daemon_refuses_and_leaves_the_first_ones_socket(
    home: SiteHome, tmp_path: Path
) -> None:
    first = DaemonProc(home, tmp_path)
    first.start()
    try:
        await wait_until(lambda: radio_connected(home), 60, "radio connected", [first])
        assert socket_path(home).exists()
        assert first.proc is not None
        for lang, words in (("en", "already running"), ("nl", "draait al")):
            second = second_daemon(home, lang)
            assert second.returncode == 2, second.stderr
            assert second.stdout == ""  # not even "started"
            lines = second.stderr.strip().splitlines()
            assert len(lines) == 1 and words in lines[0] and str(first.proc.pid) in lines[0]
        assert socket_path(home).exists() and nudge(home)  # the first one still listens
        assert first.proc.poll() is None

        first.kill()  # SIGKILL: no clean-up ran, yet the lock went with the process
        restarted = DaemonProc(home, tmp_path / "again")
        (tmp_path / "again").mkdir()
        restarted.start()
        try:
            await wait_until(lambda: _started_twice(home), 60, "second start", [restarted])
        finally:
            restarted.stop()  # its exit code is the daemon tests' business, not this one's
    finally:
        first.stop()


async def _started_twice(home: SiteHome) -> bool:
    from nsplink.store import Store

    async with await Store.open(home.db_path) as store:
        return len(await store.events(kinds=("daemon.started",))) >= 2

"""Real `nsplink daemon` subprocesses for end-to-end tests, with bounded waits."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from nsplink.app.site import SiteHome
from nsplink.store import Store, StoreCorrupt, StoreMissing


class DaemonProc:
    def __init__(self, home: SiteHome, log_dir: Path) -> None:
        self.home = home
        self.log_path = log_dir / f"{home.root.name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = dict(os.environ, NSPLINK_LANG="en", PYTHONUNBUFFERED="1")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nsplink", "--home", str(self.home.root), "daemon", "-v"],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


async def wait_until(
    check: Callable[[], Awaitable[bool]], timeout: float, what: str, procs: list[DaemonProc]
) -> None:
    end = time.monotonic() + timeout
    while not await check():
        for p in procs:
            if p.proc is not None and p.proc.poll() is not None:
                raise AssertionError(f"daemon {p.home.root.name} died:\n{p.output()[-3000:]}")
        if time.monotonic() > end:
            logs = "\n".join(f"--- {p.home.root.name}\n{p.output()[-2000:]}" for p in procs)
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(0.2)


async def radio_connected(home: SiteHome) -> bool:
    if not home.db_path.exists():
        return False
    try:
        async with await Store.open(home.db_path, create=False, readonly=True) as store:
            return bool(await store.events(kinds=("radio.connected",)))
    except (StoreCorrupt, StoreMissing):
        return False  # the daemon has made the file but not its tables yet: not connected yet

"""Real parts for the console tests: `nsplink console` as a subprocess on a free port, and the
system's headless Chromium driven by Playwright (never a downloaded browser).

Screenshots go to tests/artifacts/console/ (ignored by git) to be looked at after a run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nsplink.app.site import SiteHome
from tests.app.daemon.procs import DaemonProc

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "console"
CHROMIUM = os.environ.get("NSPLINK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",  # the P1 sound, as after an operator's click
]


def chromium_or_skip() -> str:
    """The system browser. `make test` installs it first (the Makefile's sysdeps target); a
    machine where it truly cannot be installed skips with this reason."""
    if not (os.access(CHROMIUM, os.X_OK) or shutil.which("chromium")):
        reason = f"no Chromium at {CHROMIUM}: run 'make sysdeps' (apt-get install chromium)"
        # .ci/run (and most CI services, with CI) install it through make test: there it must run
        if os.environ.get("NSPLINK_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return CHROMIUM if os.access(CHROMIUM, os.X_OK) else str(shutil.which("chromium"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ConsoleProc(DaemonProc):
    """`nsplink --home CP console` as an operator starts it (stopped like a daemon: SIGTERM)."""

    def __init__(self, home: SiteHome, log_dir: Path, *, lang: str | None = "nl") -> None:
        super().__init__(home, log_dir)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"console-{self.port}.log"
        self.lang = lang

    def start(self, *extra: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("NSPLINK_LANG", None)  # None: the site's own setting decides, as for an operator
        if self.lang is not None:
            env["NSPLINK_LANG"] = self.lang
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nsplink", "--home", str(self.home.root), "console",
                 "--port", str(self.port), *extra],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
            )  # fmt: skip

    async def ready(self, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            assert self.proc is not None and self.proc.poll() is None, self.output()
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.1)
        raise AssertionError(f"console did not start:\n{self.output()}")


async def shot(page: object, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path

"""The CLI run as a person runs it, for end-to-end tests (the live sites and daemons those tests
use are fixtures in tests/cli/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nsplink.app.site import SiteHome

ROOT = Path(__file__).resolve().parents[2]


def run_nsplink(home: SiteHome, *args: str) -> subprocess.CompletedProcess[str]:
    """One CLI command at a site, as a person runs it (Dutch), whatever its exit code."""
    env = dict(os.environ, NSPLINK_LANG="nl")
    return subprocess.run(
        [sys.executable, "-m", "nsplink", "--home", str(home.root), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def nsplink(home: SiteHome, *args: str) -> str:
    """One CLI command at a site, as a person runs it (Dutch); its output, or the test fails."""
    done = run_nsplink(home, *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout

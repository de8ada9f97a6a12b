"""Run `python -m nsplink` as a person would: a real subprocess, Dutch unless told otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_nsplink(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NSPLINK_")}
    return subprocess.run(
        [sys.executable, "-m", "nsplink", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=cwd,
    )

"""`make demo` end to end: real daemons on the emulated mesh, the CP queue, the smoke report,
and no process or file left behind. (The run takes ~10 s; the subprocess timeout is only a
bound, the two-minute figure is checked by running `make demo`.)"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _processes_mentioning(text: str) -> list[str]:
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmd:
            out.append(f"{pid}: {cmd}")
    return out


def test_demo_shows_the_report_in_the_cp_queue_and_cleans_up(tmp_path: Path) -> None:
    env = dict(os.environ, NSPLINK_LANG="en", TMPDIR=str(tmp_path))
    r = subprocess.run(
        [sys.executable, "-m", "nsplink.demo"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    assert "signature verified: yes" in out and "refused (protocol.verify" in out
    assert "Every daemon has its radio." in out
    # the CP operator's queue lists the NSP's report, and the NSP sees the CP's receipt
    queue = out.split("nsplink queue", 1)[1]
    assert "nsp-dorpshuis" in queue and "P1" in queue
    assert "the CP's receipt came in after" in out
    assert "Messages lost (must be 0): 0" in out and "Duplicates shown (must be 0): 0" in out
    assert _processes_mentioning(str(tmp_path)) == []
    assert list(tmp_path.iterdir()) == []  # the temporary directory is gone too

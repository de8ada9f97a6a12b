"""'Bericht opgeslagen' is only said once the message is durable: `nsplink send` processes are
SIGKILLed at random moments, and the log must hold each message whole (created AND queued)
or not at all, must hold every message whose number was printed, and must still verify."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from nsplink.app.site import SiteHome
from nsplink.store import Store
from nsplink.store import events as ev
from tests.cli.cli_sites import homes, run

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["send", "sitrep", "--no-interactive", "--yes", "--nsp-state", "OPEN", "--power", "ACCU",
        "--power-hours", "3", "--staff-pro", "1", "--staff-vol", "2", "--visitors", "12",
        "--text", "Koud in de zaal, ë"]  # fmt: skip


async def _state(home: SiteHome) -> tuple[list[str], list[str], bool]:
    async with await Store.open(home.db_path) as store:
        created = [r.ref for r in await store.events(kinds=(ev.MESSAGE_CREATED,))]
        queued = [r.ref for r in await store.events(kinds=(ev.MESSAGE_QUEUED,))]
        report = await store.verify()
    return created, queued, report.problem is None


def test_sigkill_at_any_moment_never_leaves_half_a_message(tmp_path: Path) -> None:
    home = homes(tmp_path)["nsp-houten"]
    rng = random.Random(20261123)
    printed: list[str] = []
    for n in range(9):
        proc = subprocess.Popen(
            [sys.executable, "-m", "nsplink", "--home", str(home.root), *ARGS],
            cwd=ROOT,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        time.sleep(rng.uniform(0.1, 1.0))  # start-up takes ~0.5 s: before, during and after
        if proc.poll() is None and n < 8:  # the last run finishes: one message at least
            proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate(timeout=30)
        match = re.search(r"Berichtnummer: (\S+)", out)
        if match:
            assert "Bericht opgeslagen" in out
            printed.append(match.group(1))
    created, queued, intact = run(_state(home))
    assert intact
    assert created == queued  # never created without queued, never twice
    assert len(set(created)) == len(created)
    assert printed and set(printed) <= set(created)  # said 'opgeslagen' => it is in the log

"""CLI benchmark: how long a volunteer waits for "Bericht opgeslagen", and how long the CP's
queue screen takes to draw (and redraw under --watch) as the queue grows.

Prints figures and ratios against references measured in the same run; asserts nothing.
- send: a whole `nsplink send emergency --yes` process, against a bare Python start-up
  (`python -c pass`) and against one `import nsplink.cli.app` process; the in-process part
  (sign + durable append) against a bare two-event append to the same store.
- queue: `queue_lines` for N received reports (each frame decoded against the roster, as
  shown) against the bare `store.inbox()` query it starts from.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nsplink.app.compose import queue_message
from nsplink.app.keys import load_identity
from nsplink.app.site import SiteHome
from nsplink.cli.queue_cmd import queue_lines
from nsplink.cli.sitefiles import load_site
from nsplink.protocol import (
    ALL_CPS,
    Answer,
    Emergency,
    Incident,
    Priority,
    Services,
    decode_unverified,
)
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.app.daemon.sites import make_sites

ROOT = Path(__file__).resolve().parents[1]
SEND_ARGS = [
    "send", "emergency", "--no-interactive", "--yes", "--incident", "MED", "--services", "A",
    "--people-involved", "1", "--street", "Kerkstraat", "--number", "12", "--place", "Houten",
    "--life-threat", "nee", "--text", "Buurvrouw onwel, aanspreekbaar.",
]  # fmt: skip


def _proc_seconds(args: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, cwd=ROOT, capture_output=True, check=True, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _body(i: int) -> Emergency:
    return Emergency(
        Incident.MED, Services.A, 1 + i % 5, life_threat=Answer.NEE if i % 3 else Answer.JA,
        street=f"Straat {i}", number=str(i), place="Houten", text=f"Melding {i}: onwel.",
    )  # fmt: skip


async def _fill(nsp: SiteHome, cp: SiteHome, n: int) -> None:
    ident = load_identity(nsp.key_path)
    now = time.time()
    async with await Store.open(nsp.db_path) as ns, await Store.open(cp.db_path) as cs:
        for i in range(n):
            mid, frame = await queue_message(
                ns, ident, "nsp", _body(i), ALL_CPS, Priority.P2, now - n + i
            )
            env = decode_unverified(frame)
            ref = str(mid)
            data = {"sender": str(env.sender), "seq": env.seq, "sender_site": "nsp-houten",
                    "type": "emergency", "priority": env.priority.value}  # fmt: skip
            await cs.append_many(
                [
                    Event(ev.MESSAGE_RECEIVED, now, "cp", ref, data, frame, seal_frame=True),
                    Event(ev.MESSAGE_VERIFIED, now, "cp", ref, {}),
                ]
            )


async def _queue_figures(cp: SiteHome, runs: int) -> tuple[float, float, float, int]:
    """(bare inbox query, first screen, --watch redraw with decoded rows kept, lines)."""
    site = load_site(cp)
    async with await Store.open(cp.db_path) as store:
        bare, drawn, redrawn = [], [], []
        lines = 0
        for _ in range(runs):
            t0 = time.perf_counter()
            await store.inbox()
            bare.append(time.perf_counter() - t0)
            kept: dict[str, str] = {}
            t0 = time.perf_counter()
            lines = len(await queue_lines(store, site, "nl", time.time(), False, kept))
            drawn.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await queue_lines(store, site, "nl", time.time(), False, kept)
            redrawn.append(time.perf_counter() - t0)
    return statistics.median(bare), statistics.median(drawn), statistics.median(redrawn), lines


async def _append_figures(home: SiteHome, runs: int) -> tuple[float, float]:
    ident = load_identity(home.key_path)
    async with await Store.open(home.db_path) as store:
        bare, full = [], []
        for i in range(runs):
            t0 = time.perf_counter()
            await store.append_many(
                [
                    Event(
                        ev.MESSAGE_CREATED,
                        time.time(),
                        "b",
                        f"bench-{i}",
                        {
                            "type": "emergency",
                            "destination": "cps",
                            "priority": "P2",
                            "sender": "bench",
                            "seq": i + 1,
                        },
                        b"x" * 150,
                    ),
                    Event(ev.MESSAGE_QUEUED, time.time(), "b", f"bench-{i}", {}),
                ]
            )
            bare.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await queue_message(store, ident, "b", _body(i), ALL_CPS, Priority.P2, time.time())
            full.append(time.perf_counter() - t0)
    return statistics.median(bare), statistics.median(full)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sites = make_sites(Path(tmp), [("cp-utrecht", "cp"), ("nsp-houten", "nsp")])
        nsp, cp = sites["nsp-houten"], sites["cp-utrecht"]
        py = [sys.executable]
        env_home = ["-m", "nsplink", "--home", str(nsp.root)]
        os.environ.setdefault("NSPLINK_LANG", "nl")
        start = _proc_seconds([*py, "-c", "pass"], 3)
        imp = _proc_seconds([*py, "-c", "import nsplink.cli.app"], 3)
        send = _proc_seconds([*py, *env_home, *SEND_ARGS], 5)
        print("send emergency (whole process, until 'Bericht opgeslagen'), median of 5:")
        print(f"  nsplink send     {send * 1000:7.0f} ms")
        print(f"  import CLI only  {imp * 1000:7.0f} ms   (send / import = {send / imp:.2f}x)")
        print(f"  python -c pass   {start * 1000:7.0f} ms   (send / bare = {send / start:.1f}x)")
        bare, full = asyncio.run(_append_figures(nsp, 30))
        print("in-process, median of 30:")
        print(f"  bare 2-event durable append   {bare * 1000:6.2f} ms")
        print(f"  queue_message (sign+reserve+append) {full * 1000:6.2f} ms"
              f"   ({full / bare:.2f}x the bare append)")  # fmt: skip
        print("CP queue screen (queue_lines) vs the bare inbox query, median of 5:")
        done = 0
        for n in (50, 200, 500):
            asyncio.run(_fill(nsp, cp, n - done))
            done = n
            q, drawn, redrawn, lines = asyncio.run(_queue_figures(cp, 5))
            print(
                f"  {n:4d} items: inbox() {q * 1000:7.2f} ms, screen {drawn * 1000:8.1f} ms "
                f"({drawn / q:6.1f}x; {drawn / n * 1000:.2f} ms per row, {lines} lines), "
                f"--watch redraw {redrawn * 1000:6.1f} ms ({redrawn / q:5.1f}x)"
            )
        print("  (--watch redraws every --interval, 2 s by default; decoded rows are kept)")


if __name__ == "__main__":
    main()

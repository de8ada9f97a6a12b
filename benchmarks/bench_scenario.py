"""The 72-hour long-outage exercise: wall time and speed-up over real time (target <= 30 s).

Every site runs the real protocol engine with its own SQLite store, so the figures include
signing, verifying and logging. Printed: wall time of the run and of the report, virtual hours
per wall second, the share spent in SQLite, and the ratio to the 30 s target. The reference
measured in the same run is the smoke scenario (2 + 2 h, 4 sites): per simulated site-hour the
long run should cost about as much, or the runner does not scale with the network.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from nsplink.scenario.report import collect
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import load_scenario

ROOT = Path(__file__).resolve().parent.parent / "scenarios"
TARGET_S = 30.0


async def measure(name: str, out: Path) -> dict[str, float]:
    sc = load_scenario(ROOT / name)
    t0 = time.perf_counter()
    result = await ScenarioRun(sc, out).run()
    t1 = time.perf_counter()
    rep = await collect(result)
    t2 = time.perf_counter()
    virtual_h = (sc.duration + sc.drain) / 3600
    return {
        "run_s": t1 - t0,
        "report_s": t2 - t1,
        "virtual_h": virtual_h,
        "site_hours": virtual_h * len(sc.sites),
        "store_s": result.store_s,
        "events_written": result.events_written,
        "radio_events": result.events_processed,
        "messages": sum(r["sent"] for r in rep["delivery"].values()),
        "lost": rep["lost"],
        "dups": rep["duplicates_shown"],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as d:
        ref = asyncio.run(measure("smoke.yaml", Path(d) / "smoke"))
        big = asyncio.run(measure("long-power-outage.yaml", Path(d) / "long"))
    total = big["run_s"] + big["report_s"]
    print(
        f"long-power-outage: {big['virtual_h']:.0f} virtual h, {big['messages']:.0f} messages,"
        f" lost {big['lost']:.0f}, duplicates shown {big['dups']:.0f}"
    )
    print(
        f"  run {big['run_s']:.2f} s + report {big['report_s']:.2f} s = {total:.2f} s wall"
        f"  (target <= {TARGET_S:.0f} s: {total / TARGET_S:.2f} of budget)"
    )
    print(f"  speed-up over real time: {big['virtual_h'] * 3600 / big['run_s']:,.0f}x")
    print(
        f"  SQLite: {big['events_written']:.0f} events in {big['store_s']:.2f} s"
        f" ({big['store_s'] / big['run_s']:.0%} of the run);"
        f" radio events {big['radio_events']:,.0f}"
    )
    per_big = big["run_s"] / big["site_hours"] * 1000
    per_ref = ref["run_s"] / ref["site_hours"] * 1000
    print(f"  reference smoke.yaml: {ref['run_s']:.2f} s for {ref['site_hours']:.0f} site-hours")
    print(
        f"  cost per site-hour: {per_big:.2f} ms vs {per_ref:.2f} ms in the smoke run"
        f" (ratio {per_big / per_ref:.2f})"
    )

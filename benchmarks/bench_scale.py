"""Scaling: the simulator alone at 60 / 150 / 300 / 600 nodes and generated regions at
15 / 30 / 60 / 100 / 200 NSPs (targets: exponent <= 1.2 from 60 to 600 nodes, 600 nodes x 24 h
in <= 120 s CPU), the issue's region (100 NSPs, 3 CPs, 10 relays: 72 h in <= 60 s CPU and
<= 500 MB), and a country of 25 regions against 25 times one region (72 h in <= 15 min CPU).

Density and traffic per node stay constant, so a bigger network is a bigger area with more
messages. Floods still reach further and more neighbours decode each packet, so the firmware
work itself (receptions) grows faster than the nodes; the cost per reception shows what the
simulator adds. Every size runs in a forked child so its CPU time and peak memory are its own.
Printed per size: CPU seconds (and per simulated hour), events, transmissions per message,
receptions per transmission and CPU per reception, airtime per second (summed over senders),
messages lost, peak RSS; the growth exponents between sizes; the cost per event against a bare
heapq loop timed in the same run; for regions, where the CPU went (the simulator, the sites'
engines, drivers and journals, the runner, the SQLite threads) and what the sites alone cost.

The default run simulates few hours so it stays within minutes; the 24 h figures it prints are
extrapolations, labelled so (24 h runs cost about 20 % more per hour than 1 h runs).
NSPLINK_BENCH_HOURS=24 (simulator) and NSPLINK_BENCH_SCENARIO_HOURS=72 (regions) run the full
lengths; NSPLINK_BENCH_SIZES=60,150 and NSPLINK_BENCH_NSPS=15,30 pick sizes (NSPS=0: no regions);
NSPLINK_BENCH_COUNTRY=25 is the number of regions in the country run, each of
NSPLINK_BENCH_COUNTRY_NSPS NSPs (default: the smallest size; 60 is the national plan's middle).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import multiprocessing as mp
import random
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.envargs import env_float, env_ints
from benchmarks.reference import bare_heap
from nsplink.radio.sim import AppReceive, Medium
from nsplink.radio.sim.packet import BROADCAST

PORT = 256
DENSITY_PER_KM2 = 60 / 256.0  # bench_sim's 60 nodes on 16 km x 16 km
MESSAGES_PER_NODE_HOUR = 5000 / 72 / 60  # bench_sim's traffic per node
SIM_SIZES = (60, 150, 300, 600)
REGION_NSPS = (15, 30, 60, 100, 200)
TARGET_EXPONENT = 1.2
TARGET_600_S = 120.0
# the region: 100 NSPs, 3 CPs, 10 relays over 72 h in <= 60 s CPU and <= 500 MB; the
# country of 25 regions over 72 h in <= 15 minutes CPU
TARGET_REGION = (100, 3, 10)
TARGET_REGION_S = 60.0
TARGET_REGION_MB = 500.0
TARGET_COUNTRY_S = 900.0
EXERCISE_H = 72.0


# -- the simulator alone ---------------------------------------------------------------------------


def sim_run(nodes: int, hours: float, seed: int = 7) -> dict[str, float]:
    """`nodes` at constant density: 5 % CPs, 10 % routers, the rest NSPs reporting to their
    nearest CP; 10 % of the messages are CP bulletins, 65 % reports, 25 % receipts."""
    side = math.sqrt(nodes / DENSITY_PER_KM2) * 1000.0
    m = Medium(seed=seed)
    rnd = random.Random(seed)
    n_cp = max(1, nodes // 20)
    n_router = max(1, nodes // 10)
    pos: dict[int, tuple[float, float]] = {}
    for n in range(1, nodes + 1):
        role = "ROUTER" if n_cp < n <= n_cp + n_router else "CLIENT"
        pos[n] = (rnd.uniform(0, side), rnd.uniform(0, side))
        m.add_node(n, position=pos[n], role=role)
    cps = list(range(1, n_cp + 1))
    nsps = list(range(n_cp + n_router + 1, nodes + 1))
    home = {n: min(cps, key=lambda c: math.dist(pos[c], pos[n])) for n in nsps}
    delivered: set[tuple[int, int]] = set()

    def sink(num: int) -> Callable[[object], None]:
        def on(ev: object) -> None:
            if isinstance(ev, AppReceive):
                delivered.add((num, ev.packet_id))

        return on

    for num, node in m.nodes.items():
        node.on_event = sink(num)
    horizon = hours * 3600.0
    count = round(MESSAGES_PER_NODE_HOUR * nodes * hours)
    times = sorted(rnd.uniform(0, max(horizon - 600, horizon / 2)) for _ in range(count))
    dms: list[tuple[int, int]] = []
    sent = 0
    t0 = time.process_time()
    m.neighbours(1)  # the neighbour table: built once, a cost that does not grow with hours
    build = time.process_time() - t0
    for t in times:
        m.advance_to(t)
        kind = rnd.random()
        if kind < 0.10:
            res = m.node(rnd.choice(cps)).send(
                dest=BROADCAST, payload=rnd.randbytes(150), portnum=PORT
            )
        else:
            nsp = rnd.choice(nsps)
            src, dst = (nsp, home[nsp]) if kind < 0.75 else (home[nsp], nsp)
            res = m.node(src).send(
                dest=dst, payload=rnd.randbytes(rnd.randint(40, 200)), portnum=PORT, want_ack=True
            )
            if res.ok:
                dms.append((dst, res.packet_id))
        sent += res.ok
    m.advance_to(horizon)
    cpu = time.process_time() - t0
    occupancy = m.stats["airtime_ms"] / 1000.0 / horizon  # channel-seconds on air per second
    return {
        "cpu_s": cpu,
        "events": float(m.events_processed),
        "messages": float(sent),
        "tx": float(m.stats["tx"]),
        "occupancy": occupancy,
        "lost": float(sum(1 for key in dms if key not in delivered)),
        "dms": float(len(dms)),
        "sim_h": hours,
        "build_s": build,
        "rx": float(m.stats["rx_ok"] + m.stats["rx_collided"]),
    }


# -- generated regions through the scenario runner ------------------------------------------------


def region_run(
    nsps: int,
    hours: float,
    seed: int = 7,
    regions: int = 1,
    quiet: bool = False,
    cps: int | None = None,
    relays: int | None = None,
) -> dict[str, float]:
    from nsplink.scenario.generate import RegionSpec, generate
    from nsplink.scenario.report import collect
    from nsplink.scenario.runner import ScenarioRun
    from nsplink.scenario.schema import parse_scenario

    spec = RegionSpec(nsps=nsps, cps=cps, relays=relays)
    text = generate([spec] * regions, seed=seed, hours=hours, mute_covered=quiet)
    sc = parse_scenario(text, f"region-{nsps}.yaml")
    with tempfile.TemporaryDirectory() as d:
        t0 = time.process_time()
        main0 = time.thread_time()
        result = asyncio.run(ScenarioRun(sc, Path(d), measure_cpu=True).run())
        main = time.thread_time() - main0
        cpu = time.process_time() - t0
        rep = asyncio.run(collect(result))
        report_s = time.process_time() - t0 - cpu
    stats = result.medium_stats
    split = result.cpu
    assert split is not None  # asked for with measure_cpu
    messages = float(sum(r["sent"] for r in rep["delivery"].values()))
    return {
        "cpu_s": cpu,
        "events": float(result.events_processed),
        "messages": messages,
        "tx": float(stats["tx"]),
        "occupancy": stats["airtime_ms"] / 1000.0 / (sc.duration + sc.drain),
        "lost": float(rep["lost"]),
        "sites": float(len(sc.sites)),
        "store_s": result.store_s,
        "sim_h": (sc.duration + sc.drain) / 3600.0,
        "drain_h": sc.drain / 3600.0,
        "build_s": 0.0,
        "rx": float(stats["rx_ok"] + stats["rx_collided"]),
        "report_s": report_s,
        # where the CPU went: the simulated radios and medium, the sites' engines, drivers and
        # journals (the daemon's own code), the runner's agenda, other threads (SQLite)
        "sim_cpu_s": split.simulator_s,
        "sites_cpu_s": split.sites_s,
        "runner_cpu_s": main - split.simulator_s - split.sites_s,
        "threads_cpu_s": cpu - main,
    }


# -- plumbing --------------------------------------------------------------------------------------


def _child(fn: Callable[..., dict[str, float]], args: tuple[Any, ...], q: Any) -> None:
    out = fn(*args)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    q.put(out)


def isolated(fn: Callable[..., dict[str, float]], *args: Any) -> dict[str, float]:
    """Run `fn(*args)` in a forked child: its own CPU clock and its own peak memory."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn, args, q))
    p.start()
    out: dict[str, float] = q.get()
    p.join()
    return out


def exponent(n0: float, c0: float, n1: float, c1: float) -> float:
    return math.log(c1 / c0) / math.log(n1 / n0) if c0 > 0 and c1 > 0 else float("nan")


def _table(title: str, unit: str, sizes: tuple[int, ...], rows: list[dict[str, float]]) -> None:
    """One line per size; '24h est' is the per-hour cost times 24 plus the one-off table build."""
    print(title)
    print(
        f"  {unit:>6} {'CPU s':>8} {'s/sim-h':>8} {'24h est':>8} {'events':>10} {'tx/msg':>7} "
        f"{'rx/tx':>6} {'us/rx':>6} {'air s/s':>8} {'lost':>10} {'peak MB':>8}"
    )
    for n, r in zip(sizes, rows, strict=True):
        per_h = (r["cpu_s"] - r["build_s"]) / r["sim_h"]
        print(
            f"  {n:>6} {r['cpu_s']:>8.2f} {per_h:>8.2f} {per_h * 24 + r['build_s']:>8.1f} "
            f"{r['events']:>10,.0f} {r['tx'] / max(r['messages'], 1):>7.2f} "
            f"{r['rx'] / max(r['tx'], 1):>6.1f} {r['cpu_s'] / max(r['rx'], 1) * 1e6:>6.1f} "
            f"{r['occupancy']:>8.2f} {r['lost']:>5.0f}/{r['messages']:<4.0f} {r['peak_mb']:>8.0f}"
        )
    pairs = list(itertools.pairwise(range(len(sizes))))
    if len(sizes) > 2:
        pairs.append((0, len(sizes) - 1))
    for i, j in pairs:
        lo, hi = rows[i], rows[j]
        grow = {k: exponent(sizes[i], lo[k], sizes[j], hi[k]) for k in ("cpu_s", "events", "rx")}
        print(
            f"  growth {sizes[i]} -> {sizes[j]}: CPU ~ n^{grow['cpu_s']:.2f}, "
            f"events ~ n^{grow['events']:.2f}, receptions ~ n^{grow['rx']:.2f}"
        )


def _split(r: dict[str, float]) -> str:
    parts = (
        ("simulator", r["sim_cpu_s"]),
        ("sites", r["sites_cpu_s"]),
        ("runner", r["runner_cpu_s"]),
        ("SQLite threads", r["threads_cpu_s"]),
    )
    return ", ".join(f"{name} {v:.1f} s ({v / r['cpu_s']:.0%})" for name, v in parts)


def est_24h(r: dict[str, float]) -> float:
    return (r["cpu_s"] - r["build_s"]) / r["sim_h"] * 24 + r["build_s"]


def est_exercise(r: dict[str, float]) -> float:
    """CPU for a 72 h exercise and its drain, from the per-simulated-hour cost of a shorter run."""
    return r["cpu_s"] / r["sim_h"] * (EXERCISE_H + r["drain_h"])


def main() -> None:
    hours = env_float("NSPLINK_BENCH_HOURS", 1.0)
    sizes = env_ints("NSPLINK_BENCH_SIZES", SIM_SIZES)
    rows = [isolated(sim_run, n, hours) for n in sizes]
    label = "" if hours >= 24 else f" ({hours:g} h simulated; '24h est' is extrapolated)"
    _table(f"simulator alone, traffic and area proportional to nodes{label}", "nodes", sizes, rows)
    if 60 in sizes and 600 in sizes:
        r60, r600 = rows[sizes.index(60)], rows[sizes.index(600)]
        est = est_24h(r600)
        e = exponent(60, est_24h(r60), 600, est)
        print(
            f"  targets: exponent 60 -> 600 over 24 h {e:.2f} (<= {TARGET_EXPONENT}); "
            f"600 nodes x 24 h "
            f"{est:.1f} s CPU{' (extrapolated)' if hours < 24 else ''} (<= {TARGET_600_S:.0f} s)"
        )
    big = rows[-1]
    ref = bare_heap(int(big["events"]))
    per_event = big["cpu_s"] / big["events"] * 1e6
    ref_us = ref / big["events"] * 1e6
    print(
        f"  cost per event at {sizes[-1]} nodes: {per_event:.2f} us vs bare heapq push/pop "
        f"{ref_us:.3f} us (ratio {per_event / ref_us:.0f}x)"
    )
    s_hours = env_float("NSPLINK_BENCH_SCENARIO_HOURS", 2.0)
    nsps = env_ints("NSPLINK_BENCH_NSPS", REGION_NSPS)
    if not nsps or nsps == (0,):
        return
    rrows = [isolated(region_run, n, s_hours) for n in nsps]
    label = "" if s_hours >= 72 else f" ({s_hours:g} h + drain simulated; '24h est' extrapolated)"
    _table(f"generated regions through the scenario runner{label}", "NSPs", nsps, rrows)
    for n, r in zip(nsps, rrows, strict=True):
        print(f"  {n:>4} NSPs, where the CPU went: {_split(r)}")
    nsp, cps, relays = TARGET_REGION
    t = isolated(region_run, nsp, s_hours, 7, 1, False, cps, relays)
    full = s_hours >= EXERCISE_H
    at = "" if full else f" at {t['sim_h']:g} h"
    # a short run only bounds the exercise from below: queues build up over the hours
    short = "" if full else " (at least: extrapolated from the first hours)"
    print(
        f"  target region {nsp} NSPs, {cps} CPs, {relays} relays: {t['cpu_s']:.1f} s CPU for "
        f"{t['sim_h']:g} h; 72 h + drain {est_exercise(t):.0f} s CPU{short} "
        f"(<= {TARGET_REGION_S:.0f} s); peak RSS {t['peak_mb']:.0f} MB{at} "
        f"(<= {TARGET_REGION_MB:.0f} MB at 72 h)"
    )
    # the sites' share is the daemon's own code (engine, driver, journal) and its SQLite: what a
    # scenario costs even with a simulator that took no time at all
    own = t["sites_cpu_s"] + t["threads_cpu_s"]
    print(
        f"    where: {_split(t)}; the sites and their SQLite alone {own:.1f} s, 72 h + drain "
        f"{own / t['cpu_s'] * est_exercise(t):.0f} s{short}"
    )
    # the same regions with the NSP radios the plan finds can be quiet set to CLIENT_MUTE
    print("quiet NSP radios (scenario plan / generate --mute-covered), same traffic:")
    for n, plain in zip(nsps, rrows, strict=True):
        q = isolated(region_run, n, s_hours, 7, 1, True)
        per = plain["tx"] / max(plain["messages"], 1)
        qper = q["tx"] / max(q["messages"], 1)
        print(
            f"  {n:>4} NSPs: tx/msg {per:.1f} -> {qper:.1f} (ratio {qper / per:.2f}), "
            f"airtime ratio {q['occupancy'] / plain['occupancy']:.2f}, "
            f"lost {plain['lost']:.0f} -> {q['lost']:.0f}, "
            f"CPU ratio {q['cpu_s'] / plain['cpu_s']:.2f}"
        )
    # the national comparison: regions a radio horizon apart should cost regions x one region
    n_regions = int(env_float("NSPLINK_BENCH_COUNTRY", 25))
    per = int(env_float("NSPLINK_BENCH_COUNTRY_NSPS", nsps[0]))
    if n_regions > 1 and per > 0:
        c = isolated(region_run, per, s_hours, 7, n_regions)
        one = rrows[nsps.index(per)] if per in nsps else isolated(region_run, per, s_hours)
        print(
            f"country: {n_regions} regions of {per} NSPs ({c['sites']:.0f} sites, each its own "
            f"SQLite log; {c['store_s']:.0f} s in SQLite; each region its own roster and medium, "
            f"run one after the other): {c['cpu_s']:.2f} s CPU + {c['report_s']:.1f} s report, "
            f"{c['events']:,.0f} events, lost {c['lost']:.0f}/{c['messages']:.0f}, peak "
            f"{c['peak_mb']:.0f} MB (one region {one['peak_mb']:.0f} MB, ratio "
            f"{c['peak_mb'] / one['peak_mb']:.2f}); vs {n_regions} x one region: CPU ratio "
            f"{c['cpu_s'] / (n_regions * one['cpu_s']):.2f}, events ratio "
            f"{c['events'] / (n_regions * one['events']):.2f}, CPU per event ratio "
            f"{c['cpu_s'] / c['events'] / (one['cpu_s'] / one['events']):.2f}"
        )
        print(
            f"  country over 72 h + drain: {est_exercise(c):.0f} s CPU{short} "
            f"(<= {TARGET_COUNTRY_S:.0f} s)"
        )


if __name__ == "__main__":
    main()

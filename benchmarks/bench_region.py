"""Issue 17's target region, pooled over seeds, on LONG_FAST and on a faster preset.

A generated region (100 NSPs, 3 CPs, 15 relays, the exercise's traffic) run through the
scenario runner once per seed and preset. Printed per run, then pooled per preset: messages
typed, reports that never reached a CP, messages the report counts lost, reports whose sender's
own log shows them delivered (receipted), transmissions per delivered message, channel airtime
summed over senders, emergencies typed -> first CP p50 / p95 (an emergency that never arrived
counts as slower than any that did) and within 10 minutes, and the busiest area's busiest hour
(channel utilisation as its radios measured it; above 40 % the area is over capacity), and how
many bulletins the CP's log shows confirmed by every NSP, with their sends each. Beside
them the issue's targets (0 lost, every report receipted, <= 6 transmissions per message,
emergency p95 <= 2 minutes) and each preset's ratio against LONG_FAST measured in the same run,
the reference.

The default run is short (2 hours, seeds 1 and 2) so `make bench` stays within minutes; the
figures in docs/congestion.md are NSPLINK_BENCH_SCENARIO_HOURS=8 NSPLINK_BENCH_SEEDS=1-10.
NSPLINK_BENCH_NSPS / _CPS / _RELAYS pick the region (the issue names 10 relays; 15 is the
default because MEDIUM_FAST's shorter range wants them, docs/congestion.md part 5),
NSPLINK_BENCH_PRESETS the presets (the first is the reference), NSPLINK_BENCH_QUIET=1
generates it with --mute-covered, NSPLINK_BENCH_LOAD=2 offers twice the emergencies and
sitreps (`scenario generate --load`), and NSPLINK_BENCH_UNSURVEYED=1 leaves out the relays the
generator's site survey adds where NSPs are on weak links (`--no-survey`; docs/congestion.md
part 9). Two runs at a time, each in its own forked child.
"""

from __future__ import annotations

import math
import multiprocessing as mp
from collections.abc import Sequence
from dataclasses import dataclass

from benchmarks.envargs import env_flag, env_float, env_int, env_ints, env_words
from benchmarks.regions import run_region
from nsplink.scenario.generate import RegionSpec, generate

TARGET_TX_PER_MESSAGE = 6.0
TARGET_EMERGENCY_P95_S = 120.0
TEN_MIN = 600.0


@dataclass(frozen=True)
class Run:
    preset: str
    seed: int
    typed: int
    reports: int
    not_at_cp: int
    lost: int
    receipted: int
    false_delivered: int  # a sender's log says delivered, no CP has it: must be 0
    delivered: int
    tx: int
    airtime_s: float
    emergency_s: tuple[float, ...]  # typed -> first CP; inf: never arrived
    busiest_pct: float  # the busiest area's busiest hour, as its radios measured it
    cpu_s: float
    relays: int  # with the survey's
    bulletins: int
    bulletins_confirmed: int  # the CP's log shows every NSP's receipt
    bulletin_sends: float  # mean sends per bulletin


def one(args: tuple[str, int, int, int, int, float, bool, float, bool]) -> Run:
    preset, seed, nsps, cps, relays, hours, quiet, load, survey = args
    spec = RegionSpec(nsps=nsps, cps=cps, relays=relays)
    text = generate(
        [spec], seed=seed, hours=hours, mute_covered=quiet, preset=preset, load=load, survey=survey
    )
    r = run_region(text)
    reports = [o for o in r.offered if o.dest != "nsps"]
    return Run(
        preset,
        seed,
        len(r.offered),
        len(reports),
        sum(1 for o in reports if o.at_cp is None),
        int(r.report["lost"]),
        sum(1 for o in reports if o.state == "delivered"),
        sum(1 for o in reports if o.state == "delivered" and o.at_cp is None),
        r.delivered,
        int(r.result.medium_stats["tx"]),
        r.result.medium_stats["airtime_ms"] / 1000.0,
        tuple(
            (o.at_cp - o.t) if o.at_cp is not None else math.inf
            for o in r.offered
            if o.type == "emergency"
        ),
        max((a["peak_hour_pct"] for a in r.report["occupancy"]["areas"].values()), default=0.0),
        r.cpu_s,
        sum(1 for s in r.sc.sites if s.role == "relay"),
        int(r.report["delivery"]["bulletin"]["sent"]),
        int(r.report["delivery"]["bulletin"]["confirmed"]),
        float(r.report["delivery"]["bulletin"]["sends_mean"]),
    )


def quantile(values: Sequence[float], q: float) -> float:
    """The nearest-rank quantile; inf when it falls on an emergency that never arrived."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def pool(runs: Sequence[Run]) -> dict[str, float]:
    em = [x for r in runs for x in r.emergency_s]
    delivered = sum(r.delivered for r in runs)
    return {
        "typed": sum(r.typed for r in runs),
        "reports": sum(r.reports for r in runs),
        "not_at_cp": sum(r.not_at_cp for r in runs),
        "lost": sum(r.lost for r in runs),
        "receipted": sum(r.receipted for r in runs),
        "false_delivered": sum(r.false_delivered for r in runs),
        "tx_per_msg": sum(r.tx for r in runs) / max(1, delivered),
        "airtime_s": sum(r.airtime_s for r in runs),
        "em_p50": quantile(em, 0.5),
        "em_p95": quantile(em, 0.95),
        "em_10min": sum(1 for x in em if x <= TEN_MIN) / len(em) if em else math.nan,
        "busiest_pct": max(r.busiest_pct for r in runs),
        "cpu_s": sum(r.cpu_s for r in runs),
        "bulletins": sum(r.bulletins for r in runs),
        "bulletins_confirmed": sum(r.bulletins_confirmed for r in runs),
        "bulletin_sends": sum(r.bulletin_sends * r.bulletins for r in runs)
        / max(1, sum(r.bulletins for r in runs)),
    }


def _s(x: float) -> str:
    return "never" if math.isinf(x) else "-" if math.isnan(x) else f"{x:,.0f}"


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:.1f} %"


def _row(label: str, p: dict[str, float]) -> str:
    return (
        f"  {label:<24} {p['typed']:>6,.0f} {p['not_at_cp']:>6,.0f} {p['lost']:>5,.0f} "
        f"{p['receipted']:>6,.0f}/{p['reports']:<6,.0f} {p['tx_per_msg']:>7.1f} "
        f"{p['airtime_s']:>10,.0f} {_s(p['em_p50']):>6} {_s(p['em_p95']):>7} "
        f"{_pct(p['em_10min']):>8} {p['busiest_pct']:>5.0f} % {p['cpu_s']:>6,.0f}"
    )


def main() -> None:
    nsps = env_int("NSPLINK_BENCH_NSPS", 100)
    cps = env_int("NSPLINK_BENCH_CPS", 3)
    relays = env_int("NSPLINK_BENCH_RELAYS", 15)
    hours = env_float("NSPLINK_BENCH_SCENARIO_HOURS", 2)
    seeds = list(env_ints("NSPLINK_BENCH_SEEDS", (1, 2)))
    presets = [p.upper() for p in env_words("NSPLINK_BENCH_PRESETS", "LONG_FAST,MEDIUM_FAST")]
    quiet = env_flag("NSPLINK_BENCH_QUIET")
    load = env_float("NSPLINK_BENCH_LOAD", 1)
    survey = not env_flag("NSPLINK_BENCH_UNSURVEYED")
    surveyed = " and the survey's" if survey else ", no survey"
    print(
        f"region: {nsps} NSPs, {cps} CPs, {relays} relays{surveyed}"
        f"{', quiet radios' if quiet else ''}; "
        f"{hours:g} h + drain, load x{load:g}; seeds {','.join(map(str, seeds))}; "
        f"presets {', '.join(presets)}"
    )
    jobs = [(p, s, nsps, cps, relays, hours, quiet, load, survey) for p in presets for s in seeds]
    with mp.get_context("fork").Pool(2) as workers:
        runs = workers.map(one, jobs, chunksize=1)
    head = (
        f"  {'':<24} {'typed':>6} {'no CP':>6} {'lost':>5} {'receipted':>13} {'tx/msg':>7} "
        f"{'airtime s':>10} {'em p50':>6} {'em p95':>7} {'em<=10m':>8} {'busiest':>7} {'CPU s':>6}"
    )
    print(head)
    pooled: dict[str, dict[str, float]] = {}
    for p in presets:
        mine = [r for r in runs if r.preset == p]
        for r in mine:
            print(_row(f"{p} seed {r.seed}", pool([r])))
        print(f"  {p} relays per seed: {', '.join(str(r.relays) for r in mine)}")
        pooled[p] = pool(mine)
    print("pooled over the seeds:")
    print(head)
    for p in presets:
        print(_row(p, pooled[p]))
    for p in presets:
        x = pooled[p]
        print(
            f"  {p} bulletins confirmed by every NSP: {x['bulletins_confirmed']:.0f} of "
            f"{x['bulletins']:.0f}, sent {x['bulletin_sends']:.1f} times each on average"
        )
    print(
        f"targets: 0 lost, every report receipted, <= {TARGET_TX_PER_MESSAGE:g} tx per message, "
        f"emergency p95 <= {TARGET_EMERGENCY_P95_S:g} s"
    )
    for p in presets:
        x = pooled[p]
        met = [
            x["lost"] == 0,
            x["receipted"] == x["reports"],
            x["tx_per_msg"] <= TARGET_TX_PER_MESSAGE,
            # no emergency typed (a short run): nothing to miss, so not held against it
            math.isnan(x["em_p95"]) or x["em_p95"] <= TARGET_EMERGENCY_P95_S,
        ]
        print(
            f"  {p}: {sum(met)} of 4 met (lost, receipted, tx/msg, emergency p95: {met}); "
            f"shown delivered in a sender's log but at no CP: {x['false_delivered']:.0f} "
            "(must be 0)"
        )
    ref = pooled[presets[0]]
    for p in presets[1:]:
        x = pooled[p]
        print(
            f"  {p} / {presets[0]} (the reference, same run): airtime "
            f"{x['airtime_s'] / max(ref['airtime_s'], 1e-9):.2f} x, tx per message "
            f"{x['tx_per_msg'] / max(ref['tx_per_msg'], 1e-9):.2f} x, not at a CP "
            f"{x['not_at_cp']:.0f} vs {ref['not_at_cp']:.0f}, emergency p95 "
            f"{_s(x['em_p95'])} vs {_s(ref['em_p95'])} s"
        )


if __name__ == "__main__":
    main()

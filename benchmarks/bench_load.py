"""Offered load against goodput on one generated region (issue 17: no congestion collapse).

The same region (sites, seed, timeline) at 1x and 2x offered load (`scenario generate --load`:
emergency rates times the load, sitreps that much more often). Printed per load: messages
offered, reports delivered to a CP and goodput (delivered per hour of exercise), emergencies at
a CP within 10 minutes of being typed, transmissions per message and channel airtime, and what
the senders' own logs say of the messages that did not arrive: their states, and how many
reports a log calls delivered that no CP received (must be 0: a shed routine report is shown as
not delivered, never as delivered). Goodput should not fall as the load rises.

NSPLINK_BENCH_NSPS (30), NSPLINK_BENCH_SCENARIO_HOURS (8), NSPLINK_BENCH_SEED (3) and
NSPLINK_BENCH_LOADS (1,2) pick the runs; NSPLINK_BENCH_CPS and NSPLINK_BENCH_RELAYS as bench_plain.
"""

from __future__ import annotations

from benchmarks.envargs import env_float, env_int, env_words
from benchmarks.regions import region_text, run_region, within

TEN_MIN = 600.0


def main() -> None:
    nsps = env_int("NSPLINK_BENCH_NSPS", 30)
    hours = env_float("NSPLINK_BENCH_SCENARIO_HOURS", 8)
    seed = env_int("NSPLINK_BENCH_SEED", 3)
    loads = [float(x) for x in env_words("NSPLINK_BENCH_LOADS", "1,2")]
    raw = ",".join(f"{x:g}" for x in loads)
    cps = env_int("NSPLINK_BENCH_CPS", 0) or None
    relays = env_int("NSPLINK_BENCH_RELAYS", 0) or None
    print(f"region: {nsps} NSPs, {hours:g} h + drain, seed {seed}; offered load x{raw}")
    print(
        f"  {'load':>5} {'offered':>8} {'reports':>8} {'at a CP':>8} {'goodput/h':>10} "
        f"{'emerg<=10m':>11} {'tx/msg':>7} {'airtime s':>10} {'false delivered':>16}"
    )
    base: tuple[float, int] | None = None
    for load in loads:
        r = run_region(region_text(nsps, hours, seed, cps=cps, relays=relays, load=load))
        reports = [o for o in r.offered if o.dest == "cps"]
        arrived = [o for o in reports if o.at_cp is not None]
        false = [o for o in reports if o.state == "delivered" and o.at_cp is None]
        ok, n = within(r.offered, "emergency", TEN_MIN)
        goodput = len(arrived) / hours
        print(
            f"  {load:>5g} {len(r.offered):>8} {len(reports):>8} {len(arrived):>8} "
            f"{goodput:>10.1f} {ok:>5}/{n:<5} "
            f"{r.result.medium_stats['tx'] / max(r.messages, 1):>7.1f} "
            f"{r.result.medium_stats['airtime_ms'] / 1000:>10,.0f} {len(false):>16}"
        )
        missing: dict[str, int] = {}
        for o in reports:
            if o.at_cp is None:
                key = f"{o.type}/{o.priority}: {o.state}"
                missing[key] = missing.get(key, 0) + 1
        shown = ", ".join(f"{k} {v}" for k, v in sorted(missing.items())) or "none"
        print(f"        not at a CP, as the sender's log shows them: {shown}")
        print(f"        senders' log states of all offered: {dict(sorted(r.states.items()))}")
        if base is None:
            base = (goodput, len(reports))
        else:
            print(
                f"        at {load:g}x the load: reports offered x{len(reports) / base[1]:.2f}, "
                f"goodput x{goodput / base[0]:.2f} (below 1 would be collapse)"
            )


if __name__ == "__main__":
    main()

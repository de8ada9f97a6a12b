"""nsplink against plain Meshtastic text on the same simulated region (issue 17).

One generated region runs through the scenario runner (nsplink: signed messages, receipts,
retries, custody, status beacons). Then the same messages, typed at the same moments by the same
sites, go out as plain Meshtastic text messages on a fresh medium built exactly as the runner
builds it (preset, seed, positions, radio roles, antennas, fixed links), with the same power
outages, night closures and partitions replayed at the same times. The simulated firmware does
what a device does with a text from its app: flooding, hop limit 3, want_ack with up to three
retransmissions for a direct message, the implicit ack (a neighbour's rebroadcast) for a
broadcast. Two plain variants:

- dm: a report (emergency, sitrep, supply request) is a direct message with want_ack to the
  sender's nearest CP, as a post would be told "send it to your CP"; a bulletin is a broadcast.
- broadcast: every message is a broadcast text on the channel (everyone sees everything); a
  report counts as delivered when any CP's app got it.

What plain text does not do, and nsplink does: no receipt beyond the firmware's ack (the sender's
app shows "acknowledged" for a direct message only, nothing end-to-end for a broadcast), no
signature or sealing, no retry after the firmware's three, no custody at relays, nothing for a
post that was off or cut off when the text went (it is simply lost), no status beacons. Neither
side counts the firmware's own NodeInfo / position / telemetry broadcasts (not simulated). Each
plain text has the size of nsplink's signed frame of the same message (at most 200 bytes, the
apps' limit), a generous size for plain text: a typed sentence carrying the same fields is rarely
shorter than the compact frame, but has no 64-byte signature.

Printed: transmissions per message, channel airtime, delivered share (the report's definition:
a report at any CP, a bulletin at every NSP), emergencies at a CP within 10 minutes; the ratio
nsplink / plain for each. NSPLINK_BENCH_NSPS (30), NSPLINK_BENCH_SCENARIO_HOURS (8) and
NSPLINK_BENCH_SEED (3), NSPLINK_BENCH_CPS and NSPLINK_BENCH_RELAYS (in proportion) pick the
region; NSPLINK_BENCH_QUIET=1 uses --mute-covered radios.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from benchmarks.envargs import env_flag, env_float, env_int
from benchmarks.regions import Offered, RegionRun, nearest, region_text, run_region, within
from nsplink.radio.sim import AppReceive, Medium, Propagation
from nsplink.radio.sim.packet import BROADCAST
from nsplink.scenario.schema import Scenario

TEXT_PORT = 1  # TEXT_MESSAGE_APP
MAX_TEXT = 200
TEN_MIN = 600.0
SPREAD_S = 300.0  # "typed at the same moment" by people: within five minutes


@dataclass
class Plain:
    tx: int
    airtime_s: float
    delivered: int
    sent: int
    emergencies_10min: tuple[int, int]
    by_type: dict[str, list[int]]  # type -> [delivered, sent]


def plain_run(
    sc: Scenario,
    seed: int,
    offered: list[Offered],
    outages: list[dict[str, Any]],
    mode: str,
    spread: float = 0.0,
) -> Plain:
    prop = Propagation(horizon_m=sc.horizon_m) if sc.horizon_m else None
    m = Medium(preset=sc.preset, seed=seed, propagation=prop)
    node_of = {s.name: s.node for s in sc.sites}
    for spec in sc.sites:
        node = m.add_node(spec.node, position=spec.position, role=spec.radio_role)
        if spec.antenna_dbi:
            node.antenna_gain_dbi = spec.antenna_dbi
            m.set_position(spec.node, spec.position)
    for link in sc.links:
        m.set_link(node_of[link.a], node_of[link.b], snr_db=link.snr_db, loss=link.loss)
    for o in outages:  # the runner's log of what power and the land did, at the same times
        if o["kind"] == "down":
            m.power_off(node_of[o["site"]], at=o["at"])
        elif o["kind"] == "up":
            m.power_on(node_of[o["site"]], at=o["at"])
        elif o["kind"] == "partition":
            m.partition([[node_of[n] for n in g] for g in o["groups"]], at=o["at"])
        elif o["kind"] == "heal":
            m.heal(at=o["at"])
    got: dict[tuple[int, int], float] = {}  # (node, (from, packet id)) -> first app receive

    def sink(num: int) -> Callable[[object], None]:
        def on(ev: object) -> None:
            if isinstance(ev, AppReceive) and ev.portnum == TEXT_PORT:
                got.setdefault((num, ev.from_node * 2**32 + ev.packet_id), m.now)

        return on

    for num, node in m.nodes.items():
        node.on_event = sink(num)
    rnd = random.Random(f"{seed}/plain")
    # spread: each text typed up to `spread` s later than the scenario's instant, as people
    # would (the runner types every NSP's sitrep in the same second; nsplink's planner spreads
    # them, a plain app sends each at once)
    typed = sorted(((o.t + rnd.uniform(0, spread), i) for i, o in enumerate(offered)))
    roles = {s.name: s.role for s in sc.sites}
    sent: list[tuple[Offered, int, list[str], float]] = []  # message, key, who must, typed at
    for t, i in typed:
        o = offered[i]
        m.advance_to(t)
        cps = [n for n, r in roles.items() if r == "cp"]
        if o.dest == "cps":
            expect, any_of = cps, True
            dest = node_of[nearest(sc, o.site, "cp")] if mode == "dm" else BROADCAST
        elif o.dest in ("nsps", "all"):
            expect, any_of = [n for n, r in roles.items() if r == "nsp" and n != o.site], False
            dest = BROADCAST
        else:
            expect, any_of = [o.dest], True
            dest = node_of[o.dest] if mode == "dm" else BROADCAST
        node = m.node(node_of[o.site])
        if not node.powered:
            continue  # the post is off: its app cannot send (counted as not delivered)
        res = node.send(
            dest=dest,
            payload=rnd.randbytes(min(o.size, MAX_TEXT)),
            portnum=TEXT_PORT,
            want_ack=True,  # the apps ask for an ack on every text
        )
        if res.ok:
            key = node_of[o.site] * 2**32 + res.packet_id
            sent.append((o, key, expect if not any_of else ["*" + n for n in expect], t))
    m.advance_to(sc.duration + sc.drain)
    delivered = 0
    em_ok = 0
    by_type: dict[str, list[int]] = {}
    for o in offered:
        by_type.setdefault(o.type, [0, 0])[1] += 1
    for o, key, expect, t in sent:
        times = [got.get((node_of[n.lstrip("*")], key)) for n in expect]
        arrived = [t for t in times if t is not None]
        ok = bool(arrived) if expect and expect[0].startswith("*") else len(arrived) == len(times)
        delivered += ok
        by_type[o.type][0] += ok
        if o.type == "emergency" and arrived and min(arrived) - t <= TEN_MIN:
            em_ok += 1
    em_total = sum(1 for o in offered if o.type == "emergency")
    return Plain(
        tx=m.stats["tx"],
        airtime_s=m.stats["airtime_ms"] / 1000.0,
        delivered=delivered,
        sent=len(offered),
        emergencies_10min=(em_ok, em_total),
        by_type=by_type,
    )


def _row(name: str, tx: float, msgs: int, air: float, dl: int, em: tuple[int, int]) -> str:
    return (
        f"  {name:<22} {tx / max(msgs, 1):>8.1f} {air:>10,.0f} {dl:>5}/{msgs:<5} "
        f"{dl / max(msgs, 1):>6.1%} {em[0]:>4}/{em[1]:<4}"
    )


def main() -> None:
    nsps = env_int("NSPLINK_BENCH_NSPS", 30)
    hours = env_float("NSPLINK_BENCH_SCENARIO_HOURS", 8)
    seed = env_int("NSPLINK_BENCH_SEED", 3)
    quiet = env_flag("NSPLINK_BENCH_QUIET")
    cps = env_int("NSPLINK_BENCH_CPS", 0) or None  # None: 1 per 15 NSPs
    relays = env_int("NSPLINK_BENCH_RELAYS", 0) or None  # 1 per 10 NSPs
    ours: RegionRun = run_region(
        region_text(nsps, hours, seed, cps=cps, relays=relays, quiet=quiet)
    )
    sc = ours.sc
    kinds = ", ".join(f"{k} {v['sent']}" for k, v in ours.report["delivery"].items())
    print(
        f"region: {nsps} NSPs, {sum(s.role == 'cp' for s in sc.sites)} CPs, "
        f"{sum(s.role == 'relay' for s in sc.sites)} relays, {hours:g} h + drain, seed {seed}"
        f"{', quiet radios' if quiet else ''}; {ours.messages} messages typed "
        f"({kinds})"
    )
    print(
        f"  {'':<22} {'tx/msg':>8} {'airtime s':>10} {'delivered':>11} {'share':>6} "
        f"{'emerg<=10m':>11}"
    )
    tx = ours.result.medium_stats["tx"]
    air = ours.result.medium_stats["airtime_ms"] / 1000.0
    em = within(ours.offered, "emergency", TEN_MIN)
    print(_row("nsplink", tx, ours.messages, air, ours.delivered, em))
    for how, spread in (("dm", 0.0), ("broadcast", 0.0), ("dm", SPREAD_S), ("broadcast", SPREAD_S)):
        p = plain_run(sc, ours.result.seed, ours.offered, ours.result.outages, how, spread)
        mode = f"{how}, spread" if spread else how
        print(_row(f"plain {mode}", p.tx, p.sent, p.airtime_s, p.delivered, p.emergencies_10min))
        each = ", ".join(f"{k} {d}/{n}" for k, (d, n) in sorted(p.by_type.items()))
        print(f"    plain {mode} delivered per type: {each}")
        print(
            f"    nsplink / plain {mode}: "
            f"tx per message x{tx / ours.messages / (p.tx / p.sent):.1f}, "
            f"airtime x{air / p.airtime_s:.1f}, delivered share "
            f"{ours.delivered / ours.messages:.1%} vs {p.delivered / p.sent:.1%}, "
            f"emergencies at a CP within 10 min {em[0]}/{em[1]} vs "
            f"{p.emergencies_10min[0]}/{p.emergencies_10min[1]}"
        )
    print(
        "  nsplink's figures include its receipts, retries, custody and status beacons; plain "
        "text has none of them, and no signatures (see the module docstring); 'spread': each "
        f"plain text typed up to {SPREAD_S / 60:g} min after the scenario's instant"
    )


if __name__ == "__main__":
    main()

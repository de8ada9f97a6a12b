"""Simulator speed: 72 simulated hours, 60 nodes, 5,000 messages (target <= 20 s wall).

Prints the speed-up over real time, the delivery figures the run produced, and the cost per
processed event against a bare heapq push/pop loop of the same number of events, measured in the
same run as the reference. Then the same traffic on flood-only firmware (before 2.6) for
comparison: what next-hop routing saves in airtime and costs in delivery.
"""

from __future__ import annotations

import random
import time

from benchmarks.reference import bare_heap
from nsplink.radio.sim import AppReceive, Medium, RoutingEvent
from nsplink.radio.sim.packet import BROADCAST

HOURS = 72
NODES = 60
MESSAGES = 5000
AREA_M = 16_000.0
PORT = 256


def build(seed: int, next_hop: bool = True) -> tuple[Medium, list[int], list[int]]:
    m = Medium(seed=seed, next_hop=next_hop)
    rnd = random.Random(seed)
    cps = [1, 2, 3]
    routers = list(range(4, 10))
    nsps = list(range(10, NODES + 1))
    for n in range(1, NODES + 1):
        role = "ROUTER" if n in routers else "CLIENT"
        m.add_node(n, position=(rnd.uniform(0, AREA_M), rnd.uniform(0, AREA_M)), role=role)
    return m, cps, nsps


def run(seed: int = 7, next_hop: bool = True) -> dict[str, float]:
    m, cps, nsps = build(seed, next_hop)
    rnd = random.Random(seed + 1)
    delivered: set[tuple[int, int]] = set()
    acked: set[int] = set()
    expected_dm = 0
    bulletins = 0

    def sink(num: int):
        def on(ev: object) -> None:
            if isinstance(ev, AppReceive):
                delivered.add((num, ev.packet_id))
            elif isinstance(ev, RoutingEvent) and ev.error_reason == 0 and ev.from_node != num:
                acked.add(ev.request_id)

        return on

    for num, node in m.nodes.items():
        node.on_event = sink(num)
    horizon = HOURS * 3600.0
    times = sorted(rnd.uniform(0, horizon - 600) for _ in range(MESSAGES))
    dm_ids: list[tuple[int, int]] = []
    bc_ids: set[int] = set()
    for t in times:
        m.advance_to(t)
        kind = rnd.random()
        if kind < 0.10:  # bulletin CP -> all NSPs
            src = rnd.choice(cps)
            res = m.node(src).send(dest=BROADCAST, payload=rnd.randbytes(150), portnum=PORT)
            if res.ok:
                bulletins += 1
                bc_ids.add(res.packet_id)
        else:  # report NSP -> CP, or a receipt CP -> NSP
            if kind < 0.75:
                src, dst = rnd.choice(nsps), rnd.choice(cps)
            else:
                src, dst = rnd.choice(cps), rnd.choice(nsps)
            size = rnd.randint(40, 200)
            res = m.node(src).send(
                dest=dst, payload=rnd.randbytes(size), portnum=PORT, want_ack=True
            )
            if res.ok:
                expected_dm += 1
                dm_ids.append((dst, res.packet_id))
    m.advance_to(horizon)
    dm_ok = sum(1 for key in dm_ids if key in delivered)
    bc_reached = sum(1 for node, pid in delivered if pid in bc_ids and node in nsps)
    return {
        "events": float(m.events_processed),
        "tx": float(m.stats["tx"]),
        "collided": float(m.stats["rx_collided"]),
        "rx_ok": float(m.stats["rx_ok"]),
        "dm_sent": float(expected_dm),
        "dm_delivered": float(dm_ok),
        "dm_acked": float(len(acked & {pid for _, pid in dm_ids})),
        "bulletins": float(bulletins),
        "bulletin_reach": bc_reached / max(1, bulletins * len(nsps)),
        "duty_refused": float(m.stats["duty_refused_own"] + m.stats["duty_dropped_relay"]),
        "airtime_s": m.stats["airtime_ms"] / 1000.0,
    }


def main() -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    r = run()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    ref = bare_heap(int(r["events"]))
    sim_s = HOURS * 3600.0
    print(
        f"scenario: {NODES} nodes over {AREA_M / 1000:.0f} km square, LONG_FAST, {HOURS} h, "
        f"{MESSAGES} messages"
    )
    print(
        f"wall time: {wall:.2f} s (target <= 20 s; CPU {cpu:.2f} s, any gap is other load)   "
        f"speed-up over real time: {sim_s / wall:,.0f}x"
    )
    print(
        f"events processed: {r['events']:,.0f}   transmissions: {r['tx']:,.0f}   "
        f"channel airtime: {r['airtime_s']:,.0f} s"
    )
    print(
        f"DMs delivered: {r['dm_delivered']:.0f}/{r['dm_sent']:.0f} "
        f"({100 * r['dm_delivered'] / max(r['dm_sent'], 1):.1f} %), routing-acked "
        f"{r['dm_acked']:.0f}; bulletins {r['bulletins']:.0f}, reaching "
        f"{100 * r['bulletin_reach']:.1f} % of NSPs; "
        f"collided receptions {r['collided']:,.0f} of {r['collided'] + r['rx_ok']:,.0f}; "
        f"duty-cycle refusals {r['duty_refused']:.0f}"
    )
    per_event_us = cpu / r["events"] * 1e6  # CPU against CPU: other load does not count
    ref_us = ref / r["events"] * 1e6
    print(
        f"cost per event: {per_event_us:.2f} us vs bare heapq push/pop {ref_us:.3f} us "
        f"(ratio {per_event_us / ref_us:.0f}x)"
    )
    t1 = time.perf_counter()
    f = run(next_hop=False)
    print(
        f"same traffic, flood-only firmware (< 2.6): {time.perf_counter() - t1:.2f} s wall, "
        f"{f['tx']:,.0f} transmissions ({r['tx'] / f['tx']:.2f}x with next-hop), "
        f"channel airtime {f['airtime_s']:,.0f} s, DMs delivered "
        f"{100 * f['dm_delivered'] / max(f['dm_sent'], 1):.1f} %"
    )


if __name__ == "__main__":
    main()

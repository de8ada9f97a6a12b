"""Smaller firmware rules: TX queue order, hop-limit upgrade, retry push-back, fixPriority."""

from __future__ import annotations

from simtools import PORT, QUIET

from nsplink.lora import airtime as at
from nsplink.radio.sim import Medium, RoutingEvent
from nsplink.radio.sim.node import fix_priority
from nsplink.radio.sim.packet import BROADCAST, AirPacket
from nsplink.radio.sim.txqueue import TxQueue


def pkt(frm: int, pid: int, prio: int = 64, *, hop_limit: int = 3, late: float = 0.0) -> AirPacket:
    return AirPacket(
        frm, BROADCAST, pid, hop_limit, 3, False, 0, PORT, b"x", 20, priority=prio, tx_after=late
    )


def test_queue_orders_by_priority_then_relays_then_fifo_and_late_last() -> None:
    q = TxQueue(own=1, maxlen=16)
    q.enqueue(pkt(1, 1))  # own, 64
    q.enqueue(pkt(9, 2))  # relay, 64: goes before our own at equal priority
    q.enqueue(pkt(1, 3, 120))  # ack priority first
    q.enqueue(pkt(9, 4, 64, late=5.0))  # late window: last whatever its priority
    q.enqueue(pkt(1, 5))  # own, 64: after the first own one
    assert [p.id for p in q.items] == [3, 2, 1, 5, 4]


def test_full_queue_only_evicts_a_lower_priority_packet_at_the_back() -> None:
    q = TxQueue(own=1, maxlen=3)
    for i in range(3):
        assert q.enqueue(pkt(1, i, 64)) == (True, None)
    assert q.enqueue(pkt(1, 9, 64)) == (False, None)  # equal priority: refused
    ok, evicted = q.enqueue(pkt(1, 10, 70))
    assert ok and evicted is not None and evicted.id == 2
    assert [p.id for p in q.items] == [10, 0, 1]
    q2 = TxQueue(own=1, maxlen=1)
    q2.enqueue(pkt(9, 1, 10, late=3.0))
    assert q2.enqueue(pkt(1, 2, 110)) == (False, None)  # a late packet is never evicted


def test_fix_priority_like_the_firmware() -> None:
    cases = [
        (AirPacket(1, 2, 1, 3, 3, True, 0, PORT, b"", 20), 70),
        (AirPacket(1, 2, 1, 3, 3, False, 0, PORT, b"", 20), 64),
        (AirPacket(1, 2, 1, 3, 3, False, 0, 5, b"", 20, request_id=7), 120),
        (AirPacket(1, 2, 1, 3, 3, False, 0, PORT, b"", 20, request_id=7), 80),
        (AirPacket(1, 2, 1, 3, 3, False, 0, PORT, b"", 20, want_response=True), 70),
        (AirPacket(1, 2, 1, 3, 3, False, 0, PORT, b"", 20, priority=10), 10),
    ]
    for p, want in cases:
        fix_priority(p)
        assert p.priority == want


def test_a_copy_with_more_hops_left_replaces_the_queued_relay() -> None:
    m = Medium(seed=1, propagation=QUIET, trace=True)
    for n in (2, 3, 4):
        m.add_node(n)
    m.set_link(2, 3, snr_db=10.0)  # a strong link: node 3 waits long before relaying
    m.set_link(4, 3, snr_db=10.0)
    phy = at.packet_phy_len(10)
    low = AirPacket(9, BROADCAST, 55, 1, 3, False, 0, PORT, b"0123456789", phy)
    high = AirPacket(9, BROADCAST, 55, 2, 3, False, 0, PORT, b"0123456789", phy)
    m.start_tx(m.node(2), low)
    m.advance_to(0.6)
    [queued] = m.node(3).queue.items
    assert queued.hop_limit == 0
    m.start_tx(m.node(4), high)
    m.advance_to(30)
    assert m.trace is not None
    relays = [e for e in m.trace if e[0] == "tx" and e[2] == 3]
    assert [(e[3], e[4], e[5]) for e in relays] == [(9, 55, 1)]  # one relay, with hop_limit 2 - 1


def isolated_sender_nak_time(chatter: bool) -> float:
    m = Medium(seed=11, propagation=QUIET)
    m.add_node(1)
    m.add_node(2)  # the destination: out of range
    m.add_node(3, role="CLIENT_MUTE")  # a chatty neighbour that never repeats our packet
    m.set_link(1, 3, snr_db=5.0)
    naks: list[float] = []
    m.node(1).on_event = lambda e: naks.append(m.now) if isinstance(e, RoutingEvent) else None
    m.node(1).send(dest=2, payload=b"x" * 30, portnum=PORT, want_ack=True)
    if chatter:
        for k in range(20):
            m.call_at(
                1.0 + k,
                lambda: m.node(3).send(
                    dest=BROADCAST, payload=b"y" * 100, portnum=PORT, hop_limit=0
                ),
            )
    m.advance_to(120)
    [t] = naks  # MAX_RETRANSMIT: nobody acked
    return t


def test_airtime_heard_pushes_the_retry_deadline_back() -> None:
    quiet, busy = isolated_sender_nak_time(False), isolated_sender_nak_time(True)
    heard = 20 * at.firmware_airtime_ms(at.packet_phy_len(100), Medium().params) / 1000
    assert busy - quiet >= 0.9 * heard  # 20 x 1.1 s of airtime it could not hear an ack in


def relay_wait_ms(role: str, snr: float, seed: int) -> float:
    """Time from node 2 finishing the reception to starting its relay, in ms."""
    m = Medium(seed=seed, propagation=QUIET, trace=True)
    m.add_node(1)
    m.add_node(2, role=role)
    m.add_node(3)
    m.set_link(1, 2, snr_db=snr)
    m.set_link(2, 3, snr_db=5.0)
    m.node(1).send(dest=BROADCAST, payload=b"x" * 40, portnum=PORT)
    m.advance_to(30)
    assert m.trace is not None
    rx_end = next(e[1] for e in m.trace if e[0] == "rx" and e[2] == 2)
    relay_start = next(e[1] for e in m.trace if e[0] == "tx" and e[2] == 2)
    return (relay_start - rx_end) * 1000


def test_relay_waits_match_getTxDelayMsecWeighted() -> None:
    lf = Medium().params
    for role, snr in (("CLIENT", -17.0), ("CLIENT", 9.0), ("ROUTER", 9.0), ("ROUTER", -17.0)):
        lo, hi = at.rebroadcast_delay_range_ms(lf, snr, router=role == "ROUTER")
        waits = [relay_wait_ms(role, snr, seed) for seed in range(12)]
        assert all(lo - 1e-6 <= w <= hi + 1e-6 for w in waits), (role, snr, waits)
        slot = at.slot_time_ms(lf)
        assert all(abs(w / slot - round(w / slot)) < 1e-6 for w in waits)  # whole slots
        assert len(set(waits)) > 1  # drawn, not fixed

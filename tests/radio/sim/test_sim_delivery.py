"""Delivery, acks, retries, size and queue limits of the simulated firmware."""

from __future__ import annotations

import pytest
from meshtastic.protobuf import mesh_pb2
from simtools import PORT, QUIET, chain, collect, of

from nsplink.errors import NsplinkError
from nsplink.lora import airtime as at
from nsplink.radio.sim import (
    AppReceive,
    BadSend,
    Medium,
    NodePoweredOff,
    QueueStatusEvent,
    RoutingEvent,
)
from nsplink.radio.sim import events as ev
from nsplink.radio.sim.packet import BROADCAST
from nsplink.texts import render_error


def test_routing_error_numbers_are_meshtastic_ones() -> None:
    E = mesh_pb2.Routing.Error
    assert (ev.ERR_NONE, ev.ERR_MAX_RETRANSMIT, ev.ERR_TOO_LARGE, ev.ERR_DUTY_CYCLE_LIMIT) == (
        E.NONE,
        E.MAX_RETRANSMIT,
        E.TOO_LARGE,
        E.DUTY_CYCLE_LIMIT,
    )
    P = mesh_pb2.MeshPacket.Priority
    assert (ev.PRIO_DEFAULT, ev.PRIO_RELIABLE, ev.PRIO_ACK) == (P.DEFAULT, P.RELIABLE, P.ACK)


def test_direct_message_in_range_is_delivered_once_and_acked() -> None:
    m = chain(2, snr=4.0)
    got = collect(m)
    res = m.node(1).send(dest=2, payload="dag, Zoë".encode(), portnum=PORT, want_ack=True)
    assert res.ok and res.free == 15 and res.maxlen == 16
    m.advance_to(60)
    [rx] = of(got[2], AppReceive)
    assert (rx.from_node, rx.to_node, rx.packet_id, rx.payload) == (
        1,
        2,
        res.packet_id,
        "dag, Zoë".encode(),
    )
    assert rx.want_ack and (rx.hop_start, rx.hop_limit) == (3, 3) and rx.rx_snr == 4.0
    airtime = at.packet_airtime_ms(len("dag, Zoë".encode()), m.params) / 1000
    # own packets wait random(0, 8) slots of 28 ms before going on air
    assert airtime <= rx.rx_time <= airtime + 7 * 0.028 + 1e-9
    [ack] = of(got[1], RoutingEvent)
    assert (ack.request_id, ack.error_reason, ack.from_node) == (res.packet_id, 0, 2)
    assert m.stats["tx_own"] == 2  # the message and the ack, no retry


def test_out_of_range_gives_three_transmissions_then_max_retransmit() -> None:
    m = Medium(seed=3, propagation=QUIET)
    a = m.add_node(1)
    m.add_node(2)
    got = collect(m)
    res = a.send(dest=2, payload=b"x" * 20, portnum=PORT, want_ack=True)
    m.advance_to(100)
    [nak] = of(got[1], RoutingEvent)
    assert (nak.request_id, nak.error_reason, nak.from_node) == (res.packet_id, 5, 1)
    assert m.stats["tx_own"] == 3 and m.stats["retransmissions"] == 2
    timeout = at.retry_timeout_ms(at.firmware_airtime_ms(at.packet_phy_len(20), m.params), m.params)
    assert 3 * timeout / 1000 <= nak.rx_time < 3 * timeout / 1000 + 1.0
    assert got[2] == []


def test_broadcast_floods_three_hops_and_the_sender_gets_an_implicit_ack() -> None:
    m = chain(6)
    got = collect(m)
    res = m.node(1).send(dest=BROADCAST, payload=b"bulletin", portnum=PORT, want_ack=True)
    m.advance_to(120)
    hops = {n: [(r.hop_start, r.hop_limit) for r in of(got[n], AppReceive)] for n in range(2, 7)}
    # hop_limit 3 = three relays: node 5 hears the third, node 6 is out of reach
    assert hops == {2: [(3, 3)], 3: [(3, 2)], 4: [(3, 1)], 5: [(3, 0)], 6: []}
    [ack] = of(got[1], RoutingEvent)
    assert (ack.request_id, ack.error_reason, ack.from_node) == (res.packet_id, 0, 1)
    assert m.stats["tx_own"] == 1  # the implicit ack stopped the retries


def test_hop_limit_zero_and_seven() -> None:
    m = chain(9)
    got = collect(m)
    m.node(1).send(dest=BROADCAST, payload=b"a", portnum=PORT, hop_limit=0)
    m.advance_to(60)
    assert [len(of(got[n], AppReceive)) for n in range(2, 10)] == [1, 0, 0, 0, 0, 0, 0, 0]
    m.node(1).send(dest=BROADCAST, payload=b"b", portnum=PORT, hop_limit=99)  # clamped to 7
    m.advance_to(200)
    assert [len(of(got[n], AppReceive)) for n in range(2, 10)] == [2, 1, 1, 1, 1, 1, 1, 1]
    assert of(got[9], AppReceive)[0].hop_start == 7


def test_multi_hop_dm_gets_a_routing_ack_from_the_destination() -> None:
    m = chain(4)
    got = collect(m)
    res = m.node(1).send(dest=4, payload=b"sitrep", portnum=PORT, want_ack=True)
    m.advance_to(120)
    [rx] = of(got[4], AppReceive)
    assert rx.hop_limit == 1
    acks = of(got[1], RoutingEvent)
    # first the implicit ack (node 2 repeated it), then the destination's routing ack
    assert [(a.from_node, a.error_reason) for a in acks] == [(1, 0), (4, 0)]
    assert all(a.request_id == res.packet_id for a in acks)
    assert of(got[2], AppReceive) == [] and of(got[3], AppReceive) == []


def test_lost_ack_means_retries_reacks_and_a_single_delivery() -> None:
    m = Medium(seed=5, propagation=QUIET)
    m.add_node(1)
    m.add_node(2)
    m.set_link(1, 2, snr_db=5.0, symmetric=False)
    m.set_link(2, 1, snr_db=5.0, loss=1.0, symmetric=False)  # nothing gets back
    got = collect(m)
    res = m.node(1).send(dest=2, payload=b"noodhulp", portnum=PORT, want_ack=True)
    m.advance_to(100)
    assert len(of(got[2], AppReceive)) == 1  # the app sees it once
    assert m.stats["acks_sent"] == 3  # one ack per copy ("repeated reliable tx")
    assert [(e.error_reason, e.from_node) for e in of(got[1], RoutingEvent)] == [(5, 1)]
    assert res.packet_id == of(got[1], RoutingEvent)[0].request_id


def test_too_large_matches_the_firmware_encoding_limit() -> None:
    """231 bytes on a private port fit a broadcast; a DM is PKI-encrypted, 12 bytes more, so
    219 is its largest payload (Router::perhapsEncode)."""
    m = chain(2)
    got = collect(m)
    res = m.node(1).send(dest=BROADCAST, payload=b"z" * 232, portnum=PORT)
    assert res.res == ev.ERR_TOO_LARGE
    assert of(got[1], RoutingEvent) == [RoutingEvent(res.packet_id, 7, 1, 0.0)]
    res = m.node(1).send(dest=2, payload=b"z" * 300, portnum=PORT)
    assert res.res == ev.ERR_TOO_LARGE
    assert m.node(1).send(dest=2, payload=b"z" * 220, portnum=PORT).res == ev.ERR_TOO_LARGE
    assert m.node(1).send(dest=2, payload=b"z" * 219, portnum=PORT).ok
    assert m.node(1).send(dest=BROADCAST, payload=b"z" * 231, portnum=PORT).ok
    m.advance_to(30)
    assert sorted(len(r.payload) for r in of(got[2], AppReceive)) == [219, 231]


def test_a_direct_message_costs_the_pki_overhead_on_air() -> None:
    m = chain(2)
    airtime = []
    for dest in (BROADCAST, 2):
        before = m.stats["airtime_ms"]
        assert m.node(1).send(dest=dest, payload=b"z" * 100, portnum=PORT, hop_limit=0).ok
        m.advance_to(m.now + 30)
        airtime.append(m.stats["airtime_ms"] - before)
    phy = at.packet_phy_len(100, portnum=PORT)
    assert airtime == [at.firmware_airtime_ms(n, m.params) for n in (phy, phy + at.PKC_OVERHEAD)]


def test_duty_cycle_limit_naks_own_packets_and_reopens_after_the_hour() -> None:
    m = chain(2)
    got = collect(m)
    a = m.node(1)
    sent = 0
    while True:
        res = a.send(dest=BROADCAST, payload=b"f" * 231, portnum=PORT)
        if not res.ok:
            break
        sent += 1
        m.advance_by(5.0)
    assert res.res == ev.ERR_DUTY_CYCLE_LIMIT
    assert of(got[1], RoutingEvent)[-1] == RoutingEvent(res.packet_id, 9, 1, m.now)
    assert sent == 167  # the 167th full packet takes the hour over 10 %
    assert a.ledger.utilization_pct(m.now) > 10.0
    assert len(of(got[2], AppReceive)) == sent
    wait = a.ledger.time_until_allowed(m.now, at.firmware_airtime_ms(255, m.params))
    assert 0 < wait <= 3600
    m.advance_by(wait)
    assert a.send(dest=BROADCAST, payload=b"weer", portnum=PORT).ok


def test_relays_over_budget_are_dropped_silently() -> None:
    m = chain(3)
    got = collect(m)
    m.node(2).ledger.record(m.now, 400_000)  # the relay already spent its hour
    m.node(1).send(dest=BROADCAST, payload=b"hallo", portnum=PORT)
    m.advance_to(60)
    assert len(of(got[2], AppReceive)) == 1 and of(got[3], AppReceive) == []
    assert m.stats["duty_dropped_relay"] == 1 and of(got[2], RoutingEvent) == []


def test_queue_of_sixteen_with_priority_eviction_and_status_when_it_frees() -> None:
    m = chain(2)
    got = collect(m)
    a = m.node(1)
    results = [a.send(dest=2, payload=b"q", portnum=PORT, priority=10) for _ in range(16)]
    assert [r.free for r in results] == list(range(15, -1, -1))
    full = a.send(dest=2, payload=b"q", portnum=PORT, priority=10)
    assert (full.res, full.free) == (ev.ERRNO_UNKNOWN, 0)
    urgent = a.send(dest=2, payload=b"urgent", portnum=PORT, priority=110)
    assert urgent.ok and urgent.free == 0 and m.stats["queue_evicted"] == 1
    m.advance_to(600)
    statuses = of(got[1], QueueStatusEvent)
    assert statuses == [QueueStatusEvent(0, 1, 16, 0)]
    payloads = [r.payload for r in of(got[2], AppReceive)]
    assert payloads[0] == b"urgent" and len(payloads) == 16


def test_bad_send_arguments_get_typed_errors_in_both_languages() -> None:
    m = chain(2)
    a = m.node(1)
    with pytest.raises(BadSend) as exc:
        a.send(dest=2, payload="tekst", portnum=PORT)  # type: ignore[arg-type]
    assert exc.value.code == "sim.bad_send"
    assert (
        render_error(exc.value, "en")
        == "Invalid packet for node 0x1: payload = 'str', expected bytes."
    )
    assert render_error(exc.value, "nl").startswith("Ongeldig pakket voor node 0x1: payload")
    for kwargs in (
        {"dest": 0},
        {"dest": -1},
        {"dest": 2**32},
        {"dest": "2"},
        {"dest": True},
        {"dest": 2, "portnum": -3},
        {"dest": 2, "priority": 128},
        {"dest": 2, "channel": 8},
        {"dest": 2, "packet_id": 0},
        {"dest": 2, "packet_id": 1.5},
        {"dest": 2, "hop_limit": "drie"},
        {"dest": 2, "hop_limit": -1},
        {"dest": 2, "request_id": None},
    ):
        with pytest.raises(BadSend):
            a.send(**{"payload": b"x", "portnum": PORT, **kwargs})  # type: ignore[arg-type]
    assert m.stats["app_sent"] == 0
    m.power_off(1)
    with pytest.raises(NodePoweredOff) as off:
        a.send(dest=2, payload=b"x", portnum=PORT)
    assert off.value.code == "sim.node_off" and "staat uit" in render_error(off.value, "nl")


@pytest.mark.parametrize(
    ("action", "code"),
    [
        (lambda m: m.add_node(1), "sim.duplicate_node"),
        (lambda m: m.add_node(0), "sim.bad_node_num"),
        (lambda m: m.add_node(0xFFFFFFFF), "sim.bad_node_num"),
        (lambda m: m.add_node(9, position=(float("nan"), 0.0)), "sim.bad_position"),
        (lambda m: m.add_node(9, position=("Ede", "Wageningen")), "sim.bad_position"),
        (lambda m: m.add_node(9, position=(1.0, 2.0, 3.0)), "sim.bad_position"),
        (lambda m: m.add_node(9, role="BURGEMEESTER"), "sim.unknown_role"),
        (lambda m: m.node(77), "sim.unknown_node"),
        (lambda m: m.set_link(1, 2, snr_db=1.0, loss=1.5), "sim.bad_link"),
        (lambda m: m.set_link(1, 1, snr_db=1.0), "sim.bad_link"),
        (lambda m: m.set_link(1, 2, snr_db=float("inf")), "sim.bad_link"),
        (lambda m: m.advance_to(-1.0), "sim.time_past"),
        (lambda m: m.advance_to(float("nan")), "sim.bad_time"),
        (lambda m: m.advance_to(float("inf")), "sim.bad_time"),
        (lambda m: m.advance_to("morgen"), "sim.bad_time"),
        (lambda m: m.power_off(1, at=float("nan")), "sim.bad_time"),
        (lambda m: m.call_at(-5.0, lambda: None), "sim.time_past"),
        (lambda m: m.partition([[1], [1, 2]]), "sim.bad_partition"),
        (lambda m: m.partition([[1, 99]]), "sim.unknown_node"),
        (lambda m: Medium(preset="LANG_FAST"), "airtime.unknown_preset"),
    ],
)
def test_bad_scenario_settings_get_one_clear_line(action, code: str) -> None:
    m = chain(2)
    with pytest.raises(NsplinkError) as exc:
        action(m)
    assert exc.value.code == code
    nl, en = render_error(exc.value, "nl"), render_error(exc.value, "en")
    assert nl != en and "\n" not in nl and "{" not in nl and "{" not in en


def test_message_to_self_is_delivered_locally() -> None:
    m = chain(2)
    got = collect(m)
    assert m.node(1).send(dest=1, payload=b"me", portnum=PORT).ok
    assert [r.payload for r in of(got[1], AppReceive)] == [b"me"]
    assert m.stats["tx"] == 0

"""The channel: collisions and capture, half duplex, carrier sense, path loss, determinism."""

from __future__ import annotations

from simtools import PORT, QUIET

from nsplink.lora import airtime as at
from nsplink.radio.sim import AppReceive, Medium, Propagation, RoutingEvent
from nsplink.radio.sim.packet import BROADCAST


def star(snr_a: float, snr_c: float, seed: int = 1) -> Medium:
    """1 and 3 both reach 2 but not each other (hidden terminals)."""
    m = Medium(seed=seed, propagation=QUIET)
    for n in (1, 2, 3):
        m.add_node(n)
    m.set_link(1, 2, snr_db=snr_a)
    m.set_link(3, 2, snr_db=snr_c)
    return m


def received(m: Medium, node: int) -> list[AppReceive]:
    out: list[AppReceive] = []
    m.node(node).on_event = lambda e: out.append(e) if isinstance(e, AppReceive) else None
    return out


def test_hidden_terminals_of_equal_strength_destroy_each_other() -> None:
    m = star(5.0, 5.0)
    got = received(m, 2)
    # own packets start within 7 slots (196 ms) and last 518+ ms: they always overlap at node 2
    m.node(1).send(dest=2, payload=b"a" * 20, portnum=PORT, hop_limit=0)
    m.node(3).send(dest=2, payload=b"c" * 20, portnum=PORT, hop_limit=0)
    m.advance_to(10)
    assert got == []
    assert m.stats["rx_collided"] == 2


def test_capture_keeps_the_stronger_packet() -> None:
    m = star(10.0, 10.0 - 6.5)  # 6.5 dB apart, capture margin 6 dB
    got = received(m, 2)
    m.node(1).send(dest=2, payload=b"a" * 20, portnum=PORT, hop_limit=0)
    m.node(3).send(dest=2, payload=b"c" * 20, portnum=PORT, hop_limit=0)
    m.advance_to(10)
    assert [r.from_node for r in got] == [1]
    assert m.stats["rx_collided"] == 1


def test_half_duplex_a_transmitting_node_hears_nothing() -> None:
    m = star(5.0, 5.0)
    m.set_link(1, 3, snr_db=-30.0)  # far below the floor: no carrier sense between 1 and 3
    got = received(m, 2)
    m.node(1).send(dest=2, payload=b"a" * 200, portnum=PORT, hop_limit=0)
    m.advance_to(0.25)  # node 1 is on air by now
    assert m.node(1).transmitting is not None
    # node 2 keys up while node 1's packet is coming in (as if its CAD had missed it)
    m.start_tx(m.node(2), _probe(m))
    m.advance_to(10)
    assert got == []
    assert m.stats["rx_collided"] == 1  # node 2's reception of node 1, lost to its own TX


def _probe(m: Medium):
    from nsplink.radio.sim.packet import AirPacket

    return AirPacket(2, BROADCAST, 777, 0, 0, False, 0, PORT, b"p", at.packet_phy_len(1))


def test_carrier_sense_defers_instead_of_colliding() -> None:
    m = Medium(seed=2, propagation=QUIET)
    for n in (1, 2, 3):
        m.add_node(n)
    for a, b in ((1, 2), (2, 3), (1, 3)):
        m.set_link(a, b, snr_db=5.0)
    got = received(m, 3)
    m.node(1).send(dest=3, payload=b"eerste", portnum=PORT, hop_limit=0)
    m.advance_to(0.3)  # 1 is transmitting (starts <= 196 ms, lasts >= 518 ms)
    assert m.node(1).transmitting is not None
    m.node(2).send(dest=3, payload=b"tweede", portnum=PORT, hop_limit=0)
    m.advance_to(10)
    assert [r.payload for r in got] == [b"eerste", b"tweede"]
    assert m.stats["rx_collided"] == 0


def line_with_router(router_role: str, seed: int) -> Medium:
    """1 -> {2 (near, +8 dB), 3 (far, -15 dB)}; both reach 4. 2 and 3 hear each other."""
    m = Medium(seed=seed, propagation=QUIET, trace=True)
    m.add_node(1)
    m.add_node(2, role=router_role)
    m.add_node(3)
    m.add_node(4)
    m.set_link(1, 2, snr_db=8.0)
    m.set_link(1, 3, snr_db=-15.0)
    m.set_link(2, 3, snr_db=0.0)
    m.set_link(2, 4, snr_db=0.0)
    m.set_link(3, 4, snr_db=0.0)
    return m


def relayers(m: Medium) -> list[int]:
    assert m.trace is not None
    return [e[2] for e in m.trace if e[0] == "tx" and e[2] in (2, 3)]


def test_far_client_relays_first_and_the_near_one_cancels() -> None:
    firsts = []
    for seed in range(20):
        m = line_with_router("CLIENT", seed)
        m.node(1).send(dest=BROADCAST, payload=b"x" * 50, portnum=PORT)
        m.advance_to(60)
        r = relayers(m)
        firsts.append(r[0])
        assert len(r) == 1  # the other heard the dupe and cancelled its relay
    # far (-15 dB: 8-slot window) beats near (+8 dB: 128+ slots) almost every time
    assert firsts.count(3) >= 17


def test_router_relays_before_clients_and_never_cancels() -> None:
    for seed in range(10):
        m = line_with_router("ROUTER", seed)
        m.node(1).send(dest=BROADCAST, payload=b"x" * 50, portnum=PORT)
        m.advance_to(60)
        r = relayers(m)
        assert r[0] == 2  # the ROUTER waits 0..2*CW slots, clients at least 2*CWmax slots
        assert r == [2]  # and the far client cancelled on hearing it


def test_router_late_moves_its_copy_to_the_late_window_but_still_sends() -> None:
    m = line_with_router("ROUTER_LATE", 4)
    m.node(1).send(dest=BROADCAST, payload=b"x" * 50, portnum=PORT)
    m.advance_to(60)
    assert sorted(relayers(m)) == [2, 3]
    assert m.stats["relay_cancelled"] == 0


def test_client_mute_never_relays() -> None:
    m = Medium(seed=1, propagation=QUIET)
    m.add_node(1)
    m.add_node(2, role="client_mute")
    m.add_node(3)
    m.set_link(1, 2, snr_db=5.0)
    m.set_link(2, 3, snr_db=5.0)
    got = received(m, 3)
    m.node(1).send(dest=BROADCAST, payload=b"x", portnum=PORT)
    m.advance_to(30)
    assert got == [] and m.stats["tx"] == 1


def test_positions_give_range_from_the_link_budget() -> None:
    m = Medium(seed=1, propagation=QUIET)
    a = m.add_node(1, position=(0.0, 0.0))
    m.add_node(2, position=(3_000.0, 0.0))
    m.add_node(3, position=(30_000.0, 0.0))
    m.add_node(4, position=(0.0, 3_000.0), tx_power_dbm=27.0, antenna_gain_dbi=6.0)
    # log-distance, exponent 3.3, 27 dBm: about 7 km on LONG_FAST
    assert m.neighbours(1) == [2, 4]
    rssi_2 = m.link_rssi(1, 2)
    rssi_4 = m.link_rssi(1, 4)
    assert rssi_2 is not None and rssi_4 is not None and rssi_4 - rssi_2 == 6.0
    got = received(m, 2)
    a.send(dest=BROADCAST, payload=b"x", portnum=PORT, hop_limit=0)
    m.advance_to(10)
    [r] = got
    assert abs(r.rx_rssi - rssi_2) <= 0.5
    assert abs(r.rx_snr - (rssi_2 - m.noise_floor_dbm)) < 0.01
    # a slower preset reaches further
    slow = Medium(preset="LONG_SLOW", propagation=QUIET)
    slow.add_node(1, position=(0.0, 0.0))
    slow.add_node(2, position=(9_000.0, 0.0))
    assert slow.sensitivity_dbm < m.sensitivity_dbm and slow.neighbours(1) == [2]
    assert m.link_rssi(1, 3) is not None and 3 not in m.neighbours(1)


def test_shadowing_is_per_pair_and_symmetric_and_independent_of_insertion_order() -> None:
    prop = Propagation(shadowing_db=8.0)
    a = Medium(seed=9, propagation=prop)
    b = Medium(seed=9, propagation=prop)
    pos = {1: (0.0, 0.0), 2: (2000.0, 0.0), 3: (0.0, 2500.0)}
    for n in (1, 2, 3):
        a.add_node(n, position=pos[n])
    for n in (3, 1, 2):
        b.add_node(n, position=pos[n])
    for x, y in ((1, 2), (2, 3), (1, 3)):
        assert a.link_rssi(x, y) == a.link_rssi(y, x) == b.link_rssi(x, y)
    c = Medium(seed=10, propagation=prop)
    for n in (1, 2, 3):
        c.add_node(n, position=pos[n])
    assert c.link_rssi(1, 2) != a.link_rssi(1, 2)


def grid_run(seed: int) -> tuple[list[tuple[object, ...]], dict[str, int]]:
    m = Medium(seed=seed, trace=True)
    for i in range(20):
        m.add_node(100 + i, position=((i % 5) * 3000.0, (i // 5) * 3000.0))
    m.power_off(105, at=70.0)
    m.power_on(105, at=150.0)
    for k in range(12):
        m.advance_to(k * 20.0)
        src = 100 + (k * 7) % 20
        dest = BROADCAST if k % 3 == 0 else 100 + (k * 11 + 3) % 20
        if dest == src:
            dest = BROADCAST
        if m.node(src).powered:
            m.node(src).send(
                dest=dest, payload=bytes([k]) * (20 + k * 9), portnum=PORT, want_ack=True
            )
    m.advance_to(400)
    assert m.trace is not None
    return m.trace, dict(m.stats)


def test_same_seed_same_run_bit_for_bit() -> None:
    t1, s1 = grid_run(42)
    t2, s2 = grid_run(42)
    assert len(t1) > 200
    assert t1 == t2 and repr(t1) == repr(t2) and s1 == s2
    t3, _ = grid_run(43)
    assert t3 != t1


def test_implicit_ack_only_from_lora_repeat_and_events_have_virtual_times() -> None:
    m = Medium(seed=1, propagation=QUIET, start_time=1000.0)
    m.add_node(1)
    m.add_node(2)
    m.set_link(1, 2, snr_db=5.0)
    evs: list[object] = []
    m.node(1).on_event = evs.append
    m.node(1).send(dest=BROADCAST, payload=b"x", portnum=PORT, want_ack=True)
    m.advance_to(1100)
    [ack] = [e for e in evs if isinstance(e, RoutingEvent)]
    assert ack.error_reason == 0 and ack.from_node == 1 and 1000 < ack.rx_time < 1003


def test_same_seed_same_trace_across_processes_and_hash_seeds() -> None:
    import hashlib
    import os
    import subprocess
    import sys

    code = (
        "import hashlib, sys; sys.path.insert(0, sys.argv[1]);"
        "from test_sim_channel import grid_run;"
        "print(hashlib.sha256(repr(grid_run(42)[0]).encode()).hexdigest())"
    )
    here = os.path.dirname(__file__)
    digests = set()
    for hash_seed in ("1", "977"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run(
            [sys.executable, "-c", code, here], env=env, capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert digests == {hashlib.sha256(repr(grid_run(42)[0]).encode()).hexdigest()}

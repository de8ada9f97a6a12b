"""The medium's bulk path (onair.py) decides exactly what looking at each receiver in turn does:
the same random numbers, the same captures and collisions, the same trace, fault for fault."""

from __future__ import annotations

import hashlib
import random

import numpy as np

from nsplink.radio.sim import Medium, Propagation
from nsplink.radio.sim.onair import OnAir
from nsplink.radio.sim.packet import BROADCAST
from nsplink.radio.sim.propagation import FADE_BITS

PORT = 256


def busy_day(bulk: bool, seed: int) -> tuple[str, dict[str, int]]:
    """A crowded square with lossy links, power and radio faults, a partition and heavy
    traffic, its receivers handled in bulk or one by one; returns a hash of the full trace
    and the medium's counters."""
    rnd = random.Random(seed)
    m = Medium(seed=seed, propagation=Propagation(shadowing_db=8.0), trace=True)
    m._bulk = bulk  # instead of the choice by reach made when the table is built
    n = 70
    for i in range(1, n + 1):
        m.add_node(i, position=(rnd.uniform(0, 25_000), rnd.uniform(0, 25_000)), hop_limit=4)
    for a in range(1, 12):
        m.set_link(a, a + 30, snr_db=rnd.uniform(-15, 5), loss=rnd.choice((0.2, 0.5, 1.0)))
    for i, node in enumerate(range(20, 30)):
        m.power_off(node, at=100.0 + 19 * i)
        m.power_on(node, at=220.0 + 17 * i)
        m.radio_off(node + 20, at=80.0 + 23 * i)
        m.radio_on(node + 20, at=150.0 + 29 * i)
    m.partition([range(1, 35), range(35, 50)], at=250.0)
    m.heal(at=330.0)

    def cut_a_sender() -> None:  # power lost mid-air: the transmission stops half-way
        busy = [num for num, node in sorted(m.nodes.items()) if node.transmitting is not None]
        if busy:
            m.power_off(busy[0])
            m.power_on(busy[0], at=m.now + 30.0)

    for at in range(40, 400, 45):
        m.call_at(float(at), cut_a_sender)
    t = 0.0
    while t < 450.0:
        t += rnd.expovariate(1 / 1.5)
        m.advance_to(t)
        src = rnd.randint(1, n)
        if not m.node(src).powered:
            continue
        dest = BROADCAST if rnd.random() < 0.3 else rnd.randint(1, n)
        if dest != src:
            m.node(src).send(dest=dest, payload=rnd.randbytes(rnd.randint(10, 200)), portnum=PORT)
    m.advance_to(600.0)
    assert m.trace is not None
    return hashlib.sha256(repr(m.trace).encode()).hexdigest(), dict(m.stats)


def test_bulk_path_is_the_one_by_one_path_trace_for_trace() -> None:
    for seed in (1, 2):
        got, stats = busy_day(True, seed)
        want, ref_stats = busy_day(False, seed)
        assert stats == ref_stats
        assert got == want
        # the day was hard enough to matter: faint collisions, lost links, aborted sends
        assert stats["rx_collided"] > 100 and stats["rx_weak"] > 1000
        assert stats["tx_aborted"] >= 1 and stats["power_off"] >= 10


def test_one_draw_of_32k_bits_is_k_fading_draws() -> None:
    for seed, k in ((1, 0), (2, 1), (3, 7), (4, 500)):
        bulk, single = random.Random(seed), random.Random(seed)
        words = bulk.getrandbits(32 * k).to_bytes(4 * k, "little") if k else b""
        got = (np.frombuffer(words, dtype="<u4") >> (32 - FADE_BITS)).tolist()
        assert got == [single.getrandbits(FADE_BITS) for _ in range(k)]
        assert bulk.random() == single.random()  # and both streams go on in step


def test_tally_widens_rather_than_drop_an_interferer_still_on_air() -> None:
    air = OnAir(3, width=2)
    slot = np.array([1], dtype=np.intp)
    for serial, (rssi, end) in enumerate(((-140.0, 5.0), (-135.0, 9.0), (-138.0, 7.0)), 1):
        air.remember(slot, np.array([rssi]), end, serial, now=1.0)
    assert air.itf_end.shape[1] == 4  # three on the air at once: no room was reused
    assert air.strongest(slot, now=2.0).tolist() == [-135.0]
    assert air.strongest(slot, now=9.0).tolist() == [-np.inf]  # ends at 9: over at 9
    assert air.strongest(np.array([0, 2], dtype=np.intp), now=2.0).tolist() == [-np.inf] * 2
    air.forget(2)  # the -135 dBm sender lost power mid-air
    assert air.strongest(slot, now=2.0).tolist() == [-138.0]
    air.remember(slot, np.array([-150.0]), 20.0, 4, now=8.0)  # takes an ended one's place
    assert air.itf_end.shape[1] == 4
    assert air.strongest(slot, now=8.0).tolist() == [-150.0]
    air.clear(1)
    assert air.strongest(slot, now=8.0).tolist() == [-np.inf]

"""What makes the medium scale: the grid-built neighbour table is the all-pairs one, a signal too
faint to decode still collides, and the radio horizon cuts links beyond it."""

from __future__ import annotations

import random

from simtools import PORT, QUIET

from nsplink.radio.sim import AppReceive, Medium, Propagation
from nsplink.radio.sim.propagation import GAUSS_BOUND


def all_pairs(m: Medium) -> dict[int, list[tuple[int, float, float]]]:
    """The table as it was built before the grid: link_rssi over every ordered pair."""
    out: dict[int, list[tuple[int, float, float]]] = {}
    for a in sorted(m.nodes):
        row = []
        for b in sorted(m.nodes):
            if a == b:
                continue
            rssi = m.link_rssi(a, b)
            if rssi is not None and rssi >= m._reach_dbm:
                link = m._links.get((a, b))
                row.append((b, rssi, link.loss if link else 0.0))
        out[a] = row
    return out


def grid(m: Medium) -> dict[int, list[tuple[int, float, float]]]:
    return {
        a: [(n.node_num, r, loss) for n, r, loss in row] for a, row in m._build_neighbours().items()
    }


def test_grid_table_is_the_all_pairs_table_float_for_float() -> None:
    for seed, side, prop in (
        (1, 20_000.0, Propagation()),
        (2, 400_000.0, Propagation(path_loss_exponent=3.8, shadowing_db=9.0)),
        (3, 150_000.0, Propagation(horizon_m=30_000.0)),
        (4, 60_000.0, Propagation(shadowing_db=0.0)),
    ):
        rnd = random.Random(seed)
        m = Medium(seed=seed, propagation=prop)
        for n in range(1, 121):
            m.add_node(
                n,
                position=(rnd.uniform(0, side), rnd.uniform(0, side)),
                tx_power_dbm=rnd.choice((14.0, 22.0, 27.0)),
                antenna_gain_dbi=rnd.choice((0.0, 3.0, 9.0)),
            )
        m.add_node(500)  # no position: only explicit links
        m.set_link(500, 7, snr_db=-3.0, loss=0.2)
        m.set_link(9, 10, snr_db=4.0, symmetric=False)  # one direction fixed, one derived
        m.set_link(11, 12, snr_db=-40.0)  # below reach: no link at all
        assert grid(m) == all_pairs(m)


def test_shadowing_never_exceeds_the_bound_the_grid_relies_on() -> None:
    prop = Propagation(shadowing_db=1.0)
    worst = max(abs(prop.shadowing(s, a, a + 1)) for s in range(20) for a in range(1, 500))
    assert worst < GAUSS_BOUND


def test_a_signal_too_faint_to_decode_still_collides() -> None:
    # 1 -> 2 decodes (SNR -16 dB, LONG_FAST needs -17.5); 3 -> 2 cannot (-19.5 dB) but is
    # within the 6 dB capture margin of it: both are lost, in either order of arrival
    for first, second in ((1, 3), (3, 1)):
        m = Medium(seed=1, propagation=QUIET)
        for n in (1, 2, 3):
            m.add_node(n)
        m.set_link(1, 2, snr_db=-16.0)
        m.set_link(3, 2, snr_db=-19.5)
        got: list[AppReceive] = []
        m.node(2).on_event = lambda e, got=got: got.append(e) if isinstance(e, AppReceive) else 0
        m.node(first).send(dest=2, payload=b"a" * 20, portnum=PORT, hop_limit=0)
        m.node(second).send(dest=2, payload=b"c" * 20, portnum=PORT, hop_limit=0)
        m.advance_to(10)
        assert got == [] and m.stats["rx_collided"] == 1 and m.stats["rx_ok"] == 0
        assert m.stats["rx_weak"] == 1


def test_a_faint_signal_outside_the_capture_margin_does_not_collide() -> None:
    m = Medium(seed=1, propagation=QUIET)
    for n in (1, 2, 3):
        m.add_node(n)
    m.set_link(1, 2, snr_db=-10.0)
    m.set_link(3, 2, snr_db=-19.5)  # 9.5 dB weaker: captured
    got: list[AppReceive] = []
    m.node(2).on_event = lambda e: got.append(e) if isinstance(e, AppReceive) else None
    m.node(3).send(dest=2, payload=b"c" * 20, portnum=PORT, hop_limit=0)
    m.node(1).send(dest=2, payload=b"a" * 20, portnum=PORT, hop_limit=0)
    m.advance_to(10)
    assert [e.from_node for e in got] == [1]


def test_the_radio_horizon_cuts_every_link_beyond_it() -> None:
    m = Medium(seed=3, propagation=Propagation(shadowing_db=0.0, horizon_m=5_000.0))
    m.add_node(1, position=(0.0, 0.0))
    m.add_node(2, position=(4_000.0, 0.0))
    m.add_node(3, position=(6_000.0, 0.0))
    assert m.link_rssi(1, 2) is not None and m.link_rssi(1, 3) is None
    assert m.neighbours(1) == [2]
    assert 1 not in [n.node_num for n, _, _ in m._neighbour_table()[3]]

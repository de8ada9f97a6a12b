"""Random topologies, traffic and faults: the firmware invariants hold and runs repeat exactly."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsplink.radio.sim import AppReceive, BadSend, Medium, NodePoweredOff, RoutingEvent
from nsplink.radio.sim import events as ev
from nsplink.radio.sim.packet import BROADCAST

PORT = 256
MAX_SHARE_PCT = 2156 / 3_600_000 * 100  # one full LONG_FAST packet past the gate

op = st.one_of(
    st.tuples(
        st.just("send"),
        st.integers(1, 6),
        st.sampled_from([BROADCAST, 1, 2, 3, 4, 5, 6, 0x77]),
        st.integers(0, 240),
        st.booleans(),
        st.sampled_from([10, 64, 70, 110, 0]),
        st.sampled_from([None, 0, 1, 3, 7]),
    ),
    st.tuples(
        st.sampled_from(["power_off", "power_on", "radio_off", "radio_on"]), st.integers(1, 6)
    ),
    st.tuples(st.just("partition"), st.integers(1, 5)),
    st.tuples(st.just("heal")),
    st.tuples(st.just("burn"), st.integers(1, 6)),  # a node that has spent its hour
)

links = st.dictionaries(
    st.tuples(st.integers(1, 6), st.integers(1, 6)).filter(lambda ab: ab[0] < ab[1]),
    st.tuples(st.floats(-25.0, 12.0), st.sampled_from([0.0, 0.0, 0.2, 1.0])),
    min_size=2,
    max_size=12,
)


def run(seed: int, topo: dict[tuple[int, int], tuple[float, float]], ops: list[Any]) -> list[Any]:
    m = Medium(seed=seed, trace=True)
    roles = ["CLIENT", "ROUTER", "CLIENT_MUTE", "ROUTER_LATE", "CLIENT", "CLIENT"]
    for n in range(1, 7):
        m.add_node(n, role=roles[n - 1])
    for (a, b), (snr, loss) in sorted(topo.items()):
        m.set_link(a, b, snr_db=snr, loss=loss)
    got: dict[int, list[Any]] = {n: [] for n in m.nodes}
    for n, node in m.nodes.items():
        node.on_event = got[n].append
    sent: set[tuple[int, int]] = set()
    burnt = dict.fromkeys(m.nodes, 0.0)  # % of the hour booked by the test, not by the sim
    for i, o in enumerate(ops):
        kind = o[0]
        if kind == "send":
            _, src, dest, size, want_ack, prio, hops = o
            try:
                res = m.node(src).send(
                    dest=dest,
                    payload=bytes([i % 256]) * size,
                    portnum=PORT,
                    want_ack=want_ack,
                    priority=prio,
                    hop_limit=hops,
                )
            except NodePoweredOff:
                continue
            except BadSend:
                raise AssertionError(f"valid arguments refused: {o}") from None
            sent.add((src, res.packet_id))
            assert 0 <= res.free <= 16 and res.maxlen == 16
            assert res.res in (0, ev.ERR_TOO_LARGE, ev.ERR_DUTY_CYCLE_LIMIT, 32, 34)
            # a DM to another node is PKI-encrypted: 12 bytes less room (Router::perhapsEncode)
            room = 231 if dest in (BROADCAST, src) else 219
            assert (res.res == ev.ERR_TOO_LARGE) == (size > room)
        elif kind in ("power_off", "power_on", "radio_off", "radio_on"):
            getattr(m, kind)(o[1])
        elif kind == "partition":
            m.partition([list(range(1, o[1] + 1))])
        elif kind == "heal":
            m.heal()
        elif kind == "burn" and m.node(o[1]).powered:
            m.node(o[1]).ledger.record(m.now, 370_000)
            burnt[o[1]] += 370_000 / 3_600_000 * 100
        m.advance_by(3.0 + (i % 5) * 4.0)
        for n, node in m.nodes.items():
            assert len(node.queue) <= 16
            # the gate lets at most one packet past 10 %
            assert node.ledger.utilization_pct(m.now) <= 10.0 + MAX_SHARE_PCT + burnt[n]
    m.advance_by(200.0)
    for n, evs in got.items():
        rx = [(e.from_node, e.packet_id) for e in evs if isinstance(e, AppReceive)]
        assert len(rx) == len(set(rx)), "the app sees each packet once"
        assert all(key in sent for key in rx), "nothing is delivered that was not sent"
        naks = [e.request_id for e in evs if isinstance(e, RoutingEvent) and e.error_reason == 5]
        assert len(naks) == len(set(naks))
        assert all((n, pid) in sent for pid in naks)
    assert m.trace is not None
    return m.trace


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**16), links, st.lists(op, min_size=1, max_size=25))
def test_random_runs_keep_invariants_and_repeat(
    seed: int, topo: dict[tuple[int, int], tuple[float, float]], ops: list[Any]
) -> None:
    first = run(seed, topo, ops)
    assert run(seed, topo, ops) == first

"""Next-hop routing for DMs (firmware >= 2.6): learn from the ack's path, then ask one relay."""

from __future__ import annotations

from simtools import PORT, QUIET, collect, of

from nsplink.radio.sim import AppReceive, Medium, RoutingEvent


def diamond(*, next_hop: bool = True, seed: int = 3) -> Medium:
    """1 reaches 2 and 3; both reach 4; 2 and 3 cannot hear each other. 2 hears both ends
    weakly, so it always relays first (low SNR, short wait) and carries the ack back."""
    m = Medium(seed=seed, propagation=QUIET, trace=True, next_hop=next_hop)
    for n in (1, 2, 3, 4):
        m.add_node(n)
    for a, b, snr in ((1, 2, -15.0), (2, 4, -15.0), (1, 3, 8.0), (3, 4, 8.0)):
        m.set_link(a, b, snr_db=snr)
    return m


def transmitters(m: Medium, pid: int) -> list[int]:
    assert m.trace is not None
    return [e[2] for e in m.trace if e[0] == "tx" and e[4] == pid]


def test_the_ack_path_is_learnt_and_the_next_dm_uses_one_relay() -> None:
    m = diamond()
    got = collect(m)
    first = m.node(1).send(dest=4, payload=b"eerste", portnum=PORT, want_ack=True)
    m.advance_to(60)
    # the first DM floods: 2 relays it; 3 drops its copy when it hears 4's ack go by
    assert transmitters(m, first.packet_id) == [1, 2]
    assert m.node(1).next_hops == {4: 2}  # 2 relayed both the DM and the ack
    assert m.node(2).next_hops == {4: 4}  # it heard 4's ack directly, as the sole relayer
    # 3 queued a relay of the DM before cancelling it; the firmware records a relayer at
    # enqueue time, so 3 too believes it can reach 4 directly
    assert m.node(3).next_hops == {4: 4}
    second = m.node(1).send(dest=4, payload=b"tweede", portnum=PORT, want_ack=True)
    m.advance_to(120)
    assert transmitters(m, second.packet_id) == [1, 2]  # 3 hears it but was not asked
    assert [r.payload for r in of(got[4], AppReceive)] == [b"eerste", b"tweede"]
    acks = [(e.request_id, e.from_node) for e in of(got[1], RoutingEvent) if e.error_reason == 0]
    assert (second.packet_id, 4) in acks
    assert m.stats["next_hops_learnt"] >= 2


def test_a_dead_next_hop_costs_retries_then_the_last_try_floods() -> None:
    m = diamond()
    got = collect(m)
    m.node(1).send(dest=4, payload=b"leren", portnum=PORT, want_ack=True)
    m.advance_to(60)
    assert m.node(1).next_hops == {4: 2}
    m.power_off(2)
    res = m.node(1).send(dest=4, payload=b"omweg", portnum=PORT, want_ack=True)
    m.advance_to(120)
    # 3 hears the first two tries but they name 2; the third floods and 3 relays it
    assert transmitters(m, res.packet_id) == [1, 1, 1, 3]
    assert [r.payload for r in of(got[4], AppReceive)][-1] == b"omweg"
    reasons = [e.error_reason for e in of(got[1], RoutingEvent) if e.request_id == res.packet_id]
    assert 0 in reasons and 5 not in reasons
    assert m.node(1).next_hops.get(4) != 2  # forgotten on the flooding try


def test_flood_only_firmware_never_learns() -> None:
    m = diamond(next_hop=False)
    for _ in range(3):
        m.node(1).send(dest=4, payload=b"x", portnum=PORT, want_ack=True)
        m.advance_by(60)
    assert all(not node.next_hops for node in m.nodes.values())
    assert m.stats["next_hops_learnt"] == 0

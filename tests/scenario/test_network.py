"""The delivery engine on the simulated LoRa medium: multi-hop delivery with signed receipts,
bulletins to every NSP, a partition that heals, custody by a relay."""

from __future__ import annotations

from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    CustodyTaken,
    DeliveryState,
    Destination,
    Transmit,
    minutes_since_epoch,
)
from nsplink.scenario.network import CpuSplit
from tests.scenario.helpers import Recorder, bulletin, emergency, line_network, sitrep


def test_emergency_over_three_hops_is_delivered_on_signed_receipt() -> None:
    net, rec = line_network([("nsp-a", "nsp"), ("r1", "relay"), ("r2", "relay"), ("cp", "cp")])
    mid = net.submit("nsp-a", emergency(), ALL_CPS)
    net.run_for(120)
    assert rec.delivered_to(mid) == ["cp"]
    states = rec.states(mid)
    assert states[0] is DeliveryState.HANDED
    assert states[-1] is DeliveryState.DELIVERED
    # a neighbour's repeat is reported as heard, never as delivered
    assert DeliveryState.HEARD in states
    assert states.index(DeliveryState.HEARD) < states.index(DeliveryState.DELIVERED)


def test_a_repeat_alone_never_counts_as_delivered() -> None:
    # the CP is not on the roster's radio path at all: only the relay hears the NSP
    net, rec = line_network([("nsp-a", "nsp"), ("r1", "relay"), ("cp", "cp")])
    net.medium.power_off(0x102)
    mid = net.submit("nsp-a", emergency(), ALL_CPS)
    net.run_for(600)
    states = rec.states(mid)
    assert DeliveryState.HEARD in states or DeliveryState.CUSTODY in states
    assert DeliveryState.DELIVERED not in states


def test_bulletin_is_delivered_per_nsp() -> None:
    net, rec = line_network([("cp", "cp"), ("nsp-a", "nsp"), ("nsp-b", "nsp"), ("nsp-c", "nsp")])
    valid = minutes_since_epoch(net.now) + 600
    mid = net.submit("cp", bulletin(valid), ALL_NSPS)
    net.run_for(300)
    assert sorted(rec.delivered_to(mid)) == ["nsp-a", "nsp-b", "nsp-c"]
    states = rec.states(mid)
    assert states.count(DeliveryState.PARTIAL) == 2
    assert states[-1] is DeliveryState.DELIVERED


def test_partition_heals_and_queued_messages_flow_once() -> None:
    net, rec = line_network([("nsp-a", "nsp"), ("r1", "relay"), ("cp", "cp")])
    net.medium.partition([[0x100], [0x101, 0x102]])
    mids = [net.submit("nsp-a", sitrep(v), ALL_CPS) for v in range(5)]
    net.run_for(1800)
    assert all(not rec.delivered_to(m) for m in mids)
    net.medium.heal()
    net.run_for(3 * 3600)
    for m in mids:
        assert rec.delivered_to(m) == ["cp"], m  # exactly once for the reader
        assert rec.states(m)[-1] is DeliveryState.DELIVERED


def test_relay_takes_custody_and_forwards_when_the_cp_is_back() -> None:
    net, rec = line_network([("nsp-a", "nsp"), ("r1", "relay"), ("cp", "cp")])
    cp = net.sites["cp"]
    net.run_for(1)
    net.medium.power_off(0x102)
    mid = net.submit("nsp-a", emergency(), Destination.to_site(cp.identity.key_id))
    net.run_for(300)
    taken = [e for name, e, _ in rec.effects if name == "r1" and isinstance(e, CustodyTaken)]
    assert [t.msg.id for t in taken] == [mid]
    assert DeliveryState.CUSTODY in rec.states(mid)
    # the NSP goes dark; the CP comes back and announces itself with a sitrep-like message
    net.medium.power_off(0x100)
    net.medium.power_on(0x102)
    net.submit("cp", sitrep(), Destination.to_site(net.sites["r1"].identity.key_id))
    net.run_for(600)
    assert rec.delivered_to(mid) == ["cp"]


def test_a_long_bulletin_travels_as_fragments_and_is_delivered() -> None:
    from nsplink.protocol import Bulletin

    net, rec = line_network([("cp", "cp"), ("r1", "relay"), ("nsp-a", "nsp")])
    import random

    rng = random.Random(4)
    words = [
        "water",
        "opvang",
        "zorg",
        "stroom",
        "brandstof",
        "dekens",
        "medicijnen",
        "sporthal",
        "kerk",
        "school",
        "buren",
    ]
    body = " ".join(f"{rng.choice(words)}{rng.randrange(10_000)}" for _ in range(450))
    assert len(body.encode()) > 4096  # little for the dictionary to win: many fragments
    valid = minutes_since_epoch(net.now) + 600
    long = Bulletin(
        headline="Drinkwater en opvang",
        body=body,
        valid_until=valid,
        issuer="Veiligheidsregio Groningen",
    )
    mid = net.submit("cp", long, ALL_NSPS)
    net.run_for(3600)
    assert rec.delivered_to(mid) == ["nsp-a"]
    frames = [e for name, e, _ in rec.effects if name == "cp" and isinstance(e, Transmit)]
    assert max(t.part for t in frames if t.mid == mid) >= 5  # six fragments or more
    delivered = next(d for name, d, _ in rec.deliveries if name == "nsp-a")
    assert delivered.msg.envelope.body == long
    assert rec.states(mid)[-1] is DeliveryState.DELIVERED


def _four_sites_busy(measure: bool) -> tuple[CpuSplit | None, Recorder]:
    net, rec = line_network([("nsp-a", "nsp"), ("r1", "relay"), ("nsp-b", "nsp"), ("cp", "cp")])
    if measure:
        net.cpu = CpuSplit()
    for v in range(6):
        net.submit("nsp-a", sitrep(v), ALL_CPS)
        net.submit("nsp-b", emergency(f"Val van trap, nummer {v}."), ALL_CPS)
        net.run_for(300)
    net.run_for(3600)
    return net.cpu, rec


def test_measuring_where_the_cpu_goes_leaves_the_run_as_it_was() -> None:
    _, plain = _four_sites_busy(measure=False)
    cpu, measured = _four_sites_busy(measure=True)
    assert measured.effects == plain.effects and len(plain.deliveries) >= 12
    assert cpu is not None
    # the typing happens outside the medium, the rest inside: both counted as the sites'
    assert 0 < cpu.sites_in_medium_s < cpu.sites_s
    assert 0 < cpu.simulator_s < cpu.medium_s

"""The airtime planner's rules (issue 17), driven by hand with explicit time."""

from __future__ import annotations

from nsplink.lora.airtime import preset
from nsplink.protocol import ALL_CPS, Priority, Receipt
from nsplink.protocol.effects import Created
from nsplink.protocol.planner import AirtimePlanner
from tests.protocol.test_engine import T0, Site, make, signed
from tests.scenario.helpers import emergency, sitrep

LONG_FAST = preset("LONG_FAST")


def _after_one_frame(hop_limit: int) -> tuple[float, float]:
    """When the next frame may be handed after one frame of the same size at `hop_limit`, and
    when the device should be done sending the first (seconds after it was handed)."""
    planner = AirtimePlanner(LONG_FAST, boot_s=T0)
    air = planner.airtime_ms(100)
    planner.record(T0, air, hop_limit)
    return planner.earliest(T0, air, urgent=True) - T0, planner.channel_free_at - T0


def test_the_next_frame_waits_for_the_repeats_of_the_last_one() -> None:
    """Rule: after a frame relays repeat, the next waits until the first relay's repeat and
    the one after it (hidden from us, heard by the first relay) should be over. A frame nobody
    repeats keeps the old pacing: one frame ahead of the channel."""
    air_s = AirtimePlanner(LONG_FAST).airtime_ms(100) / 1000
    (alone, on_air), one, two, three = (_after_one_frame(h) for h in range(4))
    assert alone < on_air  # handed while the first is still on air: it waits in the device
    assert one[0] - alone > air_s  # one repeat: at least its airtime more
    assert two[0] - one[0] > air_s  # the hidden second repeat too
    assert three == two  # a third repeat is out of reach of the first relay: no collision there


def test_an_emergency_waits_out_the_repeats_of_a_sitrep_ahead_of_it() -> None:
    """Engine level: a sitrep to a CP three hops away goes first; an emergency typed just after
    goes when the sitrep's repeats are over, not on top of the second relay's repeat."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    eng = nsp.engine
    eng.heard[cp.ident.key_id] = (T0, 0x24, 3)  # the CP was heard three hops away
    nsp.run(eng.submit(signed(nsp, sitrep(), ALL_CPS, Priority.P3, 300), T0), T0)
    assert [t.hop_limit for t in nsp.sent] == [3]
    nsp.run(eng.submit(signed(nsp, emergency(), ALL_CPS, Priority.P1, 301), T0 + 1), T0 + 1)
    assert len(nsp.sent) == 1  # held: the relays are still repeating the sitrep
    deadline = eng.next_deadline()
    assert deadline is not None and deadline >= eng.planner.quiet_at
    nsp.tick(deadline)
    assert len(nsp.sent) == 2 and nsp.sent[1].radio_priority == 110


def test_a_busy_channel_holds_routine_traffic_first_and_emergencies_never() -> None:
    """Rule: the device's channel utilisation gates as the firmware gates its own chatter: from
    25 % routine traffic (P3, P4) waits, from 40 % everything but urgent traffic; the next
    report opens the gate, and a report three minutes old gates nothing."""
    planner = AirtimePlanner(LONG_FAST, boot_s=T0)
    air = planner.airtime_ms(100)

    def held(now: float, *, urgent: bool = False, routine: bool = False) -> bool:
        return planner.earliest(now, air, urgent=urgent, routine=routine) > now

    assert not held(T0, routine=True)
    planner.on_channel(T0, 30.0, 1.0)
    assert held(T0, routine=True)
    assert not held(T0) and not held(T0, urgent=True)
    planner.on_channel(T0 + 60, 45.0, 1.0)
    assert held(T0 + 60, routine=True) and held(T0 + 60)
    assert not held(T0 + 60, urgent=True)
    assert not held(T0 + 60 + 181, routine=True)  # the device stopped reporting: no gate
    planner.on_channel(T0 + 300, 20.0, 1.0)
    assert not held(T0 + 300, routine=True)


def test_airtime_the_device_spent_for_others_comes_off_the_routine_share_only() -> None:
    """airUtilTx counts the device's relays and retransmissions, which we never handed it:
    the difference from our own ledger leaves less for routine traffic, the reserve stays."""
    planner = AirtimePlanner(LONG_FAST, boot_s=T0)
    air = planner.airtime_ms(100)
    planner.ledger.record(T0, 0.5 * planner.limit_ms(urgent=False))
    assert planner.earliest(T0, air, urgent=False) == T0
    planner.on_channel(T0, 0.0, 9.0)  # the device: 9 % of the hour, we handed it 4.25 %
    assert planner.earliest(T0, air, urgent=False) > T0
    assert planner.earliest(T0, air, urgent=True) == T0


def _routine_wait_after_urgent_frames(frames: int) -> float:
    """How long a routine frame waits after `frames` urgent full frames, one a second."""
    planner = AirtimePlanner(preset("MEDIUM_FAST"), boot_s=T0)
    air = planner.airtime_ms(230)
    now = T0
    for _ in range(frames):
        now += 1.0
        assert planner.earliest(now, air, urgent=True) <= now + 1.0  # urgent goes at once
        planner.record(now, air)
    now += 1.0
    return planner.earliest(now, air, urgent=False) - now


def test_urgent_frames_hold_routine_traffic_back_by_one_burst_at_most() -> None:
    """Urgent frames take from the routine token bucket too (they share the channel), but
    only down to one burst below empty: a CP's stream of urgent receipts had held a bulletin
    of its own off the air for 34 hours. Routine then waits the time to refill two bursts."""
    planner = AirtimePlanner(preset("MEDIUM_FAST"), boot_s=T0)
    refill_s = 2 * planner._bucket_cap / planner._rate_ms_per_s
    few, many = _routine_wait_after_urgent_frames(60), _routine_wait_after_urgent_frames(300)
    assert 0 < few < many <= refill_s + 10, (few, many, refill_s)
    assert _routine_wait_after_urgent_frames(450) == many  # and no longer, however many


def test_on_a_busy_channel_a_p1_report_passes_a_held_bulletin() -> None:
    """Engine level: the best-ranked message (a P3 bulletin ranks before sitreps) waits for
    the channel; an urgent one behind it does not wait with it."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp = sites["nsp"]
    eng = nsp.engine
    nsp.run(eng.on_channel_load(50.0, 2.0, T0), T0)
    routine = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 310)
    nsp.run(eng.submit(routine, T0), T0)
    assert nsp.sent == []
    p1 = signed(nsp, sitrep(), ALL_CPS, Priority.P1, 311)
    nsp.run(eng.submit(p1, T0 + 1), T0 + 1)
    assert [t.mid for t in nsp.sent] == [p1.id]
    nsp.tick(T0 + 30)
    assert routine.id not in [t.mid for t in nsp.sent]  # it waits for a quieter report
    nsp.run(eng.on_channel_load(10.0, 2.0, T0 + 60), T0 + 60)
    nsp.tick(T0 + 120)
    assert routine.id in [t.mid for t in nsp.sent]


def _receipted(site: Site) -> list[set[int]]:
    """The sequence numbers each receipt this site signed covers, in order."""
    return [
        {seq for e in c.msg.envelope.body.entries for seq in range(e.first, e.last + 1)}
        for c in site.effects
        if isinstance(c, Created) and isinstance(c.msg.envelope.body, Receipt)
    ]


def test_on_a_busy_channel_receipts_for_routine_reports_wait_and_go_as_one() -> None:
    """A CP over 40 %: receipts for routine reports stay owed past their batching window and
    go as one frame when the channel is quieter."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    eng = cp.engine
    cp.run(eng.on_channel_load(55.0, 3.0, T0), T0)
    for i in range(3):
        frame = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 320 + i).frame
        cp.run(eng.on_frame(frame, 0x21, 0, T0 + i), T0 + i)
    cp.tick(T0 + 59)  # well past the 30 s batching window
    assert cp.sent == [] and _receipted(cp) == []
    cp.run(eng.on_channel_load(12.0, 3.0, T0 + 60), T0 + 60)
    cp.tick(T0 + 120)
    assert _receipted(cp) == [{320, 321, 322}]
    assert [t.radio_priority for t in cp.sent] == [100]


def test_on_a_busy_channel_an_emergency_is_receipted_past_a_waiting_receipt() -> None:
    """A CP whose receipt for a sitrep waits for airtime (its routine share is spent) and whose
    channel is over 40 %: the receipt for an emergency does not wait behind that one."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    eng = cp.engine
    eng.planner.ledger.record(T0, eng.planner.limit_ms(urgent=False))
    frame = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 320).frame
    cp.run(eng.on_frame(frame, 0x21, 0, T0), T0)
    cp.tick(T0 + 40)
    assert _receipted(cp) == [{320}] and cp.sent == []  # signed, waiting for the budget
    cp.run(eng.on_channel_load(55.0, 3.0, T0 + 41), T0 + 41)
    urgent = signed(nsp, emergency(), ALL_CPS, Priority.P1, 330)
    cp.run(eng.on_frame(urgent.frame, 0x21, 0, T0 + 42), T0 + 42)
    cp.tick(T0 + 50)
    assert _receipted(cp) == [{320}, {330}]
    assert [t.radio_priority for t in cp.sent] == [110]


def test_kept_airtimes_are_the_airtimes_computed_afresh() -> None:
    """The planner keeps each frame length's airtime: asked again (and for lengths in any
    order), it answers what `packet_airtime_ms` computes, on every preset."""
    from nsplink.lora.airtime import PRESETS, packet_airtime_ms

    for name in PRESETS:
        modem = preset(name)
        planner = AirtimePlanner(modem)
        lengths = [*range(0, 200, 7), *range(199, -1, -11), 100, 100]
        for n in lengths:
            assert planner.airtime_ms(n) == packet_airtime_ms(n, modem)

"""The airtime planner's rules (issue 17), driven by hand with explicit time."""

from __future__ import annotations

from nsplink.lora.airtime import preset
from nsplink.protocol import ALL_CPS, Priority
from nsplink.protocol.planner import AirtimePlanner
from tests.protocol.test_engine import T0, make, signed
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

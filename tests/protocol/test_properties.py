"""Property tests: any valid message survives encode -> frames -> receive unchanged."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from nsplink import protocol as p
from tests.protocol.conftest import SEED_NSP

NSP = p.Identity(SEED_NSP)
RING = p.KeyRing([p.PeerKey("NSP", "nsp", NSP.public_key)])
# printable text incl. Dutch diacritics, emoji and newlines where allowed; no control characters
LINE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")), max_size=40
)
FREE = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Zl", "Zp")) | st.just("\n"),
    max_size=1500,
)
U8 = st.integers(0, 255)


def _codes(enum: type[p.Code]) -> st.SearchStrategy[tuple[p.Code, ...]]:
    return st.lists(st.sampled_from(list(enum)), max_size=4).map(tuple)


sitreps = st.builds(
    p.Sitrep,
    nsp_state=st.sampled_from(list(p.NspState)),
    power=st.sampled_from(list(p.Power)),
    power_hours=U8,
    staff_pro=st.integers(0, 1000),
    staff_vol=st.integers(0, 1000),
    visitors=st.integers(0, 1_000_000),
    fuel_l=st.none() | st.integers(0, 100_000),
    queue=st.none() | st.integers(0, 100_000),
    needs=_codes(p.Category),
    observations=_codes(p.Observation),
    text=FREE,
)
supplies = st.builds(
    p.Supply,
    category=st.sampled_from(list(p.Category)),
    quantity=st.integers(1, 1_000_000),
    unit=st.sampled_from(list(p.Unit)),
    urgency=st.sampled_from(list(p.Urgency)),
    item=LINE,
    persons=st.none() | st.integers(1, 1_000_000),
    deliver_to_address=LINE,
    text=FREE,
)
emergencies = st.builds(
    p.Emergency,
    incident=st.sampled_from(list(p.Incident)),
    services=st.sampled_from([p.Services.A, p.Services.B | p.Services.P, p.Services(7)]),
    people_involved=U8,
    life_threat=st.sampled_from(list(p.Answer)),
    injured=st.none() | U8,
    hazards=_codes(p.Hazard),
    callback=st.sampled_from([p.Callback.NSP, p.Callback.TER, p.Callback.GEEN]),
    street=LINE.map(lambda s: "Kerkstraat" + s[:40]),
    number=st.just("12a"),
    place=LINE,
    access=LINE,
    text=FREE,
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(sitreps, supplies, emergencies), st.integers(0, 2**32 - 1), st.randoms())
def test_any_valid_message_round_trips(body: p.Message, seq: int, rnd: object) -> None:
    env = p.Envelope(NSP.key_id, seq, 123_456, body, p.suggested_priority(body))
    frames = p.to_frames(p.encode(env, NSP))
    assert all(len(f) <= p.MAX_FRAME for f in frames)
    rnd.shuffle(frames)  # type: ignore[attr-defined]
    rx = p.Receiver(RING)
    out = [m for m in (rx.receive(f, 0.0) for f in frames) if m is not None]
    assert len(out) == 1 and out[0].envelope == env

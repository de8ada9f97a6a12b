"""Hostile frames through every decoder and through the engine: mutated real frames of every
type (a few thousand here, >= 100,000 in bench_fuzz), random bytes, replays, reordering,
truncation, oversize, cross-type splices, revoked and unknown senders. Every outcome is a
verified message that was really sent, or a typed DecodeError: never an exception, never a
forgery delivered."""

from __future__ import annotations

import contextlib
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsplink import protocol as p
from nsplink.protocol import Deliver, EngineConfig, Rejected, SiteEngine, open_sealed, parse_roster
from tests.security.corpus import (
    CP,
    CP_SEAL,
    NSP,
    REVOKED,
    STRANGER,
    mutated,
    real_frames,
    real_messages,
    roster,
)

T0 = 1_767_225_600.0
CORPUS = real_frames()
WHOLE = set(real_messages())  # what a verified decode may ever return
ROSTER = roster()


def _cp_engine() -> SiteEngine:
    eng = SiteEngine(CP, roster(), EngineConfig(role="cp"), rng=random.Random(1), now=T0)
    eng.provide_seqs(range(1, 100), T0)
    return eng


def _decoders(frame: bytes) -> p.SignedMessage | None:
    """Every decoder on one input; returns the verified message if `decode` accepted it."""
    verified = None
    with contextlib.suppress(p.DecodeError):
        verified = p.decode(frame, ROSTER)
    for fn in (p.decode_unverified, p.parse_fragment, parse_roster, p.parse_header):
        with contextlib.suppress(p.DecodeError):
            fn(frame)
    if verified is not None:
        with contextlib.suppress(p.DecodeError):
            open_sealed(verified.envelope, verified.signer.public_key, CP_SEAL.box_secret())
    return verified


def test_four_thousand_mutated_real_frames_are_typed_errors_or_the_real_thing() -> None:
    rng = random.Random(11)
    accepted = 0
    for _ in range(4000):
        frame = mutated(rng, CORPUS)
        msg = _decoders(frame)
        if msg is not None:
            assert frame in WHOLE  # only an unaltered real frame verifies
            accepted += 1
    assert accepted < 400  # the mutations really mutate


def test_mutated_frames_through_the_engine_deliver_nothing_forged() -> None:
    eng = _cp_engine()
    rng = random.Random(12)
    now = T0
    delivered = 0
    for i in range(2500):
        now += 0.5
        # junk with real traffic in between, as on a shared channel
        frame = rng.choice(CORPUS) if i % 10 == 0 else mutated(rng, CORPUS)
        for effect in eng.on_frame(frame, 0x200 + i % 3, 1, now):
            if isinstance(effect, Deliver):
                delivered += 1
                assert effect.msg.frame in WHOLE
                assert effect.msg.envelope.sender not in (REVOKED.key_id, STRANGER.key_id)
            if isinstance(effect, Rejected):
                assert isinstance(effect.error, p.DecodeError) and effect.error.code
        with contextlib.suppress(p.DecodeError):
            eng.handle_timer(now)
    assert delivered > 20  # the real frames among the junk still get through
    # and the engine still works: a real report after all that junk is delivered
    report = p.encode(p.Envelope(NSP.key_id, 9999, 0, _emergency(), p.Priority.P1), NSP)
    assert any(isinstance(e, Deliver) for e in eng.on_frame(report, 0x100, 1, now + 1))


def _emergency() -> p.Emergency:
    return p.Emergency(p.Incident.CO, p.Services.B, landmark="flat bij de molen")


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_through_the_engine(data: bytes) -> None:
    eng = _cp_engine()
    effects = eng.on_frame(data, 0x300, None, T0)
    assert not any(isinstance(e, Deliver) for e in effects)


def test_replayed_and_reordered_frames_are_delivered_once() -> None:
    eng = _cp_engine()
    frames = [
        p.encode(p.Envelope(NSP.key_id, seq, 0, _emergency(), p.Priority.P1), NSP)
        for seq in range(1, 9)
    ]
    order = [5, 1, 8, 2, 2, 7, 3, 6, 4, 5, 1, 8]  # reordered, with replays
    delivered: list[tuple[int, bool]] = []
    for n, seq in enumerate(order):
        for e in eng.on_frame(frames[seq - 1], 0x100, 1, T0 + n):
            if isinstance(e, Deliver):
                delivered.append((e.msg.envelope.seq, e.duplicate))
    fresh = [seq for seq, dup in delivered if not dup]
    assert sorted(fresh) == list(range(1, 9))  # each exactly once for the reader
    assert sum(dup for _, dup in delivered) == len(order) - 8  # replays flagged, not shown


@pytest.mark.parametrize(
    ("ident", "code"),
    [(REVOKED, "protocol.verify.revoked"), (STRANGER, "protocol.verify.unknown_key")],
)
def test_revoked_and_unknown_senders_are_rejected_with_a_peekable_envelope(
    ident: p.Identity, code: str
) -> None:
    eng = _cp_engine()
    frame = p.encode(p.Envelope(ident.key_id, 3, 0, _emergency(), p.Priority.P1), ident)
    (effect,) = eng.on_frame(frame, 0x200, 1, T0)
    assert isinstance(effect, Rejected) and effect.error.code == code
    assert effect.unverified is not None and effect.unverified.seq == 3  # for quarantine


def test_oversize_frames_are_refused_before_any_work() -> None:
    big = bytes([p.FORMAT_VERSION << 4 | 1, 0x1C]) + b"\x00" * (p.MAX_MESSAGE + 10)
    with pytest.raises(p.FrameTooLarge):
        p.decode(big, ROSTER)
    frag = bytes([p.FORMAT_VERSION << 4, 0]) + NSP.key_id.raw + b"\x01\x00\x02" + b"x" * 300
    with pytest.raises(p.FrameTooLarge):
        p.parse_fragment(frag)

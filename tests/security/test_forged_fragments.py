"""A fragment has no signature of its own. Junk fragments injected into a reassembly may cost a
real message one attempt, never its delivery: the sender's next retry completes."""

from __future__ import annotations

import random

import pytest

from nsplink import protocol as p
from nsplink.protocol import Fragment
from tests.security.corpus import CP, NSP, REVOKED, STRANGER, roster

LONG = p.encode(
    p.Envelope(
        CP.key_id, 77, 0, p.Bulletin("Kop", " ".join(f"zin {i}." for i in range(600)), 1, "VR01")
    ),
    CP,
)
FRAMES = p.to_frames(LONG)


def _junk_like(frame: bytes, rng: random.Random) -> bytes:
    """The same fragment header (sender, seq, index, count), another chunk."""
    frag = p.parse_fragment(frame)
    head = frame[: len(frame) - len(frag.chunk)]
    return head + rng.randbytes(len(frag.chunk))


def _send_all(rx: p.Receiver, frames: list[bytes], now: float) -> p.SignedMessage | None:
    got = None
    for f in frames:
        try:
            msg = rx.receive(f, now)
        except p.DecodeError:
            continue
        got = msg or got
    return got


def test_the_message_is_long_enough_to_fragment() -> None:
    assert len(FRAMES) >= 4


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_junk_fragment_before_the_real_one_costs_one_attempt_at_most(where: str) -> None:
    rng = random.Random(1)
    rx = p.Receiver(roster())
    i = {"first": 0, "middle": len(FRAMES) // 2, "last": len(FRAMES) - 1}[where]
    attempt1 = list(FRAMES)
    attempt1.insert(i, _junk_like(FRAMES[i], rng))  # junk arrives just before the real one
    first = _send_all(rx, attempt1, 0.0)
    second = _send_all(rx, FRAMES, 30.0)  # the sender's retry
    got = first or second
    assert got is not None and got.frame == LONG


def test_a_junk_fragment_after_the_real_one_costs_one_attempt_at_most() -> None:
    rng = random.Random(2)
    rx = p.Receiver(roster())
    attempt1 = [FRAMES[0], _junk_like(FRAMES[0], rng), *FRAMES[1:]]
    first = _send_all(rx, attempt1, 0.0)
    assert first is None or first.frame == LONG
    if first is None:
        assert _send_all(rx, FRAMES, 30.0) is not None


def test_a_whole_forged_set_for_a_future_message_does_not_block_it() -> None:
    """Junk completes a reassembly for (CP, 77) first; its signature fails; the real one, sent
    afterwards, must still be accepted (the failed one is forgotten)."""
    rng = random.Random(3)
    rx = p.Receiver(roster())
    forged = [_junk_like(f, rng) for f in FRAMES]
    with pytest.raises(p.DecodeError):
        for f in forged:
            rx.receive(f, 0.0)
    got = _send_all(rx, FRAMES, 1.0)
    assert got is not None and got.frame == LONG


def test_a_wrong_count_fragment_does_not_pin_the_partial() -> None:
    rx = p.Receiver(roster())
    frag = p.parse_fragment(FRAMES[1])
    head = FRAMES[1][: len(FRAMES[1]) - len(frag.chunk)]
    bad = head[:-1] + bytes([frag.count + 1]) + frag.chunk  # another count, same message
    rx.receive(FRAMES[0], 0.0)
    with pytest.raises(p.BadFragment):
        rx.receive(bad, 0.0)
    assert _send_all(rx, FRAMES, 30.0) is not None  # the retry completes


@pytest.mark.parametrize("ident", [STRANGER, REVOKED])
def test_fragments_of_unknown_or_revoked_senders_are_not_buffered(ident: p.Identity) -> None:
    rx = p.Receiver(roster())
    msg = p.encode(p.Envelope(ident.key_id, 1, 0, p.Bulletin("K", "x " * 400, 1, "VR")), ident)
    with pytest.raises(p.VerifyError):
        rx.receive(p.to_frames(msg)[0], 0.0)
    assert rx.reassembler.pending() == []


def test_junk_claiming_one_sender_cannot_evict_anothers_partial() -> None:
    rx = p.Receiver(roster())
    rx.receive(FRAMES[0], 0.0)  # the CP's real message is in progress
    rng = random.Random(4)
    for seq in range(1000, 1200):  # a flood of junk partials claiming to be the NSP
        frag = Fragment(p.MessageId(NSP.key_id, seq), 0, 5, rng.randbytes(50), FRAMES[0][0])
        rx.reassembler.add(frag, 1.0)
    assert p.MessageId(CP.key_id, 77) in rx.reassembler.pending()
    got = _send_all(rx, FRAMES[1:], 2.0)
    assert got is not None and got.frame == LONG

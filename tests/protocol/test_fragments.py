"""Fragmentation of long messages: any order, duplicates, missing parts, junk, expiry, memory."""

from __future__ import annotations

import random

import pytest

from nsplink import protocol as p
from nsplink.protocol.fragments import MAX_FRAGMENTS


def _long_bulletin(ident: p.Identity, seq: int = 7, chars: int = 4500) -> bytes:
    rng = random.Random(seq)
    words = ["water", "stroom", "opvang", "dekens", "Zaltbommel", "noodsteunpunt", "één",
             "café", "ziekenhuis", "aggregaat", "vrijwilligers", "brandstof"]  # fmt: skip
    text = ""
    while len(text) < chars:
        text += rng.choice(words) + str(rng.randint(0, 999)) + " "
    body = p.Bulletin("Lange mededeling", text[:chars], 600_000, "Veiligheidsregio")
    return p.encode(p.Envelope(ident.key_id, seq, 510_000, body, p.Priority.P3, p.ALL_NSPS), ident)


def test_four_kib_message_splits_into_small_frames(cp: p.Identity, ring: p.KeyRing) -> None:
    signed = _long_bulletin(cp)
    frames = p.to_frames(signed)
    assert len(frames) > 1
    assert all(len(f) <= p.MAX_FRAME for f in frames)
    assert all(p.is_fragment(f) for f in frames)
    rx = p.Receiver(ring)
    got = [rx.receive(f, 10.0) for f in frames]
    assert got[:-1] == [None] * (len(frames) - 1)
    msg = got[-1]
    assert msg is not None and msg.frame == signed
    assert len(msg.envelope.body.body) == 4500  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", range(5))
def test_any_order_with_duplicates(seed: int, cp: p.Identity, ring: p.KeyRing) -> None:
    signed = _long_bulletin(cp, seq=seed)
    frames = p.to_frames(signed)
    rng = random.Random(seed)
    stream = frames + rng.sample(frames, 3)
    rng.shuffle(stream)
    rx = p.Receiver(ring)
    results = [rx.receive(f, 1.0) for f in stream]
    done = [r for r in results if r is not None]
    assert len(done) == 1 and done[0].frame == signed  # late duplicates after completion ignored


def test_missing_fragments_are_reported(cp: p.Identity) -> None:
    frames = p.to_frames(_long_bulletin(cp))
    r = p.Reassembler()
    for i, f in enumerate(frames):
        if i not in (1, 3):
            assert r.add(p.parse_fragment(f), 0.0) is None
    mid = p.MessageId(cp.key_id, 7)
    assert r.missing(mid) == [1, 3]
    assert r.pending() == [mid]
    assert r.add(p.parse_fragment(frames[3]), 1.0) is None
    assert r.missing(mid) == [1]
    assert r.add(p.parse_fragment(frames[1]), 2.0) is not None
    assert r.missing(mid) is None


def test_expiry_with_explicit_time(cp: p.Identity) -> None:
    frames = p.to_frames(_long_bulletin(cp))
    r = p.Reassembler(ttl_s=60)
    assert r.next_deadline() is None
    r.add(p.parse_fragment(frames[0]), 100.0)
    assert r.next_deadline() == 160.0
    assert r.handle_timer(159.9) == []
    assert r.handle_timer(160.0) == [p.MessageId(cp.key_id, 7)]
    assert r.next_deadline() is None and r.pending() == []


def test_altered_fragment_fails_the_whole_signature(cp: p.Identity, ring: p.KeyRing) -> None:
    frames = p.to_frames(_long_bulletin(cp))
    bad = bytearray(frames[2])
    bad[-1] ^= 0xFF
    frames[2] = bytes(bad)
    rx = p.Receiver(ring)
    with pytest.raises(p.BadSignature):
        for f in frames:
            rx.receive(f, 0.0)


def test_conflicting_duplicate_and_count_mismatch(cp: p.Identity) -> None:
    frames = p.to_frames(_long_bulletin(cp))
    r = p.Reassembler()
    r.add(p.parse_fragment(frames[0]), 0.0)
    other = bytearray(frames[0])
    other[-1] ^= 1
    with pytest.raises(p.BadFragment):
        r.add(p.parse_fragment(bytes(other)), 0.0)
    recount = bytearray(frames[1])
    pos = len(frames[1]) - len(p.parse_fragment(frames[1]).chunk) - 1
    recount[pos] += 1  # count byte
    with pytest.raises(p.BadFragment):
        r.add(p.parse_fragment(bytes(recount)), 0.0)


def test_junk_fragments_are_typed_errors() -> None:
    hdr = bytes([p.FORMAT_VERSION << 4 | p.CURRENT_DICT, 0x00, 1, 2, 3, 5])
    for junk in (
        hdr,  # no index/count
        hdr + bytes([3, 3]) + b"x",  # index >= count
        hdr + bytes([0, 1]) + b"x",  # count 1 is not a fragment
        hdr + bytes([0, MAX_FRAGMENTS + 1]) + b"x",
        hdr + bytes([0, 2]),  # empty chunk is allowed? no: at least the header is checked
        bytes([0x11, 0x01]) + b"xxxxxxx",  # low nibble must be zero
        hdr + bytes([0, 2]) + b"x" * 300,  # larger than a frame
    ):
        try:
            p.parse_fragment(junk)
        except p.DecodeError:
            continue
        assert junk == hdr + bytes([0, 2])


def test_fragments_of_another_message_are_refused(cp: p.Identity, nsp: p.Identity) -> None:
    """Fragments that claim message A but carry message B's bytes."""
    a = p.to_frames(_long_bulletin(cp, seq=1))
    b = p.to_frames(_long_bulletin(cp, seq=2))
    r = p.Reassembler()
    count = len(a)
    assert len(b) == count
    with pytest.raises(p.BadFragment):
        for fa, fb in zip(a, b, strict=True):
            head = fa[: len(fa) - len(p.parse_fragment(fa).chunk)]
            r.add(p.parse_fragment(head + p.parse_fragment(fb).chunk), 0.0)


def test_memory_is_bounded_against_junk(cp: p.Identity) -> None:
    """10,000 first fragments of distinct fake messages never hold more than the bounds."""
    r = p.Reassembler(max_partials=16, max_bytes=16 * 1024)
    for seq in range(10_000):
        frag = p.Fragment(p.MessageId(cp.key_id, seq), 0, 64, b"j" * 220, 0x11)
        r.add(frag, float(seq))
    assert len(r.pending()) <= 16
    assert r._size <= 16 * 1024
    assert r.evicted >= 10_000 - 16
    # a genuine message still gets through afterwards
    frames = p.to_frames(_long_bulletin(cp, seq=99_999))
    out = [r.add(p.parse_fragment(f), 1e6) for f in frames]
    assert out[-1] is not None


def test_too_big_to_fragment(cp: p.Identity) -> None:
    from nsplink.protocol.codec import SIGNATURE_LEN

    big = _long_bulletin(cp)[:-SIGNATURE_LEN] + bytes(MAX_FRAGMENTS * 240)
    with pytest.raises(p.FrameTooLarge):
        p.to_frames(big)

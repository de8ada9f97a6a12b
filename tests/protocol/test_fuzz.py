"""Decoding ANY bytes yields a verified message or a typed DecodeError, nothing else.

Thousands of random and mutated frames (whole messages and fragments) through `decode`,
`decode_unverified`, `parse_fragment` and the `Receiver`."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsplink import protocol as p
from tests.protocol.conftest import SEED_CP, SEED_NSP, sample_bodies

NSP = p.Identity(SEED_NSP)
RING = p.KeyRing(
    [p.PeerKey("NSP", "nsp", NSP.public_key), p.PeerKey("CP", "cp", p.Identity(SEED_CP).public_key)]
)
VALID = [
    p.encode(p.Envelope(NSP.key_id, i, 510_000 + i, body, p.suggested_priority(body)), NSP)
    for i, body in enumerate(sample_bodies().values())
]
LONG = p.encode(
    p.Envelope(
        NSP.key_id, 99, 0, p.Bulletin("Kop", " ".join(str(i) for i in range(1500)), 1, "VR")
    ),
    NSP,
)
FRAGS = p.to_frames(LONG)
SEEDS = VALID + FRAGS
FUZZ = settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _must_be_typed(data: bytes) -> None:
    for fn in (lambda d: p.decode(d, RING), p.decode_unverified, p.parse_fragment):
        with contextlib.suppress(p.DecodeError):
            fn(data)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _must_be_typed(data)


@FUZZ
@given(st.binary(min_size=2, max_size=300))
def test_random_bytes_with_our_version_byte(data: bytes) -> None:
    _must_be_typed(bytes([p.FORMAT_VERSION << 4 | p.CURRENT_DICT]) + data)


@FUZZ
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
    st.integers(0, 3),
)
def test_mutated_frames(seed: bytes, edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(seed)
    for pos, value in edits:
        data[pos % len(data)] = value
    if cut:
        data = data[: len(data) - cut * 7]
    mutated = bytes(data)
    _must_be_typed(mutated)
    if mutated != seed and not p.is_fragment(seed):
        with pytest.raises(p.DecodeError):
            p.decode(mutated, RING)


@settings(max_examples=300, deadline=None)
@given(st.permutations(list(range(len(FRAGS)))), st.lists(st.binary(max_size=240), max_size=5))
def test_receiver_with_junk_between_fragments(order: list[int], junk: list[bytes]) -> None:
    rx = p.Receiver(RING, p.Reassembler(max_partials=4))
    stream = [FRAGS[i] for i in order]
    for j, blob in enumerate(junk):
        stream.insert(j * 2 % (len(stream) + 1), blob)
    got = []
    for frame in stream:
        try:
            msg = rx.receive(frame, 0.0)
        except p.DecodeError:
            continue
        if msg is not None:
            got.append(msg)
    assert [m.frame for m in got] == [LONG]


def test_valid_seeds_decode() -> None:
    for frame in VALID:
        assert p.decode(frame, RING).signer.site == "NSP"

"""The context-model text coder (textcoder.py, coder id 2): round trips, golden frames, bounded
decoding of hostile input, identical models in fresh processes, old and new frames side by side,
and a training text that never saw the held-out messages."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.codec_corpus.dictbuild import joined_text
from benchmarks.codec_corpus.heldout import handwritten
from benchmarks.codec_corpus.stress import stress_set
from nsplink import protocol as p
from nsplink.protocol import compress, textcoder
from nsplink.protocol.messages import MAX_TEXT_BYTES
from tests.protocol.conftest import sample_bodies

GOLDEN = Path(__file__).parent / "golden" / "context"
BODIES = sample_bodies()
# the sample sitrep is verbatim in the deflate dictionary, so deflate wins there (as it should)
TEXT_TYPES = ("emergency", "supply", "bulletin", "note")
NO_FF = st.binary(max_size=600).map(lambda b: b.replace(b"\xff", b"\xfe"))


def _env(sender: p.Identity, name: str) -> p.Envelope:
    return p.Envelope(sender.key_id, 42, 510_123, BODIES[name], p.suggested_priority(BODIES[name]))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.binary(max_size=8))
def test_round_trip_any_unicode_with_bytes_after(text: str, after: bytes) -> None:
    raw = text.encode("utf-8")
    coded = textcoder.encode_text(raw)
    assert textcoder.decode_text(coded + after) == (raw, len(coded))


@settings(max_examples=100, deadline=None)
@given(NO_FF)
def test_round_trip_any_bytes_but_ff(raw: bytes) -> None:
    coded = textcoder.encode_text(raw)
    assert textcoder.decode_text(coded) == (raw, len(coded))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
            max_size=80,
        ),
        max_size=9,
    )
)
def test_fields_round_trip(fields: list[str]) -> None:
    texts = tuple(fields)
    blob = p.compress_texts(texts, p.CONTEXT_CODER)
    assert p.decompress_texts(blob, len(texts), p.CONTEXT_CODER) == texts


def test_empty_and_very_long() -> None:
    assert textcoder.decode_text(textcoder.encode_text(b"")) == (
        b"",
        len(textcoder.encode_text(b"")),
    )
    assert p.compress_texts(("", ""), p.CONTEXT_CODER) == b""
    long = ("Aggregaat loopt, nog 40 liter diesel. ëï€ 🚒 " * 400).encode()[:MAX_TEXT_BYTES]
    long = long.decode("utf-8", "ignore").encode()
    coded = textcoder.encode_text(long)
    assert textcoder.decode_text(coded) == (long, len(coded))


def test_output_beyond_the_limit_is_refused() -> None:
    coded = textcoder.encode_text(b"x" * (MAX_TEXT_BYTES + 1))
    with pytest.raises(p.FrameTooLarge):
        textcoder.decode_text(coded)
    with pytest.raises(p.FrameTooLarge):
        p.decompress_texts(coded, 1, p.CONTEXT_CODER)


def test_hostile_bytes_give_typed_errors_quickly() -> None:
    """Junk of every shape: only DecodeError subclasses, never more than the limit of output,
    and 1,000 junk sections of up to 231 bytes decode (or fail) in well under the frame rate."""
    import random

    rng = random.Random(24)
    junk = [bytes(rng.randrange(256) for _ in range(rng.randrange(0, 232))) for _ in range(800)]
    junk += [b"", b"\x00" * 231, b"\xff" * 231, b"\x80" * 3, bytes(range(256))[:231]] * 40
    t0 = time.perf_counter()
    for data in junk:
        try:
            texts, rest = compress.inflate_texts(data, 3, p.CONTEXT_CODER)
        except p.DecodeError:
            continue
        assert sum(len(t.encode()) for t in texts) <= MAX_TEXT_BYTES
        assert len(rest) <= len(data)
    assert time.perf_counter() - t0 < 20


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_fail_typed(data: bytes) -> None:
    try:
        raw, used = textcoder.decode_text(data, limit=4096)
    except p.DecodeError:
        return
    assert len(raw) <= 4096 and used <= len(data)


@pytest.mark.parametrize("name", TEXT_TYPES)
def test_golden_frames_with_the_context_coder(name: str, nsp: p.Identity, ring: p.KeyRing) -> None:
    """A failure means coder 2's model or wire form changed: give the training text and the coder
    a new id instead (old sites would misread), or regenerate with NSPLINK_UPDATE_GOLDEN=1 only
    if no site ever shipped it."""
    signed = p.encode(_env(nsp, name), nsp, version=p.FORMAT_V3)
    assert signed[0] == p.FORMAT_V3 << 4 | p.CONTEXT_CODER, "the context coder codes these smaller"
    path = GOLDEN / f"{name}.hex"
    if os.environ.get("NSPLINK_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(signed.hex() + "\n")
    assert signed.hex() == path.read_text().strip()
    assert p.decode(bytes.fromhex(path.read_text()), ring).envelope == _env(nsp, name)


@pytest.mark.parametrize("name", sorted(BODIES))
def test_never_larger_than_deflate_and_both_decode(
    name: str, nsp: p.Identity, ring: p.KeyRing
) -> None:
    old = p.encode(_env(nsp, name), nsp)
    new = p.encode(_env(nsp, name), nsp, version=p.FORMAT_V3)
    assert len(new) <= len(old)
    assert p.decode(old, ring).envelope == p.decode(new, ring).envelope == _env(nsp, name)


def test_a_site_without_the_coder_refuses_it_by_name(nsp: p.Identity, ring: p.KeyRing) -> None:
    """A mixed region: a site reading only format 2 (an older release, or one configured as
    one) reads old frames and refuses new ones with a clear UnsupportedVersion, never a wrong
    text."""
    new = p.encode(_env(nsp, "bulletin"), nsp, version=p.FORMAT_V3)
    old = p.encode(_env(nsp, "bulletin"), nsp)
    assert new[0] == p.FORMAT_V3 << 4 | p.CONTEXT_CODER
    assert p.decode(old, ring, formats={p.FORMAT_VERSION}).envelope == _env(nsp, "bulletin")
    with pytest.raises(p.UnsupportedVersion):
        p.decode(new, ring, formats={p.FORMAT_VERSION})


def test_build_message_always_makes_format_2(nsp: p.Identity) -> None:
    """What is signed and logged is what every release reads; the draft's coders reach only
    the sealed fields (which only the CPs open)."""
    signer = p.PeerKey("NSP", "nsp", nsp.public_key)
    draft = p.Draft(BODIES["supply"], p.ALL_CPS, p.Priority.P3, text_coders=(p.CONTEXT_CODER,))
    msg = p.build_message(draft, nsp, 1, 1.7e9, signer)
    assert msg.frame[0] == p.FORMAT_VERSION << 4 | p.CURRENT_DICT


_FINGERPRINT = """
import hashlib
from nsplink.protocol import textcoder
m = textcoder.model()
h = hashlib.sha256()
for ctx in sorted(m._counts):
    syms, cnt = m._counts[ctx]
    h.update(bytes([len(ctx)]) + ctx + bytes([len(syms) & 0xFF]) + syms + repr(cnt).encode())
for ctx in sorted(m._counts)[:3000]:
    h.update(repr(m.top(ctx)).encode() + repr(m.below(ctx)).encode())
h.update(textcoder.encode_text("Aggregaat loopt, diesel 40 l. Kerkstraat 12a".encode()))
print(h.hexdigest())
"""


def test_two_fresh_processes_build_the_same_model() -> None:
    root = Path(__file__).parents[2]
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    digests = {
        subprocess.run(
            [sys.executable, "-c", _FINGERPRINT],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for _ in range(2)
    }
    assert len(digests) == 1 and len(digests.pop()) == 64


def _sentences(text: str) -> list[str]:
    parts = re.split(r"[\x00\n]|(?<=[.!?])\s+", text)
    return [s.strip() for s in parts if len(s.strip()) >= 16]


def test_training_text_never_saw_the_held_out_messages() -> None:
    training = textcoder.training_text(textcoder.CURRENT_MODEL).decode("utf-8", "replace")
    held = [joined_text(b) for b in stress_set()] + [joined_text(b) for b in handwritten()]
    assert len(held) >= 152
    seen = [s for t in held for s in _sentences(t) if s in training]
    assert not seen, seen[:5]


def test_training_text_is_pinned() -> None:
    _name, digest = textcoder.TRAINING[textcoder.CURRENT_MODEL]
    data = textcoder.training_text(textcoder.CURRENT_MODEL)
    assert hashlib.sha256(data).hexdigest() == digest and data.endswith(b"\xff")
    with pytest.raises(p.UnknownDictionary):
        textcoder.training_text(99)


def test_sealed_personal_fields_use_the_smaller_coder(nsp: p.Identity, ring: p.KeyRing) -> None:
    """The sealed block of an emergency report names its coder the same way (high nibble of
    its first plaintext byte), so the CPs open both; with coder 2 allowed it is smaller."""
    cp_secret = bytes(range(50, 82))
    env = _env(nsp, "emergency")
    old = p.seal(env, nsp, p.seal_public_key(cp_secret))
    new = p.seal(env, nsp, p.seal_public_key(cp_secret), coders=(p.CONTEXT_CODER,))
    assert isinstance(old.body, p.Emergency) and isinstance(new.body, p.Emergency)
    assert len(new.body.sealed_personal) < len(old.body.sealed_personal)
    for sealed in (old, new):
        frame = p.encode(sealed, nsp, version=p.FORMAT_V3)
        got = p.decode(frame, ring).envelope
        assert p.open_sealed(got, nsp.public_key, cp_secret) == env

"""The receiver's memory of verified frames: a copy heard again costs no signature check, and
the memory never vouches for other bytes, a changed roster or more than it can hold."""

from __future__ import annotations

import pytest

from nsplink import protocol as p
from nsplink.protocol import codec
from tests.scenario.helpers import sitrep


def _signed_frame(ident: p.Identity, seq: int) -> bytes:
    draft = p.Draft(sitrep(seq), p.ALL_CPS, p.Priority.P3)
    signer = p.PeerKey("nsp", "nsp", ident.public_key)
    return p.build_message(draft, ident, seq, 1_767_225_600.0, signer).frame


def test_a_copy_heard_again_is_not_verified_again(monkeypatch: pytest.MonkeyPatch) -> None:
    ident = p.Identity(bytes(range(32)))
    ring = p.KeyRing()
    ring.add(p.PeerKey("nsp", "nsp", ident.public_key))
    shared = p.VerifiedFrames()
    a, b = p.Receiver(ring, verified=shared), p.Receiver(ring, verified=shared)
    frame = _signed_frame(ident, 1)
    checks = []
    real = codec._check
    monkeypatch.setattr(codec, "_check", lambda *args: checks.append(1) or real(*args))
    first = a.receive(frame, 0.0)
    assert a.receive(frame, 1.0) == first and b.receive(frame, 2.0) == first
    assert len(checks) == 1  # one Ed25519 check for three copies at two sites
    forged = frame[:-1] + bytes([frame[-1] ^ 1])
    with pytest.raises(p.BadSignature):
        a.receive(forged, 3.0)  # other bytes are never taken from the memory


def test_a_key_gone_from_the_roster_is_checked_again() -> None:
    ident = p.Identity(bytes(range(32)))
    ring = p.KeyRing()
    ring.add(p.PeerKey("nsp", "nsp", ident.public_key))
    rx = p.Receiver(ring)
    frame = _signed_frame(ident, 2)
    rx.receive(frame, 0.0)
    rx.keys = p.KeyRing()  # a newer roster without the site
    with pytest.raises(p.UnknownKey):
        rx.receive(frame, 1.0)


def test_the_memory_is_bounded() -> None:
    ident = p.Identity(bytes(range(32)))
    ring = p.KeyRing()
    ring.add(p.PeerKey("nsp", "nsp", ident.public_key))
    memory = p.VerifiedFrames(size=3)
    rx = p.Receiver(ring, verified=memory)
    frames = [_signed_frame(ident, seq) for seq in range(1, 6)]
    for f in frames:
        rx.receive(f, 0.0)
    assert memory.get(frames[0], ring) is None and memory.get(frames[-1], ring) is not None


def test_a_bundle_heard_again_is_not_verified_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A format 3 bundle: its copies at two sites give the messages a fresh decode gives, with
    one signature check; other bytes, a changed roster and a site not reading format 3 are
    never answered from the memory."""
    ident = p.Identity(bytes(range(32)))
    ring = p.KeyRing()
    ring.add(p.PeerKey("nsp", "nsp", ident.public_key))
    envs = [
        p.Envelope(ident.key_id, seq, 510_000, sitrep(seq), p.Priority.P3, p.ALL_CPS)
        for seq in (1, 2, 3)
    ]
    bundle = p.encode_bundle(envs, ident)
    fresh = codec.decode_bundle(bundle, ring)
    shared = p.VerifiedFrames()
    a, b = p.Receiver(ring, verified=shared), p.Receiver(ring, verified=shared)
    checks = []
    real = codec._check
    monkeypatch.setattr(codec, "_check", lambda *args: checks.append(1) or real(*args))
    assert a.receive_all(bundle, 0.0) == fresh
    assert a.receive_all(bundle, 1.0) == fresh and b.receive_all(bundle, 2.0) == fresh
    assert len(checks) == 1  # one Ed25519 check for three copies at two sites
    with pytest.raises(p.BadSignature):
        a.receive_all(bundle[:-1] + bytes([bundle[-1] ^ 1]), 3.0)
    old_only = p.Receiver(ring, verified=shared, formats=frozenset({2}))
    with pytest.raises(p.DecodeError):
        old_only.receive_all(bundle, 4.0)
    a.keys = p.KeyRing()  # a newer roster without the site
    with pytest.raises(p.UnknownKey):
        a.receive_all(bundle, 5.0)

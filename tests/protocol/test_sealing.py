"""Personal fields of an emergency report sealed to the CPs: only a CP key opens them, the cost on
air is small, and every way of tampering or misusing keys is a typed error."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsplink import protocol as p
from nsplink.protocol.sealing import (
    MAC_LEN,
    PERSONAL_FIELDS,
    SealError,
    SealKeyError,
    has_personal,
    open_sealed,
    seal,
    seal_public_key,
)
from tests.protocol.conftest import SEED_CP, SEED_NSP, SEED_OTHER, sample_bodies

NSP = p.Identity(SEED_NSP)
CP_SEAL = p.Identity(bytes(range(50, 82)))  # the region's CP sealing key (a seed file at CPs)
SEAL_TO = seal_public_key(CP_SEAL.box_secret())
REPORT = sample_bodies()["emergency"]
assert isinstance(REPORT, p.Emergency)
RING = p.KeyRing([p.PeerKey("NSP", "nsp", NSP.public_key)])


def _env(body: p.Message = REPORT, seq: int = 42, created: int = 510_000) -> p.Envelope:
    return p.Envelope(NSP.key_id, seq, created, body, p.Priority.P1)


def _sealed_frame(env: p.Envelope | None = None) -> bytes:
    return p.encode(seal(env or _env(), NSP, SEAL_TO), NSP)


def test_roundtrip_restores_every_personal_field_and_keeps_the_rest_clear() -> None:
    frame = _sealed_frame()
    msg = p.decode(frame, RING)  # a relay or another NSP: verifies, reads no personal data
    clear = msg.envelope.body
    assert isinstance(clear, p.Emergency)
    for name in PERSONAL_FIELDS:
        assert getattr(clear, name) == ""
        assert getattr(REPORT, name).encode() not in frame  # not on air in plain text
    assert clear.lat is None and clear.lon is None
    assert (clear.incident, clear.services, clear.access) == (
        REPORT.incident,
        REPORT.services,
        REPORT.access,
    )
    opened = open_sealed(msg.envelope, NSP.public_key, CP_SEAL.box_secret())
    assert opened.body == REPORT
    assert opened.id == msg.id


def test_air_cost_is_the_mac_and_a_few_bytes() -> None:
    plain = p.encode(_env(), NSP)
    sealed = _sealed_frame()
    # the 16-byte MAC, 1 flags byte, the protobuf tag and length; compression of the two text
    # groups separately may cost or save a little, never a nonce or an ephemeral key (24 + 32)
    assert len(sealed) - len(plain) <= MAC_LEN + 1 + 3 + 12
    assert len(sealed) <= p.MAX_FRAME  # a full report still fits one radio packet


def test_other_keys_cannot_open() -> None:
    msg = p.decode(_sealed_frame(), RING)
    other_nsp = p.Identity(SEED_OTHER)  # another NSP, or a relay, with its own key
    with pytest.raises(SealError):
        open_sealed(msg.envelope, NSP.public_key, other_nsp.box_secret())
    # the right CP key but the wrong claimed sender
    with pytest.raises(SealError):
        open_sealed(msg.envelope, p.Identity(SEED_CP).public_key, CP_SEAL.box_secret())


def test_nonce_is_bound_to_sender_seq_and_minute() -> None:
    """The blob of one report pasted into another (other seq or minute) does not open."""
    blob = seal(_env(seq=1), NSP, SEAL_TO).body
    assert isinstance(blob, p.Emergency)
    for seq, created in ((2, 510_000), (1, 510_001)):
        moved = _env(blob, seq=seq, created=created)
        with pytest.raises(SealError):
            open_sealed(moved, NSP.public_key, CP_SEAL.box_secret())


def test_same_report_twice_gives_different_ciphertexts_per_seq() -> None:
    a = seal(_env(seq=1), NSP, SEAL_TO).body
    b = seal(_env(seq=2), NSP, SEAL_TO).body
    assert isinstance(a, p.Emergency) and isinstance(b, p.Emergency)
    assert a.sealed_personal != b.sealed_personal


def test_altered_sealed_bytes_are_a_typed_error() -> None:
    env = seal(_env(), NSP, SEAL_TO)
    body = env.body
    assert isinstance(body, p.Emergency)
    blob = bytearray(body.sealed_personal)
    for i in (0, len(blob) // 2, len(blob) - 1):
        bad = bytearray(blob)
        bad[i] ^= 0x01
        moved = dataclasses.replace(env, body=dataclasses.replace(body, sealed_personal=bytes(bad)))
        with pytest.raises(SealError):
            open_sealed(moved, NSP.public_key, CP_SEAL.box_secret())
    short = dataclasses.replace(env, body=dataclasses.replace(body, sealed_personal=b"x" * 5))
    with pytest.raises(SealError):
        open_sealed(short, NSP.public_key, CP_SEAL.box_secret())


def test_bad_keys_are_typed_errors() -> None:
    with pytest.raises(SealKeyError):
        seal(_env(), NSP, b"\x00" * 31)
    with pytest.raises(SealKeyError):
        seal(_env(), NSP, bytes(32))  # the all-zero (low-order) point
    msg = p.decode(_sealed_frame(), RING)
    with pytest.raises(p.DecodeError):
        open_sealed(msg.envelope, b"\xff" * 32, CP_SEAL.box_secret())


def test_nothing_to_seal_leaves_the_message_alone() -> None:
    bare = p.Emergency(p.Incident.BRA, p.Services.B, access="achterom")
    assert not has_personal(bare)
    env = _env(p.Emergency(p.Incident.BRA, p.Services.B, landmark="kerk"))
    assert seal(_env(sample_bodies()["sitrep"]), NSP, SEAL_TO) == _env(sample_bodies()["sitrep"])
    sealed = seal(env, NSP, SEAL_TO)
    assert open_sealed(sealed, NSP.public_key, CP_SEAL.box_secret()) == env
    # a message without a sealed part opens to itself
    assert open_sealed(env, NSP.public_key, CP_SEAL.box_secret()) == env


_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Zl", "Zp")), max_size=30
)  # diacritics, ĳ, ’ and other scripts included


@settings(max_examples=150, deadline=None)
@given(
    reporter=_text,
    street=_text,
    number=st.text(alphabet="0123456789abc", min_size=1, max_size=5),
    text=_text,
    coords=st.none() | st.tuples(st.floats(-90, 90), st.floats(-180, 180)),
    seq=st.integers(0, 2**32 - 1),
)
def test_roundtrip_property(
    reporter: str,
    street: str,
    number: str,
    text: str,
    coords: tuple[float, float] | None,
    seq: int,
) -> None:
    lat, lon = coords if coords else (None, None)
    body = p.Emergency(
        p.Incident.MED,
        p.Services.A,
        street=street + "x",
        number=number,
        reporter=reporter,
        text=text,
        lat=lat,
        lon=lon,
    )
    env = _env(body, seq=seq)
    msg = p.decode(p.encode(seal(env, NSP, SEAL_TO), NSP), RING)
    opened = open_sealed(msg.envelope, NSP.public_key, CP_SEAL.box_secret()).body
    assert isinstance(opened, p.Emergency)
    assert (opened.street, opened.number, opened.reporter, opened.text) == (
        street + "x",
        number,
        reporter,
        text,
    )
    if coords:
        assert opened.lat is not None and opened.lon is not None
        assert abs(opened.lat - coords[0]) <= 1e-5 and abs(opened.lon - coords[1]) <= 1e-5
    else:
        assert opened.lat is None

"""Round trips for every type, golden frames, header fields, the three verify errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nsplink import protocol as p
from nsplink.texts import render_error
from tests.protocol.conftest import sample_bodies

GOLDEN = Path(__file__).parent / "golden"
BODIES = sample_bodies()


def _env(sender: p.Identity, name: str, seq: int = 42) -> p.Envelope:
    body = BODIES[name]
    dest = p.Destination.to_site(p.Identity(bytes(range(100, 132))).key_id)
    return p.Envelope(
        sender=sender.key_id,
        seq=seq,
        created=510_123,
        body=body,
        priority=p.suggested_priority(body),
        destination=dest if name == "supply" else p.ALL_CPS,
    )


@pytest.mark.parametrize("name", sorted(BODIES))
def test_round_trip_every_type(name: str, nsp: p.Identity, ring: p.KeyRing) -> None:
    env = _env(nsp, name)
    signed = p.encode(env, nsp)
    msg = p.decode(signed, ring)
    assert msg.envelope == env
    assert msg.signer.site == "NSP Dorpshuis Zaltbommel"
    assert msg.frame == signed
    assert str(msg.id) == f"{nsp.key_id}-42"


@pytest.mark.parametrize("name", sorted(BODIES))
def test_golden_frames_do_not_change(name: str, nsp: p.Identity, ring: p.KeyRing) -> None:
    """Ed25519 is deterministic, so the same message gives the same bytes. A failure here means
    the wire format changed: bump FORMAT_VERSION or the dictionary version, then regenerate
    with NSPLINK_UPDATE_GOLDEN=1."""
    signed = p.encode(_env(nsp, name), nsp)
    path = GOLDEN / f"{name}.hex"
    if os.environ.get("NSPLINK_UPDATE_GOLDEN"):
        path.write_text(signed.hex() + "\n")
    assert signed.hex() == path.read_text().strip()
    assert p.decode(bytes.fromhex(path.read_text()), ring).envelope == _env(nsp, name)


def test_common_reports_fit_one_frame(nsp: p.Identity) -> None:
    for name in ("emergency", "sitrep", "supply", "bulletin", "receipt", "status"):
        signed = p.encode(_env(nsp, name), nsp)
        assert len(signed) <= p.MAX_FRAME, name
        assert p.to_frames(signed) == [signed]


def test_header_layout(nsp: p.Identity) -> None:
    signed = p.encode(_env(nsp, "emergency", seq=300), nsp)
    assert signed[0] == p.FORMAT_VERSION << 4 | p.CURRENT_DICT
    assert signed[1] >> 4 == 1  # emergency
    assert (signed[1] >> 2) & 3 == 0  # P1
    assert signed[2:5] == nsp.key_id.raw
    h = p.parse_header(signed)
    assert (h.seq, h.created, h.priority) == (300, 510_123, p.Priority.P1)


def test_priority_and_destination_are_signed(nsp: p.Identity, ring: p.KeyRing) -> None:
    signed = bytearray(p.encode(_env(nsp, "sitrep"), nsp))
    signed[1] ^= 0b0100  # P3 -> P4: a relay must not be able to demote a message
    with pytest.raises(p.BadSignature):
        p.decode(bytes(signed), ring)
    signed[1] ^= 0b0100
    signed[1] ^= 0b0011  # all CPs -> everyone
    with pytest.raises(p.BadSignature):
        p.decode(bytes(signed), ring)


def test_every_single_byte_change_is_rejected(nsp: p.Identity, ring: p.KeyRing) -> None:
    signed = p.encode(_env(nsp, "emergency"), nsp)
    for i in range(len(signed)):
        altered = bytearray(signed)
        altered[i] ^= 0x01
        with pytest.raises(p.DecodeError):
            p.decode(bytes(altered), ring)


def test_altered_byte_is_bad_signature(nsp: p.Identity, ring: p.KeyRing) -> None:
    signed = bytearray(p.encode(_env(nsp, "emergency"), nsp))
    signed[len(signed) // 2] ^= 0x40
    with pytest.raises(p.BadSignature) as err:
        p.decode(bytes(signed), ring)
    assert err.value.code == "protocol.verify.bad_signature"


def test_unknown_key_id(nsp: p.Identity) -> None:
    stranger = p.Identity(bytes(range(200, 232)))
    signed = p.encode(_env(stranger, "emergency"), stranger)
    ring = p.KeyRing([p.PeerKey("NSP", "nsp", nsp.public_key)])
    with pytest.raises(p.UnknownKey) as err:
        p.decode(signed, ring)
    assert str(stranger.key_id) in render_error(err.value, "en")
    # quarantine path: the content is still readable, flagged as unverified by the caller
    assert p.decode_unverified(signed).body == BODIES["emergency"]


def test_wrong_key(nsp: p.Identity, cp: p.Identity) -> None:
    signed = p.encode(_env(nsp, "sitrep"), nsp)
    with pytest.raises(p.WrongKey):
        p.verify_with_key(signed, cp.public_key)
    assert p.verify_with_key(signed, nsp.public_key).sender == nsp.key_id


class _BrokenRoster:
    """A roster whose entry for the NSP's key id holds another site's key."""

    def __init__(self, nsp: p.Identity, cp: p.Identity) -> None:
        self.nsp, self.entry = nsp, p.PeerKey("CP", "cp", cp.public_key)

    def lookup(self, key_id: p.KeyId) -> p.PeerKey | None:
        return self.entry if key_id == self.nsp.key_id else None


def test_roster_with_wrong_key_gives_wrong_key(nsp: p.Identity, cp: p.Identity) -> None:
    signed = p.encode(_env(nsp, "sitrep"), nsp)
    with pytest.raises(p.WrongKey):
        p.decode(signed, _BrokenRoster(nsp, cp))


def test_forged_signature_by_other_key(nsp: p.Identity, cp: p.Identity, ring: p.KeyRing) -> None:
    """The CP signs a frame that claims to come from the NSP's key id: a forgery."""
    from nsplink.protocol.codec import SIGN_CONTEXT, SIGNATURE_LEN

    genuine = p.encode(_env(nsp, "receipt"), nsp)
    unsigned = genuine[:-SIGNATURE_LEN]
    forged = unsigned + cp.sign(SIGN_CONTEXT + unsigned)
    with pytest.raises(p.BadSignature):
        p.decode(forged, ring)


def test_unsupported_format_version(nsp: p.Identity, ring: p.KeyRing) -> None:
    """Format 1 (protobuf bodies) and any newer one: refused with a clear error, never misread."""
    for version in (1, max(p.READ_FORMATS) + 1):
        signed = bytearray(p.encode(_env(nsp, "status"), nsp))
        signed[0] = version << 4 | p.CURRENT_DICT
        with pytest.raises(p.UnsupportedVersion) as err:
            p.decode(bytes(signed), ring)
        assert "nsplink" in render_error(err.value, "nl")


def test_site_reading_only_format_2_refuses_format_3_by_name(
    nsp: p.Identity, ring: p.KeyRing
) -> None:
    """A site configured as an older release (formats={2}) names the version it cannot read;
    the same frame decodes at a site reading both, to the same envelope as format 2."""
    env = _env(nsp, "sitrep")
    new = p.encode(env, nsp, version=p.FORMAT_V3)
    with pytest.raises(p.UnsupportedVersion) as err:
        p.decode(new, ring, formats={p.FORMAT_VERSION})
    assert err.value.params["version"] == p.FORMAT_V3
    assert p.decode(new, ring).envelope == p.decode(p.encode(env, nsp), ring).envelope


def test_context_coder_only_in_format_3(nsp: p.Identity, ring: p.KeyRing) -> None:
    """Coder 2 in a format 2 frame is refused: format 2 is what every release reads."""
    signed = bytearray(p.encode(_env(nsp, "sitrep"), nsp))
    signed[0] = p.FORMAT_VERSION << 4 | p.CONTEXT_CODER
    with pytest.raises(p.UnknownDictionary):
        p.decode(bytes(signed), ring)


def test_unknown_dictionary(nsp: p.Identity, ring: p.KeyRing) -> None:
    signed = bytearray(p.encode(_env(nsp, "status"), nsp))
    signed[0] = p.FORMAT_VERSION << 4 | 9
    with pytest.raises(p.UnknownDictionary):
        p.decode(bytes(signed), ring)


def test_unknown_message_type(nsp: p.Identity, ring: p.KeyRing) -> None:
    signed = bytearray(p.encode(_env(nsp, "status"), nsp))
    signed[1] = 0xE0 | (signed[1] & 0x0F)
    with pytest.raises(p.UnknownMessageType):
        p.decode(bytes(signed), ring)


def test_truncated_frames(nsp: p.Identity, ring: p.KeyRing) -> None:
    signed = p.encode(_env(nsp, "emergency"), nsp)
    for n in range(len(signed)):
        with pytest.raises(p.DecodeError):
            p.decode(signed[:n], ring)


def test_oversize_input_is_refused_before_parsing(ring: p.KeyRing) -> None:
    with pytest.raises(p.FrameTooLarge):
        p.decode(b"\x11\x10" + bytes(p.MAX_MESSAGE), ring)


def test_signed_body_that_fails_validation_is_malformed(nsp: p.Identity, ring: p.KeyRing) -> None:
    """A correctly signed frame whose body breaks a rule (people_involved 300) is still refused:
    decoded messages are always valid messages."""
    from nsplink.protocol import bitpack, codec
    from nsplink.protocol.pb import nsplink_pb2 as pb

    env = _env(nsp, "status")
    signed = p.encode(env, nsp)
    h = p.parse_header(signed)
    body = bitpack.pack(pb.Status(battery_pct=250))  # 0..100 only
    unsigned = signed[: h.body_start] + body
    frame = unsigned + nsp.sign(codec.SIGN_CONTEXT + unsigned)
    with pytest.raises(p.MalformedFrame):
        p.decode(frame, ring)


def test_bytes_after_the_body_are_refused(nsp: p.Identity, ring: p.KeyRing) -> None:
    """A correctly signed frame with anything after the packed body (a whole byte, or a 1 in
    the padding bits) is malformed: every body has one encoding."""
    from nsplink.protocol import bitpack, codec
    from nsplink.protocol.pb import nsplink_pb2 as pb

    signed = p.encode(_env(nsp, "status"), nsp)
    h = p.parse_header(signed)
    body = bitpack.pack(pb.Status(battery_pct=80))
    assert body[-1] & 1 == 0  # there is padding to abuse
    no_text = bytes([p.FORMAT_VERSION << 4 | codec.NO_TEXT])
    for bad in (body + b"\x00", body[:-1] + bytes([body[-1] | 1])):
        unsigned = no_text + signed[1 : h.body_start] + bad
        frame = unsigned + nsp.sign(codec.SIGN_CONTEXT + unsigned)
        with pytest.raises(p.MalformedFrame):
            p.decode(frame, ring)
    good = no_text + signed[1 : h.body_start] + body
    body_back = p.decode(good + nsp.sign(codec.SIGN_CONTEXT + good), ring).envelope.body
    assert body_back == p.Status(p.Power.AGG, battery_pct=80, power_hours=0, queue_depth=0)


def test_encode_validates(nsp: p.Identity) -> None:
    bad = p.Sitrep(p.NspState.OPEN, p.Power.AGG, power_hours=999, staff_pro=0, staff_vol=1,
                   visitors=0)  # fmt: skip
    with pytest.raises(p.ValidationError) as err:
        p.encode(p.Envelope(nsp.key_id, 1, 0, bad), nsp)
    assert err.value.field == "sitrep.power_hours"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"seq": -1}, "envelope.seq"), ({"seq": 2**32}, "envelope.seq"),
     ({"created": 2**24}, "envelope.created"), ({"priority": "P1"}, "envelope.priority")],
)  # fmt: skip
def test_envelope_validation(change: dict[str, object], field: str, nsp: p.Identity) -> None:
    import dataclasses

    env = dataclasses.replace(_env(nsp, "status"), **change)  # type: ignore[arg-type]
    with pytest.raises(p.ValidationError) as err:
        p.encode(env, nsp)
    assert err.value.field == field
    assert not render_error(err.value, "nl").startswith("Veld 'envelope")


def test_encode_refuses_foreign_sender(nsp: p.Identity, cp: p.Identity) -> None:
    with pytest.raises(ValueError):
        p.encode(_env(cp, "status"), nsp)


def test_overhead_without_text_is_small(nsp: p.Identity) -> None:
    """Everything but the compressed text: header + body + signature, for the usual reports."""
    body = p.Emergency(p.Incident.MED, p.Services.A, landmark="x")
    env = p.Envelope(nsp.key_id, 1000, 510_000, body, p.Priority.P2)
    from nsplink.protocol.compress import compress_texts

    signed = p.encode(env, nsp)
    overhead = len(signed) - len(compress_texts(body.texts()))
    assert overhead <= 80, overhead


def test_message_without_text_has_dictionary_nibble_zero(nsp: p.Identity, ring: p.KeyRing) -> None:
    from nsplink.protocol import codec

    signed = p.encode(_env(nsp, "status"), nsp)
    assert signed[0] == p.FORMAT_VERSION << 4 | codec.NO_TEXT
    assert p.decode(signed, ring).envelope.body == BODIES["status"]


def test_message_id_text_form() -> None:
    kid = p.KeyId(b"\xa1\xb2\xc3")
    mid = p.MessageId(kid, 42)
    assert str(mid) == "a1b2c3-42"
    assert p.MessageId.parse("A1B2C3-42") == mid
    for bad in ("a1b2c3", "a1b2-42", "zzzzzz-1", "a1b2c3--1"):
        with pytest.raises(ValueError):
            p.MessageId.parse(bad)

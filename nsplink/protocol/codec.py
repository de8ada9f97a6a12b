"""The frame format: a few header bytes, the compressed text, the packed body, a signature.

    byte 0     format version (high nibble) | text coder of the text section (low nibble;
               0 = the message has no text section, 1 = deflate with dictionary v1,
               2 = the primed context model of textcoder.py; compress.py)
    byte 1     message type (high nibble, 0 = fragment) | priority P1..P4 (2 bits) | dest kind (2)
    3 bytes    sender key id
    varint     per-sender sequence number (LEB128, at most 5 bytes)
    3 bytes    creation time, minutes since EPOCH_UNIX, big-endian
    [3 bytes]  destination key id, only for a SITE destination
    ...        text section, if any (self-delimiting: both coders mark their own end)
    ...        packed body (codes and numbers, bitpack.py) up to the signature
    64 bytes   Ed25519 signature over SIGN_CONTEXT + every byte before it

A signed message longer than one frame travels as fragments (see fragments.py), each frame at
most MAX_FRAME bytes. Sans-IO: bytes and keys in, bytes or typed errors out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nsplink.protocol._bodies import decode_body, encode_body
from nsplink.protocol.codes import MessageType, Priority
from nsplink.protocol.compress import CURRENT_DICT, TEXT_CODERS, inflate_texts, smallest_texts
from nsplink.protocol.envelope import Destination, DestKind, Envelope, SignedMessage
from nsplink.protocol.errors import (
    BadSignature,
    FrameTooLarge,
    MalformedFrame,
    RevokedKey,
    UnknownDictionary,
    UnknownKey,
    UnknownMessageType,
    UnsupportedVersion,
    WrongKey,
)
from nsplink.protocol.identity import (
    KEY_ID_LEN,
    Identity,
    KeyId,
    KeyLookup,
    Revocations,
    verify_signature,
)
from nsplink.protocol.messages import BODY_TYPES, U32, Body

FORMAT_VERSION = 2  # 2: bodies bit-packed (bitpack.py) instead of protobuf wire format
SIGNATURE_LEN = 64
SIGN_CONTEXT = b"nsplink signed message v1\x00"  # never sent; keeps our signatures our own
# The largest frame that fits ONE LoRa packet on our port: the firmware refuses a packet whose
# encoded Data exceeds 239 bytes, and Data adds 8 bytes around our payload on a private port
# (portnum 3, payload tag+length 3, bitfield 2). So 231, not DATA_PAYLOAD_LEN (233).
MAX_FRAME = 231
MAX_MESSAGE = 64 * 1024  # largest reassembled signed message we accept
FRAGMENT_TYPE = 0
NO_TEXT = 0  # dictionary nibble of a message without a text section

_TYPE_CODE: dict[MessageType, int] = {t: i for i, t in enumerate(MessageType, start=1)}
_CODE_TYPE: dict[int, MessageType] = {i: t for t, i in _TYPE_CODE.items()}
_PRIORITIES = tuple(Priority)


def header_code(value: MessageType | Priority) -> int:
    """The number a message type or priority has in the frame header (the field reference)."""
    if isinstance(value, MessageType):
        return _TYPE_CODE[value]
    return _PRIORITIES.index(value)


def put_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def get_varint(data: bytes, pos: int, max_value: int = U32) -> tuple[int, int]:
    """(value, next position); canonical (no padding bytes) and bounded, else MalformedFrame."""
    value = shift = 0
    for i in range(pos, min(pos + 5, len(data))):
        byte = data[i]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if (byte == 0 and i > pos) or value > max_value:
                raise MalformedFrame("bad varint")
            return value, i + 1
        shift += 7
    raise MalformedFrame("truncated varint")


@dataclass(frozen=True)
class Header:
    """The parsed fixed part of a whole (non-fragment) signed message."""

    format_version: int
    dict_version: int
    type: MessageType
    priority: Priority
    sender: KeyId
    seq: int
    created: int
    destination: Destination
    body_start: int  # where the fixed header ends (text section or body begins)


def check_versions(data: bytes) -> tuple[int, int]:
    """Format and dictionary version of any of our frames, or the matching typed error."""
    if len(data) < 2:
        raise MalformedFrame("frame shorter than its header")
    version, dict_version = data[0] >> 4, data[0] & 0x0F
    if version != FORMAT_VERSION:
        raise UnsupportedVersion(str(version), version=version, supported=FORMAT_VERSION)
    if dict_version != NO_TEXT and dict_version not in TEXT_CODERS:
        raise UnknownDictionary(str(dict_version), version=dict_version)
    return version, dict_version


def is_fragment(data: bytes) -> bool:
    return len(data) >= 2 and data[1] >> 4 == FRAGMENT_TYPE


def parse_header(data: bytes) -> Header:
    version, dict_version = check_versions(data)
    type_code = data[1] >> 4
    if type_code == FRAGMENT_TYPE:
        raise MalformedFrame("a fragment is not a whole message; reassemble it first")
    msg_type = _CODE_TYPE.get(type_code)
    if msg_type is None:
        raise UnknownMessageType(str(type_code), type_code=type_code)
    priority = _PRIORITIES[(data[1] >> 2) & 3]
    dest_kind = DestKind(data[1] & 3)
    if len(data) < 2 + KEY_ID_LEN + 1 + 3 + SIGNATURE_LEN:
        raise MalformedFrame("frame too short")
    sender = KeyId(data[2 : 2 + KEY_ID_LEN])
    seq, pos = get_varint(data, 2 + KEY_ID_LEN)
    created = int.from_bytes(data[pos : pos + 3], "big")
    pos += 3
    site = None
    if dest_kind is DestKind.SITE:
        site = KeyId(data[pos : pos + KEY_ID_LEN]) if len(data) >= pos + KEY_ID_LEN else None
        if site is None:
            raise MalformedFrame("frame too short for its destination")
        pos += KEY_ID_LEN
    return Header(
        version,
        dict_version,
        msg_type,
        priority,
        sender,
        seq,
        created,
        Destination(dest_kind, site),
        pos,
    )


def encode(
    envelope: Envelope,
    identity: Identity,
    *,
    dict_version: int = CURRENT_DICT,
    coders: Sequence[int] = (),
) -> bytes:
    """Validate, encode and sign one message. The result may be longer than one frame: pass it to
    `to_frames`. Raises ValidationError (naming the field) for a bad message.
    The text goes with `dict_version`, or with one of `coders` (text coders every recipient
    reads, e.g. compress.CONTEXT_CODER) if that codes it smaller: never larger than before."""
    if envelope.sender != identity.key_id:
        raise ValueError("the envelope's sender is not this identity's key id")
    envelope.validate()
    dest = envelope.destination
    coder, texts = smallest_texts(envelope.body.texts(), (dict_version, *coders))
    out = bytearray()
    out.append(FORMAT_VERSION << 4 | (coder if texts else NO_TEXT))
    prio = _PRIORITIES.index(envelope.priority)
    out.append(_TYPE_CODE[envelope.type] << 4 | prio << 2 | int(dest.kind))
    out += envelope.sender.raw
    out += put_varint(envelope.seq)
    out += envelope.created.to_bytes(3, "big")
    if dest.site is not None:
        out += dest.site.raw
    out += texts
    out += encode_body(envelope.body)
    if len(out) + SIGNATURE_LEN > MAX_MESSAGE:
        raise FrameTooLarge(f"{len(out) + SIGNATURE_LEN} bytes")
    out += identity.sign(SIGN_CONTEXT + bytes(out))
    return bytes(out)


def verify_with_key(data: bytes, public_key: bytes) -> Header:
    """Check a whole signed message against one given public key (no roster)."""
    header = parse_header(data)
    _check(data, header, public_key)
    return header


def _check(data: bytes, header: Header, public_key: bytes) -> None:
    """Distinct errors: WrongKey (the key offered is not the one the frame names),
    BadSignature (any altered byte, or a forgery)."""
    if KeyId.of(public_key) != header.sender:
        raise WrongKey(
            str(header.sender), sender=str(header.sender), other=str(KeyId.of(public_key))
        )
    signed, signature = data[:-SIGNATURE_LEN], data[-SIGNATURE_LEN:]
    if not verify_signature(public_key, SIGN_CONTEXT + signed, signature):
        raise BadSignature(str(header.sender), sender=str(header.sender))


def decode_unverified(data: bytes) -> Envelope:
    """Decode WITHOUT checking the signature: only for quarantine (an unverified emergency report
    is shown flagged, never trusted). Everything else must use `decode`."""
    header = parse_header(data)
    return _decode_envelope(data, header)


def _decode_envelope(data: bytes, header: Header) -> Envelope:
    cls: type[Body] = BODY_TYPES[header.type]
    rest = data[header.body_start : len(data) - SIGNATURE_LEN]
    texts: tuple[str, ...] = ("",) * len(cls.TEXT_FIELDS)
    if header.dict_version != NO_TEXT:
        texts, rest = inflate_texts(rest, len(cls.TEXT_FIELDS), header.dict_version)
    body = decode_body(cls, rest, texts)
    return Envelope(
        sender=header.sender,
        seq=header.seq,
        created=header.created,
        body=body,
        priority=header.priority,
        destination=header.destination,
    )


def decode(data: bytes, keys: KeyLookup) -> SignedMessage:
    """Any bytes -> a verified message, or a DecodeError subclass. Nothing else. Distinct
    errors: UnknownKey (key id not on the roster), RevokedKey (on its revocation list),
    WrongKey, BadSignature (see `_check`).

    The signature is checked BEFORE the body is inflated, so unauthenticated bytes never reach
    the decompressor."""
    if len(data) > MAX_MESSAGE:
        raise FrameTooLarge(f"{len(data)} bytes")
    header = parse_header(data)
    peer = keys.lookup(header.sender)
    if peer is None:
        if isinstance(keys, Revocations) and keys.is_revoked(header.sender):
            raise RevokedKey(str(header.sender), sender=str(header.sender))
        raise UnknownKey(str(header.sender), sender=str(header.sender))
    _check(data, header, peer.public_key)
    return SignedMessage(_decode_envelope(data, header), bytes(data), peer)

"""The frame format: a few header bytes, the compressed text, the packed body, a signature.

    byte 0     format version (high nibble) | text coder of the text section (low nibble;
               0 = the message has no text section, 1 = deflate with dictionary v1,
               2 = the primed context model of textcoder.py, in format 3 only; compress.py)
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

Format 3 (issue 24) is what a site sends only to sites that announced they read it
(capability.py); every message is made and logged in format 2, which every release reads. A
format 3 frame is either ONE message laid out as above (version nibble 3, any text coder) or a
BUNDLE of several messages of one sender under one signature (type nibble BUNDLE_TYPE):

    byte 0     3 (high nibble) | member selector (low nibble): 0 on air; in a site's log, the
               copy of member i carries i + 1. Outside the signature, so every member's copy
               verifies with the one signature (`decode` of it returns that member).
    byte 1     BUNDLE_TYPE (high nibble) | text coder of every member's text section (low)
    3 bytes    sender key id (of every member)
    per member varint (length << 1 | has a text section), then the member: byte 1 of a
               single frame (type, priority, dest kind), seq, time, [destination], text, body
    64 bytes   Ed25519 signature over SIGN_CONTEXT + byte 0 without its selector + the rest
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TypeVar

from nsplink.protocol._bodies import decode_body, encode_body
from nsplink.protocol.codes import MessageType, Priority
from nsplink.protocol.compress import (
    CONTEXT_CODER,
    CURRENT_DICT,
    DICTIONARIES,
    TEXT_CODERS,
    compress_texts,
    inflate_texts,
    smallest_texts,
)
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
    PeerKey,
    Revocations,
    verify_signature,
)
from nsplink.protocol.messages import BODY_TYPES, U32, Body

_T = TypeVar("_T")
FORMAT_VERSION = 2  # 2: bodies bit-packed (bitpack.py) instead of protobuf wire format
FORMAT_V3 = 3  # 2 + the context coder + bundles (issue 24): only to sites that read it
READ_FORMATS = frozenset({FORMAT_VERSION, FORMAT_V3})  # what this release reads
BUNDLE_TYPE = 15  # type nibble of a format 3 bundle
MAX_MEMBERS = 15  # a member's log copy names it in one nibble (1..15)
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


def check_versions(data: bytes, formats: Collection[int] = READ_FORMATS) -> tuple[int, int]:
    """Format and text coder of any of our frames, or the matching typed error. `formats`: the
    versions this site reads (a site configured as an older release reads only format 2)."""
    if len(data) < 2:
        raise MalformedFrame("frame shorter than its header")
    version, coder = data[0] >> 4, data[0] & 0x0F
    if version not in formats or version not in READ_FORMATS:
        raise UnsupportedVersion(str(version), version=version, supported=max(formats))
    if is_bundle(data):
        coder = data[1] & 0x0F
    coders = TEXT_CODERS if version == FORMAT_V3 else DICTIONARIES.keys()
    if coder != NO_TEXT and coder not in coders:
        raise UnknownDictionary(str(coder), version=coder)
    return version, coder


def is_bundle(data: bytes) -> bool:
    return len(data) >= 2 and data[0] >> 4 == FORMAT_V3 and data[1] >> 4 == BUNDLE_TYPE


def is_fragment(data: bytes) -> bool:
    return len(data) >= 2 and data[1] >> 4 == FRAGMENT_TYPE


def parse_header(data: bytes, formats: Collection[int] = READ_FORMATS) -> Header:
    version, dict_version = check_versions(data, formats)
    if is_bundle(data):
        raise MalformedFrame("a bundle holds several messages; read it with decode_bundle")
    if data[1] >> 4 == FRAGMENT_TYPE:
        raise MalformedFrame("a fragment is not a whole message; reassemble it first")
    if len(data) < 2 + KEY_ID_LEN + 1 + 3 + SIGNATURE_LEN:
        raise MalformedFrame("frame too short")
    sender = KeyId(data[2 : 2 + KEY_ID_LEN])
    return _parse_rest(data, 1, version, dict_version, sender)


def _parse_rest(data: bytes, pos: int, version: int, coder: int, sender: KeyId) -> Header:
    """The header from the type byte at `pos` on: a single frame's byte 1 (its sender follows),
    or a bundle member's first byte (the bundle named the sender once)."""
    type_code = data[pos] >> 4
    msg_type = _CODE_TYPE.get(type_code)
    if msg_type is None:
        raise UnknownMessageType(str(type_code), type_code=type_code)
    priority = _PRIORITIES[(data[pos] >> 2) & 3]
    dest_kind = DestKind(data[pos] & 3)
    if pos == 1:
        pos += KEY_ID_LEN
    seq, pos = get_varint(data, pos + 1)
    if len(data) < pos + 3:
        raise MalformedFrame("frame too short")
    created = int.from_bytes(data[pos : pos + 3], "big")
    pos += 3
    site = None
    if dest_kind is DestKind.SITE:
        site = KeyId(data[pos : pos + KEY_ID_LEN]) if len(data) >= pos + KEY_ID_LEN else None
        if site is None:
            raise MalformedFrame("frame too short for its destination")
        pos += KEY_ID_LEN
    return Header(
        version, coder, msg_type, priority, sender, seq, created, Destination(dest_kind, site), pos
    )


def encode(envelope: Envelope, identity: Identity, *, version: int = FORMAT_VERSION) -> bytes:
    """Validate, encode and sign one message. The result may be longer than one frame: pass it to
    `to_frames`. Raises ValidationError (naming the field) for a bad message.
    Format 2 codes the text with deflate (what every release reads); FORMAT_V3 with whichever of
    deflate and the context coder codes it smaller, for recipients that read format 3."""
    _check_sender(envelope, identity)
    envelope.validate()
    coder, texts = smallest_texts(envelope.body.texts(), _coders(version))
    head, tail = _member_header(envelope)
    out = bytearray([version << 4 | (coder if texts else NO_TEXT)])
    out += head + envelope.sender.raw + tail + texts + encode_body(envelope.body)
    if len(out) + SIGNATURE_LEN > MAX_MESSAGE:
        raise FrameTooLarge(f"{len(out) + SIGNATURE_LEN} bytes")
    out += identity.sign(SIGN_CONTEXT + bytes(out))
    return bytes(out)


def encode_bundle(envelopes: Sequence[Envelope], identity: Identity) -> bytes:
    """Several messages of ours as ONE format 3 frame under one signature (see the top of this
    module); the text coder is the one that makes the whole bundle smallest."""
    if not 2 <= len(envelopes) <= MAX_MEMBERS:
        raise ValueError(f"a bundle holds 2 to {MAX_MEMBERS} messages, not {len(envelopes)}")
    for env in envelopes:
        _check_sender(env, identity)
        env.validate()
    best = b""
    for coder in _coders(FORMAT_V3):
        out = bytearray([FORMAT_V3 << 4, BUNDLE_TYPE << 4 | coder]) + identity.key_id.raw
        for env in envelopes:
            texts = compress_texts(env.body.texts(), coder)
            head, tail = _member_header(env)
            member = head + tail + texts + encode_body(env.body)
            out += put_varint(len(member) << 1 | bool(texts)) + member
        if not best or len(out) < len(best):
            best = bytes(out)
    return best + identity.sign(SIGN_CONTEXT + best)


def _coders(version: int) -> tuple[int, ...]:
    """The text coders a frame of `version` may use, the one every release reads first."""
    return (CURRENT_DICT, CONTEXT_CODER) if version == FORMAT_V3 else (CURRENT_DICT,)


def _check_sender(envelope: Envelope, identity: Identity) -> None:
    if envelope.sender != identity.key_id:
        raise ValueError("the envelope's sender is not this identity's key id")


def _member_header(envelope: Envelope) -> tuple[bytes, bytes]:
    """(type | priority | dest kind byte, seq + time [+ destination]): the sender goes between
    them in a single frame, once before all members in a bundle."""
    dest = envelope.destination
    prio = _PRIORITIES.index(envelope.priority)
    head = bytes([_TYPE_CODE[envelope.type] << 4 | prio << 2 | int(dest.kind)])
    tail = put_varint(envelope.seq) + envelope.created.to_bytes(3, "big")
    return head, tail + (dest.site.raw if dest.site is not None else b"")


def verify_with_key(data: bytes, public_key: bytes) -> Header:
    """Check a whole signed message against one given public key (no roster)."""
    header = parse_header(data)
    _check(data, header.sender, public_key)
    return header


def _check(data: bytes, sender: KeyId, public_key: bytes) -> None:
    """Distinct errors: WrongKey (the key offered is not the one the frame names),
    BadSignature (any altered byte, or a forgery)."""
    if KeyId.of(public_key) != sender:
        raise WrongKey(str(sender), sender=str(sender), other=str(KeyId.of(public_key)))
    signed, signature = data[:-SIGNATURE_LEN], data[-SIGNATURE_LEN:]
    if not verify_signature(public_key, SIGN_CONTEXT + signed, signature):
        raise BadSignature(str(sender), sender=str(sender))


def decode_unverified(data: bytes) -> Envelope:
    """Decode WITHOUT checking the signature: only for quarantine (an unverified emergency report
    is shown flagged, never trusted). Everything else must use `decode`."""
    if is_bundle(data):
        check_versions(data)
        return bundle_member(_bundle_members(data, _bundle_sender(data)), data)
    header = parse_header(data)
    return _decode_envelope(data, header, len(data) - SIGNATURE_LEN)


def _decode_envelope(data: bytes, header: Header, end: int) -> Envelope:
    cls: type[Body] = BODY_TYPES[header.type]
    rest = data[header.body_start : end]
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


def decode(data: bytes, keys: KeyLookup, formats: Collection[int] = READ_FORMATS) -> SignedMessage:
    """Any bytes -> a verified message, or a DecodeError subclass. Nothing else. Distinct
    errors: UnknownKey (key id not on the roster), RevokedKey (on its revocation list),
    WrongKey, BadSignature (see `_check`). A bundle member's log copy (selector set) decodes to
    that member; a bundle as sent needs `decode_bundle`.

    The signature is checked BEFORE the body is inflated, so unauthenticated bytes never reach
    the decompressor."""
    if is_bundle(data):
        return bundle_member(decode_bundle(data, keys, formats), data)
    if len(data) > MAX_MESSAGE:
        raise FrameTooLarge(f"{len(data)} bytes")
    header = parse_header(data, formats)
    peer = _signer(header.sender, keys)
    _check(data, header.sender, peer.public_key)
    envelope = _decode_envelope(data, header, len(data) - SIGNATURE_LEN)
    return SignedMessage(envelope, bytes(data), peer)


def bundle_member(members: Sequence[_T], data: bytes) -> _T:
    """The member a bundle log copy's selector names."""
    selector = data[0] & 0x0F
    if not 1 <= selector <= len(members):
        raise MalformedFrame("a bundle as sent holds several messages: decode_bundle reads it")
    return members[selector - 1]


def decode_bundle(
    data: bytes, keys: KeyLookup, formats: Collection[int] = READ_FORMATS
) -> list[SignedMessage]:
    """A format 3 bundle -> its verified messages, each with the log copy of the bundle that
    names it as its frame (so `decode` of that copy gives the same message back)."""
    check_versions(data, formats)
    if not is_bundle(data):
        raise MalformedFrame("not a bundle")
    sender = _bundle_sender(data)
    peer = _signer(sender, keys)
    _check(as_sent(data), sender, peer.public_key)
    members = _bundle_members(data, sender)
    return [
        SignedMessage(env, bytes([data[0] & 0xF0 | i]) + data[1:], peer)
        for i, env in enumerate(members, start=1)
    ]


def as_sent(data: bytes) -> bytes:
    """The bytes a frame went on air as: a bundle member's log copy without its selector (the
    signed bytes of every copy of one bundle), any other frame as it is."""
    return bytes([data[0] & 0xF0]) + data[1:] if is_bundle(data) else data


def _bundle_sender(data: bytes) -> KeyId:
    if len(data) > MAX_FRAME:
        raise FrameTooLarge(f"bundle of {len(data)} bytes")
    if len(data) < 2 + KEY_ID_LEN + SIGNATURE_LEN:
        raise MalformedFrame("frame too short")
    return KeyId(data[2 : 2 + KEY_ID_LEN])


def _bundle_members(data: bytes, sender: KeyId) -> list[Envelope]:
    coder = data[1] & 0x0F
    pos, end = 2 + KEY_ID_LEN, len(data) - SIGNATURE_LEN
    out: list[Envelope] = []
    while pos < end:
        n, pos = get_varint(data, pos)
        member_end = pos + (n >> 1)
        if member_end > end or len(out) == MAX_MEMBERS:
            raise MalformedFrame("bundle member runs past the signature")
        member = data[:member_end]
        header = _parse_rest(member, pos, FORMAT_V3, coder if n & 1 else NO_TEXT, sender)
        out.append(_decode_envelope(member, header, member_end))
        pos = member_end
    if len(out) < 2:
        raise MalformedFrame("a bundle holds at least two messages")
    return out


def _signer(sender: KeyId, keys: KeyLookup) -> PeerKey:
    peer = keys.lookup(sender)
    if peer is None:
        if isinstance(keys, Revocations) and keys.is_revoked(sender):
            raise RevokedKey(str(sender), sender=str(sender))
        raise UnknownKey(str(sender), sender=str(sender))
    return peer

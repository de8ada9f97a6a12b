"""End-to-end sealing of an emergency report's personal fields to the region's CPs (sans-IO).

Radio is a broadcast (docs/setting.md §5): the signature gives authenticity, not confidentiality.
The personal fields (reporter, phone number, address, landmark, free text, coordinates) travel in
`Emergency.sealed_personal` as one crypto_box (X25519 + XSalsa20-Poly1305) from the NSP's own key
to the region's CP sealing key named in the signed roster; every CP holds its secret, relays and
other NSPs do not.

Why this shape, for airtime: static-static crypto_box needs no ephemeral key (32 bytes saved), and
the 24-byte nonce is derived from what the signed header already carries (sender key id, sequence
number, creation minute), so no nonce travels either. What the air pays is the 16-byte MAC, one
flags byte and the blob's length in the packed body, about a byte (figures: `make bench`,
bench_fuzz). The NSP's X25519 key is its Ed25519 identity mapped to Curve25519, so the roster
needs no second key per site. The store's sequence reservation makes (key id, seq) unique; the
minute guards against a site whose database was lost and restarted its numbers with the same key.

The whole frame, sealed part included, is still signed by the NSP: a relay cannot swap sealed
blobs between messages, and the MAC additionally binds the blob to the sender's key.
"""

from __future__ import annotations

import dataclasses
import hashlib

import nacl.bindings
import nacl.exceptions

from nsplink.protocol.codec import put_varint
from nsplink.protocol.compress import CURRENT_DICT, TEXT_CODERS, decompress_texts, smallest_texts
from nsplink.protocol.envelope import Envelope
from nsplink.protocol.errors import DecodeError, ValidationError
from nsplink.protocol.identity import PUBLIC_KEY_LEN, Identity, KeyId
from nsplink.protocol.messages import Emergency, Note

# Fields sealed, in plaintext order. `access` stays in the clear: it says how to reach the spot
# ("achterom, sleutel bij buren"), not who lives there.
PERSONAL_FIELDS: tuple[str, ...] = (
    "street", "number", "postcode", "place", "landmark", "reporter", "callback_number", "text",
)  # fmt: skip
MAC_LEN = 16
_NONCE_LABEL = b"nsplink seal nonce v1\x00"
_HAS_COORDS = 0x01


class SealError(DecodeError):
    """The sealed part does not open with this key, or opens to garbage."""

    code = "protocol.seal.open"
    key = "protocol.seal.open"


class SealKeyError(DecodeError):
    code = "protocol.seal.key"
    key = "protocol.seal.key"


def seal_public_key(secret: bytes) -> bytes:
    """The X25519 public key of a CP sealing secret (what the roster carries)."""
    return bytes(nacl.bindings.crypto_scalarmult_base(secret))


def box_public_of(ed25519_public: bytes) -> bytes:
    """A site's X25519 public key, from its Ed25519 key on the roster."""
    try:
        return bytes(nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(ed25519_public))
    except (nacl.exceptions.RuntimeError, nacl.exceptions.ValueError, ValueError) as exc:
        raise SealKeyError("not an Ed25519 public key") from exc


def _nonce(sender: KeyId, seq: int, created: int) -> bytes:
    material = _NONCE_LABEL + sender.raw + put_varint(seq) + created.to_bytes(3, "big")
    return hashlib.sha256(material).digest()[:24]


def _shared(secret: bytes, public: bytes) -> bytes:
    if len(secret) != 32 or len(public) != PUBLIC_KEY_LEN:
        raise SealKeyError("keys are 32 bytes")
    try:
        return bytes(nacl.bindings.crypto_box_beforenm(public, secret))
    except (nacl.exceptions.RuntimeError, nacl.exceptions.ValueError, ValueError) as exc:
        raise SealKeyError("a low-order or invalid public key") from exc


def has_personal(body: Emergency) -> bool:
    return any(getattr(body, f) for f in PERSONAL_FIELDS) or body.lat is not None


def _plaintext(body: Emergency, coders: tuple[int, ...] = ()) -> bytes:
    texts = tuple(getattr(body, f) for f in PERSONAL_FIELDS)
    coder, blob = smallest_texts(texts, (CURRENT_DICT, *coders))
    flags = coder << 4
    coords = b""
    if body.lat is not None and body.lon is not None:
        flags |= _HAS_COORDS
        coords = round(body.lat * 1e5).to_bytes(4, "big", signed=True) + round(
            body.lon * 1e5
        ).to_bytes(4, "big", signed=True)
    return bytes([flags]) + coords + blob


def seal(
    env: Envelope,
    identity: Identity,
    seal_to: bytes,
    *,
    secret: bytes | None = None,
    coders: tuple[int, ...] = (),
) -> Envelope:
    """The envelope with its personal fields moved into `sealed_personal`. Anything but an
    emergency report with personal fields (or a note in a thread, see `seal_note`) comes back
    unchanged. `secret`: ours, when it is not our identity's (a CP seals with the CPs' key).
    `coders`: text coders besides deflate the recipients read; the smaller text is sealed."""
    body = env.body
    if isinstance(body, Note):
        return seal_note(env, secret or identity.box_secret(), seal_to, coders)
    if not isinstance(body, Emergency) or body.sealed_personal or not has_personal(body):
        return env
    key = _shared(identity.box_secret(), seal_to)
    box = nacl.bindings.crypto_secretbox(
        _plaintext(body, coders), _nonce(env.sender, env.seq, env.created), key
    )
    sealed = _with_personal(body, ("",) * len(PERSONAL_FIELDS), None, None, bytes(box))
    return dataclasses.replace(env, body=sealed)


def open_sealed(env: Envelope, sender_public: bytes, seal_secret: bytes) -> Envelope:
    """The envelope with the personal fields restored (CP side). Unchanged if nothing is sealed;
    SealError if the blob does not open with this key or is not what we sealed."""
    body = env.body
    if not isinstance(body, Emergency) or not body.sealed_personal:
        return env
    return open_sealed_pair(env, seal_secret, box_public_of(sender_public))


def open_sealed_pair(env: Envelope, secret: bytes, public: bytes) -> Envelope:
    """`open_sealed` with the raw pair: also how an NSP reads its own sealed report again
    (its box secret with the CPs' key gives the same shared key)."""
    body = env.body
    if not isinstance(body, Emergency) or not body.sealed_personal:
        return env
    key = _shared(secret, public)
    mid = f"{env.sender}-{env.seq}"
    try:
        plain = bytes(
            nacl.bindings.crypto_secretbox_open(
                body.sealed_personal, _nonce(env.sender, env.seq, env.created), key
            )
        )
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise SealError("wrong key or altered", mid=mid) from exc
    if not plain or plain[0] >> 4 not in TEXT_CODERS or plain[0] & 0x0F & ~_HAS_COORDS:
        raise SealError("unknown format", mid=mid)
    pos, lat, lon = 1, None, None
    if plain[0] & _HAS_COORDS:
        if len(plain) < 9:
            raise SealError("truncated", mid=mid)
        lat = int.from_bytes(plain[1:5], "big", signed=True) / 1e5
        lon = int.from_bytes(plain[5:9], "big", signed=True) / 1e5
        pos = 9
    try:
        texts = decompress_texts(plain[pos:], len(PERSONAL_FIELDS), plain[0] >> 4)
    except DecodeError as exc:
        raise SealError(str(exc.detail), mid=mid) from exc
    opened = _with_personal(body, texts, lat, lon, b"")
    try:  # the sealed fields were never seen by decode's validation: check them the same way
        opened.validate()
    except ValidationError as exc:
        raise SealError(f"invalid {exc.field}", mid=mid) from exc
    return dataclasses.replace(env, body=opened)


def _with_personal(
    body: Emergency, texts: tuple[str, ...], lat: float | None, lon: float | None, sealed: bytes
) -> Emergency:
    street, number, postcode, place, landmark, reporter, callback_number, text = texts
    return dataclasses.replace(
        body, street=street, number=number, postcode=postcode, place=place, landmark=landmark,
        reporter=reporter, callback_number=callback_number, text=text, lat=lat, lon=lon,
        sealed_personal=sealed,
    )  # fmt: skip


# -- notes about an emergency (issue 19) --------------------------------------------------------
# crypto_box is symmetric: the NSP's key with the CPs' public key gives the same shared key as
# the CPs' key with the NSP's public key. So a note about an NSP's report is sealed with that
# one pair in either direction, and only that NSP and the CPs can read it: not a relay, not
# another NSP. The nonce is the note's own (sender, seq, minute), unique like a report's.


def seal_note(
    env: Envelope, secret: bytes, public: bytes, coders: tuple[int, ...] = ()
) -> Envelope:
    """A note about a report with its text and operator sealed under (`secret`, `public`):
    (NSP box secret, CPs' sealing key) at the NSP, (CPs' sealing secret, the NSP's box key) at
    a CP. A free message, or one already sealed or empty, comes back unchanged."""
    body = env.body
    if not isinstance(body, Note) or body.about is None or body.sealed:
        return env
    if not (body.text or body.operator):
        return env
    coder, blob = smallest_texts((body.text, body.operator), (CURRENT_DICT, *coders))
    plain = bytes([coder << 4]) + blob
    box = nacl.bindings.crypto_secretbox(
        plain, _nonce(env.sender, env.seq, env.created), _shared(secret, public)
    )
    return dataclasses.replace(
        env, body=dataclasses.replace(body, text="", operator="", sealed=bytes(box))
    )


def open_note(env: Envelope, secret: bytes, public: bytes) -> Envelope:
    """The note with its text and operator opened; unchanged if nothing is sealed. SealError if
    the blob does not open with this pair (another NSP's thread) or is not what we sealed."""
    body = env.body
    if not isinstance(body, Note) or not body.sealed:
        return env
    mid = f"{env.sender}-{env.seq}"
    try:
        plain = bytes(
            nacl.bindings.crypto_secretbox_open(
                body.sealed, _nonce(env.sender, env.seq, env.created), _shared(secret, public)
            )
        )
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise SealError("wrong key or altered", mid=mid) from exc
    if not plain or plain[0] >> 4 not in TEXT_CODERS or plain[0] & 0x0F:
        raise SealError("unknown format", mid=mid)
    try:
        text, operator = decompress_texts(plain[1:], 2, plain[0] >> 4)
    except DecodeError as exc:
        raise SealError(str(exc.detail), mid=mid) from exc
    opened = dataclasses.replace(body, text=text, operator=operator, sealed=b"")
    try:
        opened.validate()
    except ValidationError as exc:
        raise SealError(f"invalid {exc.field}", mid=mid) from exc
    return dataclasses.replace(env, body=opened)

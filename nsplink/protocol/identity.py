"""Key ids, message ids, the local signing identity and the roster lookup.

Key id on air: 3 bytes, the first bytes of SHA-256 over a label and the Ed25519 public key.
Why 3: 2 bytes would collide in about 1 of 40 regions of 60 sites (birthday bound), which the
roster then has to refuse; 3 bytes make that about 1 in 10,000, and 4 would cost a byte in every
frame for little gain. The key id only finds the key; the signature is checked against the full
32-byte key, so a collision can never make a forgery pass, only make the roster refuse a site.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import nacl.exceptions
import nacl.signing

from nsplink.protocol.errors import KeyIdCollision

KEY_ID_LEN = 3
PUBLIC_KEY_LEN = 32
SEED_LEN = 32
_KEY_ID_LABEL = b"nsplink key id v1\x00"
_REF_RE = re.compile(r"^([0-9a-f]{6})-([0-9]{1,10})$")


@dataclass(frozen=True, order=True)
class KeyId:
    """A site's short key id as sent on air; text form is 6 lowercase hex digits."""

    raw: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != KEY_ID_LEN:
            raise ValueError(f"a key id is {KEY_ID_LEN} bytes")

    @classmethod
    def of(cls, public_key: bytes) -> KeyId:
        if len(public_key) != PUBLIC_KEY_LEN:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return cls(hashlib.sha256(_KEY_ID_LABEL + public_key).digest()[:KEY_ID_LEN])

    @classmethod
    def parse(cls, text: str) -> KeyId:
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError as exc:
            raise ValueError(f"not a key id: {text!r}") from exc
        return cls(raw)

    def __hash__(self) -> int:
        # ids are hashed millions of times in a scenario: one call, not the dataclass's two
        # (no run depends on the value: it is salted per process for bytes anyway)
        return hash(self.raw)

    def __str__(self) -> str:
        return self.raw.hex()


@dataclass(frozen=True, order=True)
class MessageId:
    """(sender key id, per-sender sequence number); text form `a1b2c3-42` for CLI and logs."""

    sender: KeyId
    seq: int

    def __hash__(self) -> int:  # as KeyId's: no call to the sender's
        return hash((self.sender.raw, self.seq))

    def __str__(self) -> str:
        return f"{self.sender.raw.hex()}-{self.seq}"

    @classmethod
    def parse(cls, text: str) -> MessageId:
        m = _REF_RE.match(text.strip().lower())
        if m is None:
            raise ValueError(f"not a message id (expected like a1b2c3-42): {text!r}")
        return cls(KeyId.parse(m.group(1)), int(m.group(2)))


class Identity:
    """This site's Ed25519 signing key, from its 32-byte seed. Never leaves the process."""

    __slots__ = ("_sk", "key_id", "public_key")

    def __init__(self, seed: bytes) -> None:
        if len(seed) != SEED_LEN:
            raise ValueError("an Ed25519 seed is 32 bytes")
        self._sk = nacl.signing.SigningKey(seed)
        self.public_key: bytes = bytes(self._sk.verify_key)
        self.key_id = KeyId.of(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return bytes(self._sk.sign(data).signature)

    def box_secret(self) -> bytes:
        """The X25519 secret of this same key (libsodium's Ed25519 -> Curve25519 map), for
        sealing personal data (sealing.py) without a second key to distribute."""
        return bytes(self._sk.to_curve25519_private_key())

    def __repr__(self) -> str:  # never print the seed
        return f"Identity(key_id={self.key_id})"


def verify_signature(public_key: bytes, data: bytes, signature: bytes) -> bool:
    try:
        nacl.signing.VerifyKey(public_key).verify(data, signature)
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class PeerKey:
    """One roster entry: who signs with this key."""

    site: str
    role: str  # nsp | cp | relay
    public_key: bytes
    key_id: KeyId = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_id", KeyId.of(self.public_key))


class KeyLookup(Protocol):
    """What verification needs from a roster: key id -> entry, or None if unknown."""

    def lookup(self, key_id: KeyId) -> PeerKey | None: ...


@runtime_checkable
class Revocations(Protocol):
    """A roster that also knows revoked keys (nsplink.protocol.rosterdoc.RegionRoster)."""

    def is_revoked(self, key_id: KeyId) -> bool: ...


class KeyRing:
    """An in-memory roster. Refuses a second key with the same short id (issue 11 builds the
    distributed roster on this rule)."""

    def __init__(self, peers: list[PeerKey] | None = None) -> None:
        self._by_id: dict[KeyId, PeerKey] = {}
        for peer in peers or []:
            self.add(peer)

    def add(self, peer: PeerKey) -> None:
        old = self._by_id.get(peer.key_id)
        if old is not None and old.public_key != peer.public_key:
            raise KeyIdCollision(
                str(peer.key_id), key_id=str(peer.key_id), site=peer.site, other=old.site
            )
        self._by_id[peer.key_id] = peer

    def lookup(self, key_id: KeyId) -> PeerKey | None:
        return self._by_id.get(key_id)

    def __iter__(self) -> Iterator[PeerKey]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

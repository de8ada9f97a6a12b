"""The region's signed roster in its compact binary form (file signature and over-the-air update).

    byte 0     roster format (1)
    1+n        region code (length byte, UTF-8)
    varint     roster version (each signing raises it; older versions are refused)
    3 bytes    issued, minutes since EPOCH_UNIX (informative)
    1 byte     flags: bit 0 = a CP sealing key follows; bit 1 = the region chose to send
               personal data unsealed (`roster sign --no-sealing`), never with bit 0
    [32]       X25519 public key personal data is sealed to (every CP holds its secret)
    varint     number of active sites, then per site:
                   1+n name (UTF-8), 1 role byte (bit 7: a node number follows,
                   bit 6: a position follows), 32 Ed25519 public key,
                   [4 node number, big-endian], [4 + 4 RD New x, y in metres, signed big-endian]
    varint     number of revoked sites, each in the same form
    64 bytes   Ed25519 signature of the region key over ROSTER_CONTEXT + every byte before it

The same bytes are what `roster sign` signs, what the JSON file's signature covers (the JSON is
re-encoded to this form to verify it) and what a RosterUpdate message carries. Sans-IO: bytes and
keys in, a RosterDoc or a typed error out. The region key itself never leaves its offline laptop;
sites pin its PUBLIC key.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from nsplink.protocol.codec import SIGNATURE_LEN, get_varint, put_varint
from nsplink.protocol.errors import DecodeError, KeyIdCollision, VerifyError
from nsplink.protocol.identity import (
    PUBLIC_KEY_LEN,
    Identity,
    KeyId,
    KeyRing,
    PeerKey,
    verify_signature,
)
from nsplink.protocol.messages import MINUTES_MAX, U32

ROSTER_FORMAT = 1
ROSTER_CONTEXT = b"nsplink region roster v1\x00"  # never sent; keeps roster signatures apart
ROLE_CODES = {"nsp": 0, "cp": 1, "relay": 2}
_ROLE_NAMES = {v: k for k, v in ROLE_CODES.items()}
_HAS_NODE = 0x80
_HAS_RD = 0x40  # issue 22: the site's position, for the CP console's map
# RD New (EPSG:28992) over the Netherlands and its coastal waters, in metres
RD_X_RANGE = (-7_000, 300_000)
RD_Y_RANGE = (289_000, 629_000)
_HAS_SEAL_KEY = 0x01
_NO_SEALING = 0x02  # a signed, visible choice: no sealing key on purpose
MAX_NAME_BYTES = 160  # 40 characters of any script
MAX_SITES = 1000


class RosterMalformed(DecodeError):
    code = "protocol.roster.malformed"
    key = "protocol.roster.malformed"


class RosterSignatureInvalid(VerifyError):
    code = "protocol.roster.signature"
    key = "protocol.roster.signature"


@dataclass(frozen=True)
class SiteEntry:
    site: str
    role: str  # nsp | cp | relay
    public_key: bytes
    node: int | None = None
    rd: tuple[int, int] | None = None  # RD New (x, y) metres: where it stands, for the map

    @property
    def key_id(self) -> KeyId:
        return KeyId.of(self.public_key)


@dataclass(frozen=True)
class RosterDoc:
    """One version of the region's roster. `signature` is empty for a draft."""

    region: str
    version: int
    issued: int  # minutes since EPOCH_UNIX
    sites: tuple[SiteEntry, ...] = ()
    revoked: tuple[SiteEntry, ...] = ()
    seal_key: bytes | None = None  # X25519 public key of the region's CPs
    signature: bytes = field(default=b"", compare=False)
    no_sealing: bool = False  # the region chose explicitly to send personal data unsealed

    @property
    def sealing_decided(self) -> bool:
        """A sealing key, or the region's signed choice to go without one."""
        return self.seal_key is not None or self.no_sealing

    def body(self) -> bytes:
        """The canonical bytes the region key signs (everything but the signature)."""
        region = _name_bytes(self.region, "region code", 32)
        if not 0 <= self.version <= U32 or not 0 <= self.issued <= MINUTES_MAX:
            raise RosterMalformed("version or issue time out of range")
        out = bytearray([ROSTER_FORMAT, len(region)]) + region
        out += put_varint(self.version) + self.issued.to_bytes(3, "big")
        if self.seal_key is not None:
            if len(self.seal_key) != PUBLIC_KEY_LEN:
                raise RosterMalformed("the sealing key is 32 bytes")
            if self.no_sealing:
                raise RosterMalformed("a sealing key and the choice of no sealing")
            out += bytes([_HAS_SEAL_KEY]) + self.seal_key
        else:
            out.append(_NO_SEALING if self.no_sealing else 0)
        for group in (self.sites, self.revoked):
            out += put_varint(len(group))
            for entry in group:
                out += _entry_bytes(entry)
        return bytes(out)

    def signed(self) -> bytes:
        """Body plus signature: the RosterUpdate payload."""
        if len(self.signature) != SIGNATURE_LEN:
            raise RosterMalformed("the roster is not signed")
        return self.body() + self.signature

    def sign(self, region_key: Identity) -> RosterDoc:
        return _replace_signature(self, region_key.sign(ROSTER_CONTEXT + self.body()))

    def verify(self, region_public: bytes) -> None:
        """RosterSignatureInvalid unless the region key signed exactly this content."""
        if len(self.signature) != SIGNATURE_LEN or not verify_signature(
            region_public, ROSTER_CONTEXT + self.body(), self.signature
        ):
            raise RosterSignatureInvalid(
                "bad roster signature", region_key=str(KeyId.of(region_public))
            )

    def check(self) -> None:
        """Structural rules a signer must not break: no key twice (nor a key id twice), names
        unique, a revoked key never also active."""
        ring = KeyRing()
        names: set[str] = set()
        for entry in self.sites:
            if entry.site in names:
                raise RosterMalformed(f"site {entry.site!r} listed twice")
            names.add(entry.site)
            if ring.lookup(entry.key_id) is not None:
                raise RosterMalformed(f"the key of {entry.site!r} is listed twice")
            try:
                ring.add(PeerKey(entry.site, entry.role, entry.public_key))
            except KeyIdCollision as exc:
                raise RosterMalformed(f"two sites share key id {entry.key_id}") from exc
        active = {e.public_key for e in self.sites}
        for entry in self.revoked:
            if entry.public_key in active:
                raise RosterMalformed(f"the key of {entry.site!r} is both active and revoked")


def _replace_signature(doc: RosterDoc, signature: bytes) -> RosterDoc:
    return RosterDoc(
        doc.region,
        doc.version,
        doc.issued,
        doc.sites,
        doc.revoked,
        doc.seal_key,
        signature,
        doc.no_sealing,
    )


def _clean(text: str) -> bool:
    # the JSON form strips names, and the parser refuses control characters: a name that would
    # not survive both unchanged is refused before it is ever signed
    return (
        bool(text) and text == text.strip() and not any(ord(c) < 32 or ord(c) == 127 for c in text)
    )


def _name_bytes(text: str, what: str, limit: int) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    if not _clean(text) or not 0 < len(raw) <= min(limit, 255):
        raise RosterMalformed(f"{what} {text[:60]!r}: empty, too long, spaces around it or control")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise RosterMalformed(f"{what} is not valid text") from exc


def _entry_bytes(entry: SiteEntry) -> bytes:
    name = _name_bytes(entry.site, "site name", MAX_NAME_BYTES)
    if entry.role not in ROLE_CODES or len(entry.public_key) != PUBLIC_KEY_LEN:
        raise RosterMalformed(f"site {entry.site!r}: bad role or key")
    role = ROLE_CODES[entry.role]
    node = b""
    if entry.node is not None:
        if not 0 < entry.node < 0xFFFFFFFF:
            raise RosterMalformed(f"site {entry.site!r}: bad node number")
        role |= _HAS_NODE
        node = entry.node.to_bytes(4, "big")
    rd = b""
    if entry.rd is not None:
        _check_rd(entry.site, entry.rd)
        role |= _HAS_RD
        rd = b"".join(v.to_bytes(4, "big", signed=True) for v in entry.rd)
    return bytes([len(name)]) + name + bytes([role]) + entry.public_key + node + rd


def _check_rd(site: str, rd: tuple[int, int]) -> None:
    x, y = rd
    if not (RD_X_RANGE[0] <= x <= RD_X_RANGE[1] and RD_Y_RANGE[0] <= y <= RD_Y_RANGE[1]):
        raise RosterMalformed(f"site {site!r}: position outside the RD New grid")


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise RosterMalformed("truncated")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def varint(self, max_value: int = U32) -> int:
        try:
            value, self.pos = get_varint(self.data, self.pos, max_value)
        except DecodeError as exc:
            raise RosterMalformed(str(exc.detail)) from exc
        return value

    def text(self) -> str:
        raw = self.take(self.take(1)[0])
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RosterMalformed("a name is not UTF-8") from exc
        if not _clean(text):
            raise RosterMalformed("an empty name, spaces around it, or control characters")
        return text

    def entry(self) -> SiteEntry:
        name = self.text()
        role_byte = self.take(1)[0]
        role = _ROLE_NAMES.get(role_byte & ~(_HAS_NODE | _HAS_RD))
        if role is None:
            raise RosterMalformed(f"site {name!r}: unknown role {role_byte}")
        key = self.take(PUBLIC_KEY_LEN)
        node = int.from_bytes(self.take(4), "big") if role_byte & _HAS_NODE else None
        if node is not None and not 0 < node < 0xFFFFFFFF:
            raise RosterMalformed(f"site {name!r}: bad node number")
        rd = None
        if role_byte & _HAS_RD:
            raw = self.take(8)
            rd = (int.from_bytes(raw[:4], "big", signed=True),
                  int.from_bytes(raw[4:], "big", signed=True))  # fmt: skip
            _check_rd(name, rd)
        return SiteEntry(name, role, key, node, rd)


def parse_roster(payload: bytes) -> RosterDoc:
    """Bytes -> RosterDoc (signature NOT yet checked) or RosterMalformed."""
    if len(payload) < 2 + SIGNATURE_LEN or payload[0] != ROSTER_FORMAT:
        raise RosterMalformed("not a roster of format 1")
    r = _Reader(payload[:-SIGNATURE_LEN])
    r.take(1)
    region = r.text()
    version = r.varint()
    issued = int.from_bytes(r.take(3), "big")
    flags = r.take(1)[0]
    if flags & ~(_HAS_SEAL_KEY | _NO_SEALING) or flags == _HAS_SEAL_KEY | _NO_SEALING:
        raise RosterMalformed(f"unknown flags {flags}")
    seal_key = r.take(PUBLIC_KEY_LEN) if flags & _HAS_SEAL_KEY else None
    groups: list[tuple[SiteEntry, ...]] = []
    for _ in range(2):
        count = r.varint(MAX_SITES)
        groups.append(tuple(r.entry() for _ in range(count)))
    if r.pos != len(r.data):
        raise RosterMalformed("bytes after the last entry")
    no_sealing = bool(flags & _NO_SEALING)
    doc = RosterDoc(region, version, issued, groups[0], groups[1], seal_key, no_sealing=no_sealing)
    doc.check()
    return _replace_signature(doc, payload[-SIGNATURE_LEN:])


def verify_roster(payload: bytes, region_public: bytes) -> RosterDoc:
    """A signed roster payload checked against the pinned region key, or a typed error. The
    signature is checked before anything else is trusted."""
    if len(payload) < 2 + SIGNATURE_LEN:
        raise RosterMalformed("too short")
    if not verify_signature(
        region_public, ROSTER_CONTEXT + payload[:-SIGNATURE_LEN], payload[-SIGNATURE_LEN:]
    ):
        raise RosterSignatureInvalid(
            "bad roster signature", region_key=str(KeyId.of(region_public))
        )
    return parse_roster(payload)


class RegionRoster(KeyRing):
    """The live roster of a site: the signed document's active keys, its revocations and its
    sealing key. Mutable in place, so the engine and receiver see an accepted update at once."""

    def __init__(self, doc: RosterDoc, local: Iterable[PeerKey] = ()) -> None:
        super().__init__()
        self._local = list(local)
        self.doc = doc
        self._revoked: dict[KeyId, SiteEntry] = {}
        self.replace(doc)

    def replace(self, doc: RosterDoc) -> None:
        ring = KeyRing([PeerKey(e.site, e.role, e.public_key) for e in doc.sites])
        revoked = {e.key_id: e for e in doc.revoked}
        for peer in self._local:  # our own key, if the region has not listed it (yet)
            if peer.key_id not in revoked and ring.lookup(peer.key_id) is None:
                ring.add(peer)
        self._by_id = {p.key_id: p for p in ring}
        self._revoked = revoked
        self.doc = doc

    def add_local(self, peer: PeerKey) -> None:
        self._local.append(peer)
        self.replace(self.doc)

    @property
    def version(self) -> int:
        return self.doc.version

    @property
    def region(self) -> str:
        return self.doc.region

    @property
    def seal_key(self) -> bytes | None:
        return self.doc.seal_key

    def revoked_entry(self, key_id: KeyId) -> SiteEntry | None:
        return self._revoked.get(key_id)

    def is_revoked(self, key_id: KeyId) -> bool:
        return key_id in self._revoked

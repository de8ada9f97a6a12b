"""Fragmentation of a signed message longer than one frame, and its reassembly.

Fragment frame: byte 0 as any frame (format | dictionary version), byte 1 = 0x00 (type 0 =
fragment), 3-byte sender key id, varint seq, 1-byte index, 1-byte count, then a chunk of the
signed message. Fragments carry no signature of their own: the one signature at the end of the
whole message covers every byte and is checked after reassembly, so one altered fragment makes
the whole message fail `decode` with BadSignature.

The Reassembler takes time as an argument (`now`, seconds) and is bounded: at most `max_partials`
messages in flight, `max_per_sender` of them per claimed sender, and `max_bytes` buffered; the
oldest partial is dropped to make room, so junk fragments cannot exhaust memory, and junk claiming
one sender cannot push out the others' partials. Expiry follows the aioquic timer style.

Forged fragments (anyone on the channel can send one; issue 11): a fragment that contradicts the
partial (another count, another chunk at the same index) restarts that partial from the newer
fragment (reported as BadFragment) instead of pinning the first one seen, and a reassembled
message that then fails its signature is forgotten (`forget`), so the sender's next retry
completes. Junk can delay a message by one retry, never block it for good.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from nsplink.protocol.codec import (
    FRAGMENT_TYPE,
    MAX_FRAME,
    MAX_MESSAGE,
    check_versions,
    get_varint,
    parse_header,
    put_varint,
)
from nsplink.protocol.errors import BadFragment, FrameTooLarge, MalformedFrame
from nsplink.protocol.identity import KEY_ID_LEN, KeyId, MessageId

MAX_FRAGMENTS = 64


@dataclass(frozen=True)
class Fragment:
    msg_id: MessageId
    index: int
    count: int
    chunk: bytes
    version_byte: int


def _fragment_header(version_byte: int, mid: MessageId, index: int, count: int) -> bytes:
    return (
        bytes([version_byte, FRAGMENT_TYPE << 4])
        + mid.sender.raw
        + put_varint(mid.seq)
        + bytes([index, count])
    )


def to_frames(signed: bytes, max_frame: int = MAX_FRAME) -> list[bytes]:
    """[signed] if it fits one frame, else its fragments (index order), each <= max_frame."""
    if len(signed) <= max_frame:
        return [signed]
    header = parse_header(signed)
    mid = MessageId(header.sender, header.seq)
    room = max_frame - len(_fragment_header(signed[0], mid, 0, 0))
    count = -(-len(signed) // room)
    if count > MAX_FRAGMENTS:
        raise FrameTooLarge(f"{len(signed)} bytes need {count} fragments, at most {MAX_FRAGMENTS}")
    return [
        _fragment_header(signed[0], mid, i, count) + signed[i * room : (i + 1) * room]
        for i in range(count)
    ]


def parse_fragment(data: bytes) -> Fragment:
    """Structural check of one fragment frame; BadFragment / version errors otherwise."""
    check_versions(data)
    if data[1] != FRAGMENT_TYPE << 4:
        raise BadFragment("not a fragment")
    if len(data) > MAX_FRAME:
        raise FrameTooLarge(f"fragment of {len(data)} bytes")
    if len(data) < 2 + KEY_ID_LEN + 1 + 2 + 1:
        raise BadFragment("fragment too short")
    sender = KeyId(data[2 : 2 + KEY_ID_LEN])
    try:
        seq, pos = get_varint(data, 2 + KEY_ID_LEN)
    except MalformedFrame as exc:
        raise BadFragment(exc.detail) from exc
    if pos + 3 > len(data):
        raise BadFragment("fragment too short")
    index, count = data[pos], data[pos + 1]
    if not 2 <= count <= MAX_FRAGMENTS or index >= count:
        raise BadFragment(f"fragment {index} of {count}")
    return Fragment(MessageId(sender, seq), index, count, bytes(data[pos + 2 :]), data[0])


@dataclass
class _Partial:
    count: int
    first_seen: float
    chunks: dict[int, bytes] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return sum(len(c) for c in self.chunks.values())


class Reassembler:
    """Collects fragments until a message is whole. Duplicates are ignored, order is free."""

    def __init__(
        self,
        *,
        ttl_s: float = 1800.0,
        max_partials: int = 32,
        max_bytes: int = 256 * 1024,
        max_per_sender: int = 4,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_partials = max_partials
        self.max_per_sender = max_per_sender
        self.max_bytes = max_bytes
        self._partials: OrderedDict[MessageId, _Partial] = OrderedDict()
        self._size = 0  # bytes buffered in all partials
        self.evicted = 0  # partials dropped to make room (a log figure for the daemon)
        self.conflicts = 0  # partials restarted because two fragments disagreed

    def add(self, frag: Fragment, now: float) -> bytes | None:
        """The whole signed message once its last fragment arrives, else None."""
        mid = frag.msg_id
        # A whole message is not remembered as done: its sender sends it again only when no
        # receipt of ours arrived, and the copy must reach the engine whole once more to be
        # receipted again (remembered, a lost receipt to a long message was never repeated
        # and its sender retried until it expired). The radio passes each packet once, so a
        # copy completes again only from a new attempt's fragments.
        part = self._partials.get(mid)
        if part is not None and (
            frag.count != part.count or part.chunks.get(frag.index, frag.chunk) != frag.chunk
        ):
            # one of the two is forged or stale; which, only the signature can tell: start over
            # from the newer one, so a junk fragment seen first cannot pin the message
            self._drop(mid)
            self.conflicts += 1
            self._start(mid, frag, now).chunks[frag.index] = frag.chunk
            self._size += len(frag.chunk)
            raise BadFragment(f"{mid}: fragment {frag.index} contradicts the others; restarted")
        if part is None:
            part = self._start(mid, frag, now)
        if frag.index in part.chunks:
            return None  # the same fragment again
        part.chunks[frag.index] = frag.chunk
        self._size += len(frag.chunk)
        if len(part.chunks) < part.count:
            while self._size > self.max_bytes and next(iter(self._partials)) != mid:
                self._evict_oldest()
            return None
        self._drop(mid)
        whole = b"".join(part.chunks[i] for i in range(part.count))
        if len(whole) > MAX_MESSAGE:
            raise FrameTooLarge(f"{mid}: {len(whole)} bytes")
        header = parse_header(whole)
        if header.sender != mid.sender or header.seq != mid.seq:
            raise BadFragment(f"{mid}: fragments carry another message")
        return whole

    def _start(self, mid: MessageId, frag: Fragment, now: float) -> _Partial:
        same = [m for m in self._partials if m.sender == mid.sender]
        if len(same) >= self.max_per_sender:
            self._drop(same[0])
            self.evicted += 1
        while self._partials and (
            len(self._partials) >= self.max_partials
            or self._size + len(frag.chunk) > self.max_bytes
        ):
            self._evict_oldest()
        part = self._partials[mid] = _Partial(frag.count, now)
        return part

    def forget(self, mid: MessageId) -> None:
        """Forget a message whose fragments failed verification, so a retry can complete."""
        if mid in self._partials:
            self._drop(mid)

    def missing(self, mid: MessageId) -> list[int] | None:
        """Indices still missing for a message in flight, or None if none is pending."""
        part = self._partials.get(mid)
        if part is None:
            return None
        return [i for i in range(part.count) if i not in part.chunks]

    def pending(self) -> list[MessageId]:
        return list(self._partials)

    def next_deadline(self) -> float | None:
        if not self._partials:
            return None
        return min(p.first_seen for p in self._partials.values()) + self.ttl_s

    def handle_timer(self, now: float) -> list[MessageId]:
        """Drop partials older than ttl_s; returns their ids (to log as incomplete)."""
        expired = [m for m, p in self._partials.items() if p.first_seen + self.ttl_s <= now]
        for mid in expired:
            self._drop(mid)
        return expired

    def _drop(self, mid: MessageId) -> None:
        part = self._partials.pop(mid)
        self._size -= part.size

    def _evict_oldest(self) -> None:
        self._drop(next(iter(self._partials)))
        self.evicted += 1

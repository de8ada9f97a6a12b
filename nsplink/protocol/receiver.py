"""One entry point for everything that arrives on our port: whole messages and fragments.

Most of what a site hears is a copy of a frame it has heard before: every relay repeats every
frame, and a sender's retry repeats it byte for byte. `VerifiedFrames` remembers frames whose
signature checked out, by their exact bytes, so such a copy costs a lookup instead of an Ed25519
verification and a decode. The copy is still handed on as a message: what it means (a duplicate
to receipt again, a relay's repeat) stays the engine's decision. Sites simulated in one process
share one cache, so each distinct frame is verified once for all that hear it.

A format 3 bundle (codec.py) yields all of its messages and is remembered whole, by the bytes it
went on air as: a relay's repeat, the sender's retry of the same bundle, or a relay forwarding
one member's log copy cost no second verification either.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection

from nsplink.protocol.codec import (
    READ_FORMATS,
    as_sent,
    bundle_member,
    check_versions,
    decode,
    decode_bundle,
    is_bundle,
    is_fragment,
)
from nsplink.protocol.envelope import SignedMessage
from nsplink.protocol.errors import DecodeError, RevokedKey, UnknownKey
from nsplink.protocol.fragments import Reassembler, parse_fragment
from nsplink.protocol.identity import KeyLookup, MessageId, Revocations


class VerifiedFrames:
    """A bounded memory of verified whole frames (least recently heard forgotten first): per
    frame as sent, its messages (one, or a bundle's members)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._frames: OrderedDict[bytes, tuple[SignedMessage, ...]] = OrderedDict()

    def get(self, frame: bytes, keys: KeyLookup) -> tuple[SignedMessage, ...] | None:
        key = as_sent(frame)
        msgs = self._frames.get(key)
        if msgs is None:
            return None
        signer = keys.lookup(msgs[0].envelope.sender)
        if signer is not msgs[0].signer and signer != msgs[0].signer:
            return None  # the roster changed since (a revoked or replaced key): check again
        self._frames.move_to_end(key)
        return msgs

    def put(self, frame: bytes, msgs: tuple[SignedMessage, ...]) -> None:
        key = as_sent(frame)
        self._frames[key] = msgs
        self._frames.move_to_end(key)
        if len(self._frames) > self.size:
            self._frames.popitem(last=False)


class Receiver:
    """`receive(frame, now)` -> a verified message, None (a fragment was kept), or a DecodeError
    subclass. Replay and duplicate decisions stay with the caller (ReplayGuard, the store)."""

    def __init__(
        self,
        keys: KeyLookup,
        reassembler: Reassembler | None = None,
        verified: VerifiedFrames | None = None,
        formats: Collection[int] = READ_FORMATS,
    ) -> None:
        self.keys = keys
        self.formats = formats  # the frame formats this site reads (capability.py)
        self.reassembler = reassembler or Reassembler()
        self.verified = verified if verified is not None else VerifiedFrames()

    def receive(self, frame: bytes, now: float) -> SignedMessage | None:
        if is_fragment(frame):
            frag = parse_fragment(frame)
            sender = frag.msg_id.sender
            if self.keys.lookup(sender) is None:  # buffer nothing for a stranger
                if isinstance(self.keys, Revocations) and self.keys.is_revoked(sender):
                    raise RevokedKey(str(sender), sender=str(sender))
                raise UnknownKey(str(sender), sender=str(sender))
            try:
                whole = self.reassembler.add(frag, now)
                if whole is None:
                    return None
                return decode(whole, self.keys, self.formats)
            except DecodeError:
                self.reassembler.forget(frag.msg_id)  # junk mixed in: let the retry complete
                raise
        msgs = self._whole(frame)
        return bundle_member(msgs, frame) if is_bundle(frame) else msgs[0]

    def receive_all(self, frame: bytes, now: float) -> list[SignedMessage]:
        """Like `receive`, for any frame: a bundle's messages, one message, or none yet."""
        if is_bundle(frame):  # as sent, or a relay forwarding one member's log copy: all of it
            return list(self._whole(frame))
        msg = self.receive(frame, now)
        return [] if msg is None else [msg]

    def _whole(self, frame: bytes) -> tuple[SignedMessage, ...]:
        """The verified messages of a whole frame, from the memory when it was heard before."""
        check_versions(frame, self.formats)  # the cache may be shared with sites reading more
        known = self.verified.get(frame, self.keys)
        if known is not None:
            return known
        if is_bundle(frame):
            msgs = tuple(decode_bundle(frame, self.keys, self.formats))
        else:
            msgs = (decode(frame, self.keys, self.formats),)
        self.verified.put(frame, msgs)
        return msgs

    def next_deadline(self) -> float | None:
        return self.reassembler.next_deadline()

    def handle_timer(self, now: float) -> list[MessageId]:
        return self.reassembler.handle_timer(now)

"""One entry point for everything that arrives on our port: whole messages and fragments."""

from __future__ import annotations

from nsplink.protocol.codec import decode, is_fragment
from nsplink.protocol.envelope import SignedMessage
from nsplink.protocol.errors import DecodeError, RevokedKey, UnknownKey
from nsplink.protocol.fragments import Reassembler, parse_fragment
from nsplink.protocol.identity import KeyLookup, MessageId, Revocations


class Receiver:
    """`receive(frame, now)` -> a verified message, None (a fragment was kept), or a DecodeError
    subclass. Replay and duplicate decisions stay with the caller (ReplayGuard, the store)."""

    def __init__(self, keys: KeyLookup, reassembler: Reassembler | None = None) -> None:
        self.keys = keys
        self.reassembler = reassembler or Reassembler()

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
                return decode(whole, self.keys)
            except DecodeError:
                self.reassembler.forget(frag.msg_id)  # junk mixed in: let the retry complete
                raise
        return decode(frame, self.keys)

    def next_deadline(self) -> float | None:
        return self.reassembler.next_deadline()

    def handle_timer(self, now: float) -> list[MessageId]:
        return self.reassembler.handle_timer(now)

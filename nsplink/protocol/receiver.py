"""One entry point for everything that arrives on our port: whole messages and fragments."""

from __future__ import annotations

from nsplink.protocol.codec import decode, is_fragment
from nsplink.protocol.envelope import SignedMessage
from nsplink.protocol.fragments import Reassembler, parse_fragment
from nsplink.protocol.identity import KeyLookup, MessageId


class Receiver:
    """`receive(frame, now)` -> a verified message, None (a fragment was kept), or a DecodeError
    subclass. Replay and duplicate decisions stay with the caller (ReplayGuard, the store)."""

    def __init__(self, keys: KeyLookup, reassembler: Reassembler | None = None) -> None:
        self.keys = keys
        self.reassembler = reassembler or Reassembler()

    def receive(self, frame: bytes, now: float) -> SignedMessage | None:
        if is_fragment(frame):
            whole = self.reassembler.add(parse_fragment(frame), now)
            if whole is None:
                return None
            return decode(whole, self.keys)
        return decode(frame, self.keys)

    def next_deadline(self) -> float | None:
        return self.reassembler.next_deadline()

    def handle_timer(self, now: float) -> list[MessageId]:
        return self.reassembler.handle_timer(now)

"""Per-sender replay window: highest sequence number seen plus a bitmap of the ones below it.

Accepts new numbers in any order, rejects duplicates, and says TOO_OLD for numbers below the
window (it cannot tell those apart; the store's (sender, seq) index decides for them: a message
held in custody for hours may legitimately arrive that late). Only feed it verified messages,
or a forger could push the window forward.
"""

from __future__ import annotations

from enum import Enum

from nsplink.protocol.identity import KeyId, MessageId


class ReplayVerdict(Enum):
    NEW = "new"
    DUPLICATE = "duplicate"
    TOO_OLD = "too_old"


class ReplayWindow:
    def __init__(self, size: int = 1024, highest: int | None = None, bitmap: int = 0) -> None:
        if size < 1:
            raise ValueError("window size must be positive")
        self.size = size
        self.highest = highest
        self.bitmap = bitmap  # bit i set: highest - i was seen

    def check(self, seq: int) -> ReplayVerdict:
        if self.highest is None or seq > self.highest:
            return ReplayVerdict.NEW
        offset = self.highest - seq
        if offset >= self.size:
            return ReplayVerdict.TOO_OLD
        return ReplayVerdict.DUPLICATE if self.bitmap >> offset & 1 else ReplayVerdict.NEW

    def accept(self, seq: int) -> ReplayVerdict:
        """Record `seq` if it is NEW; returns the verdict either way."""
        verdict = self.check(seq)
        if verdict is not ReplayVerdict.NEW:
            return verdict
        if self.highest is None:
            self.highest, self.bitmap = seq, 1
        elif seq > self.highest:
            shift = seq - self.highest
            self.bitmap = ((self.bitmap << shift) | 1) & ((1 << self.size) - 1)
            self.highest = seq
        else:
            self.bitmap |= 1 << (self.highest - seq)
        return verdict

    def state(self) -> tuple[int | None, int]:
        """(highest, bitmap), to persist and pass back to the constructor after a restart."""
        return self.highest, self.bitmap


class ReplayGuard:
    """One ReplayWindow per sender key id."""

    def __init__(self, size: int = 1024) -> None:
        self.size = size
        self._windows: dict[KeyId, ReplayWindow] = {}

    def window(self, sender: KeyId) -> ReplayWindow:
        win = self._windows.get(sender)
        if win is None:
            win = self._windows[sender] = ReplayWindow(self.size)
        return win

    def accept(self, mid: MessageId) -> ReplayVerdict:
        return self.window(mid.sender).accept(mid.seq)

"""The firmware's TX queue (MeshPacketQueue.cpp): 16 packets, ordered by priority.

Order: packets in the late window go last; then higher priority first; at equal priority a relayed
packet goes before one of our own; otherwise insertion order (std::upper_bound keeps it stable).
When full, a new packet may only evict the packet at the back, and only if that one has lower
priority and is not in the late window.
"""

from __future__ import annotations

from nsplink.radio.sim.events import MAX_TX_QUEUE
from nsplink.radio.sim.packet import AirPacket


class TxQueue:
    __slots__ = ("items", "maxlen", "own")

    def __init__(self, own: int, maxlen: int = MAX_TX_QUEUE) -> None:
        self.own = own
        self.maxlen = maxlen
        self.items: list[AirPacket] = []  # front first; read-only outside this class

    def _key(self, p: AirPacket) -> tuple[bool, int, bool]:
        return (p.tx_after > 0, -p.priority, p.frm == self.own)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def free(self) -> int:
        return self.maxlen - len(self.items)

    def enqueue(self, p: AirPacket) -> tuple[bool, AirPacket | None]:
        """Insert `p`; returns (accepted, evicted packet or None)."""
        evicted = None
        if len(self.items) >= self.maxlen:
            back = self.items[-1] if self.items else None
            if back is None or back.tx_after > 0 or back.priority >= p.priority:
                return False, None
            evicted = self.items.pop()
        key = self._key(p)
        i = len(self.items)
        while i > 0 and key < self._key(self.items[i - 1]):
            i -= 1
        self.items.insert(i, p)
        return True, evicted

    def front(self) -> AirPacket | None:
        return self.items[0] if self.items else None

    def dequeue(self) -> AirPacket:
        return self.items.pop(0)

    def find(self, frm: int, pid: int) -> AirPacket | None:
        for p in self.items:
            if p.frm == frm and p.id == pid:
                return p
        return None

    def remove(
        self, frm: int, pid: int, *, normal: bool = True, late: bool = True, hop_limit_lt: int = 0
    ) -> AirPacket | None:
        for i, p in enumerate(self.items):
            if (
                p.frm == frm
                and p.id == pid
                and ((normal and not p.tx_after) or (late and p.tx_after))
                and (not hop_limit_lt or p.hop_limit < hop_limit_lt)
            ):
                return self.items.pop(i)
        return None

    def clear(self) -> None:
        self.items.clear()

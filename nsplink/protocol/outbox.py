"""The engine's outgoing messages, indexed so that no event has to scan them all.

A CP over a 72-hour outage holds hundreds of messages at once (triage receipts waiting for NSPs,
reports in custody), and the engine consults them on every frame, receipt and timer. Scanning
them each time made the cost of an event grow with the outbox. Here:

- the next frame to hand over is the top of a heap of ready messages, by rank, and while a busy
  channel holds routine traffic, the top of a second heap holding only the urgent ones;
- the next deadline is the top of a heap of (time, kind, message) timers;
- who waits for a site, which of our messages a receipt covers, and which triage receipts are
  still retried are found through small indexes.

Heaps use lazy deletion: an entry whose message left, or whose time changed since, is skipped
when it reaches the top. Whatever is returned comes in the order the messages were added, which
is the order the engine always worked through them (so the same seed gives the same run).

The engine changes `pending`, `next_retry` and `confirm_at` only through `touch`, `set_retry`
and `set_confirm`, so the heaps always know. `urgent` only ever goes off (a triage receipt's
retries are routine), never on, so an urgent entry that went routine is skipped like a stale one.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator

from nsplink.protocol.delivery import CustodyPhase
from nsplink.protocol.identity import KeyId, MessageId
from nsplink.protocol.messages import Receipt, ReceiptEntry
from nsplink.protocol.outgoing import Outgoing

RETRY, CONFIRM, TIMEOUT = 0, 1, 2  # kinds of timer

# the engine's rule for the undelivered timer: whether it still runs for a message
TimeoutCheck = Callable[[Outgoing], bool]


class Outbox:
    def __init__(self, undelivered_after_s: float, times_out: TimeoutCheck) -> None:
        self.after_s = undelivered_after_s
        self.times_out = times_out
        self.items: dict[MessageId, Outgoing] = {}
        self._slot = 0
        self._ready: set[MessageId] = set()
        # the ready receipts nobody retries (not triage, not carried): the engine asks after
        # them on every receipt flush, and a CP's backlog of triage receipts waiting for NSPs
        # that are off must not be walked each time
        self._untracked_receipts: set[MessageId] = set()
        self._ready_heap: list[tuple[tuple[int, int, float, int], int, MessageId]] = []
        self._urgent_heap: list[tuple[tuple[int, int, float, int], int, MessageId]] = []
        self._timers: list[tuple[float, int, int, MessageId]] = []
        self._by_peer: dict[KeyId, dict[MessageId, None]] = {}
        self._by_sender: dict[KeyId, dict[MessageId, None]] = {}
        self._triage: dict[MessageId, None] = {}  # our tracked receipts (triage), in order

    # -- membership -------------------------------------------------------------------------------

    def __contains__(self, mid: MessageId) -> bool:
        return mid in self.items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, mid: MessageId) -> Outgoing:
        return self.items[mid]

    def get(self, mid: MessageId) -> Outgoing | None:
        return self.items.get(mid)

    def values(self) -> Iterator[Outgoing]:
        return iter(self.items.values())

    def add(self, out: Outgoing) -> None:
        mid = out.mid
        self._slot += 1
        out.slot = self._slot
        self.items[mid] = out
        for peer in out.any_of | out.all_of:
            self._by_peer.setdefault(peer, {})[mid] = None
        self._by_sender.setdefault(mid.sender, {})[mid] = None
        if out.tracked and not out.custody and isinstance(out.msg.envelope.body, Receipt):
            self._triage[mid] = None
        if self.times_out(out):
            self._push(out.submitted_at + self.after_s, TIMEOUT, out)
        self.touch(out)
        if out.next_retry is not None:
            self._push(out.next_retry, RETRY, out)

    def drop(self, out: Outgoing) -> None:
        mid = out.mid
        if self.items.get(mid) is not out:
            return
        del self.items[mid]
        self._ready.discard(mid)
        self._untracked_receipts.discard(mid)
        for peer in out.any_of | out.all_of:
            index = self._by_peer.get(peer)
            if index is not None:
                index.pop(mid, None)
                if not index:
                    del self._by_peer[peer]
        senders = self._by_sender.get(mid.sender)
        if senders is not None:
            senders.pop(mid, None)
            if not senders:
                del self._by_sender[mid.sender]
        self._triage.pop(mid, None)

    def _live(self, mid: MessageId, slot: int) -> Outgoing | None:
        out = self.items.get(mid)
        return out if out is not None and out.slot == slot else None

    # -- frames ready to hand over ----------------------------------------------------------------

    def touch(self, out: Outgoing) -> None:
        """`out.pending` changed: keep the ready heap and count right."""
        if out.pending:
            if out.mid not in self._ready:
                self._ready.add(out.mid)
                entry = (out.rank, out.slot, out.mid)
                heapq.heappush(self._ready_heap, entry)
                if out.urgent:
                    heapq.heappush(self._urgent_heap, entry)
                if out.is_receipt and not out.tracked and not out.custody:
                    self._untracked_receipts.add(out.mid)
        else:
            self._ready.discard(out.mid)
            self._untracked_receipts.discard(out.mid)

    def best_ready(self) -> Outgoing | None:
        """The ready message of the best rank (emergencies first, then by priority, age)."""
        return self._top(self._ready_heap, urgent=False)

    def best_urgent(self) -> Outgoing | None:
        """The urgent ready message of the best rank (what a busy channel still lets go)."""
        return self._top(self._urgent_heap, urgent=True)

    def _top(
        self, heap: list[tuple[tuple[int, int, float, int], int, MessageId]], *, urgent: bool
    ) -> Outgoing | None:
        while heap:
            _rank, slot, mid = heap[0]
            out = self._live(mid, slot)
            live = out is not None and out.pending and mid in self._ready
            if live and out is not None and (out.urgent or not urgent):
                return out
            heapq.heappop(heap)
        return None

    def ready_count(self) -> int:
        return len(self._ready)

    def ready(self) -> Iterator[Outgoing]:
        """The messages with frames still to hand over (any order)."""
        return (self.items[mid] for mid in self._ready)

    def untracked_receipts(self) -> Iterator[Outgoing]:
        """The receipts among `ready()` that are neither retried nor carried (any order)."""
        return (self.items[mid] for mid in self._untracked_receipts)

    # -- timers -----------------------------------------------------------------------------------

    def set_retry(self, out: Outgoing, at: float | None) -> None:
        out.next_retry = at
        if at is not None and self.items.get(out.mid) is out:
            self._push(at, RETRY, out)

    def set_confirm(self, out: Outgoing, at: float) -> None:
        out.confirm_at = at
        self._push(at, CONFIRM, out)

    def _push(self, at: float, kind: int, out: Outgoing) -> None:
        heapq.heappush(self._timers, (at, kind, out.slot, out.mid))

    def _valid(self, at: float, kind: int, out: Outgoing) -> bool:
        if kind == RETRY:
            return out.next_retry == at
        if kind == CONFIRM:
            return out.phase is CustodyPhase.TENTATIVE and out.confirm_at == at
        return self.times_out(out)

    def next_time(self) -> float | None:
        """The earliest timer still in force."""
        timers = self._timers
        while timers:
            at, kind, slot, mid = timers[0]
            out = self._live(mid, slot)
            if out is not None and self._valid(at, kind, out):
                return at
            heapq.heappop(timers)
        return None

    def due(self, now: float) -> list[Outgoing]:
        """Messages with a timer at or before `now`, in the order they were added. Their timers
        are taken off; the engine sets new ones as it handles them."""
        timers = self._timers
        found: dict[MessageId, Outgoing] = {}
        while timers and timers[0][0] <= now:
            at, kind, slot, mid = heapq.heappop(timers)
            out = self._live(mid, slot)
            if out is not None and self._valid(at, kind, out):
                found[mid] = out
        return sorted(found.values(), key=lambda o: o.slot)

    # -- lookups ----------------------------------------------------------------------------------

    def waiting_for(self, site: KeyId) -> list[Outgoing]:
        """Messages `site` is a recipient of, in the order they were added."""
        return [self.items[mid] for mid in self._by_peer.get(site, {})]

    def covered(self, entry: ReceiptEntry) -> list[Outgoing]:
        """Messages a receipt entry covers, in the order they were added. Reads whichever is
        smaller: the range the entry claims, or what we hold from its sender."""
        mine = self._by_sender.get(entry.sender)
        if not mine:
            return []
        span = entry.last - entry.first + 1
        if span <= len(mine):
            hits = [
                out
                for seq in range(entry.first, entry.last + 1)
                if (out := self.items.get(MessageId(entry.sender, seq))) is not None
            ]
            return sorted(hits, key=lambda o: o.slot)
        return [self.items[mid] for mid in mine if entry.covers(mid)]

    def triage_receipts(self) -> list[Outgoing]:
        """Our triage receipts still retried, in the order they were added."""
        return [self.items[mid] for mid in self._triage]

"""Receipts we owe, batched: routine ones wait `receipt_delay_s` to share a frame, urgent ones
go at once, and one held for a moment of its own (an NSP's receipt to a bulletin, engine.py)
waits for it while others go. A flush splits them into receipts that each fit one frame.
A rider (`ride`) never makes a frame of its own: it goes in the next delivery receipt that goes
anyway, whoever that one is for.

The engine signs and queues what `batches()` yields and calls `sent()` for each, so a batch
that finds no sequence number left stays queued for the next flush.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from nsplink.protocol.codes import Priority, ReceiptKind, State
from nsplink.protocol.envelope import Destination, DestKind
from nsplink.protocol.identity import KeyId, MessageId
from nsplink.protocol.messages import Receipt
from nsplink.protocol.outgoing import Outgoing

Batch = dict[MessageId, State]


class ReceiptQueue:
    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        # (kind, message) -> (state, urgent, how many copies its sender has sent us)
        self._owed: dict[tuple[ReceiptKind, MessageId], tuple[State, bool, int]] = {}
        self._later: dict[tuple[ReceiptKind, MessageId], float] = {}  # -> not before
        self._riders: dict[MessageId, State] = {}  # delivery receipts that only ride along
        self.due: float | None = None

    def queue(
        self,
        kind: ReceiptKind,
        mid: MessageId,
        state: State,
        urgent: bool,
        now: float,
        asked: int = 1,
        not_before: float | None = None,
    ) -> None:
        """Owe a receipt; `asked`: how many copies of the message its sender has sent us;
        `not_before`: held until then, whatever else goes earlier."""
        key = (kind, mid)
        if kind is ReceiptKind.DELIVERY:
            self._riders.pop(mid, None)  # owed now: goes as an answer of its own
        old = self._owed.get(key)
        if old is not None:
            urgent, asked = urgent or old[1], max(asked, old[2])
        self._owed[key] = (state, urgent, asked)
        due = now if urgent else now + self.delay_s
        if not_before is not None and not_before > due:
            self._later[key] = due = not_before
        self.due = due if self.due is None else min(self.due, due)

    def ride(self, mid: MessageId, state: State) -> None:
        """Say again that we have `mid`, in the next delivery receipt that goes anyway (once)."""
        if (ReceiptKind.DELIVERY, mid) not in self._owed:
            self._riders[mid] = state

    def riding(self) -> frozenset[MessageId]:
        return frozenset(self._riders)

    def owed(self) -> bool:
        return bool(self._owed)

    def next_due(self, now: float, recheck_s: float) -> float | None:
        """After a flush: `recheck_s` on if something that may go now is still owed (a busy
        channel held it), else when the first held one may go."""
        if any(self._later.get(key, now) <= now for key in self._owed):
            return now + recheck_s
        return min(self._later.values(), default=None)

    def batches(
        self,
        only: ReceiptKind | None = None,
        *,
        urgent_only: bool = False,
        now: float | None = None,
        rides: Callable[[KeyId, frozenset[KeyId]], bool] | None = None,
    ) -> Iterator[tuple[ReceiptKind, Batch, Destination, Priority, int]]:
        """What is owed now (of kind `only`, if given), one frame's worth at a time, with its
        destination, priority, and the most copies of one of its messages the sender sent.
        `urgent_only`: the kinds with something urgent owed (the rest waits for a quieter
        channel). `rides(sender, senders)`: whether a rider from `sender` may join delivery
        receipts to `senders` (None: always)."""
        by_kind: dict[ReceiptKind, Batch] = {}
        urgent_kinds: set[ReceiptKind] = set()
        asked: dict[MessageId, int] = {}
        for (kind, mid), (state, urgent, times) in list(self._owed.items()):
            if only is not None and kind is not only:
                continue
            if now is not None and self._later.get((kind, mid), now) > now:
                continue
            by_kind.setdefault(kind, {})[mid] = state
            asked[mid] = times
            if urgent:
                urgent_kinds.add(kind)
        delivery = by_kind.get(ReceiptKind.DELIVERY)
        if delivery is not None:
            to = frozenset(mid.sender for mid in delivery)
            for mid, state in self._riders.items():
                if mid not in delivery and (rides is None or rides(mid.sender, to)):
                    delivery[mid] = state
                    asked[mid] = 1
        for kind, items in by_kind.items():
            if urgent_only and kind not in urgent_kinds:
                continue
            for chunk in _chunks(kind, items):
                if all(mid in self._riders for mid in chunk):
                    continue  # riders alone: they wait for a receipt that goes anyway
                senders = {mid.sender for mid in chunk}
                dest = (
                    Destination.to_site(next(iter(senders)))
                    if len(senders) == 1
                    else Destination(DestKind.ALL)
                )
                prio = Priority.P1 if kind in urgent_kinds else Priority.P2
                yield kind, chunk, dest, prio, max(asked[mid] for mid in chunk)

    def sent(self, kind: ReceiptKind, chunk: Batch) -> None:
        for mid in chunk:
            self._owed.pop((kind, mid), None)
            self._later.pop((kind, mid), None)
            if kind is ReceiptKind.DELIVERY:
                self._riders.pop(mid, None)


def _chunks(kind: ReceiptKind, items: Batch) -> Iterator[Batch]:
    """Split into receipts that each fit one frame (ranges collapse consecutive seqs).
    Triage receipts go to one NSP each, so that each can be tracked until it confirms."""
    chunk: Batch = {}
    for mid in sorted(items):
        if kind is ReceiptKind.TRIAGE and chunk and next(iter(chunk)).sender != mid.sender:
            yield chunk
            chunk = {}
        chunk[mid] = items[mid]
        if len(Receipt.build(kind, chunk).entries) > 12:
            del chunk[mid]
            yield chunk
            chunk = {mid: items[mid]}
    if chunk:
        yield chunk


def superseded_triage(out: Outgoing, newer: Batch) -> bool:
    """Whether an older triage receipt of ours can stop retrying because `newer` covers its
    every message: the NSP needs the newest state, not the history (the log keeps that)."""
    body = out.msg.envelope.body
    return (
        out.tracked
        and not out.custody
        and isinstance(body, Receipt)
        and body.kind is ReceiptKind.TRIAGE
        and all(e.last - e.first < 64 for e in body.entries)
        and all(
            MessageId(e.sender, seq) in newer
            for e in body.entries
            for seq in range(e.first, e.last + 1)
        )
    )

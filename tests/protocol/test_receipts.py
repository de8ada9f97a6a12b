"""The receipt queue: what is owed goes in batches; a receipt held for its own moment waits."""

from __future__ import annotations

from nsplink.protocol import KeyId, MessageId, ReceiptKind, State
from nsplink.protocol.receipts import ReceiptQueue

T = 1_767_225_600.0
A = KeyId(b"\x01\x02\x03")


def test_a_held_receipt_waits_for_its_moment_while_others_go() -> None:
    """A bulletin's receipt held until T + 200 does not ride along with an urgent receipt
    flushed at T; after that flush the queue is due at T + 200, not every recheck."""
    q = ReceiptQueue(delay_s=30.0)
    held, urgent = MessageId(A, 5), MessageId(A, 6)
    q.queue(ReceiptKind.DELIVERY, held, State.ONTV, False, T, not_before=T + 200)
    q.queue(ReceiptKind.DELIVERY, urgent, State.ONTV, True, T)
    assert q.due == T
    (kind, chunk, _dest, _prio, _asked), *rest = list(q.batches(now=T))
    assert not rest and set(chunk) == {urgent}
    q.sent(kind, chunk)
    assert q.next_due(T, 2.0) == T + 200
    assert not list(q.batches(now=T + 199))
    ((kind, chunk, *_),) = list(q.batches(now=T + 200))
    assert set(chunk) == {held}
    q.sent(kind, chunk)
    assert q.next_due(T + 200, 2.0) is None and not q.owed()


def test_a_receipt_a_busy_channel_held_is_rechecked_soon() -> None:
    q = ReceiptQueue(delay_s=30.0)
    q.queue(ReceiptKind.DELIVERY, MessageId(A, 7), State.ONTV, False, T)
    assert q.next_due(T + 30, 2.0) == T + 32  # still owed, may go now: look again shortly


def test_a_rider_goes_once_and_only_with_a_delivery_receipt_that_goes_anyway() -> None:
    q = ReceiptQueue(delay_s=30.0)
    b = KeyId(b"\x04\x05\x06")
    rider = MessageId(b, 9)
    q.ride(rider, State.ONTV)
    assert not q.owed() and q.due is None and not list(q.batches(now=T + 100))
    q.queue(ReceiptKind.TRIAGE, MessageId(A, 1), State.BEH, True, T)
    assert [set(c) for _k, c, *_ in q.batches(now=T)] == [{MessageId(A, 1)}]  # not in triage
    q.sent(ReceiptKind.TRIAGE, {MessageId(A, 1): State.BEH})
    answer = MessageId(A, 2)
    q.queue(ReceiptKind.DELIVERY, answer, State.ONTV, False, T)
    ((kind, chunk, dest, _prio, asked),) = list(q.batches(now=T + 30))
    assert set(chunk) == {answer, rider} and asked == 1
    assert dest.site is None  # two senders: to every site, sized for both (engine._reach)
    q.sent(kind, chunk)
    assert q.riding() == frozenset() and not q.owed()
    q.ride(answer, State.ONTV)
    q.queue(ReceiptKind.DELIVERY, answer, State.ONTV, False, T + 60)
    assert q.riding() == frozenset()  # owed again: an answer of its own, not a rider

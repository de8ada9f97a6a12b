"""An NSP hands an emergency report nobody took up to the CP that has it, as a pure tracker.

Which CP takes a report up is decided without a frame on air (ownership.py, `turn_order`): the
CP nearest to the NSP first. That guess fails where the nearest CP does not hear the NSP and a
farther one does: the report reaches only the farther CP, which does not take it up while it
still hears the nearer one (that CP most likely has it and its claim is on its way). Nobody
ever did, for 1,240 of 26,418 emergencies in a 100-NSP region over 72 hours, and for 10 of 231
in the shipped exercise: an NSP exactly halfway between its two CPs, one of which never hears
it (docs/design.md §3).

The report's NSP is the one site that knows both halves: which CP receipted the report, and
that no CP has claimed it (every claim is addressed to the NSP and retried until it confirms).
So when `HAND_AFTER_S` have passed since the first CP's receipt and no claim has come, and no
other CP that writes to us has gone silent since it would have claimed (`may_hand`), the NSP
signs a hand-over: a receipt of kind HAND that names the report, addressed to that CP and
retried until it is receipted. The CP takes it as its turn (ownership.py `turn_starts`):
nobody else did. One frame and its receipt, and only for a report nobody took up.

Only the report's own NSP may hand it (`handed_in`): a hand-over signed by anyone else names
nothing. If a CP's claim was merely late, the rule on claims still names one owner, and the NSP
tells the loser (engine `_arbitrate`).
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Mapping
from dataclasses import dataclass

from nsplink.protocol.codes import ReceiptKind, State
from nsplink.protocol.envelope import DestKind, Envelope, SignedMessage
from nsplink.protocol.identity import KeyId, MessageId
from nsplink.protocol.messages import Receipt
from nsplink.protocol.ownership import QUIET_S

# An operator takes an emergency up within minutes (the exercise's operators 1.5 to 4.5, and
# the claim's way to the NSP adds up to a minute at the 95th percentile), but on a congested day
# a CP's claims reached its NSP half an hour and more late (exercise seed 8): half an hour without a
# claim means nobody will. Measured over the exercise's seeds 1-10: after 10 minutes, 15
# reports passed to the meldkamer twice; after 20, 12; after 30, 4 (docs/design.md §3). The
# operators see such a report in their queue all along and take it over sooner on purpose.
HAND_AFTER_S = 1800.0
# ... unless a CP's claim could not reach us: a frame a CP addressed to us this long after the
# report reached the first CP came after its claim would have (an operator's step is signed
# and sent at once). Handed over without that, a congested day of the exercise (seed 8) had
# 36 reports taken up by a second CP although the first had them and had claimed them.
CLAIM_SLACK_S = 300.0
# ... but not for ever: a CP that wrote to us just before the report and then stopped hearing
# us held hand-overs back for the rest of a 72-hour run (100-NSP region, docs/congestion.md
# part 16). After this long its claim, retried by the CP, would have come through: hand over.
HOLD_MAX_S = 3600.0
HAND_RECHECK_S = 60.0  # how often a hand-over held back for a silent CP is looked at again
# tries of one hand-over at once; the CP receipted the report half an hour before. Then it goes
# every routine retry cap, and at once when that CP is heard again (a partition: the tries
# had ended and the report stayed nobody's)
HAND_TRIES = 4
MAX_WATCHED = 512  # an NSP's reports waiting for a claim (the oldest leave first)


@dataclass(frozen=True)
class Waiting:
    """One report of ours that a CP has and nobody has claimed yet."""

    report: MessageId
    cp: KeyId  # the first CP that receipted it: it has the report
    due: float  # when it is handed to that CP if nobody claims it by then
    delivered: float  # when that CP's receipt came


class Unclaimed:
    """An NSP's reports that a CP receipted, until a claim comes or the hand-over is due.

    Times in, (report, CP) pairs out; a report is handed at most once. A heap keeps the next
    due time cheap to find, with lazy deletion: a claimed report leaves the dict and its heap
    entry is skipped when it comes up."""

    def __init__(self, after_s: float = HAND_AFTER_S) -> None:
        self.after_s = after_s
        self._waiting: dict[MessageId, Waiting] = {}
        self._settled: dict[MessageId, None] = {}  # claimed or handed: never watched again
        self._heap: list[tuple[float, int, MessageId]] = []
        self._order = 0

    def __contains__(self, report: MessageId) -> bool:
        return report in self._waiting

    def delivered(self, report: MessageId, cp: KeyId, at: float) -> None:
        """A CP receipted `report` at `at`: the hand-over falls due `after_s` later, unless a
        claim comes first. A second CP's receipt changes nothing: the first one has it."""
        if report in self._waiting or report in self._settled:
            return
        self._waiting[report] = Waiting(report, cp, at + self.after_s, at)
        self._order += 1
        heapq.heappush(self._heap, (at + self.after_s, self._order, report))
        if len(self._waiting) > MAX_WATCHED:
            self._settle(next(iter(self._waiting)))

    def claimed(self, report: MessageId) -> None:
        """A CP claimed `report`: nothing more to do for it."""
        self._settle(report)

    def retry(self, waiting: Waiting, at: float) -> None:
        """A hand-over held back (a CP silent, `may_hand`; or no sequence number left): due
        again at `at`."""
        self._settled.pop(waiting.report, None)
        self._waiting[waiting.report] = dataclasses.replace(waiting, due=at)
        self._order += 1
        heapq.heappush(self._heap, (at, self._order, waiting.report))

    def _settle(self, report: MessageId) -> None:
        self._waiting.pop(report, None)
        self._settled[report] = None
        if len(self._settled) > 4 * MAX_WATCHED:
            del self._settled[next(iter(self._settled))]

    def next_time(self) -> float | None:
        heap = self._heap
        while heap:
            due, _order, report = heap[0]
            held = self._waiting.get(report)
            if held is not None and held.due == due:
                return due
            heapq.heappop(heap)
        return None

    def due(self, now: float) -> list[Waiting]:
        """The reports whose hand-over is due at `now`, oldest first; each leaves the tracker
        (a report is handed once)."""
        out: list[Waiting] = []
        heap = self._heap
        while heap and heap[0][0] <= now:
            due, _order, report = heapq.heappop(heap)
            held = self._waiting.get(report)
            if held is not None and held.due == due:
                out.append(held)
                self._settle(report)
        return out


def may_hand(waiting: Waiting, wrote_us: Mapping[KeyId, float], now: float) -> bool:
    """Whether the NSP hands `waiting` over now, by when each CP last wrote to us (`wrote_us`:
    its receipts and claims for us, `writes_to`; a CP without one is absent).

    A CP that has our report writes to us: its receipt at once, its claim within minutes. So a
    CP that wrote to us in the hour before the report (its path to us is in use) but not since
    it would have claimed (CLAIM_SLACK_S after the first receipt) may have the report and a
    claim that does not get through just now: the hand-over waits until a frame of its comes.
    Hearing that CP otherwise is not enough (exercise seed 8: its NSP heard CP Winschoten's
    frames for others while Winschoten's claims to it were lost for half an hour, and handing
    over then made a second CP take up 20 reports Winschoten had). A CP that has not written to
    us for an hour does not get our frames (it would receipt them): it is not waited for.
    Nor is any CP once the hand-over is HOLD_MAX_S overdue."""
    if now >= waiting.delivered + HAND_AFTER_S + HOLD_MAX_S:
        return True
    since, lately = waiting.delivered + CLAIM_SLACK_S, waiting.delivered - QUIET_S
    return all(at >= since or at < lately for cp, at in wrote_us.items() if cp != waiting.cp)


def writes_to(msg: SignedMessage, me: KeyId) -> bool:
    """Whether a frame is one its signer wrote to us, for `may_hand`: addressed to us, or a
    receipt with an entry for a message of ours. A CP's delivery receipts to several NSPs at
    once go to everyone (receipts.py): counting only frames addressed to us, a CP that had
    written to us before a report and then receipted us only in such shared frames held a
    hand-over back for the rest of a 72-hour run (100-NSP region, docs/congestion.md part 16)."""
    env = msg.envelope
    if env.destination.site == me:
        return True
    body = env.body
    return isinstance(body, Receipt) and any(e.sender == me for e in body.entries)


def hand_over(report: MessageId) -> Receipt:
    """The body of the NSP's hand-over of its own `report` (the entry's state says no more
    than that the CP has it)."""
    return Receipt.build(ReceiptKind.HAND, [(report, State.ONTV)])


def is_hand(env: Envelope) -> bool:
    """Whether a message is a hand-over: urgent for HAND_TRIES tries, then retried from the
    routine share until its CP receipts it."""
    return isinstance(env.body, Receipt) and env.body.kind is ReceiptKind.HAND


def handed_in(msg: SignedMessage, me: KeyId, signer_is_nsp: bool) -> list[MessageId]:
    """The reports a signed hand-over gives to CP `me`: only its signer's own reports, only to
    the one CP it is addressed to, only from an NSP. Anything else hands nothing."""
    env = msg.envelope
    body = env.body
    if (
        not signer_is_nsp
        or not isinstance(body, Receipt)
        or body.kind is not ReceiptKind.HAND
        or env.destination.kind is not DestKind.SITE
        or env.destination.site != me
    ):
        return []
    out: list[MessageId] = []
    for entry in body.entries:
        if entry.sender != env.sender:
            continue  # an NSP hands its own reports, nobody else's
        last = min(entry.last, entry.first + 7)  # one report a hand-over; read, never trusted
        out.extend(MessageId(entry.sender, seq) for seq in range(entry.first, last + 1))
    return out

"""One owner per report among the CPs of a region (issue 23), as a pure rule.

A CP *claims* a report by the triage receipt it sends anyway when its operator takes the report
(gezien, in behandeling, doorgezet naar meldkamer, toegewezen): the receipt is signed, carries
the CP's key id, its own sequence number and the CP's wall time in whole minutes. Other CPs
overhear it (or get it over the bridge) and record the claim; no extra frame goes on air. It is
sized for the report's NSP, where claims meet (the engine's `_reach`), not for every CP.

The rule (docs/design.md §3, "One owner per report"): among all claims known for a report, the
owner is the one with the **earliest signed minute**, ties broken by the **lowest key id**, then
the lowest receipt sequence number. It depends only on the set of claims, not on the order they
arrived in, so every CP (and the NSP) that holds the same claims names the same owner.

Clock skew: the signed minute is the claiming CP's clock. A CP whose clock runs behind wins a
*race* it would have lost by wall time; that is the price of a rule every site can compute
without a shared clock. It cannot steal a report knowingly: a CP does not claim a report that it
already knows to be owned (the CLI refuses), so the rule only ever decides between claims made
before either CP heard of the other. Both operators are told when that happens (a conflict).

Whose turn (`turn_order`): claims alone did not keep two CPs from working the same report. In
a busy region their claims seldom cross in time (measured: two CPs two hops apart heard almost
none of each other's claims, and both passed reports to the meldkamer). So every report also
has a fixed order of the region's CPs, the same at every site and known without a frame on
air: the CP nearest to the report's NSP first, by the positions on the signed roster (the
report reaches it first and most surely), then by rendezvous hashing of the report id with each
CP's key id, which spreads the reports evenly and moves only a CP's own share when a CP joins
or leaves the roster.

- The first CP in that order takes the report up.
- Another CP that has it never takes it over by itself from a CP it still hears: that CP most
  likely has the report, and its claim is on its way over a slow channel. (Passing the report
  on to the first CP was tried: in the 72-hour exercise it cost a third more airtime and got
  no more reports claimed.)
- A CP before it that has gone quiet (heard before, not for `QUIET_S`: probably down) keeps its
  turn for `QUIET_TURN_S`; then the next CP takes the report up. Not when that CP was still
  heard `HELD_S` after the report reached us: it was up with the report in its queue, and its
  claim (sized for the NSP) only missed us. Taking the report then passed reports closed a day
  before to the meldkamer again, at a partition in the 72-hour exercise.
- A CP never heard keeps its turn, as does a CP still heard: an operator who knows that CP
  cannot act takes the report over on purpose (`handle --take-over`).
- A CP the report's NSP handed the report to has its turn at once (handover.py): the NSP knows
  that this CP has it and that nobody claimed it in half an hour.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from nsplink.protocol.codes import ReceiptKind, State
from nsplink.protocol.envelope import SignedMessage
from nsplink.protocol.identity import KeyId, MessageId
from nsplink.protocol.messages import Receipt

# The handling states by which a CP takes a report (docs/setting.md §4.2). Later states of the
# owner (AFG, ...) are no claims: they do not move ownership.
CLAIM_STATES = frozenset({State.GEZ, State.BEH, State.MKAMER, State.TOEG})

_STATE_ORDER = {s: i for i, s in enumerate(State)}
MAX_CLAIM_RANGE = 64  # a receipt range is read, never trusted blindly (as the engine does)
# A CP heard before but not for an hour (two beacon intervals; a working CP is heard far more
# often) is taken as down: after QUIET_TURN_S the next CP takes its reports up.
QUIET_S = 3600
QUIET_TURN_S = 300
# A CP still heard this long after a report reached us had it in its queue (an operator takes a
# report up within minutes): when it goes quiet later, its claim had only not reached us, and
# taking the report then would pass a long-closed report to the meldkamer a second time.
HELD_S = QUIET_S
_TURN_CONTEXT = b"nsplink turn v1\x00"  # keeps these hashes apart from every other use


@dataclass(frozen=True)
class Claim:
    """One CP's claim on one report: its signed triage receipt, in the fields the rule needs."""

    about: MessageId  # the report
    cp: KeyId  # the claiming CP
    minute: int  # the claim receipt's signed time, minutes since the nsplink epoch
    seq: int  # the claim receipt's own sequence number
    state: State

    def key(self) -> tuple[int, bytes, int, int]:
        """The rule's order: earliest signed minute, then lowest key id, then lowest seq (and,
        for a total order even on nonsense input, the state's place in the triage order)."""
        return (self.minute, self.cp.raw, self.seq, _STATE_ORDER[self.state])


def claims_in(msg: SignedMessage, signer_is_cp: bool) -> list[Claim]:
    """The claims a signed message makes: a CP's triage receipt in a claim state. Anything else,
    or a receipt signed by a site that is not a CP, claims nothing."""
    body = msg.envelope.body
    if not signer_is_cp or not isinstance(body, Receipt) or body.kind is not ReceiptKind.TRIAGE:
        return []
    env = msg.envelope
    out: list[Claim] = []
    for entry in body.entries:
        if entry.state not in CLAIM_STATES:
            continue
        last = min(entry.last, entry.first + MAX_CLAIM_RANGE - 1)
        for seq in range(entry.first, last + 1):
            mid = MessageId(entry.sender, seq)
            out.append(Claim(mid, env.sender, env.created, env.seq, entry.state))
    return out


def owner(claims: Iterable[Claim]) -> Claim | None:
    """The claim that owns its report, by the rule above; None without claims. All claims must
    be about the same report (a caller's mistake otherwise: ValueError)."""
    best: Claim | None = None
    for c in claims:
        if best is not None and c.about != best.about:
            raise ValueError("claims about different reports")
        if best is None or c.key() < best.key():
            best = c
    return best


def first_claims(claims: Iterable[Claim]) -> dict[KeyId, Claim]:
    """Per CP its own earliest claim (a CP's GEZ, then BEH, then MKAMER are one claim)."""
    out: dict[KeyId, Claim] = {}
    for c in claims:
        old = out.get(c.cp)
        if old is None or c.key() < old.key():
            out[c.cp] = c
    return out


@dataclass(frozen=True)
class Ownership:
    """What one site knows about who handles one report."""

    owner: Claim | None
    contenders: tuple[KeyId, ...]  # other CPs that claimed it too, lowest key id first

    @property
    def conflict(self) -> bool:
        return bool(self.contenders)


def ownership(claims: Iterable[Claim]) -> Ownership:
    firsts = first_claims(claims)
    best = owner(firsts.values())
    rest = (cp for cp in firsts if best is None or cp != best.cp)
    others = tuple(sorted(rest, key=lambda k: k.raw))
    return Ownership(best, others)


def may_claim(known: Iterable[Claim], me: KeyId) -> bool:
    """Whether a CP may take a report: nobody owns it yet, or it owns it itself."""
    best = owner(first_claims(known).values())
    return best is None or best.cp == me


def turn_order(
    report: MessageId, cps: Iterable[KeyId], near: Mapping[KeyId, float] | None = None
) -> list[KeyId]:
    """The region's CPs in the order they take up `report`: the same list at every site that
    has the same roster, whatever order `cps` comes in. With `near` (each CP's distance from
    the report's NSP, from the positions on the signed roster) the nearest CP comes first: the
    report reaches it first and most surely. CPs without a distance follow; ties go by
    rendezvous hashing (see above)."""
    who = report.sender.raw + report.seq.to_bytes(8, "big")
    dist = near or {}

    def rank(cp: KeyId) -> tuple[float, bytes, bytes]:
        score = hashlib.blake2b(_TURN_CONTEXT + who + cp.raw, digest_size=8).digest()
        return (dist.get(cp, math.inf), score, cp.raw)

    return sorted(set(cps), key=rank)


def turn_starts(
    report: MessageId,
    cps: Iterable[KeyId],
    me: KeyId,
    heard_ago: Mapping[KeyId, float],
    near: Mapping[KeyId, float] | None = None,
    arrived_ago: float | None = None,
    handed: bool = False,
) -> float:
    """Seconds after the report reached CP `me` from which `me` takes it up when nobody has
    claimed it: 0 for the first CP in the order (and for a CP the roster does not list as one);
    `QUIET_TURN_S` for each CP before it that has gone quiet by `heard_ago` (how long ago `me`
    last heard each CP); never (infinity) while a CP before it is still heard, or was never
    heard, or went quiet only after it had been heard for `HELD_S` since the report reached
    `me` (`arrived_ago` seconds ago; None: not known): then taking the report is the operator's
    call. `handed`: the report's NSP handed it to `me` (handover.py), whose turn it is now."""
    order = turn_order(report, cps, near)
    if handed or me not in order:
        return 0.0
    total = 0.0
    for cp in order[: order.index(me)]:
        ago = heard_ago.get(cp)
        if ago is None or ago < QUIET_S:
            return math.inf
        if arrived_ago is not None and arrived_ago - ago >= HELD_S:
            return math.inf  # it was up with the report for an hour: its claim missed us
        total += QUIET_TURN_S
    return total


def may_take_up(
    report: MessageId,
    cps: Iterable[KeyId],
    me: KeyId,
    known: Iterable[Claim],
    since_arrival: float,
    heard_ago: Mapping[KeyId, float],
    near: Mapping[KeyId, float] | None = None,
    handed: bool = False,
) -> bool:
    """Whether CP `me` takes up `report` now, `since_arrival` seconds after it reached `me`: it
    owns it already, or nobody does and its turn has come (`handed`: see `turn_starts`)."""
    best = owner(first_claims(known).values())
    if best is not None:
        return best.cp == me
    start = turn_starts(report, cps, me, heard_ago, near, since_arrival, handed)
    return since_arrival >= start

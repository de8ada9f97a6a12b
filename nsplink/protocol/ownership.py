"""One owner per report among the CPs of a region (issue 23), as a pure rule.

A CP *claims* a report by the triage receipt it sends anyway when its operator takes the report
(gezien, in behandeling, doorgezet naar meldkamer, toegewezen): the receipt is signed, carries
the CP's key id, its own sequence number and the CP's wall time in whole minutes. Other CPs
overhear it (or get it over the bridge) and record the claim; no extra frame goes on air.

The rule (docs/design.md §3, "One owner per report"): among all claims known for a report, the
owner is the one with the **earliest signed minute**, ties broken by the **lowest key id**, then
the lowest receipt sequence number. It depends only on the set of claims, not on the order they
arrived in, so every CP (and the NSP) that holds the same claims names the same owner.

Clock skew: the signed minute is the claiming CP's clock. A CP whose clock runs behind wins a
*race* it would have lost by wall time; that is the price of a rule every site can compute
without a shared clock. It cannot steal a report knowingly: a CP does not claim a report that it
already knows to be owned (the CLI refuses), so the rule only ever decides between claims made
before either CP heard of the other. Both operators are told when that happens (a conflict).
"""

from __future__ import annotations

from collections.abc import Iterable
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

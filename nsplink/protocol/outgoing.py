"""One outgoing message as the engine tracks it, and how it ranks against the others.

`Outgoing` is our own message or one we carry in custody: its frames, its recipients, who has
receipted, the attempt count and the timers. Where it stands is one field, `phase`: the
`DeliveryState` of ours (moved only through delivery.transition) or the `CustodyPhase` of one we
carry. `tracked()` says which messages are retried at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from nsplink.protocol.codes import MessageType, Priority, ReceiptKind
from nsplink.protocol.delivery import CustodyPhase, DeliveryState, Phase
from nsplink.protocol.envelope import Destination, DestKind, Envelope, SignedMessage
from nsplink.protocol.identity import KeyId, MessageId, PeerKey
from nsplink.protocol.messages import Receipt

# Scheduling order (issue 7): emergency first, then bulletins and receipts, sitreps, supply
# requests, status. Priority (P1..P4) orders within a class.
TYPE_RANK: dict[MessageType, int] = {
    MessageType.EMERGENCY: 0,
    MessageType.BULLETIN: 1,
    MessageType.RECEIPT: 1,
    MessageType.ROSTER_UPDATE: 1,
    MessageType.SITREP: 2,
    MessageType.SUPPLY: 3,
    MessageType.STATUS: 4,
    MessageType.NOTE: 1,  # a step of a report's conversation; about an emergency: see type_rank
}
PRIO_RANK: dict[Priority, int] = {Priority.P1: 0, Priority.P2: 1, Priority.P3: 2, Priority.P4: 3}
# meshtastic MeshPacket.Priority, so the device's own queue agrees with ours
RADIO_PRIORITY: dict[Priority, int] = {
    Priority.P1: 110,
    Priority.P2: 100,
    Priority.P3: 70,
    Priority.P4: 10,
}
UNTRACKED = (MessageType.RECEIPT, MessageType.STATUS)  # fire and forget, except ...


def type_rank(env: Envelope) -> int:
    """A note about an emergency inherits its P1 and ranks with the emergency reports: the
    answer to "is the fire out?" must not wait behind bulletins."""
    if env.type is MessageType.NOTE and env.priority is Priority.P1:
        return TYPE_RANK[MessageType.EMERGENCY]
    return TYPE_RANK[env.type]


def tracked(env: Envelope) -> bool:
    """Whether a message is retried until its recipient receipts it. Receipts and beacons are
    fire and forget (a lost delivery receipt heals itself: the sender retries and we receipt
    the duplicate), except a CP's triage receipt to one NSP: nothing else would ever tell the
    NSP that its emergency went to the meldkamer if that one frame is lost, and an NSP's
    hand-over of a report nobody took up (handover.py)."""
    if env.destination.kind is DestKind.ALL:
        return False
    if isinstance(env.body, Receipt):
        kinds = (ReceiptKind.TRIAGE, ReceiptKind.HAND)
        return env.body.kind in kinds and env.destination.kind is DestKind.SITE
    return env.type not in UNTRACKED


def recipients(
    dest: Destination, roster: Iterable[PeerKey], me: KeyId
) -> tuple[frozenset[KeyId], frozenset[KeyId]]:
    """Who must receipt a message to `dest`: (any one of these, or every one of these)."""
    if dest.kind is DestKind.SITE:
        assert dest.site is not None
        return frozenset({dest.site}), frozenset()
    if dest.kind is DestKind.CPS:
        return frozenset(p.key_id for p in roster if p.role == "cp"), frozenset()
    if dest.kind is DestKind.NSPS:
        return frozenset(), frozenset(
            p.key_id for p in roster if p.role == "nsp" and p.key_id != me
        )
    return frozenset(), frozenset()


@dataclass
class Outgoing:
    """One outgoing message (ours, or one we hold in custody)."""

    msg: SignedMessage
    frames: list[bytes]
    rank: tuple[int, int, float, int]
    urgent: bool
    tracked: bool  # expects receipts and is retried
    any_of: frozenset[KeyId]  # recipients: one receipt from any of these suffices ...
    all_of: frozenset[KeyId]  # ... or every one of these must receipt
    submitted_at: float
    phase: Phase
    got: set[KeyId] = field(default_factory=set)
    attempt: int = 0
    pending: list[int] = field(default_factory=list)  # parts still to hand over this attempt
    next_retry: float | None = None
    holder: KeyId | None = None  # the first relay that signed custody of it (ours only)
    confirm_at: float = 0.0  # TENTATIVE custody becomes HELD at this time unless released
    slot: int = 0  # its place in the outbox's order (outbox.py)
    max_attempts: int | None = None  # sent at most this often, then dropped (a re-sent claim)
    v3_frame: bytes = b""  # the same message in format 3, signed once when first sent
    tried_at: float = -math.inf  # when its last try was handed to the radio

    @property
    def mid(self) -> MessageId:
        return self.msg.id

    @property
    def custody(self) -> bool:
        """Someone else's message that we carry."""
        return isinstance(self.phase, CustodyPhase)

    @property
    def state(self) -> DeliveryState:
        """The delivery state of one of ours (a carried message has none)."""
        if not isinstance(self.phase, DeliveryState):
            raise TypeError(f"{self.mid} is carried in custody: it has no delivery state of ours")
        return self.phase

    @property
    def relay_holds(self) -> bool:
        """A relay holds it and no recipient has receipted yet: retry slowly. Not the same as
        state CUSTODY: the holder stays known once the message is UNDELIVERED."""
        return self.holder is not None and not self.got

    @property
    def is_receipt(self) -> bool:
        return isinstance(self.msg.envelope.body, Receipt)

    @property
    def complete(self) -> bool:
        """Whether the receipts so far are all it needs."""
        if self.all_of:
            return self.all_of <= self.got
        return bool(self.got & self.any_of) if self.any_of else bool(self.got)

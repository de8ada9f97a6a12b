"""What the site engine asks its driver (the daemon or the simulator) to do, and tells it.

Every input method of `SiteEngine` returns a list of these, in the order they must be carried
out. The rule that makes "nothing lost" hold: the driver makes `Created`, `Deliver` and
`CustodyTaken` durable before it carries out any `Transmit` that follows them in the same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from nsplink.protocol.envelope import Envelope, SignedMessage
from nsplink.protocol.errors import DecodeError
from nsplink.protocol.identity import KeyId, MessageId


class DeliveryState(Enum):
    """One truthful state per outgoing message (docs/design.md §3)."""

    QUEUED = "queued"  # durable, waiting for airtime
    HANDED = "handed"  # the radio accepted (at least one frame of) it
    HEARD = "heard"  # a neighbour repeated it: it is on the air, NOT delivered
    PARTIAL = "partial"  # some, not all, recipients of a group message receipted it
    CUSTODY = "custody"  # a relay confirmed it holds the message for forwarding
    DELIVERED = "delivered"  # a signed receipt from the (every) recipient
    UNDELIVERED = "undelivered"  # the configured time passed without a receipt; still retrying


@dataclass(frozen=True)
class Transmit:
    """Hand one frame to the radio, then call `on_handed(token, packet_id)` or `on_refused`."""

    token: int
    frame: bytes
    mid: MessageId
    part: int  # fragment index, 0 for a whole frame
    attempt: int
    radio_priority: int  # meshtastic MeshPacket.Priority
    want_ack: bool
    airtime_ms: float
    hop_limit: int | None = None  # None: the device's configured hop limit


@dataclass(frozen=True)
class Created:
    """The engine made and signed a message (a receipt or a status beacon): persist it."""

    msg: SignedMessage


@dataclass(frozen=True)
class Outcome:
    """A change in the delivery state of one of our messages."""

    mid: MessageId
    state: DeliveryState
    recipient: KeyId | None = None  # who receipted (DELIVERED/PARTIAL) or holds it (CUSTODY)
    detail: str = ""


@dataclass(frozen=True)
class Sent:
    """A frame of ours went to the radio (for the log: attempt, packet id, airtime)."""

    mid: MessageId
    part: int
    attempt: int
    packet_id: int
    airtime_ms: float
    next_retry_at: float | None


@dataclass(frozen=True)
class Refused:
    """The radio could not take a frame now; it stays queued (back-pressure, not loss)."""

    mid: MessageId
    reason: str
    retry_at: float


@dataclass(frozen=True)
class Triage:
    """A CP's signed handling-state receipt for one of our messages (docs/domain.md §4.2)."""

    mid: MessageId
    state: str  # protocol State code, e.g. GEZ, BEH, MKAMER, AFG
    by: KeyId
    receipt_seq: int = 0  # the receipt's own sequence number: a later one overrides


@dataclass(frozen=True)
class Deliver:
    """A verified message addressed to us; `duplicate` when (sender, seq) was seen before."""

    msg: SignedMessage
    from_node: int
    hops: int | None
    duplicate: bool = False


@dataclass(frozen=True)
class Rejected:
    """Bytes on our port that failed decoding or verification. `unverified` is the envelope read
    without trusting it, when it could be read (to quarantine an unverified emergency report)."""

    error: DecodeError
    frame: bytes
    from_node: int
    unverified: Envelope | None = None


@dataclass(frozen=True)
class CustodyTaken:
    """We hold someone else's message for a destination we cannot reach now."""

    msg: SignedMessage


@dataclass(frozen=True)
class CustodyForwarded:
    mid: MessageId
    attempt: int


@dataclass(frozen=True)
class CustodyReleased:
    """The destination receipted a message we held, or custody ran out."""

    mid: MessageId
    reason: str


@dataclass(frozen=True)
class PeerSeen:
    """A verified frame from `site` arrived: the driver may log link health."""

    site: KeyId
    node: int
    hops: int | None
    at: float


@dataclass(frozen=True)
class NeedSeqs:
    """The engine has too few reserved sequence numbers for its own receipts and beacons; the
    driver reserves some in the store and calls `provide_seqs`."""

    count: int


Effect = (
    Transmit
    | Created
    | Outcome
    | Sent
    | Refused
    | Triage
    | Deliver
    | Rejected
    | CustodyTaken
    | CustodyForwarded
    | CustodyReleased
    | PeerSeen
    | NeedSeqs
)

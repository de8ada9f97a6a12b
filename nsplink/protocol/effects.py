"""What the site engine asks its driver (the daemon or the simulator) to do, and tells it.

Every input method of `SiteEngine` returns a list of these, in the order they must be carried
out. The rule that makes "nothing lost" hold: the driver makes `Created`, `Deliver` and
`CustodyTaken` durable before it carries out any `Transmit` that follows them in the same list.

The reasons both sides name are enums here; their values are the strings the log has always
held, so old logs read the same. Delivery states are in delivery.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nsplink.protocol.delivery import DeliveryState
from nsplink.protocol.envelope import Envelope, SignedMessage
from nsplink.protocol.errors import DecodeError
from nsplink.protocol.identity import KeyId, MessageId
from nsplink.protocol.ownership import Claim


class RefusalReason(StrEnum):
    """Why the radio did not take a frame (`on_refused`, `Refused`): back-pressure, not loss."""

    DUTY_CYCLE = "duty_cycle"
    QUEUE_FULL = "queue_full"
    UNAVAILABLE = "unavailable"  # no link to the device, or it is off


class FailureReason(StrEnum):
    """Why the device gave up on a packet it had accepted (`on_failed`): meshtastic's
    Routing.Error names, of which the engine acts on two."""

    DUTY_CYCLE_LIMIT = "DUTY_CYCLE_LIMIT"  # refused after accepting: resend later
    MAX_RETRANSMIT = "MAX_RETRANSMIT"  # nobody repeated it
    OTHER = "OTHER"  # any other error: our own retry timer stays in charge

    @classmethod
    def of(cls, name: str) -> FailureReason:
        """The reason for a Routing.Error name as a radio reports it; OTHER if not one of ours."""
        try:
            return cls(name)
        except ValueError:
            return cls.OTHER


class ReleaseReason(StrEnum):
    """Why we stopped carrying a message held in custody (`CustodyReleased`)."""

    DELIVERED = "delivered"  # its destination receipted it


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
    riders: tuple[MessageId, ...] = ()  # more of our messages in the same bundle (codec.py)


@dataclass(frozen=True)
class Created:
    """The engine made and signed a message (a receipt or a status beacon): persist it."""

    msg: SignedMessage


@dataclass(frozen=True)
class Outcome:
    """News about one of our messages: it moved to `state`, or a receipt named someone new while
    its state stayed (see "What the engine reports" in delivery.py)."""

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


class RetryEnd(StrEnum):
    SUPERSEDED = "superseded"
    EXPIRED = "expired"


@dataclass(frozen=True)
class RetriesEnded:
    """One of our messages will not be tried again although nobody confirmed it all: a bulletin
    superseded by a newer one, or past its `valid_until`. Its receipts still count; only the next
    try the log showed is gone."""

    mid: MessageId
    reason: RetryEnd


@dataclass(frozen=True)
class Refused:
    """The radio could not take a frame now; it stays queued (back-pressure, not loss)."""

    mid: MessageId
    reason: RefusalReason
    retry_at: float


@dataclass(frozen=True)
class Triage:
    """A CP's signed handling-state receipt for one of our messages (docs/setting.md §4)."""

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
    """The destination receipted a message we held."""

    mid: MessageId
    reason: ReleaseReason


@dataclass(frozen=True)
class PeerSeen:
    """A verified frame from `site` arrived: the driver may log link health."""

    site: KeyId
    node: int
    hops: int | None
    at: float


# The radio node number of a frame that did not come from the radio: no Meshtastic node has
# number 0, so the driver passes it for frames from its other links (the CP bridge, issue 23).
OFF_AIR_NODE = 0


@dataclass(frozen=True)
class ClaimHeard:
    """Another CP's signed claim on a report (its triage receipt, overheard or addressed to us;
    ownership.py): the driver logs it, so that every site names the same owner (issue 23)."""

    msg: SignedMessage
    claims: tuple[Claim, ...]
    from_node: int = -1  # the radio node it came from (the driver's BRIDGE_NODE: the bridge)


@dataclass(frozen=True)
class Handed:
    """The report's NSP handed `report` to us, a CP: nobody took it up (handover.py). The
    driver logs it; our turn on that report has come."""

    report: MessageId
    by: KeyId  # the NSP
    receipt: MessageId  # the signed hand-over


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
    | RetriesEnded
    | Refused
    | Triage
    | Deliver
    | Rejected
    | CustodyTaken
    | CustodyForwarded
    | CustodyReleased
    | PeerSeen
    | ClaimHeard
    | Handed
    | NeedSeqs
)

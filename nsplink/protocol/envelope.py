"""The envelope around a message body: who, which number, to whom, how urgent, when.

Everything here is part of the signed bytes. Time is informative (laptop clocks drift during an
outage): whole minutes since `EPOCH_UNIX`, passed in by the caller, never read from a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

from nsplink.protocol.codes import (
    Answer,
    Incident,
    MessageType,
    Priority,
    Urgency,
    Urgent,
)
from nsplink.protocol.identity import KeyId, MessageId, PeerKey
from nsplink.protocol.messages import (
    MINUTES_MAX,
    U32,
    Bulletin,
    Emergency,
    Message,
    Receipt,
    Sitrep,
    Status,
    Supply,
)

EPOCH_UNIX = 1_735_689_600  # 2025-01-01T00:00:00Z; 24 bits of minutes last until 2056


def minutes_since_epoch(unix_s: float) -> int:
    """Unix time (seconds) -> the header's minute count, clamped to what 3 bytes hold."""
    return max(0, min(MINUTES_MAX, int((unix_s - EPOCH_UNIX) // 60)))


def unix_from_minutes(minutes: int) -> int:
    return EPOCH_UNIX + 60 * minutes


class DestKind(IntEnum):
    SITE = 0  # one site, named by its key id
    CPS = 1  # every CP of the region
    NSPS = 2  # every NSP of the region
    ALL = 3  # every site (status beacons)


@dataclass(frozen=True)
class Destination:
    kind: DestKind
    site: KeyId | None = None

    def __post_init__(self) -> None:
        if (self.kind is DestKind.SITE) != (self.site is not None):
            raise ValueError("a SITE destination needs a key id, group destinations none")

    @classmethod
    def to_site(cls, site: KeyId) -> Destination:
        return cls(DestKind.SITE, site)

    def __str__(self) -> str:
        return str(self.site) if self.site is not None else self.kind.name.lower()


ALL_CPS = Destination(DestKind.CPS)
ALL_NSPS = Destination(DestKind.NSPS)
EVERYONE = Destination(DestKind.ALL)


@dataclass(frozen=True)
class Envelope:
    """One message as the sender means it, before signing."""

    sender: KeyId
    seq: int
    created: int  # minutes since EPOCH_UNIX
    body: Message
    priority: Priority = Priority.P3
    destination: Destination = ALL_CPS

    @property
    def type(self) -> MessageType:
        return self.body.TYPE

    @cached_property  # one id object per message: asked for at every step of its handling
    def id(self) -> MessageId:
        return MessageId(self.sender, self.seq)

    def validate(self) -> None:
        from nsplink.protocol.errors import ValidationError

        if not isinstance(self.seq, int) or isinstance(self.seq, bool) or not 0 <= self.seq <= U32:
            raise ValidationError("envelope.seq", "hint.range", lo=0, hi=U32)
        if not isinstance(self.created, int) or not 0 <= self.created <= MINUTES_MAX:
            raise ValidationError("envelope.created", "hint.range", lo=0, hi=MINUTES_MAX)
        if not isinstance(self.priority, Priority):
            raise ValidationError(
                "envelope.priority", "hint.choice", choices=", ".join(p.value for p in Priority)
            )
        self.body.validate()


@dataclass(frozen=True)
class SignedMessage:
    """A decoded message whose signature checked out against `signer` from the roster."""

    envelope: Envelope
    frame: bytes  # the exact signed bytes (what the store keeps)
    signer: PeerKey

    @property
    def id(self) -> MessageId:
        return self.envelope.id


def suggested_priority(body: Message) -> Priority:
    """Default priority per docs/setting.md §4.1; the volunteer or the CP may change it."""
    if isinstance(body, Emergency):
        danger = body.life_threat is Answer.JA or body.incident in (
            Incident.REA,
            Incident.CO,
            Incident.BRA,
        )
        return Priority.P1 if danger else Priority.P2
    if isinstance(body, Supply):
        return {Urgency.DIRECT: Priority.P2, Urgency.INFO: Priority.P4}.get(
            body.urgency, Priority.P3
        )
    if isinstance(body, Sitrep):
        return Priority.P2 if body.power_hours < 2 else Priority.P3
    if isinstance(body, Bulletin):
        return Priority.P2 if body.urgent is Urgent.SPOED else Priority.P3
    if isinstance(body, Receipt):
        return Priority.P2  # a lost receipt makes the sender resend: cheap to hurry
    if isinstance(body, Status):
        return Priority.P4
    return Priority.P3

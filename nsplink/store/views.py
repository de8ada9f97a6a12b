"""Read-only shapes handed out by the store: one logged event, and one row of each projection.

Each projection dataclass lists its table's columns in order, so the SELECT is derived from the
dataclass and cannot drift from it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Record:
    """An event as stored. `personal` is filled only when asked for and its key still exists;
    `erased` says the event carried personal data whose key was destroyed."""

    id: int
    kind: str
    at: float
    site: str
    ref: str
    data: dict[str, Any]
    frame: bytes | None
    hash: bytes
    has_personal: bool = False
    personal: dict[str, Any] | None = None
    erased: bool = False


@dataclass(frozen=True, slots=True)
class OutboxItem:
    ref: str
    destination: str
    type: str
    priority: str
    state: str
    attempts: int
    airtime_ms: float
    next_retry_at: float | None
    last_error: str | None
    remote_state: str | None
    remote_state_at: float | None
    created_at: float
    updated_at: float
    last_event: int


@dataclass(frozen=True, slots=True)
class InboxItem:
    local_id: int
    ref: str
    sender: str
    seq: int
    sender_site: str
    type: str
    priority: str
    received_at: float
    trust: str
    triage: str
    note: str | None
    operator: str | None
    triage_at: float | None
    duplicates: int
    receipted_at: float | None
    last_event: int


@dataclass(frozen=True, slots=True)
class SeqState:
    sender: str
    last_sent: int | None
    highest_received: int | None
    received: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class CustodyItem:
    ref: str
    state: str
    holder: str | None
    origin: str | None
    destination: str | None
    updated_at: float
    last_event: int


@dataclass(frozen=True, slots=True)
class ClaimItem:
    ref: str
    cp: str
    seq: int
    minute: int
    state: str
    heard_at: float
    last_event: int


def columns(cls: type) -> str:
    return ", ".join(f.name for f in fields(cls))

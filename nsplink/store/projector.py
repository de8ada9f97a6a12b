"""The one projector: event -> SQL statements that update the projection tables.

It is pure (no connection, no clock): the live append path and `rebuild` execute exactly the
statements it returns, in the same transaction as the event, so the two cannot diverge. Every
statement tolerates events about messages the projections do not know (a relay's traffic, a
receipt for a message from before a rebuild), because the log, not the projector, is the truth.

Outbox states are the protocol's DeliveryState values in the rank order of its state table
(protocol/delivery.py), after `created` (before the first queued event), and only move forward,
so a late "heard" never hides "delivered". `remote_state` is the CP's handling state from its
signed triage receipts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from nsplink.protocol import DeliveryState
from nsplink.store import events as ev

Statement = tuple[str, tuple[Any, ...]]
Handler = Callable[[int, float, str, Mapping[str, Any]], list[Statement]]

OUTBOX_STATES: Final = ("created", *(s.value for s in DeliveryState))  # the enum is in rank order
TRUST_STATES: Final = ("unverified", "verified", "quarantined", "rejected")
PROJECTION_TABLES: Final = (
    "outbox_recipients",
    "outbox",
    "inbox",
    "seq_state",
    "custody",
    "claims",
)

_RANK = (
    "CASE state " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(OUTBOX_STATES)) + " END"
)
_ADVANCE = (
    f"UPDATE outbox SET state = CASE WHEN {_RANK} < ? THEN ? ELSE state END, "
    "updated_at = ?, last_event = ? WHERE ref = ?"
)
_ADVANCE_IF_ALL_RECEIPTED = (
    _ADVANCE + " AND NOT EXISTS (SELECT 1 FROM outbox_recipients r "
    "WHERE r.ref = outbox.ref AND r.state != 'delivered')"
)
_SEQ_UPSERT = (
    "INSERT INTO seq_state (sender, last_sent, highest_received, received, duplicates) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT(sender) DO UPDATE SET "
    "last_sent = MAX(COALESCE(last_sent, excluded.last_sent), "
    "COALESCE(excluded.last_sent, last_sent)), "
    "highest_received = MAX(COALESCE(highest_received, excluded.highest_received), "
    "COALESCE(excluded.highest_received, highest_received)), "
    "received = received + excluded.received, duplicates = duplicates + excluded.duplicates"
)
_TRUST = (
    "UPDATE inbox SET trust = ?, triage = CASE WHEN ? = '' THEN triage ELSE ? END, "
    "last_event = ? WHERE ref = ?"
)


def _advance(state: str, at: float, eid: int, ref: str) -> Statement:
    return _ADVANCE, (OUTBOX_STATES.index(state), state, at, eid, ref)


def project(eid: int, kind: str, at: float, ref: str, data: Mapping[str, Any]) -> list[Statement]:
    """Statements that apply event `eid` to the projections (empty for kinds with no view)."""
    handler = _HANDLERS.get(kind)
    if handler is None:
        return []
    try:
        return handler(eid, at, ref, data)
    except (KeyError, TypeError):  # a row from before validation existed: keep it, skip its view
        return []


def _created(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    out: list[Statement] = [
        (
            "INSERT INTO outbox (ref, destination, type, priority, state, created_at, updated_at, "
            "last_event) VALUES (?, ?, ?, ?, 'created', ?, ?, ?) ON CONFLICT(ref) DO NOTHING",
            (ref, d["destination"], d["type"], d["priority"], at, at, eid),
        ),
        (_SEQ_UPSERT, (d["sender"], d["seq"], None, 0, 0)),
    ]
    for recipient in d.get("recipients") or ():
        out.append(
            (
                "INSERT INTO outbox_recipients (ref, recipient, state, updated_at) "
                "VALUES (?, ?, 'pending', ?) ON CONFLICT DO NOTHING",
                (ref, str(recipient), at),
            )
        )
    return out


def _queued(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [_advance("queued", at, eid, ref)]


def _sent(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [
        (
            "UPDATE outbox SET attempts = MAX(attempts, ?), airtime_ms = airtime_ms + ?, "
            "next_retry_at = ?, last_error = NULL WHERE ref = ?",
            (d["attempt"], d["airtime_ms"], d.get("next_retry_at"), ref),
        ),
        _advance("handed", at, eid, ref),
    ]


def _refused(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [
        (
            "UPDATE outbox SET last_error = ?, next_retry_at = ?, updated_at = ?, last_event = ? "
            "WHERE ref = ?",
            (d["reason"], d.get("retry_at"), at, eid, ref),
        )
    ]


def _retries_ended(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [
        (
            "UPDATE outbox SET next_retry_at = NULL, updated_at = ?, last_event = ? WHERE ref = ?",
            (at, eid, ref),
        )
    ]


def _heard(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [_advance("heard", at, eid, ref)]


def _delivered(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    recipient = d.get("recipient")
    if not recipient:
        return [_advance("partial" if d.get("partial") else "delivered", at, eid, ref)]
    out: list[Statement] = [
        (
            "INSERT INTO outbox_recipients (ref, recipient, state, updated_at) "
            "SELECT ?, ?, 'delivered', ? WHERE EXISTS (SELECT 1 FROM outbox WHERE ref = ?) "
            "ON CONFLICT(ref, recipient) DO UPDATE SET state = 'delivered', "
            "updated_at = excluded.updated_at",
            (ref, recipient, at, ref),
        ),
        _advance("partial", at, eid, ref),
    ]
    if not d.get("partial"):  # delivered once no listed recipient is still pending
        delivered = (OUTBOX_STATES.index("delivered"), "delivered", at, eid, ref)
        out.append((_ADVANCE_IF_ALL_RECEIPTED, delivered))
    return out


def _custody(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    action = d["action"]
    out: list[Statement] = [
        (
            "INSERT INTO custody (ref, state, holder, origin, destination, updated_at, last_event) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(ref) DO UPDATE SET state = excluded.state, "
            "holder = COALESCE(excluded.holder, holder), "
            "origin = COALESCE(excluded.origin, origin), "
            "destination = COALESCE(excluded.destination, destination), "
            "updated_at = excluded.updated_at, last_event = excluded.last_event",
            (ref, action, d.get("holder"), d.get("origin"), d.get("destination"), at, eid),
        )
    ]
    if action == "confirmed":
        out.append(_advance("custody", at, eid, ref))
    return out


def _undelivered(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [_advance("undelivered", at, eid, ref)]


def _received(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [
        (
            "INSERT INTO inbox (ref, sender, seq, sender_site, type, priority, received_at, trust, "
            "triage, last_event) VALUES (?, ?, ?, ?, ?, ?, ?, 'unverified', 'ONTV', ?) "
            "ON CONFLICT(ref) DO UPDATE SET duplicates = duplicates + 1",
            (ref, d["sender"], d["seq"], d["sender_site"], d["type"], d["priority"], at, eid),
        ),
        (_SEQ_UPSERT, (d["sender"], None, d["seq"], 1, 0)),
    ]


def _trust(trust: str, triage: str = "") -> Handler:
    def handler(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
        return [(_TRUST, (trust, triage, triage, eid, ref))]

    return handler


def _duplicate(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [
        ("UPDATE inbox SET duplicates = duplicates + 1 WHERE ref = ?", (ref,)),
        (_SEQ_UPSERT, (d["sender"], None, None, 0, 1)),
    ]


def _receipt_sent(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [("UPDATE inbox SET receipted_at = ? WHERE ref = ? AND receipted_at IS NULL", (at, ref))]


def _receipt_received(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    if not d.get("state"):
        return []  # delivery itself is recorded by message.delivered
    return [
        (
            "UPDATE outbox SET remote_state = ?, remote_state_at = ?, last_event = ? WHERE ref = ?",
            (d["state"], at, eid, ref),
        )
    ]


def _seq_reserved(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [(_SEQ_UPSERT, (d["sender"], d["last"], None, 0, 0))]


def _triage(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    return [
        (
            "UPDATE inbox SET triage = ?, note = ?, operator = ?, triage_at = ?, last_event = ? "
            "WHERE ref = ?",
            (d["state"], d.get("note"), d["operator"], at, eid, ref),
        )
    ]


def _claim(eid: int, at: float, ref: str, d: Mapping[str, Any]) -> list[Statement]:
    """Every claim once (the same receipt heard again changes nothing): the owner is not
    stored but derived from all claims by protocol.ownership, so live and rebuild agree."""
    return [
        (
            "INSERT INTO claims (ref, cp, seq, minute, state, heard_at, last_event) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(ref, cp, seq) DO NOTHING",
            (ref, d["by"], d["seq"], d["minute"], d["state"], at, eid),
        )
    ]


_HANDLERS: Final[dict[str, Handler]] = {
    ev.MESSAGE_CREATED: _created,
    ev.MESSAGE_QUEUED: _queued,
    ev.MESSAGE_SENT: _sent,
    ev.MESSAGE_REFUSED: _refused,
    ev.MESSAGE_RETRIES_ENDED: _retries_ended,
    ev.MESSAGE_HEARD_REPEATED: _heard,
    ev.MESSAGE_DELIVERED: _delivered,
    ev.MESSAGE_CUSTODY: _custody,
    ev.MESSAGE_UNDELIVERED: _undelivered,
    ev.MESSAGE_RECEIVED: _received,
    ev.MESSAGE_VERIFIED: _trust("verified"),
    ev.MESSAGE_REJECTED: _trust("rejected"),
    ev.MESSAGE_QUARANTINED: _trust("quarantined", "QUAR"),
    ev.RECEIPT_RECEIVED: _receipt_received,
    ev.MESSAGE_DUPLICATE: _duplicate,
    ev.RECEIPT_SENT: _receipt_sent,
    ev.TRIAGE_CHANGED: _triage,
    ev.SEQ_RESERVED: _seq_reserved,
    ev.CLAIM_HEARD: _claim,
}


def loads_data(data: object) -> dict[str, Any]:
    """An event's stored data JSON as a dict ({} for anything else: the log is not ours to fix)."""
    try:
        value = json.loads(data) if isinstance(data, str) else None
    except (ValueError, RecursionError):
        value = None
    return value if isinstance(value, dict) else {}


def grouped(statements: Iterable[Statement]) -> Iterator[tuple[str, Sequence[tuple[Any, ...]]]]:
    """Runs of the same SQL, in order, so a batch needs as few `executemany` calls as possible."""
    sql: str | None = None
    params: list[tuple[Any, ...]] = []
    for s, p in statements:
        if s != sql and sql is not None:
            yield sql, params
            params = []
        sql = s
        params.append(p)
    if sql is not None:
        yield sql, params

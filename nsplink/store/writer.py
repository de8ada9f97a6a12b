"""Write transactions: events + hash links + projection updates, as one synchronous unit.

These run on the store's single writer thread with its own sqlite3 connection, so a whole
transaction costs one hop from the event loop instead of one per statement (aiosqlite has no
public way to run several statements as a unit on its thread). Being synchronous also means a
cancelled caller cannot stop one half-way: it commits or rolls back on its own.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from nsplink.store.chain import row_hash
from nsplink.store.errors import StoreError
from nsplink.store.events import RETENTION_ERASED, SEQ_RESERVED, Event, validate
from nsplink.store.personal import new_key, seal
from nsplink.store.projector import Statement, grouped, project
from nsplink.store.schema import rebuild_projections, transaction

Prepared = Sequence[tuple[Event, str]]  # (event, its canonical data JSON from validate())

_INSERT = (
    "INSERT INTO events (id, kind, at, site, ref, data, frame, sealed, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def append(conn: sqlite3.Connection, prepared: Prepared) -> list[int]:
    """Chain and insert events and apply their projections (inside the caller's transaction)."""
    head = conn.execute("SELECT head_id, head_hash FROM chain_head").fetchone()
    if head is None:
        raise StoreError("chain head missing")
    head_id, head_hash = int(head[0]), bytes(head[1])
    rows: list[tuple[Any, ...]] = []
    statements: list[Statement] = []
    for event, data in prepared:
        frame, sealed = event.frame, None
        at = float(event.at)
        if event.personal is not None or event.seal_frame:
            key = _key_for(conn, event.ref, at)
            sealed = seal(key, event.personal, event.frame if event.seal_frame else None)
            if event.seal_frame:
                frame = None
        head_id += 1
        digest = row_hash(
            head_hash, head_id, at, event.kind, event.site, event.ref, data, frame, sealed
        )
        rows.append(
            (head_id, event.kind, at, event.site, event.ref, data, frame, sealed, head_hash, digest)
        )
        head_hash = digest
        # the projector sees the stored JSON, exactly as rebuild will
        statements.extend(project(head_id, event.kind, at, event.ref, json.loads(data)))
    conn.executemany(_INSERT, rows)
    for sql, params in grouped(statements):
        conn.executemany(sql, params)
    conn.execute("UPDATE chain_head SET head_id = ?, head_hash = ?", (head_id, head_hash))
    return [int(r[0]) for r in rows]


def _key_for(conn: sqlite3.Connection, ref: str, at: float) -> bytes:
    conn.execute(
        "INSERT INTO personal_keys (ref, key, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT(ref) DO NOTHING",
        (ref, new_key(), at),
    )
    row = conn.execute("SELECT key FROM personal_keys WHERE ref = ?", (ref,)).fetchone()
    return bytes(row[0])


def erase_personal(conn: sqlite3.Connection, before: float, at: float, site: str) -> int:
    """Delete the per-message keys older than `before` and log it (caller's transaction)."""
    erased = max(
        conn.execute("DELETE FROM personal_keys WHERE created_at < ?", (before,)).rowcount, 0
    )
    event = Event(RETENTION_ERASED, at, site, data={"keys": erased, "before": before})
    append(conn, [(event, validate(event))])
    return erased


def reserve_seqs(
    conn: sqlite3.Connection, sender: str, count: int, at: float, site: str, by: str = ""
) -> list[int]:
    """Hand out `count` unused sequence numbers of `sender` and log it (caller's transaction):
    reading the last one and recording the new last happen under the same write lock."""
    row = conn.execute("SELECT last_sent FROM seq_state WHERE sender = ?", (sender,)).fetchone()
    first = (row[0] or 0) + 1 if row else 1
    last = first + count - 1
    data: dict[str, object] = {"sender": sender, "first": first, "last": last}
    if by:
        data["by"] = by
    event = Event(SEQ_RESERVED, at, site, data=data)
    append(conn, [(event, validate(event))])
    return list(range(first, last + 1))


def rebuild(conn: sqlite3.Connection) -> int:
    """Recompute every projection from the log (caller's transaction)."""
    return rebuild_projections(conn)


__all__ = ["append", "erase_personal", "rebuild", "reserve_seqs", "transaction"]

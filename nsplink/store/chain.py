"""The hash chain over the event log: how a row is hashed, and the walk that checks every row.

hash(row) = sha256(prev_hash || id || at || kind || site || ref || data || frame [|| sealed]).
Integers and floats have fixed widths, texts and blobs carry a 4-byte length (0xFFFFFFFF for
NULL), so no two different rows encode to the same bytes. `sealed` (added in schema 3) is only
appended when present, so rows written before it existed keep their hashes. The id is inside the
hash: moving, inserting or renumbering a row breaks it, and the chain must start at id 1 and
count up without gaps. Verification reads the stored column values, never re-serialises them.
"""

from __future__ import annotations

import hashlib
import sqlite3
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from nsplink.i18n import register
from nsplink.store.audit import ViewProblem

GENESIS = bytes(32)
_HEAD = struct.Struct(">qd")
_LEN = struct.Struct(">I")
_NULL = _LEN.pack(0xFFFFFFFF)

register(
    {
        "chain.ok": (
            "Logboek in orde: {count} gebeurtenissen, keten sluitend tot en met #{head}.",
            "Log is intact: {count} events, chain complete up to #{head}.",
        ),
        "chain.empty": ("Logboek is leeg maar in orde.", "Log is empty but intact."),
        "chain.bad": (
            "Logboek NIET in orde: eerste foute rij #{row}: {reason}.",
            "Log NOT intact: first bad row #{row}: {reason}.",
        ),
        "chain.reason.gap": (
            "rij(en) #{first} t/m #{last} ontbreken (verwijderd)",
            "row(s) #{first} to #{last} are missing (deleted)",
        ),
        "chain.reason.link": (
            "verwijst niet naar de rij ervoor (ingevoegd of verplaatst)",
            "does not link to the row before it (inserted or moved)",
        ),
        "chain.reason.content": (
            "inhoud past niet bij de opgeslagen hash (gewijzigd)",
            "content does not match its stored hash (edited)",
        ),
        "chain.reason.type": (
            "kolom heeft een verkeerd type (gewijzigd)",
            "a column has the wrong type (edited)",
        ),
        "chain.reason.tail": (
            "de laatste rij(en) na #{last} ontbreken (verwacht tot #{head})",
            "the last row(s) after #{last} are missing (expected up to #{head})",
        ),
        "chain.triggers": (
            "Let op: de beveiliging tegen wijzigen of wissen is verwijderd.",
            "Warning: the protection against editing or deleting was removed.",
        ),
    }
)


def _blob(value: bytes | None) -> bytes:
    return _NULL if value is None else _LEN.pack(len(value)) + value


def row_hash(
    prev: bytes,
    row_id: int,
    at: float,
    kind: str,
    site: str,
    ref: str,
    data: str,
    frame: bytes | None,
    sealed: bytes | None,
) -> bytes:
    k, s, r, d = kind.encode(), site.encode(), ref.encode(), data.encode()
    parts = [
        prev,
        _HEAD.pack(row_id, at),
        _LEN.pack(len(k)),
        k,
        _LEN.pack(len(s)),
        s,
        _LEN.pack(len(r)),
        r,
        _LEN.pack(len(d)),
        d,
        _blob(frame),
    ]
    if sealed is not None:
        parts.append(_blob(sealed))
    return hashlib.sha256(b"".join(parts)).digest()


@dataclass(frozen=True)
class Problem:
    """The first row where the chain breaks, and why (an i18n key plus its parameters)."""

    row: int
    reason: str
    params: dict[str, object]


@dataclass(frozen=True)
class VerifyReport:
    count: int
    head: int
    head_hash: bytes
    problem: Problem | None
    triggers_present: bool
    views: ViewProblem | None = None  # a derived table the log does not support (audit.py)

    @property
    def ok(self) -> bool:
        """The chain itself is intact (the views are reported apart: they can be rebuilt)."""
        return self.problem is None


ChainRow = tuple[object, object, object, object, object, object, object, object, object, object]


def walk(
    rows: Iterable[ChainRow], recorded_head: int | None
) -> tuple[int, int, bytes, Problem | None]:
    """Check rows (id, at, kind, site, ref, data, frame, sealed, prev_hash, hash) in id order.

    Returns (count, last id, last hash, first problem). `recorded_head` is the head id the store
    noted when it last appended (None if unknown): a chain that ends early lost its tail."""
    expected_id = 1
    prev = GENESIS
    count = 0
    for row in rows:
        row_id, at, kind, site, ref, data, frame, sealed, prev_hash, stored = row
        if not isinstance(row_id, int):
            return count, expected_id - 1, prev, Problem(expected_id, "chain.reason.type", {})
        if row_id != expected_id:
            if row_id < expected_id:
                return count, expected_id - 1, prev, Problem(row_id, "chain.reason.link", {})
            # name the first missing row: that is where the log was changed
            gap: dict[str, object] = {"first": expected_id, "last": row_id - 1}
            return count, expected_id - 1, prev, Problem(expected_id, "chain.reason.gap", gap)
        if prev_hash != prev:
            return count, expected_id - 1, prev, Problem(row_id, "chain.reason.link", {})
        try:
            digest = row_hash(
                prev,
                row_id,
                at,  # type: ignore[arg-type]
                kind,  # type: ignore[arg-type]
                site,  # type: ignore[arg-type]
                ref,  # type: ignore[arg-type]
                data,  # type: ignore[arg-type]
                frame,  # type: ignore[arg-type]
                sealed,  # type: ignore[arg-type]
            )
        except (AttributeError, TypeError, struct.error):
            return count, expected_id - 1, prev, Problem(row_id, "chain.reason.type", {})
        if digest != stored:
            return count, expected_id - 1, prev, Problem(row_id, "chain.reason.content", {})
        prev = digest
        count += 1
        expected_id += 1
    last = expected_id - 1
    if recorded_head is not None and recorded_head > last:
        tail = Problem(last + 1, "chain.reason.tail", {"last": last, "head": recorded_head})
        return count, last, prev, tail
    return count, last, prev, None


CHAIN_COLUMNS = "id, at, kind, site, ref, data, frame, sealed, prev_hash, hash"


def verify_connection(conn: sqlite3.Connection) -> VerifyReport:
    """Walk the whole log on a plain sqlite3 connection (run it off the event loop)."""
    head_row = conn.execute("SELECT head_id FROM chain_head").fetchone()
    recorded = int(head_row[0]) if head_row and isinstance(head_row[0], int) else None
    triggers = {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='events'"
        )
    }
    cur = conn.execute(f"SELECT {CHAIN_COLUMNS} FROM events ORDER BY id")
    cur.arraysize = 4096
    count, head, head_hash, problem = walk(_batched(cur), recorded)
    return VerifyReport(
        count=count,
        head=head,
        head_hash=head_hash,
        problem=problem,
        triggers_present={"events_no_update", "events_no_delete"} <= triggers,
    )


def _batched(cur: sqlite3.Cursor) -> Iterable[ChainRow]:
    while batch := cur.fetchmany():
        yield from batch

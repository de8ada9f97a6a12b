"""Do the derived tables say what the log says? Replay the log beside them and compare.

The projections (outbox, inbox, ...) are not chained: anyone who can write the file could mark an
unsent message delivered or delete a report from the CP's queue, and the chain would still verify.
So `verify` and the daemon's start replay the whole log through the one projector into TEMP
tables of the same shape (an unqualified name resolves to the temp schema first, so the
projector's own statements fill them) and compare row by row. Nothing is written to the file:
this works on a read-only copy too.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Final

from nsplink.i18n import register
from nsplink.store.projector import PROJECTION_TABLES, loads_data, project

# Primary key of each projection, for naming the row that differs.
KEYS: Final[dict[str, tuple[str, ...]]] = {
    "outbox": ("ref",),
    "outbox_recipients": ("ref", "recipient"),
    "inbox": ("local_id",),
    "seq_state": ("sender",),
    "custody": ("ref",),
    "claims": ("ref", "cp", "seq"),
}

register(
    {
        "views.bad": (
            "Overzicht '{table}' wijkt af van het logboek bij {key}: {what}. "
            "Het logboek telt; herstel met: nsplink log rebuild",
            "View '{table}' differs from the log at {key}: {what}. "
            "The log is the truth; repair with: nsplink log rebuild",
        ),
        "views.missing": ("rij ontbreekt", "row is missing"),
        "views.extra": ("rij staat niet in het logboek", "row is not in the log"),
        "views.column": (
            "{column} is {found}, het logboek zegt {expected}",
            "{column} is {found}, the log says {expected}",
        ),
        "views.shape": ("tabel is van vorm veranderd", "table has changed shape"),
    }
)


@dataclass(frozen=True)
class ViewProblem:
    """The first row of a derived table that the log does not support (an i18n key + params)."""

    table: str
    key: str
    reason: str
    params: dict[str, object]


def _temp_ddl(ddl: str) -> str:
    return re.sub(r"^\s*CREATE TABLE", "CREATE TEMP TABLE", ddl, count=1)


def replay_into_temp(conn: sqlite3.Connection, table_ddl: tuple[str, ...]) -> int:
    """Create TEMP twins of the projections and fill them from the log (caller's transaction)."""
    for table in PROJECTION_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    for ddl in table_ddl:
        if ddl.lstrip().startswith("CREATE TABLE"):
            conn.execute(_temp_ddl(ddl))

    count = 0
    cur = conn.execute("SELECT id, kind, at, ref, data FROM main.events ORDER BY id")
    while batch := cur.fetchmany(4096):
        for eid, kind, at, ref, data in batch:
            for sql, params in project(eid, kind, at, ref, loads_data(data)):
                conn.execute(sql, params)
            count += 1
    return count


def _rows(
    conn: sqlite3.Connection, schema: str, table: str
) -> tuple[list[str], dict[tuple[Any, ...], tuple[Any, ...]]]:
    cur = conn.execute(f"SELECT * FROM {schema}.{table}")
    names = [d[0] for d in cur.description]
    idx = [names.index(k) for k in KEYS[table] if k in names]
    rows = {tuple(r[i] for i in idx): tuple(r) for r in cur.fetchall()}
    return names, rows


def _key_text(key: tuple[Any, ...]) -> str:
    return "/".join(str(k) for k in key)


def compare(conn: sqlite3.Connection) -> ViewProblem | None:
    """The first difference between main's projections and the replayed temp ones."""
    for table in ("outbox", "outbox_recipients", "inbox", "seq_state", "custody", "claims"):
        names, live = _rows(conn, "main", table)
        expected_names, replay = _rows(conn, "temp", table)
        if names != expected_names:
            return ViewProblem(table, "-", "views.shape", {})
        for key in sorted(set(live) | set(replay), key=lambda k: tuple(map(str, k))):
            found, expected = live.get(key), replay.get(key)
            if found is None:
                return ViewProblem(table, _key_text(key), "views.missing", {})
            if expected is None:
                return ViewProblem(table, _key_text(key), "views.extra", {})
            for name, a, b in zip(names, found, expected, strict=True):
                if a != b:
                    params: dict[str, object] = {"column": name, "found": a, "expected": b}
                    return ViewProblem(table, _key_text(key), "views.column", params)
    return None


def check_views(conn: sqlite3.Connection, table_ddl: tuple[str, ...]) -> ViewProblem | None:
    """Replay and compare in the caller's read transaction; the temp tables are dropped after."""
    try:
        replay_into_temp(conn, table_ddl)
        return compare(conn)
    finally:
        for table in PROJECTION_TABLES:
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

"""Schema, migrations by `PRAGMA user_version`, and the synchronous maintenance paths.

Each migration step is a list of SQL statements (plus, for step 2, filling the new projections
from the log); all pending steps run in one IMMEDIATE transaction, so a crash mid-migration leaves
the old version. A file with a newer user_version is refused before anything is written, and so is
a SQLite file that is not an nsplink log. The functions here take plain sqlite3 connections: they
run before the async connection opens, or in a worker thread (verify, rebuild).
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeVar

from nsplink.store.audit import ViewProblem, check_views
from nsplink.store.chain import VerifyReport, verify_connection
from nsplink.store.errors import StoreCorrupt, StoreMissing, StoreTooNew, translate
from nsplink.store.projector import PROJECTION_TABLES, loads_data, project

T = TypeVar("T")

V1: Final = (
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        at REAL NOT NULL,
        site TEXT NOT NULL,
        ref TEXT NOT NULL,
        data TEXT NOT NULL,
        frame BLOB,
        prev_hash BLOB NOT NULL,
        hash BLOB NOT NULL
    ) STRICT""",
    "CREATE INDEX events_kind ON events (kind)",
    "CREATE INDEX events_ref ON events (ref) WHERE ref != ''",
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'nsplink: the event log is append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'nsplink: the event log is append-only'); END""",
    # The head the store last wrote: lets verify notice rows cut off the end of the chain.
    """CREATE TABLE chain_head (
        only INTEGER PRIMARY KEY CHECK (only = 1),
        head_id INTEGER NOT NULL,
        head_hash BLOB NOT NULL
    ) STRICT""",
    "INSERT INTO chain_head VALUES (1, 0, zeroblob(32))",
)

V2: Final = (
    """CREATE TABLE outbox (
        ref TEXT PRIMARY KEY,
        destination TEXT NOT NULL,
        type TEXT NOT NULL,
        priority TEXT NOT NULL,
        state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        airtime_ms REAL NOT NULL DEFAULT 0,
        next_retry_at REAL,
        last_error TEXT,
        remote_state TEXT,
        remote_state_at REAL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        last_event INTEGER NOT NULL
    ) STRICT""",
    "CREATE INDEX outbox_state ON outbox (state, priority)",
    """CREATE TABLE outbox_recipients (
        ref TEXT NOT NULL REFERENCES outbox (ref),
        recipient TEXT NOT NULL,
        state TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (ref, recipient)
    ) STRICT""",
    """CREATE TABLE inbox (
        local_id INTEGER PRIMARY KEY,
        ref TEXT NOT NULL UNIQUE,
        sender TEXT NOT NULL,
        seq INTEGER NOT NULL,
        sender_site TEXT NOT NULL,
        type TEXT NOT NULL,
        priority TEXT NOT NULL,
        received_at REAL NOT NULL,
        trust TEXT NOT NULL,
        triage TEXT NOT NULL,
        note TEXT,
        operator TEXT,
        triage_at REAL,
        duplicates INTEGER NOT NULL DEFAULT 0,
        receipted_at REAL,
        last_event INTEGER NOT NULL
    ) STRICT""",
    "CREATE INDEX inbox_queue ON inbox (priority, received_at)",
    """CREATE TABLE seq_state (
        sender TEXT PRIMARY KEY,
        last_sent INTEGER,
        highest_received INTEGER,
        received INTEGER NOT NULL DEFAULT 0,
        duplicates INTEGER NOT NULL DEFAULT 0
    ) STRICT""",
    """CREATE TABLE custody (
        ref TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        holder TEXT,
        origin TEXT,
        destination TEXT,
        updated_at REAL NOT NULL,
        last_event INTEGER NOT NULL
    ) STRICT""",
)

V3: Final = (
    # Personal fields of a message live encrypted in the chained row; the per-message key lives
    # here, outside the chain, so erasing it after the retention term leaves the chain valid.
    "ALTER TABLE events ADD COLUMN sealed BLOB",
    """CREATE TABLE personal_keys (
        ref TEXT PRIMARY KEY,
        key BLOB NOT NULL,
        created_at REAL NOT NULL
    ) STRICT""",
    "CREATE INDEX personal_keys_age ON personal_keys (created_at)",
)

V4: Final = (
    # Issue 23: every CP's claim on a report (claim.heard); the owner is derived by the rule.
    """CREATE TABLE claims (
        ref TEXT NOT NULL,
        cp TEXT NOT NULL,
        seq INTEGER NOT NULL,
        minute INTEGER NOT NULL,
        state TEXT NOT NULL,
        heard_at REAL NOT NULL,
        last_event INTEGER NOT NULL,
        PRIMARY KEY (ref, cp, seq)
    ) STRICT""",
)


def _run(statements: tuple[str, ...]) -> Callable[[sqlite3.Connection], None]:
    def step(conn: sqlite3.Connection) -> None:
        for sql in statements:
            conn.execute(sql)

    return step


def _v4(conn: sqlite3.Connection) -> None:
    _run(V4)(conn)
    # an older log already holds messages: give them their views (every projection, so this
    # runs last: the step to v2 once did it, before the claims table existed)
    rebuild_projections(conn)


# MIGRATIONS[i] takes a database from user_version i to i + 1.
MIGRATIONS: Final[tuple[Callable[[sqlite3.Connection], None], ...]] = (
    _run(V1),
    _run(V2),
    _run(V3),
    _v4,
)
SCHEMA_VERSION: Final = len(MIGRATIONS)
OUR_TABLES: Final = frozenset(
    {"events", "chain_head", "personal_keys", "outbox", *PROJECTION_TABLES}
)
DEFAULT_BUSY_MS: Final = 5000


def pragmas(busy_ms: int) -> tuple[str, ...]:
    """Per-connection settings, shared by the sync and async connections."""
    return (
        "PRAGMA synchronous = FULL",  # a reported commit survives a power cut
        "PRAGMA foreign_keys = ON",
        f"PRAGMA busy_timeout = {int(busy_ms)}",  # CLI and daemon both write
        "PRAGMA secure_delete = ON",  # erased personal keys are overwritten, not just unlinked
    )


def readonly_uri(path: Path) -> str:
    """How to open a site's log without writing a byte: `mode=ro` (sees a running daemon's WAL),
    or, where even that cannot start (a write-protected copy without its -shm file),
    `immutable=1`, which reads the main file as it is."""
    base = "file:" + urllib.parse.quote(str(path.absolute()))
    try:
        probe = sqlite3.connect(base + "?mode=ro", uri=True)
        try:
            probe.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            probe.close()
        return base + "?mode=ro"
    except sqlite3.Error:
        return base + "?immutable=1"


def connect(
    path: Path, *, create: bool, busy_ms: int = DEFAULT_BUSY_MS, readonly: bool = False
) -> sqlite3.Connection:
    """A plain connection with our pragmas, in autocommit mode (we issue BEGIN ourselves)."""
    if not create and not path.exists():
        raise StoreMissing(path=path)
    try:
        if readonly:
            conn = sqlite3.connect(
                readonly_uri(path), uri=True, isolation_level=None, timeout=busy_ms / 1000
            )
        else:
            conn = sqlite3.connect(path, isolation_level=None, timeout=busy_ms / 1000)
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    try:
        for sql in pragmas(busy_ms):
            conn.execute(sql)
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from exc
    return conn


def check_readable(path: Path, busy_ms: int = DEFAULT_BUSY_MS) -> int:
    """For a read-only open: the file exists, is ours, and is at the current schema."""
    conn = connect(path, create=False, busy_ms=busy_ms, readonly=True)
    try:
        version = _check_version(conn, path)
        if version == 0:
            raise StoreMissing(path=path)
        if version < SCHEMA_VERSION:  # only a writable open migrates
            raise StoreCorrupt(f"schema {version} not yet migrated", path=path)
        return version
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    finally:
        conn.close()


def prepare(path: Path, *, create: bool, busy_ms: int = DEFAULT_BUSY_MS) -> int:
    """Open or create the file, refuse foreign/newer/damaged ones, switch to WAL, migrate.

    Returns the schema version found before migrating (0 for a new file)."""
    conn = connect(path, create=create, busy_ms=busy_ms)
    try:
        found = _check_version(conn, path)
        _switch_to_wal(conn, busy_ms)
        if found < SCHEMA_VERSION:
            migrate(conn, path)
        return found
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    finally:
        conn.close()


def _switch_to_wal(conn: sqlite3.Connection, busy_ms: int) -> None:
    """Switch a file to WAL, waiting out other openers up to `busy_ms`.

    SQLite answers the switch with "database is locked" at once, without its busy handler,
    while another connection holds a write lock on the new file in rollback mode (seen when a
    daemon and a reader open a fresh log together), so the wait is ours."""
    deadline = time.monotonic() + busy_ms / 1000
    pause = 0.002
    while conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        try:
            conn.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)


def _check_version(conn: sqlite3.Connection, path: Path) -> int:
    version = _user_version(conn)
    if version == 0:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables:
            # Outside a transaction each statement reads its own snapshot: the daemon creating
            # this log may have committed its tables and their version between our two reads
            # (seen as a false "not an nsplink log" in a reader started with the daemon).
            version = _user_version(conn)
            if version == 0:
                raise StoreCorrupt("not an nsplink log", path=path)
    if version > SCHEMA_VERSION:
        raise StoreTooNew(path=path, found=version, known=SCHEMA_VERSION)
    return version


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path, target: int = SCHEMA_VERSION) -> None:
    """Run every step from the file's version up to `target` in one transaction."""

    def steps(c: sqlite3.Connection) -> None:
        current = _check_version(c, path)  # another process may have migrated meanwhile
        for step in MIGRATIONS[current:target]:
            step(c)
        c.execute(f"PRAGMA user_version = {max(current, target)}")

    transaction(conn, path, steps)


def transaction(conn: sqlite3.Connection, path: Path, body: Callable[[sqlite3.Connection], T]) -> T:
    """BEGIN IMMEDIATE, body, COMMIT; any failure rolls back and becomes one typed error."""
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = body(conn)
            conn.execute("COMMIT")
        except BaseException:
            rollback(conn)
            raise
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    return result


def rollback(conn: sqlite3.Connection) -> None:
    """Undo the open transaction, if SQLite has not already (it does itself on SQLITE_FULL)."""
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


def rebuild_projections(conn: sqlite3.Connection) -> int:
    """Empty every projection and replay the whole log through the projector (caller's tx)."""
    for table in PROJECTION_TABLES:
        conn.execute(f"DELETE FROM {table}")
    count = 0
    cur = conn.execute("SELECT id, kind, at, ref, data FROM events ORDER BY id")
    while batch := cur.fetchmany(4096):
        for eid, kind, at, ref, data in batch:
            for sql, params in project(eid, kind, at, ref, loads_data(data)):
                conn.execute(sql, params)
            count += 1
    return count


def views_path(
    path: Path, busy_ms: int = DEFAULT_BUSY_MS, *, readonly: bool = False
) -> ViewProblem | None:
    """Compare the derived tables with a replay of the log, on one read snapshot."""
    conn = connect(path, create=False, busy_ms=busy_ms, readonly=readonly)
    try:
        conn.execute("BEGIN")
        problem = check_views(conn, V2 + V4)
        conn.execute("COMMIT")
        return problem
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    finally:
        conn.close()


def verify_path(
    path: Path, busy_ms: int = DEFAULT_BUSY_MS, *, readonly: bool = False
) -> VerifyReport:
    """`nsplink log verify`: SQLite's own page check, then the hash chain, then the derived
    tables against a replay, on one snapshot."""
    conn = connect(path, create=False, busy_ms=busy_ms, readonly=readonly)
    try:
        conn.execute("BEGIN")  # one read snapshot while the daemon keeps appending
        version = _check_version(conn, path)
        if version == 0:
            raise StoreMissing(path=path)
        if version < SCHEMA_VERSION:  # only the store migrates; verify never writes
            raise StoreCorrupt(f"schema {version} not yet migrated", path=path)
        problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise StoreCorrupt(str(problems[0]), path=path)
        report = verify_connection(conn)
        if report.ok:  # views are only worth comparing with a log that is itself intact
            report = dataclasses.replace(report, views=check_views(conn, V2 + V4))
        conn.execute("COMMIT")
        return report
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    finally:
        conn.close()

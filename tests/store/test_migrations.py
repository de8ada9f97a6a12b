"""Every earlier schema migrates to the current one; newer and foreign files are refused."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from nsplink.store import SCHEMA_VERSION, Event, Store, StoreCorrupt, StoreTooNew
from nsplink.store import events as k
from nsplink.texts import render_error

from .factory import lifecycle

FIXTURES = Path(__file__).parent / "fixtures"


def load(version: int, path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / f"schema_v{version}.sql").read_text(encoding="utf-8"))
    conn.close()
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_there_is_a_frozen_fixture_for_every_earlier_version() -> None:
    found = {int(p.stem.removeprefix("schema_v")) for p in FIXTURES.glob("schema_v*.sql")}
    assert found == set(range(1, SCHEMA_VERSION))


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_old_log_migrates_keeps_its_chain_and_gets_its_projections(
    tmp_path: Path, version: int
) -> None:
    db = load(version, tmp_path / "old.db")
    async with await Store.open(db) as store:
        raw = sqlite3.connect(db)
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        raw.close()
        report = await store.verify()
        assert report.ok and report.count == 5 and report.triggers_present
        item = await store.outbox_item("a1b2:1")
        assert item is not None and (item.state, item.attempts) == ("handed", 1)
        (inbox,) = await store.inbox()
        assert (inbox.ref, inbox.triage, inbox.operator) == ("c3d4:5", "GEZ", "Zoë")
        assert await store.next_seq("a1b2") == 2
        live = await store.projections()
        await store.rebuild()
        assert await store.projections() == live
        # the migrated log takes new events, with personal data, and still verifies
        await store.append(lifecycle(1))
        await store.append(
            Event(k.MESSAGE_QUEUED, 9.0, "nsp-houten", "a1b2:2", personal={"reporter": "Zoë"})
        )
        assert (await store.verify()).ok
        assert (await store.events())[0].frame == b"\x01frame"


async def test_new_file_is_created_at_the_current_version(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "new.db") as store:
        assert (await store.verify()).count == 0
    raw = sqlite3.connect(tmp_path / "new.db")
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    raw.close()


async def test_newer_version_is_refused_and_left_untouched(tmp_path: Path) -> None:
    db = load(1, tmp_path / "future.db")
    raw = sqlite3.connect(db)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    before = digest(db)
    with pytest.raises(StoreTooNew) as info:
        await Store.open(db)
    assert info.value.code == "store.too_new"
    assert "nieuwere nsplink" in render_error(info.value, "nl")
    assert f"schema {SCHEMA_VERSION + 1}" in render_error(info.value, "en")
    assert digest(db) == before


async def test_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    raw = sqlite3.connect(db)
    raw.execute("CREATE TABLE contacts (name TEXT)")
    raw.execute("INSERT INTO contacts VALUES ('Jan')")
    raw.commit()
    raw.close()
    before = digest(db)
    with pytest.raises(StoreCorrupt, match="not an nsplink log"):
        await Store.open(db)
    assert digest(db) == before


async def test_a_log_created_between_a_readers_two_looks_is_not_called_foreign(
    tmp_path: Path,
) -> None:
    """A reader started together with the daemon: it reads the version (0, nothing yet), the
    daemon commits the tables and their version at once, the reader then sees tables. That is
    a new log, not a foreign file. The reader's second look is forced here by a connection that
    answers the first version query from before the daemon's commit."""
    from nsplink.store.schema import _check_version

    path = tmp_path / "nsplink.db"
    async with await Store.open(path):
        pass  # the daemon created the log

    class BeforeTheCommit(sqlite3.Connection):
        first = True

        def execute(self, sql: str, *args: object) -> sqlite3.Cursor:  # type: ignore[override]
            if sql == "PRAGMA user_version" and BeforeTheCommit.first:
                BeforeTheCommit.first = False
                return super().execute("SELECT 0")
            return super().execute(sql, *args)  # type: ignore[arg-type]

    conn = sqlite3.connect(path, factory=BeforeTheCommit)
    try:
        assert _check_version(conn, path) == SCHEMA_VERSION
    finally:
        conn.close()
    foreign = tmp_path / "other.db"
    other = sqlite3.connect(foreign)
    other.execute("CREATE TABLE t (x)")
    other.commit()
    with pytest.raises(StoreCorrupt):
        _check_version(other, foreign)
    other.close()


def test_a_new_log_opened_by_two_at_once_waits_for_the_other_instead_of_failing(
    tmp_path: Path,
) -> None:
    """SQLite refuses the switch to WAL at once, without its busy handler, while another
    connection holds a write lock on the fresh file in rollback mode (a daemon and a reader
    opening a new log together failed with "database is locked"). The switch waits within the
    busy budget."""
    import threading

    from nsplink.store.schema import prepare

    path = tmp_path / "nsplink.db"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other opener's write lock, still in rollback mode
    threading.Timer(0.3, lambda: other.execute("COMMIT")).start()
    try:
        assert prepare(path, create=True, busy_ms=5000) == 0
    finally:
        other.close()
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION

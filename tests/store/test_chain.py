"""An attacker edits the file with plain sqlite3 (dropping our triggers): verify names the first
bad row for an edited, deleted, inserted or reordered row."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsplink.i18n import t
from nsplink.store import Store, VerifyReport
from nsplink.store.chain import row_hash
from nsplink.store.schema import verify_path

from .factory import created, lifecycle, sent

N = 12


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("chain") / "template.db"

    async def fill() -> None:
        async with await Store.open(path) as s:
            await s.append_many([created("a1b2:1", 1), sent("a1b2:1", 1)])
            await s.append_many([lifecycle(i) for i in range(N - 2)])

    asyncio.run(fill())
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "nsplink.db"
    shutil.copy(template, path)
    return path


def attack(path: Path, *statements: str, params: tuple[object, ...] = ()) -> None:
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("DROP TRIGGER IF EXISTS events_no_update")
        raw.execute("DROP TRIGGER IF EXISTS events_no_delete")
        for sql in statements:
            raw.execute(sql, params if "?" in sql else ())
    finally:
        raw.close()


def bad(report: VerifyReport) -> tuple[int, str]:
    assert report.problem is not None, "tampering went unnoticed"
    return report.problem.row, report.problem.reason


def test_untouched_chain_verifies(db: Path) -> None:
    report = verify_path(db)
    assert report.ok and report.count == N and report.head == N and report.triggers_present


def test_edited_row_is_named(db: Path) -> None:
    attack(db, "UPDATE events SET data = replace(data, 'poging', 'POGING') WHERE id = 5")
    assert bad(verify_path(db)) == (5, "chain.reason.content")


def test_edited_frame_is_named(db: Path) -> None:
    attack(db, "UPDATE events SET frame = x'00' WHERE id = 2")
    assert bad(verify_path(db)) == (2, "chain.reason.content")


def test_deleted_middle_row_is_named(db: Path) -> None:
    attack(db, "DELETE FROM events WHERE id = 6")
    row, reason = bad(verify_path(db))
    assert (row, reason) == (6, "chain.reason.gap")


def test_deleted_middle_row_with_renumbering_is_named(db: Path) -> None:
    attack(db, "DELETE FROM events WHERE id = 6", "UPDATE events SET id = id - 1 WHERE id > 6")
    assert bad(verify_path(db)) == (6, "chain.reason.link")


def test_deleted_last_row_is_named(db: Path) -> None:
    attack(db, f"DELETE FROM events WHERE id = {N}")
    assert bad(verify_path(db)) == (N, "chain.reason.tail")


def test_inserted_row_is_named(db: Path) -> None:
    attack(
        db,
        "UPDATE events SET id = -id WHERE id > 4",
        "UPDATE events SET id = 1 - id WHERE id < 0",
        "INSERT INTO events (id, kind, at, site, ref, data, prev_hash, hash) "
        "SELECT 5, 'radio.error', 1, 'x', '', '{}', hash, randomblob(32) FROM events WHERE id = 4",
    )
    assert bad(verify_path(db)) == (5, "chain.reason.content")


def test_inserted_row_with_a_self_consistent_hash_breaks_the_next_link(db: Path) -> None:
    raw = sqlite3.connect(db)
    prev = raw.execute("SELECT hash FROM events WHERE id = 4").fetchone()[0]
    raw.close()
    forged = row_hash(prev, 5, 1.0, "radio.error", "x", "", "{}", None, None)
    attack(
        db,
        "UPDATE events SET id = -id WHERE id > 4",
        "UPDATE events SET id = 1 - id WHERE id < 0",
        "INSERT INTO events (id, kind, at, site, ref, data, prev_hash, hash) "
        "VALUES (5, 'radio.error', 1.0, 'x', '', '{}', ?, ?)",
        params=(prev, forged),
    )
    assert bad(verify_path(db)) == (6, "chain.reason.link")


def test_appended_forged_row_is_named(db: Path) -> None:
    attack(
        db,
        "INSERT INTO events (id, kind, at, site, ref, data, prev_hash, hash) "
        f"SELECT {N + 1}, 'radio.error', 1, 'x', '', '{{}}', hash, randomblob(32) "
        f"FROM events WHERE id = {N}",
    )
    assert bad(verify_path(db)) == (N + 1, "chain.reason.content")


def test_reordered_rows_are_named(db: Path) -> None:
    attack(
        db,
        "UPDATE events SET id = 100 WHERE id = 3",
        "UPDATE events SET id = 3 WHERE id = 4",
        "UPDATE events SET id = 4 WHERE id = 100",
    )
    assert bad(verify_path(db)) == (3, "chain.reason.link")


def test_wrong_column_type_is_named_not_crashed(db: Path) -> None:
    attack(
        db,
        "PRAGMA writable_schema = ON",
        "UPDATE sqlite_master SET sql = replace(sql, ') STRICT', ')') WHERE name = 'events'",
    )
    attack(db, "UPDATE events SET kind = x'ff00' WHERE id = 7")
    assert bad(verify_path(db)) == (7, "chain.reason.type")


def test_dropped_triggers_are_reported_even_without_edits(db: Path) -> None:
    attack(db)
    report = verify_path(db)
    assert report.ok and not report.triggers_present


def test_problem_reads_as_one_sentence_in_both_languages(db: Path) -> None:
    attack(db, "DELETE FROM events WHERE id = 6")
    problem = verify_path(db).problem
    assert problem is not None
    reason_nl = t(problem.reason, "nl", **problem.params)
    assert "#6" in reason_nl and "ontbreken" in reason_nl
    line = t("chain.bad", "en", row=problem.row, reason=t(problem.reason, "en", **problem.params))
    assert line == "Log NOT intact: first bad row #6: row(s) #6 to #6 are missing (deleted)."


def _columns() -> Iterator[str]:
    yield from ("kind", "site", "ref", "data", "prev_hash", "hash", "at")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(row=st.integers(1, N), column=st.sampled_from(list(_columns())), pos=st.integers(0, 40))
def test_any_single_change_is_found_at_its_row(
    template: Path, tmp_path: Path, row: int, column: str, pos: int
) -> None:
    path = tmp_path / "fuzz.db"
    shutil.copy(template, path)
    raw = sqlite3.connect(path)
    value = raw.execute(f"SELECT {column} FROM events WHERE id = ?", (row,)).fetchone()[0]
    raw.close()
    if isinstance(value, float):
        changed: object = value + 1.5
    elif isinstance(value, bytes):
        i = pos % len(value)
        changed = value[:i] + bytes([value[i] ^ 0x01]) + value[i + 1 :]
    else:
        text = value or "x"
        i = pos % len(text)
        changed = text[:i] + ("Y" if text[i] != "Y" else "Z") + text[i + 1 :]
    attack(path, f"UPDATE events SET {column} = ? WHERE id = {row}", params=(changed,))
    found_row, _ = bad(verify_path(path))
    assert found_row == row

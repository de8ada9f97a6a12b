"""Derived tables edited behind the program's back: verify names the first row the log does not
support, and a rebuild from the log puts it right (issue 18, part A)."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from nsplink.store import Store
from nsplink.store.projector import PROJECTION_TABLES

from .factory import random_run

# One edit per derived table (and per kind of edit): SQL, the table named, the reason.
EDITS = [
    ("UPDATE outbox SET state = 'delivered' WHERE state = 'queued'", "outbox", "views.column"),
    ("UPDATE outbox SET attempts = attempts + 1", "outbox", "views.column"),
    (
        "DELETE FROM outbox_recipients WHERE rowid = (SELECT min(rowid) FROM outbox_recipients)",
        "outbox_recipients",
        "views.missing",
    ),
    ("UPDATE outbox_recipients SET state = 'delivered'", "outbox_recipients", "views.column"),
    ("DELETE FROM inbox WHERE local_id = 2", "inbox", "views.missing"),
    ("UPDATE inbox SET trust = 'verified' WHERE trust != 'verified'", "inbox", "views.column"),
    (
        "INSERT INTO inbox (ref, sender, seq, sender_site, type, priority, received_at, trust, "
        "triage, last_event) VALUES ('dead:1', 'dead', 1, 'x', 'emergency', 'P1', 0, 'verified', "
        "'ONTV', 1)",
        "inbox",
        "views.extra",
    ),
    (
        "UPDATE seq_state SET last_sent = last_sent - 1 WHERE last_sent IS NOT NULL",
        "seq_state",
        "views.column",
    ),
    ("DELETE FROM custody", "custody", "views.missing"),
    ("UPDATE claims SET minute = minute - 1", "claims", "views.column"),
]


@pytest.fixture
async def filled(store: Store) -> Store:
    evs = random_run(random.Random(7), 1500)
    for i in range(0, len(evs), 50):
        await store.append_many(evs[i : i + 50])
    return store


def _edit(db_path: Path, sql: str) -> None:
    raw = sqlite3.connect(db_path)
    assert raw.execute(sql).rowcount > 0
    raw.commit()
    raw.close()


async def test_untouched_views_agree_with_the_log(filled: Store) -> None:
    assert await filled.check_views() is None
    report = await filled.verify()
    assert report.ok and report.views is None


@pytest.mark.parametrize(("sql", "table", "reason"), EDITS)
async def test_every_edit_of_a_derived_table_is_named_and_rebuild_repairs_it(
    filled: Store, db_path: Path, sql: str, table: str, reason: str
) -> None:
    before = await filled.projections()
    _edit(db_path, sql)
    problem = (await filled.verify()).views
    assert problem is not None and (problem.table, problem.reason) == (table, reason)
    assert await filled.check_views() == problem
    await filled.rebuild()
    assert await filled.projections() == before
    assert await filled.check_views() is None


def test_every_projection_table_has_an_edit_above() -> None:
    assert {e[1] for e in EDITS} == set(PROJECTION_TABLES)


async def test_the_check_leaves_no_temp_tables_and_writes_nothing(
    filled: Store, db_path: Path
) -> None:
    version = (await filled.head())[0]
    await filled.check_views()
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT count(*) FROM events").fetchone()[0] == version
    raw.close()

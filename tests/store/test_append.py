"""Appending: what goes in comes out, bad events are refused whole, the table refuses edits."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsplink.store import Event, EventInvalid, Store, StoreClosed
from nsplink.store import events as k
from nsplink.texts import render_error

from .factory import SITE, created, lifecycle, sent


async def test_append_returns_consecutive_ids_and_reads_back(store: Store) -> None:
    ids = await store.append_many([created("a1b2:1", 1), sent("a1b2:1", 1)])
    assert ids == [1, 2]
    assert await store.append(lifecycle(1)) == 3
    got = await store.events()
    assert [r.id for r in got] == [1, 2, 3]
    assert got[0].data["type"] == "emergency"
    assert got[1].data == {"attempt": 1, "packet_id": 1001, "airtime_ms": 1130}
    assert (await store.head())[0] == 3
    assert await store.count() == 3


async def test_dutch_text_and_frames_round_trip_exactly(store: Store) -> None:
    note = "Mevr. Zoë, 3e etage, lift defect — ‘sleutel bij buren’ €"
    frame = bytes(range(256))[:233]
    ev = Event(
        k.TRIAGE_CHANGED,
        5.5,
        "cp-één",
        "a1b2:1",
        {"state": "GEZ", "operator": "Anaïs", "note": note},
        frame=frame,
    )
    await store.append(ev)
    (rec,) = await store.events()
    assert rec.data["note"] == note and rec.site == "cp-één" and rec.frame == frame


@pytest.mark.parametrize(
    ("event", "fragment"),
    [
        (Event("Message Created", 1, SITE), "kind"),
        (Event("message", 1, SITE), "kind"),
        (Event(k.RADIO_CONNECTED, float("nan"), SITE), "finite"),
        (Event(k.RADIO_CONNECTED, True, SITE), "finite"),  # a bool is not a time
        (Event(k.RADIO_CONNECTED, 1, ""), "site"),
        (Event(k.RADIO_CONNECTED, 1, "x" * 201), "site"),
        (Event(k.RADIO_CONNECTED, 1, SITE, "a\x00b"), "ref"),
        (Event(k.RADIO_CONNECTED, 1, SITE, data={"raw": b"\x00"}), "JSON"),
        (Event(k.RADIO_CONNECTED, 1, SITE, data={1: "x"}), "text keys"),  # type: ignore[dict-item]
        (Event(k.RADIO_CONNECTED, 1, SITE, data={"x": "y" * 20000}), "larger"),
        (Event(k.RADIO_CONNECTED, 1, SITE, frame=b"x" * 5000), "frame"),
        (Event(k.RADIO_CONNECTED, 1, SITE, frame="text"), "frame"),  # type: ignore[arg-type]
        (Event(k.MESSAGE_QUEUED, 1, SITE), "ref"),
        (
            Event(k.MESSAGE_SENT, 1, SITE, "r", {"attempt": "1", "packet_id": 1, "airtime_ms": 5}),
            "wrong type",
        ),
        (
            Event(k.MESSAGE_SENT, 1, SITE, "r", {"attempt": True, "packet_id": 1, "airtime_ms": 5}),
            "wrong type",
        ),
        (Event(k.MESSAGE_SENT, 1, SITE, "r", {"attempt": 1, "packet_id": 1}), "airtime_ms"),
        (Event(k.TRIAGE_CHANGED, 1, SITE, "r", {"state": "klaar", "operator": "x"}), "triage"),
        (Event(k.MESSAGE_CUSTODY, 1, SITE, "r", {"action": "stolen"}), "custody"),
        (created("r", 1, priority="1"), "priority"),
        (created("r", 1, type_="chat"), "message type"),
        (Event(k.RECEIPT_RECEIVED, 1, SITE, "r", {"recipient": "x", "state": "nieuw"}), "triage"),
        (Event(k.RADIO_CONNECTED, 1, SITE, personal={"reporter": "J"}), "ref"),
        (Event(k.MESSAGE_QUEUED, 1, SITE, "r", personal={"foto": b"\xff"}), "personal"),
        (Event(k.MESSAGE_QUEUED, 1, SITE, "r", personal=["J"]), "personal"),  # type: ignore[arg-type]
        (Event(k.RADIO_CONNECTED, 1, SITE, "r", seal_frame=True), "seal_frame"),
    ],
)
async def test_bad_events_are_refused_whole_with_a_typed_error(
    store: Store, event: Event, fragment: str, caplog: pytest.LogCaptureFixture
) -> None:
    await store.append(lifecycle(0))
    with pytest.raises(EventInvalid) as info:
        await store.append_many([lifecycle(1), event])  # the good one must not land either
    assert fragment in str(info.value)
    assert info.value.code == "store.event_invalid"
    assert "Ongeldige gebeurtenis" in render_error(info.value, "nl")
    assert any("event refused" in r.getMessage() for r in caplog.records)
    assert [r.id for r in await store.events()] == [1]
    assert (await store.verify()).ok


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.text(max_size=30),
    at=st.one_of(st.floats(allow_nan=True), st.integers(), st.none(), st.text(max_size=3)),
    data=st.dictionaries(
        st.text(max_size=8), st.one_of(st.integers(), st.text(), st.binary()), max_size=4
    ),
)
def test_random_events_are_stored_or_refused_never_crash(
    tmp_path: Path, kind: str, at: object, data: dict[str, object]
) -> None:
    async def go() -> None:
        async with await Store.open(tmp_path / "fuzz.db") as s:
            before = await s.count()
            try:
                await s.append(Event(kind, at, SITE, "r:1", data))  # type: ignore[arg-type]
            except EventInvalid:
                assert await s.count() == before
            else:
                assert await s.count() == before + 1
            assert (await s.verify()).ok

    asyncio.run(go())


async def test_triggers_refuse_update_and_delete_from_another_connection(
    store: Store, db_path: Path
) -> None:
    await store.append_many([created("a1b2:1", 1), lifecycle(2)])
    raw = sqlite3.connect(db_path)
    try:
        for sql in ("UPDATE events SET site = 'x' WHERE id = 1", "DELETE FROM events WHERE id = 2"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                raw.execute(sql)
    finally:
        raw.close()
    assert (await store.verify()).ok


async def test_cancelled_append_is_all_or_nothing_and_the_store_stays_usable(store: Store) -> None:
    batch = [lifecycle(i) for i in range(500)]
    task = asyncio.create_task(store.append_many(batch))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.2)  # the shielded transaction finishes (or rolls back) on its own
    count = await store.count()
    assert count in (0, 500)
    assert await store.append(lifecycle(999)) == count + 1
    assert (await store.verify()).ok


async def test_filters_by_kind_area_site_since_and_ref(store: Store) -> None:
    await store.append_many(
        [
            created("a1b2:1", 1, at=10),
            sent("a1b2:1", 1, at=20),
            lifecycle(0, at=30),
            Event(k.DAEMON_STARTED, 40, "cp-utrecht"),
        ]
    )
    assert [r.id for r in await store.events(kinds=["message."])] == [1, 2]
    assert [r.id for r in await store.events(kinds=["message.sent", "daemon.started"])] == [2, 4]
    assert [r.id for r in await store.events(site="cp-utrecht")] == [4]
    assert [r.id for r in await store.events(since=20)] == [2, 3, 4]
    assert [r.id for r in await store.events(ref="a1b2:1")] == [1, 2]
    assert [r.id for r in await store.events(kinds=["message_"])] == []  # LIKE is escaped


async def test_iteration_pages_through_long_logs(store: Store) -> None:
    await store.append_many([lifecycle(i) for i in range(2500)])
    ids = [r.id async for r in store.iter_events(after_id=10)]
    assert ids == list(range(11, 2501))


async def test_data_version_moves_when_another_process_writes(store: Store, db_path: Path) -> None:
    before = await store.data_version()
    await store.append(lifecycle(1))
    assert await store.data_version() == before  # our own writes do not count
    async with await Store.open(db_path) as other:
        await other.append(lifecycle(2))
    assert await store.data_version() != before
    assert await store.append(lifecycle(3)) == 3  # the head comes from the file, not memory
    assert (await store.verify()).ok


async def test_closed_store_says_so(db_path: Path) -> None:
    s = await Store.open(db_path)
    await s.close()
    with pytest.raises(StoreClosed):
        await s.append(lifecycle(1))


async def test_a_capped_page_cache_holds_on_both_connections(tmp_path: Path) -> None:
    """`cache_kib` (the scenario runner holds every site's log open) reaches the writer and the
    reader connection alike; without it SQLite's default stays, as the daemon has it."""
    capped = await Store.open(tmp_path / "capped.sqlite", cache_kib=256)
    plain = await Store.open(tmp_path / "plain.sqlite")
    try:
        await capped.append_many([created("a1b2-1", 1), sent("a1b2-1", 1)])
        for store, want in ((capped, -256), (plain, -2000)):
            conn = store._writer  # asked on the writer's own thread, as the store uses it
            writer = await asyncio.get_running_loop().run_in_executor(
                store._pool, lambda c=conn: c.execute("PRAGMA cache_size").fetchone()[0]
            )
            assert store._conn is not None
            async with store._conn.execute("PRAGMA cache_size") as cur:
                reader = (await cur.fetchone())[0]  # type: ignore[index]
            assert (writer, reader) == (want, want)
        assert len(await capped.events()) == 2
    finally:
        await capped.close()
        await plain.close()

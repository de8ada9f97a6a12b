"""Store: durable appends per second (one per transaction and batched) and verify rate.

References measured in the same run on the same disk: plain sqlite3 INSERTs of a row of the same
size with synchronous=FULL (what durability costs anyway) and OFF (what SQLite does without it),
and a bare SELECT over the 1M-event log (what verify costs beyond reading). Target from issue 4:
at least 20,000 verified events per second. NSPLINK_BENCH_EVENTS changes the 1,000,000.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from nsplink.store import Event, Store
from nsplink.store import events as k
from nsplink.store.chain import CHAIN_COLUMNS
from nsplink.store.schema import verify_path

SINGLE = 300
BATCHED = 20_000
BATCH = 200
VERIFY_EVENTS = int(os.environ.get("NSPLINK_BENCH_EVENTS", "1000000"))
TARGET = 20_000


def sent(n: int) -> Event:
    data = {"attempt": 1 + n % 3, "packet_id": 100_000 + n, "airtime_ms": 1130}
    return Event(k.MESSAGE_SENT, 1_763_880_000.0 + n, "nsp-utrecht-zuid", f"a1b2:{n % 5000}", data)


def plain_sqlite(path: Path, n: int, synchronous: str) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA synchronous = {synchronous}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, kind TEXT, data TEXT, h BLOB)")
    row = ("message.sent", '{"airtime_ms":1130,"attempt":1,"packet_id":100000}', b"h" * 32)
    t0 = time.perf_counter()
    for _ in range(n):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (kind, data, h) VALUES (?, ?, ?)", row)
        conn.execute("COMMIT")
    rate = n / (time.perf_counter() - t0)
    conn.close()
    return rate


def outbox_rows() -> list[Event]:
    """5,000 messages in the outbox, so every message.sent below updates a projection row."""
    data = {"type": "sitrep", "destination": "cp", "priority": "P3", "sender": "a1b2"}
    return [
        Event(k.MESSAGE_CREATED, 1.0, "nsp-utrecht-zuid", f"a1b2:{i}", {**data, "seq": i})
        for i in range(5000)
    ]


async def store_appends(path: Path) -> tuple[float, float]:
    async with await Store.open(path) as store:
        await store.append_many(outbox_rows())
        t0 = time.perf_counter()
        for n in range(SINGLE):
            await store.append(sent(n))
        single = SINGLE / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        for start in range(0, BATCHED, BATCH):
            await store.append_many([sent(n) for n in range(start, start + BATCH)])
        batched = BATCHED / (time.perf_counter() - t0)
    return single, batched


async def fill(path: Path, n: int) -> float:
    t0 = time.perf_counter()
    async with await Store.open(path) as store:
        await store.append_many(outbox_rows())
        for start in range(0, n - 5000, 10_000):
            await store.append_many([sent(i) for i in range(start, min(n - 5000, start + 10_000))])
    return n / (time.perf_counter() - t0)


async def rebuild(path: Path) -> float:
    async with await Store.open(path) as store:
        t0 = time.perf_counter()
        count = await store.rebuild()
        return count / (time.perf_counter() - t0)


def bare_scan(path: Path) -> float:
    conn = sqlite3.connect(path)
    t0 = time.perf_counter()
    cur = conn.execute(f"SELECT {CHAIN_COLUMNS} FROM events ORDER BY id")
    count = 0
    while batch := cur.fetchmany(4096):
        count += len(batch)
    elapsed = time.perf_counter() - t0
    conn.close()
    return count / elapsed


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="nsplink-bench-", dir=os.environ.get("TMPDIR")) as d:
        root = Path(d)
        ref_full = plain_sqlite(root / "full.db", SINGLE, "FULL")
        ref_off = plain_sqlite(root / "off.db", BATCHED, "OFF")
        single, batched = asyncio.run(store_appends(root / "append.db"))
        print(f"reference sqlite3 insert, 1/tx, synchronous=FULL: {ref_full:10,.0f} rows/s")
        print(f"reference sqlite3 insert, 1/tx, synchronous=OFF : {ref_off:10,.0f} rows/s")
        print(
            f"store.append, 1 event/tx (durable)              : {single:10,.0f} events/s"
            f"  ratio vs sqlite FULL {single / ref_full:.2f}"
        )
        print(
            f"store.append_many, {BATCH} events/tx (durable)     : {batched:10,.0f} events/s"
            f"  ratio vs 1/tx {batched / single:.1f}x, vs sqlite OFF {batched / ref_off:.2f}"
        )

        db = root / "verify.db"
        fill_rate = asyncio.run(fill(db, VERIFY_EVENTS))
        print(f"filled {VERIFY_EVENTS:,} events via append_many(10k): {fill_rate:,.0f} events/s")
        scan = bare_scan(db)
        t0 = time.perf_counter()
        report = verify_path(db)
        elapsed = time.perf_counter() - t0
        assert report.ok and report.count == VERIFY_EVENTS, report
        rate = VERIFY_EVENTS / elapsed
        size_mb = db.stat().st_size / 1e6
        print(f"reference bare SELECT of the chain columns      : {scan:10,.0f} rows/s")
        print(
            f"verify (quick_check + hash chain), {VERIFY_EVENTS:,} events: {elapsed:.1f} s "
            f"= {rate:,.0f} events/s  (target {TARGET:,}: {rate / TARGET:.1f}x; "
            f"vs bare SELECT {rate / scan:.2f}); file {size_mb:.0f} MB, "
            f"{size_mb * 1e6 / VERIFY_EVENTS:.0f} B/event"
        )
        rebuilt = asyncio.run(rebuild(db))
        print(
            f"rebuild of all projections from {VERIFY_EVENTS:,} events: {rebuilt:,.0f} events/s"
            f"  (vs appending them live: {rebuilt / fill_rate:.1f}x)"
        )


if __name__ == "__main__":
    main()

"""The async store the daemon and the CLI use: append events, read projections, verify, rebuild.

    store = await Store.open(home.db_path)
    async with store:
        ids = await store.append_many([Event(MESSAGE_CREATED, ...), Event(MESSAGE_QUEUED, ...)])
        items = await store.outbox(states=("queued",))

`append*` returns only after COMMIT with synchronous=FULL: an id you got back survives a power
cut. Each call is one IMMEDIATE transaction holding the events, their hash links and their
projection updates. Writes run on one writer thread with its own connection (`writer.py`); reads
go through aiosqlite. A cancelled caller cannot leave half a transaction behind. Open one Store
per process; other processes may write the same file, and `data_version()` tells you cheaply
when they did.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import aiosqlite

from nsplink.protocol import Claim, KeyId, MessageId, Ownership, State, ownership
from nsplink.store import anchor, schema, writer
from nsplink.store.anchor import LogCopy
from nsplink.store.audit import ViewProblem
from nsplink.store.chain import VerifyReport
from nsplink.store.errors import EventInvalid, StoreClosed, StoreError, log, logged, translate
from nsplink.store.events import HEAD_HEARD, SEQ_RESERVED, Event, validate
from nsplink.store.personal import unseal
from nsplink.store.projector import loads_data
from nsplink.store.views import (
    ClaimItem,
    CustodyItem,
    InboxItem,
    OutboxItem,
    Record,
    SeqState,
    columns,
)

T = TypeVar("T")
_PAGE = 1000


class Store:
    def __init__(
        self,
        path: Path,
        reader: aiosqlite.Connection,
        writer_conn: sqlite3.Connection,
        pool: ThreadPoolExecutor,
        busy_ms: int,
        readonly: bool = False,
    ) -> None:
        self.path = path
        self.readonly = readonly
        self._conn: aiosqlite.Connection | None = reader
        self._writer = writer_conn
        self._pool = pool
        self._busy_ms = busy_ms

    # -- opening and closing --------------------------------------------------------------------
    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        create: bool = True,
        busy_timeout_ms: int = schema.DEFAULT_BUSY_MS,
        max_pages: int | None = None,
        readonly: bool = False,
        cache_kib: int | None = None,
    ) -> Store:
        """Open (and with `create`, make) the site's log, migrating it to the current schema.

        `max_pages` caps the file size (SQLite `max_page_count`), for small disks and tests.
        `readonly` opens without writing a byte (no WAL switch, no migration; appends fail), so
        a write-protected copy of a site can be read and verified. `cache_kib` caps each of its
        two connections' page cache (SQLite's default is 2 MiB each): a simulation holding
        thousands of sites' logs open at once keeps them small."""
        p = Path(path)
        try:
            if readonly:
                await asyncio.to_thread(schema.check_readable, p, busy_timeout_ms)
            else:
                await asyncio.to_thread(schema.prepare, p, create=create, busy_ms=busy_timeout_ms)
        except StoreError as err:
            raise logged(err) from err.__cause__
        loop = asyncio.get_running_loop()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nsplink-store-writer")
        writer_conn: sqlite3.Connection | None = None
        try:
            writer_conn = await loop.run_in_executor(
                pool,
                functools.partial(
                    schema.connect, p, create=False, busy_ms=busy_timeout_ms, readonly=readonly
                ),
            )
            if max_pages is not None:
                await loop.run_in_executor(
                    pool, writer_conn.execute, f"PRAGMA max_page_count = {int(max_pages)}"
                )
            extra = () if cache_kib is None else (f"PRAGMA cache_size = -{int(cache_kib)}",)
            for sql in extra:
                await loop.run_in_executor(pool, writer_conn.execute, sql)
            if readonly:
                uri = schema.readonly_uri(p)
                reader = await aiosqlite.connect(uri, uri=True, isolation_level=None)
            else:
                reader = await aiosqlite.connect(p, isolation_level=None)
            try:
                for sql in (*schema.pragmas(busy_timeout_ms), *extra):
                    await reader.execute(sql)
            except BaseException:
                await reader.close()
                raise
        except BaseException as exc:
            if writer_conn is not None:
                await loop.run_in_executor(pool, writer_conn.close)
            pool.shutdown(wait=False)
            if isinstance(exc, sqlite3.Error):
                raise translate(exc, p) from exc
            raise
        return cls(p, reader, writer_conn, pool, busy_timeout_ms, readonly)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        await conn.close()
        await asyncio.get_running_loop().run_in_executor(self._pool, self._writer.close)
        self._pool.shutdown(wait=True)

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def _require(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StoreClosed()
        return self._conn

    async def _on_writer(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn(writer connection)` on the writer thread. If the caller is cancelled the
        work still finishes there (a transaction commits or rolls back whole)."""
        self._require()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, fn, self._writer)
        except StoreError as err:
            raise logged(err) from err.__cause__

    # -- writing --------------------------------------------------------------------------------
    async def append(self, event: Event) -> int:
        """Store one event durably; returns its log id."""
        return (await self.append_many([event]))[0]

    async def append_many(self, events: Sequence[Event]) -> list[int]:
        """Store events in order in ONE transaction: all of them are durable, or none is."""
        try:  # refuse bad input before touching the file
            prepared = [(e, validate(e)) for e in events]
        except EventInvalid as err:
            log.warning("event refused: %s", err.detail)
            raise
        if not prepared:
            return []
        return await self._on_writer(
            lambda c: writer.transaction(c, self.path, lambda c: writer.append(c, prepared))
        )

    async def reserve_seqs(
        self, sender: str, count: int, *, at: float, site: str, by: str = ""
    ) -> list[int]:
        """`count` fresh sequence numbers for our key `sender`, durable before they are returned
        and unique across every process writing this file (CLI and daemon). `by` names who
        reserved them ("daemon": the one process per site that may take back what it left)."""
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10_000:
            raise EventInvalid("count must be 1..10000")
        validate(Event(SEQ_RESERVED, at, site, data={"sender": sender, "first": 1, "last": 1}))
        return await self._on_writer(
            lambda c: writer.transaction(
                c, self.path, lambda c: writer.reserve_seqs(c, sender, count, float(at), site, by)
            )
        )

    async def erase_personal(self, before: float, *, at: float, site: str) -> int:
        """Destroy the per-message keys created before `before` (the retention term) and log a
        retention.erased event, in one transaction. Returns how many keys were erased."""

        def run(c: sqlite3.Connection) -> int:
            erased = writer.transaction(
                c, self.path, lambda c: writer.erase_personal(c, before, at, site)
            )
            # old page images holding the keys may still sit in the WAL: fold it in, truncate it
            # (best effort: a busy reader only delays this to a later checkpoint)
            with contextlib.suppress(sqlite3.Error):
                c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return erased

        return await self._on_writer(run)

    # -- reading --------------------------------------------------------------------------------
    async def _guard(self, fn: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        conn = self._require()
        try:
            return await fn(conn)
        except sqlite3.Error as exc:
            raise logged(translate(exc, self.path)) from exc

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        async def q(conn: aiosqlite.Connection) -> list[Any]:
            return list(await conn.execute_fetchall(sql, tuple(params)))

        return await self._guard(q)

    async def head(self) -> tuple[int, bytes]:
        """(id, hash) of the last event; (0, 32 zero bytes) for an empty log."""
        rows = await self._all("SELECT head_id, head_hash FROM chain_head")
        return int(rows[0][0]), bytes(rows[0][1])

    async def log_copy(self) -> LogCopy:
        """Who kept this log, the heads it heard from others, and every row's chain hash: what
        `nsplink log verify --against` compares (anchor.py)."""
        sites = await self._all(
            "SELECT site, COUNT(*) FROM events GROUP BY site ORDER BY COUNT(*) DESC, site LIMIT 1"
        )
        heads = await self._all(
            "SELECT id, at, data, frame FROM events WHERE kind = ? ORDER BY id", (HEAD_HEARD,)
        )
        hashes = await self._all("SELECT id, hash FROM events")
        return anchor.from_rows(sites, heads, hashes)

    async def data_version(self) -> int:
        """Changes whenever ANOTHER process (the CLI, the daemon) committed to this file;
        this store's own appends do not change it."""

        def read(c: sqlite3.Connection) -> int:
            try:
                return int(c.execute("PRAGMA data_version").fetchone()[0])
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc

        return await self._on_writer(read)

    async def iter_events(
        self,
        *,
        kinds: Sequence[str] = (),
        site: str | None = None,
        since: float | None = None,
        ref: str | None = None,
        after_id: int = 0,
        with_personal: bool = False,
    ) -> AsyncIterator[Record]:
        """Events in log order. A kind ending in '.' (e.g. 'message.') matches its whole area."""
        where: list[str] = ["e.id > ?"]
        params: list[Any] = [after_id]
        if kinds:
            parts = []
            for kind in kinds:
                parts.append("e.kind LIKE ? ESCAPE '\\'" if kind.endswith(".") else "e.kind = ?")
                params.append(_like_prefix(kind) if kind.endswith(".") else kind)
            where.append("(" + " OR ".join(parts) + ")")
        for column, value in (("site", site), ("at", since), ("ref", ref)):
            if value is not None:
                where.append(f"e.{column} {'>=' if column == 'at' else '='} ?")
                params.append(value)
        sql = (
            "SELECT e.id, e.kind, e.at, e.site, e.ref, e.data, e.frame, e.hash, e.sealed, k.key "
            "FROM events e LEFT JOIN personal_keys k ON k.ref = e.ref AND e.sealed IS NOT NULL "
            f"WHERE {' AND '.join(where)} "
            f"ORDER BY e.id LIMIT {_PAGE}"
        )
        while True:
            rows = await self._all(sql, params)
            for row in rows:
                yield _record(row, with_personal)
            if len(rows) < _PAGE:
                return
            params[0] = rows[-1][0]

    async def events(self, **filters: Any) -> list[Record]:
        return [r async for r in self.iter_events(**filters)]

    async def count(self) -> int:
        rows = await self._all("SELECT count(*) FROM events")
        return int(rows[0][0])

    async def outbox(self, states: Sequence[str] = ()) -> list[OutboxItem]:
        """Outgoing messages, most urgent and oldest first; optionally only some states."""
        sql = f"SELECT {columns(OutboxItem)} FROM outbox"
        if states:
            sql += f" WHERE state IN ({', '.join('?' * len(states))})"
        rows = await self._all(sql + " ORDER BY priority, created_at, ref", states)
        return [OutboxItem(*r) for r in rows]

    async def outbox_item(self, ref: str) -> OutboxItem | None:
        rows = await self._all(f"SELECT {columns(OutboxItem)} FROM outbox WHERE ref = ?", (ref,))
        return OutboxItem(*rows[0]) if rows else None

    async def recipients(self, ref: str) -> dict[str, str]:
        """Per-recipient delivery of a bulletin: recipient -> 'pending' | 'delivered'."""
        rows = await self._all(
            "SELECT recipient, state FROM outbox_recipients WHERE ref = ? ORDER BY recipient",
            (ref,),
        )
        return {str(r[0]): str(r[1]) for r in rows}

    async def inbox(
        self, *, trust: Sequence[str] = (), triage: Sequence[str] = ()
    ) -> list[InboxItem]:
        """The CP queue: most urgent first, then oldest first. Each message appears once."""
        where: list[str] = []
        params: list[str] = []
        if trust:
            where.append(f"trust IN ({', '.join('?' * len(trust))})")
            params.extend(trust)
        if triage:
            where.append(f"triage IN ({', '.join('?' * len(triage))})")
            params.extend(triage)
        sql = f"SELECT {columns(InboxItem)} FROM inbox"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = await self._all(sql + " ORDER BY priority, received_at, local_id", params)
        return [InboxItem(*r) for r in rows]

    async def inbox_item(self, local_id: int) -> InboxItem | None:
        rows = await self._all(
            f"SELECT {columns(InboxItem)} FROM inbox WHERE local_id = ?", (local_id,)
        )
        return InboxItem(*rows[0]) if rows else None

    async def seq_state(self, sender: str) -> SeqState | None:
        rows = await self._all(
            f"SELECT {columns(SeqState)} FROM seq_state WHERE sender = ?", (sender,)
        )
        return SeqState(*rows[0]) if rows else None

    async def next_seq(self, sender: str) -> int:
        """One past the last sequence number of `sender` created or reserved. Only a hint: to
        sign a message, take a number from `reserve_seqs`, which no other process can also get."""
        state = await self.seq_state(sender)
        return (state.last_sent or 0) + 1 if state else 1

    async def claims(self, refs: Sequence[str] = ()) -> list[ClaimItem]:
        """The CPs' claims on reports (all, or about `refs`); `ownership()` names the owner."""
        sql = f"SELECT {columns(ClaimItem)} FROM claims"
        if refs:
            sql += f" WHERE ref IN ({', '.join('?' * len(refs))})"
        rows = await self._all(sql + " ORDER BY ref, minute, cp, seq", refs)
        return [ClaimItem(*r) for r in rows]

    async def ownership(self, refs: Sequence[str] = ()) -> dict[str, Ownership]:
        """Per report with a claim: who owns it and who else claimed it, by the protocol's rule
        (protocol/ownership.py), so that every site names the same owner from the same claims."""
        by_ref: dict[str, list[Claim]] = {}
        for c in await self.claims(refs):
            try:
                claim = Claim(
                    MessageId.parse(c.ref), KeyId.parse(c.cp), c.minute, c.seq, State(c.state)
                )
            except ValueError:
                continue  # not a claim the rule can read: the log is not ours to fix
            by_ref.setdefault(c.ref, []).append(claim)
        return {ref: ownership(cs) for ref, cs in by_ref.items()}

    async def custody(self) -> list[CustodyItem]:
        rows = await self._all(f"SELECT {columns(CustodyItem)} FROM custody ORDER BY ref")
        return [CustodyItem(*r) for r in rows]

    async def projections(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every projection table's rows in a fixed order (for comparing live with rebuilt)."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in ("outbox", "outbox_recipients", "inbox", "seq_state", "custody", "claims"):
            rows = await self._all(f"SELECT * FROM {table} ORDER BY 1, 2")
            out[table] = [tuple(r) for r in rows]
        return out

    # -- maintenance ----------------------------------------------------------------------------
    async def verify(self) -> VerifyReport:
        """Check SQLite's pages and walk the whole hash chain (in a worker thread)."""
        self._require()
        try:
            return await asyncio.to_thread(
                functools.partial(
                    schema.verify_path, self.path, self._busy_ms, readonly=self.readonly
                )
            )
        except StoreError as err:
            raise logged(err) from err.__cause__

    async def check_views(self) -> ViewProblem | None:
        """Replay the log beside the derived tables; the first row it does not support, if any."""
        self._require()
        try:
            return await asyncio.to_thread(
                functools.partial(
                    schema.views_path, self.path, self._busy_ms, readonly=self.readonly
                )
            )
        except StoreError as err:
            raise logged(err) from err.__cause__

    async def rebuild(self) -> int:
        """Recompute every projection from the log; returns the number of events replayed."""
        return await self._on_writer(lambda c: writer.transaction(c, self.path, writer.rebuild))


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _record(row: Any, with_personal: bool) -> Record:
    eid, kind, at, site, ref, data, frame, digest, sealed, key = row
    personal = None
    if sealed is not None and key is not None and with_personal:
        opened = unseal(bytes(key), bytes(sealed))
        if opened is not None:
            personal, sealed_frame = opened
            frame = sealed_frame if sealed_frame is not None else frame
    return Record(
        id=eid,
        kind=kind,
        at=at,
        site=site,
        ref=ref,
        data=loads_data(data),
        frame=None if frame is None else bytes(frame),
        hash=bytes(digest),
        has_personal=sealed is not None,
        personal=personal,
        erased=sealed is not None and key is None,
    )

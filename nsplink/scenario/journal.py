"""Each simulated site's real store, written exactly as the daemon writes it.

`SiteJournal` uses the daemon's own effect-to-event mapping (`nsplink.app.journal.Journal`), so a
scenario's logs are what a real site would have logged. The difference is only where the events
go: into a per-site batch that the runner writes to the site's SQLite file with one
`append_many` at each flush point in virtual time. Reads (the restore after a power loss) go to
the real store after a flush.

The journal's methods are coroutines; for everything except `Transmit` and `NeedSeqs` (which the
network carries out itself) they only await the batch, which never suspends, so they are driven
to completion synchronously inside the medium's event loop.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Coroutine
from typing import Any

from nsplink.app.journal import Journal
from nsplink.protocol import Identity, KeyRing
from nsplink.protocol.effects import Effect, NeedSeqs, Transmit
from nsplink.protocol.engine import EngineConfig, SiteEngine
from nsplink.store import Event, Store


class _Batch:
    """Stands in for the store while effects are logged: writes collect, reads go to the file."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.pending: list[Event] = []

    async def append(self, event: Event) -> int:
        self.pending.append(event)
        return 0

    async def append_many(self, events: list[Event]) -> list[int]:
        self.pending.extend(events)
        return [0] * len(events)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


def _drive(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never suspends to its end, synchronously."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("a journal write tried to wait; only batched writes are allowed here")


class SiteJournal:
    """The daemon's journal (`nsplink.app.journal.Journal`) for one simulated site, writing into a
    batch that the runner flushes to the site's own store."""

    def __init__(
        self,
        site: str,
        engine: SiteEngine,
        roster: KeyRing,
        store: Store,
        clock: Callable[[], float],
        undelivered_after_s: float = 3600.0,
    ) -> None:
        self.site = site
        self.clock = clock
        self.batch = _Batch(store)
        self.journal = Journal(
            site, engine, roster, self.batch, clock, undelivered_after_s=undelivered_after_s
        )
        self.written = 0

    @property
    def real_store(self) -> Store:
        return self.batch.store

    def record(self, effect: Effect) -> None:
        """Log one effect now (into the batch), exactly as the daemon logs it."""
        if isinstance(effect, Transmit | NeedSeqs):
            return  # carried out by the network, not logged by the daemon either
        _drive(self.journal.record(effect))

    def note(self, kind: str, ref: str, data: dict[str, Any]) -> None:
        """An event the site's people cause outside the engine (e.g. a CP operator's triage)."""
        self.batch.pending.append(Event(kind, self.clock(), self.site, ref, data))

    async def flush(self) -> None:
        if self.batch.pending:
            events, self.batch.pending = self.batch.pending, []
            await self.real_store.append_many(events)
            self.written += len(events)

    async def restore(self, engine: SiteEngine, now: float) -> list[Effect]:
        """What the daemon does on start: a fresh engine gets the outbox and custody back."""
        self.journal.engine = engine
        return await self.journal.restore(now)


def fresh_engine(
    identity: Identity, roster: KeyRing, role: str, rng_seed: int, now: float
) -> SiteEngine:
    """An engine with empty memory, as a daemon process starts one."""
    config = EngineConfig(role=role, carry=role == "relay")
    return SiteEngine(identity, roster, config, rng=random.Random(rng_seed), now=now)

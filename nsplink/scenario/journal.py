"""Each simulated site's real store, written exactly as the daemon writes it.

A simulated site logs through the daemon's own journal (`nsplink.app.journal.Journal`, attached
to the site's driver while its store is open), so a scenario's logs are what a real site would
have logged. The difference is only when rows reach the file: they collect in a per-site batch
that the runner writes with one `append_many` at each flush point in virtual time (and always
before a power loss, since the daemon commits before it transmits). Reads (the restore after a
power loss) go to the real store after a flush.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from nsplink.app.journal import Journal
from nsplink.protocol import (
    READ_FORMATS,
    Effect,
    EngineConfig,
    Identity,
    KeyRing,
    SiteEngine,
    VerifiedFrames,
)
from nsplink.store import Event, Store


class SiteJournal:
    """The daemon's journal for one simulated site, and the batch of rows not yet written."""

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
        self.store = store
        self.journal = Journal(
            site, engine, roster, store, clock, undelivered_after_s=undelivered_after_s
        )
        self.pending: list[Event] = []
        self.written = 0
        self._head: tuple[int, bytes] | None = None  # the store's head, until it is written

    def keep(self, events: list[Event]) -> None:
        """Rows the driver asked to persist: into the batch."""
        self.pending.extend(events)

    def note(self, kind: str, ref: str, data: dict[str, Any]) -> None:
        """An event the site's people cause outside the engine (e.g. a CP operator's triage)."""
        self.pending.append(Event(kind, self.clock(), self.site, ref, data))

    async def flush(self) -> None:
        if self.pending:
            events, self.pending = self.pending, []
            self._head = None
            await self.store.append_many(events)
            self.written += len(events)

    async def head(self) -> tuple[int, bytes]:
        """The store's head as written so far (what a beacon carries). Rows reach the file
        only in `flush` and `restore`, so it is read again only after one of those: a site
        beacons twice between hourly flushes, and each read is a round trip to SQLite's
        thread."""
        if self._head is None:
            self._head = await self.store.head()
        return self._head

    async def restore(self, engine: SiteEngine, now: float) -> list[Effect]:
        """What the daemon does on start: a fresh engine gets the outbox and custody back."""
        self.journal.engine = engine
        try:
            return await self.journal.restore(now)
        finally:
            self._head = None  # the restore may log (a radio error)


def fresh_engine(
    identity: Identity,
    roster: KeyRing,
    role: str,
    rng_seed: int,
    now: float,
    verified: VerifiedFrames | None = None,
    formats: frozenset[int] = READ_FORMATS,
) -> SiteEngine:
    """An engine with empty memory, as a daemon process starts one (the simulation's shared
    memory of verified frames is not the site's: it only saves the same work twice).
    `formats`: the frame formats its release reads (issue 24)."""
    config = EngineConfig(role=role, carry=role == "relay", formats=formats)
    rng = random.Random(rng_seed)
    return SiteEngine(identity, roster, config, rng=rng, now=now, verified=verified)

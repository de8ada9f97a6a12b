"""Each simulated site's real store, written exactly as the daemon writes it.

`SiteJournal` reuses the daemon's own effect-to-event mapping (`Daemon._carry_out` and the
methods it calls) instead of a copy, so a scenario's logs are what a real site would have
logged. The difference is only where the events go: into a per-site batch that the runner writes
to the site's SQLite file with one `append_many` at each flush point in virtual time. Reads (the
restore after a power loss) go to the real store after a flush.

The daemon's methods are coroutines; for everything except `Transmit` and `NeedSeqs` (which the
network carries out itself) they only await the batch, which never suspends, so they are driven
to completion synchronously inside the medium's event loop.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Coroutine
from types import SimpleNamespace
from typing import Any

from nsplink.daemon import Daemon
from nsplink.protocol import Identity, KeyRing
from nsplink.protocol.codes import MessageType
from nsplink.protocol.effects import Effect, NeedSeqs, Transmit
from nsplink.protocol.engine import EngineConfig, SiteEngine
from nsplink.protocol.envelope import SignedMessage
from nsplink.store import Event, Store
from nsplink.store import events as ev


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


class SiteJournal(Daemon):
    """The daemon's logging half for one simulated site (no radio, no config files, no tasks)."""

    def __init__(
        self,
        site: str,
        role: str,
        identity: Identity,
        roster: KeyRing,
        store: Store,
        clock: Callable[[], float],
        undelivered_after_s: float = 3600.0,
    ) -> None:
        # only the fields _carry_out reads; the daemon's roster type adds region bookkeeping the
        # logging path never uses (it only looks keys up)
        self.cfg = SimpleNamespace(  # type: ignore[assignment]
            site=site, role=role, undelivered_after_s=undelivered_after_s
        )
        self.identity = identity
        self.me = identity.key_id
        self.roster = roster  # type: ignore[assignment]
        self.clock = clock
        self.batch = _Batch(store)
        self.store = self.batch  # type: ignore[assignment]
        self._submitted: set[str] = set()
        self._inbox_refs: set[str] = set()
        self.last_heard: dict[str, float] = {}
        self.written = 0

    async def _created(self, msg: SignedMessage) -> None:
        """As the daemon logs it, plus what `compose.queue_message` adds for a message a
        person typed: an emergency report's frame is sealed (personal data, issue 11)."""
        start = len(self.batch.pending)
        await super()._created(msg)
        if msg.envelope.type is MessageType.EMERGENCY:
            self.batch.pending[start:] = [
                dataclasses.replace(e, seal_frame=True) if e.kind == ev.MESSAGE_CREATED else e
                for e in self.batch.pending[start:]
            ]

    @property
    def real_store(self) -> Store:
        return self.batch.store

    def record(self, effect: Effect) -> None:
        """Log one effect now (into the batch), as the daemon's `_carry_out` would."""
        if isinstance(effect, Transmit | NeedSeqs):
            return  # carried out by the network, not logged by the daemon either
        _drive(self._carry_out(effect))

    def note(self, kind: str, ref: str, data: dict[str, Any]) -> None:
        """An event the site's people cause outside the engine (e.g. a CP operator's triage)."""
        self.batch.pending.append(Event(kind, self.clock(), self.cfg.site, ref, data))

    async def flush(self) -> None:
        if self.batch.pending:
            events, self.batch.pending = self.batch.pending, []
            await self.real_store.append_many(events)
            self.written += len(events)

    async def restore(self, engine: SiteEngine, now: float) -> list[Effect]:
        """What the daemon does on start: rebuild the outbox and custody from the log."""
        store = self.real_store
        self._inbox_refs = {item.ref for item in await store.inbox()}
        effects: list[Effect] = []
        for item in await store.outbox():
            if item.state == "delivered":
                self._submitted.add(item.ref)
                continue
            msg = await self._load_message(item.ref)
            if msg is None or msg.envelope.sender != self.me:
                continue
            self._submitted.add(item.ref)
            got = [
                r for r, state in (await store.recipients(item.ref)).items() if state == "delivered"
            ]
            from nsplink.protocol import KeyId

            effects += engine.submit(
                msg,
                now,
                attempts=item.attempts,
                delivered_to=[KeyId.parse(r) for r in got],
                submitted_at=item.created_at,
            )
        for held in await store.custody():
            if held.state in ("taken", "forwarded"):
                msg2: SignedMessage | None = await self._load_message(held.ref)
                if msg2 is not None:
                    effects += engine.hold(msg2, now)
        return effects


def fresh_engine(
    identity: Identity, roster: KeyRing, role: str, rng_seed: int, now: float
) -> SiteEngine:
    """An engine with empty memory, as a daemon process starts one."""
    config = EngineConfig(role=role, carry=role == "relay")
    return SiteEngine(identity, roster, config, rng=random.Random(rng_seed), now=now)

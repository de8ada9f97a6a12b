"""Message numbers people see do not skip a block after a crash (issue 18).

The daemon reserves sequence numbers in blocks for the receipts and beacons its engine signs;
the engine holds the block in memory. Killed, that memory is gone: before, the next start
reserved a fresh block, so the next number a person got (`bd4c8c-17`) jumped by up to 16. Now
the restart takes back the numbers of the previous run's blocks that no logged message used.
A real engine, driver and journal over a real SQLite file; the "kill" drops the engine."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from nsplink.app.driver import EngineDriver
from nsplink.app.journal import Journal
from nsplink.protocol import (
    EVERYONE,
    EngineConfig,
    Identity,
    KeyRing,
    PeerKey,
    Power,
    Priority,
    SiteEngine,
    Status,
)
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.app.requests import answer

T0 = 1_767_225_600.0
IDENT = Identity(bytes(range(32)))
ME = str(IDENT.key_id)
BEACON = Status(power=Power.NET, battery_pct=100, power_hours=255, queue_depth=0)


class Run:
    """One daemon run's engine, driver and journal; requests answered as the daemon does."""

    def __init__(self, store: Store) -> None:
        ring = KeyRing([PeerKey("nsp-a", "nsp", IDENT.public_key)])
        self.store = store
        self.engine = SiteEngine(IDENT, ring, EngineConfig(role="nsp"), rng=random.Random(1))
        self.journal = Journal("nsp-a", self.engine, ring, store, lambda: T0)
        self.driver = EngineDriver(self.engine, self.journal, lambda: T0)
        self.reserved: list[int] = []

    async def carry_out(self, effects: list[Any]) -> None:
        steps = self.driver.carry_out(effects)
        self.reserved += await answer(steps, self.store, site="nsp-a", sender=ME, at=T0)

    async def start(self) -> None:
        await self.store.append(Event(ev.DAEMON_STARTED, T0, "nsp-a"))
        await self.carry_out(await self.journal.restore(T0))

    async def beacon(self) -> int:
        """Sign one status beacon (a first call with no numbers only asks for them)."""
        before = len(await self.store.events(kinds=("status.sent",)))
        for _ in range(2):
            await self.carry_out(self.engine.send_message(BEACON, EVERYONE, Priority.P4, T0))
            rows = await self.store.events(kinds=("status.sent",))
            if len(rows) > before:
                return int(rows[-1].data["seq"])
        raise AssertionError("no beacon signed")


async def _person(store: Store) -> int:
    """What `nsplink send` does for a number: one, from the store."""
    (seq,) = await store.reserve_seqs(ME, 1, at=T0, site="nsp-a")
    return seq


async def test_a_restart_takes_back_the_numbers_the_killed_run_held(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "site.db") as store:
        first = Run(store)
        await first.start()
        used = await first.beacon()
        assert first.reserved and used == first.reserved[0]
        held = len(first.reserved) - 1
        before = await _person(store)  # a person's message while the daemon holds its block
        # SIGKILL: the first run's engine, and its memory of the block, are gone
        second = Run(store)
        await second.start()
        assert second.engine._seqs == first.reserved[1:]  # taken back, none signed twice
        again = await second.beacon()
        assert again == used + 1 and second.reserved == []  # no fresh block was needed
        after = await _person(store)
        assert after == before + 1  # the number people see did not skip a block
        assert held > 0
        assert (await store.verify()).ok


async def test_numbers_a_person_holds_are_never_taken_back(tmp_path: Path) -> None:
    """A CLI reservation (not `by` the daemon) whose message is not written yet stays its own."""
    async with await Store.open(tmp_path / "site.db") as store:
        await store.append(Event(ev.DAEMON_STARTED, T0, "nsp-a"))
        cli = await _person(store)
        run = Run(store)
        await run.start()
        assert cli not in run.engine._seqs

"""Answering an engine driver's requests as the daemon does, for tests that drive a real engine,
driver and journal over a real store without a radio."""

from __future__ import annotations

import itertools
import random
from typing import Any

from nsplink.app.driver import EngineDriver, Persist, Request, Reserve, Send, Steps
from nsplink.app.journal import DAEMON, Journal
from nsplink.protocol import (
    Destination,
    EngineConfig,
    Envelope,
    Identity,
    KeyRing,
    MessageId,
    Priority,
    SignedMessage,
    SiteEngine,
    Transmit,
    encode,
    minutes_since_epoch,
)
from nsplink.store import Event, Store
from nsplink.store import events as ev

_PACKET_IDS = itertools.count(1)


async def answer(steps: Steps, store: Store, *, site: str, sender: str, at: float) -> list[int]:
    """Rows go to the store, the radio takes every frame, numbers are reserved for the daemon;
    returns the numbers reserved."""
    reserved: list[int] = []
    reply: Any = None
    while True:
        try:
            request: Request = steps.send(reply)
        except StopIteration:
            return reserved
        reply = None
        if isinstance(request, Persist):
            await store.append_many(request.events)
        elif isinstance(request, Send):
            reply = next(_PACKET_IDS)
        elif isinstance(request, Reserve):
            reply = await store.reserve_seqs(sender, request.count, at=at, site=site, by=DAEMON)
            reserved += reply


class DaemonRun:
    """One daemon run of a site without a radio: a real engine, driver and journal over the
    site's store, requests answered as the daemon answers them. A "kill" is a new run over the
    same store. `sent` lists the messages it put on the air, `frames` their frames."""

    def __init__(
        self, name: str, identity: Identity, ring: KeyRing, store: Store, now: float
    ) -> None:
        self.name, self.identity, self.store, self.now = name, identity, store, now
        peer = ring.lookup(identity.key_id)
        assert peer is not None
        config = EngineConfig(role=peer.role)
        self.engine = SiteEngine(identity, ring, config, rng=random.Random(1), now=now)
        self.journal = Journal(name, self.engine, ring, store, lambda: self.now)
        self.sent: list[MessageId] = []
        self.frames: list[bytes] = []
        self.driver = EngineDriver(self.engine, self.journal, lambda: self.now, observe=self._tx)

    def _tx(self, effect: Any) -> None:
        if isinstance(effect, Transmit):  # every frame, also those the driver's answers bring
            self.sent.append(effect.mid)
            self.frames.append(effect.frame)

    async def carry_out(self, effects: list[Any]) -> None:
        steps = self.driver.carry_out(effects)
        me = str(self.identity.key_id)
        await answer(steps, self.store, site=self.name, sender=me, at=self.now)

    async def start(self) -> None:
        await self.store.append(Event(ev.DAEMON_STARTED, self.now, self.name))
        await self.carry_out(await self.journal.restore(self.now))

    async def hear(self, frame: bytes, node: int = 0x99) -> None:
        await self.carry_out(self.engine.on_frame(frame, node, 0, self.now))

    async def run_until(self, until: float) -> None:
        for _ in range(10_000):
            due = self.engine.next_deadline()
            if due is None or due > until:
                break
            self.now = max(self.now, due)
            await self.carry_out(self.engine.handle_timer(self.now))
        self.now = until


def sign(
    identity: Identity, ring: KeyRing, body: Any, dest: Destination, seq: int, at: float,
    priority: Priority,
) -> SignedMessage:  # fmt: skip
    """A message of site `identity` as it signs it at `at`."""
    env = Envelope(identity.key_id, seq, minutes_since_epoch(at), body, priority, dest)
    peer = ring.lookup(identity.key_id)
    assert peer is not None
    return SignedMessage(env, encode(env, identity), peer)

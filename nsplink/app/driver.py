"""The one driver contract: radio events into engine calls, engine effects into sends and log rows.

The daemon (asyncio, a real or emulated radio, wall time) and the scenario (simulated nodes,
virtual time) drive a site's `SiteEngine` through `EngineDriver`, so both translate the radio and
the effects the same way: the same hop counts, the same refusal reasons, the same log events.

The driver does no I/O. `carry_out(effects)` is a generator that yields what must be done and
takes each answer back, the way a sans-IO protocol hands its caller work:

    Persist(events)   make these log rows durable (answer: None)
    Send(packet)      hand a frame to the radio (answer: its packet id, or the RadioError)
    Reserve(count)    reserve sequence numbers in the store (answer: the numbers)
    RosterHeard(msg)  a region-signed roster came over the air (answer: None)

The rule that makes "nothing lost" hold is kept here, once: every row the effects so far produced
is yielded in a `Persist` before any `Send`, `Reserve` or `RosterHeard` that follows them. The
daemon answers each request with an await; the scenario answers at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from nsplink.app.journal import Journal
from nsplink.protocol import (
    Deliver,
    Effect,
    FailureReason,
    NeedSeqs,
    RefusalReason,
    RosterUpdate,
    SignedMessage,
    SiteEngine,
    Transmit,
)
from nsplink.radio.base import (
    BROADCAST,
    Acked,
    ChannelLoad,
    Failed,
    LinkDown,
    LinkUp,
    OutgoingPacket,
    QueueStatus,
    RadioError,
    RadioEvent,
    RadioRefused,
    Received,
)
from nsplink.store import Event


@dataclass(frozen=True)
class Persist:
    events: list[Event]


@dataclass(frozen=True)
class Send:
    packet: OutgoingPacket


@dataclass(frozen=True)
class Reserve:
    count: int


@dataclass(frozen=True)
class RosterHeard:
    msg: SignedMessage


Request = Persist | Send | Reserve | RosterHeard
Steps = Generator[Request, Any, None]


def refusal_reason(error: RadioError) -> RefusalReason:
    """The engine's back-pressure reason for a radio that did not take a frame."""
    if isinstance(error, RadioRefused):
        name = error.reason.upper()
        if "DUTY" in name:
            return RefusalReason.DUTY_CYCLE
        if "DISABLED" in name:
            return RefusalReason.UNAVAILABLE  # the radio is switched off: like no radio at all
        return RefusalReason.QUEUE_FULL
    return RefusalReason.UNAVAILABLE


def hops_of(event: Received) -> int | None:
    """How many hops a packet took; None when the firmware left hop_start unset (older ones)."""
    start, left = event.hop_start, event.hop_limit
    if start is not None and left is not None and start >= left:
        return start - left
    return None


def packet_for(tx: Transmit) -> OutgoingPacket:
    return OutgoingPacket(
        tx.frame,
        dest=BROADCAST,
        want_ack=tx.want_ack,
        priority=tx.radio_priority,
        hop_limit=tx.hop_limit,
    )


class EngineDriver:
    """Drives one site's engine; `journal` is None while nothing is logged (a bare simulation, or
    a simulated site whose store is closed)."""

    def __init__(
        self,
        engine: SiteEngine,
        journal: Journal | None,
        clock: Callable[[], float],
        *,
        observe: Callable[[Effect], None] | None = None,
    ) -> None:
        self.engine = engine
        self.journal = journal
        self.clock = clock
        self.observe = observe

    def replace_engine(self, engine: SiteEngine) -> None:
        """A restarted site: a fresh engine, rebuilt from the log by the journal's restore."""
        self.engine = engine
        if self.journal is not None:
            self.journal.engine = engine

    def on_radio(self, event: RadioEvent, now: float) -> list[Effect]:
        """The engine's answer to one thing the radio said."""
        engine = self.engine
        if isinstance(event, Received):
            return engine.on_frame(event.payload, event.from_node, hops_of(event), now)
        if isinstance(event, Acked):
            return engine.on_acked(event.packet_id, event.implicit, now)
        if isinstance(event, Failed):
            return engine.on_failed(event.packet_id, FailureReason.of(event.reason), now)
        if isinstance(event, ChannelLoad):
            return engine.on_channel_load(event.channel_util_pct, event.air_util_tx_pct, now)
        if isinstance(event, LinkUp):
            return engine.handle_timer(now)
        if isinstance(event, QueueStatus):
            return engine.handle_timer(now) if event.free else []
        if isinstance(event, LinkDown):
            return []
        return []

    def carry_out(self, effects: list[Effect]) -> Steps:
        """Carry out effects in order, and the engine's answers to them (see the module doc)."""
        queue = deque(effects)
        rows: list[Event] = []
        while queue:
            effect = queue.popleft()
            if self.observe is not None:
                self.observe(effect)
            if isinstance(effect, Transmit):
                if rows:
                    yield Persist(rows)
                    rows = []
                answer = yield Send(packet_for(effect))
                queue.extend(self._handed(effect, answer))
            elif isinstance(effect, NeedSeqs):
                if rows:
                    yield Persist(rows)
                    rows = []
                seqs = yield Reserve(effect.count)
                queue.extend(self.engine.provide_seqs(seqs, self.clock()))
            elif isinstance(effect, Deliver) and isinstance(effect.msg.envelope.body, RosterUpdate):
                if rows:
                    yield Persist(rows)
                    rows = []
                yield RosterHeard(effect.msg)
            elif self.journal is not None:
                rows.extend(self.journal.events_for(effect))
        if rows:
            yield Persist(rows)

    def _handed(self, tx: Transmit, answer: int | RadioError) -> list[Effect]:
        now = self.clock()
        if isinstance(answer, RadioError):
            return self.engine.on_refused(tx.token, refusal_reason(answer), now)
        return self.engine.on_handed(tx.token, answer, now)


def run_now(steps: Steps, answer: Callable[[Request], Any]) -> None:
    """Carry out a driver's requests with an answer that needs no waiting (the simulation)."""
    reply: Any = None
    while True:
        try:
            request = steps.send(reply)
        except StopIteration:
            return
        reply = answer(request)

"""Site engines on the simulated medium, in virtual time: the same protocol core as the daemon,
driven by the medium's event loop instead of asyncio.

`SimNetwork` wires one `SiteEngine` per site to one `SimNode`: a `Transmit` becomes a send on the
node, the node's receptions, acks and naks go back into the engine, and each engine's
`next_deadline()` becomes a timer on the medium. Nothing sleeps. Observers (the scenario report,
tests, benchmarks) subscribe to every effect with its site and virtual time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from nsplink.protocol import Destination, Identity, KeyRing, MessageId, PeerKey, Priority
from nsplink.protocol.effects import (
    Created,
    Effect,
    FailureReason,
    NeedSeqs,
    RefusalReason,
    Transmit,
)
from nsplink.protocol.engine import EngineConfig, SiteEngine
from nsplink.protocol.messages import Message
from nsplink.radio.base import BROADCAST
from nsplink.radio.sim import AppReceive, Medium, NodeEvent, QueueStatusEvent, RoutingEvent, SimNode
from nsplink.radio.sim.events import ERR_NONE, ERRNO_DISABLED

# meshtastic Routing.Error codes the simulated nodes report; the engine acts on two of them
ROUTING_REASONS = {5: FailureReason.MAX_RETRANSMIT, 9: FailureReason.DUTY_CYCLE_LIMIT}
DEFAULT_EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z: virtual t=0 in unix seconds

Observer = Callable[["SimSite", Effect, float], None]


@dataclass
class SimSite:
    name: str
    role: str
    identity: Identity
    node: SimNode
    engine: SiteEngine
    next_seq: int = 1
    timer_gen: int = 0
    sent: dict[MessageId, float] = field(default_factory=dict)

    @property
    def key_id(self) -> str:
        return str(self.identity.key_id)


class SimNetwork:
    def __init__(
        self,
        medium: Medium,
        *,
        portnum: int = 287,
        epoch: float = DEFAULT_EPOCH,
        seed: int = 0,
    ) -> None:
        self.medium = medium
        self.portnum = portnum
        self.epoch = epoch
        self.roster = KeyRing()
        self.sites: dict[str, SimSite] = {}
        self.by_node: dict[int, SimSite] = {}
        self.observers: list[Observer] = []
        self._rng = random.Random(seed)

    @property
    def now(self) -> float:
        """Virtual unix time."""
        return self.epoch + self.medium.now

    def add_site(
        self,
        name: str,
        role: str,
        node_num: int,
        *,
        position: tuple[float, float] | None = None,
        radio_role: str = "CLIENT",
        config: EngineConfig | None = None,
        carry: bool | None = None,
    ) -> SimSite:
        seed = self._rng.getrandbits(256).to_bytes(32, "big")
        identity = Identity(seed)
        self.roster.add(PeerKey(name, role, identity.public_key))
        node = self.medium.add_node(node_num, position=position, role=radio_role)
        cfg = config or EngineConfig(role=role, carry=role == "relay" if carry is None else carry)
        engine = SiteEngine(
            identity, self.roster, cfg, rng=random.Random(self._rng.getrandbits(64)), now=self.now
        )
        site = SimSite(name, role, identity, node, engine)
        self.sites[name] = site
        self.by_node[node_num] = site
        node.on_event = lambda ev, s=site: self._on_node_event(s, ev)
        self._apply(site, engine.provide_seqs(self._reserve(site, 32), self.now))
        return site

    def _reserve(self, site: SimSite, count: int) -> list[int]:
        seqs = list(range(site.next_seq, site.next_seq + count))
        site.next_seq += count
        return seqs

    # -- what a person at a site does -----------------------------------------------------------

    def submit(
        self,
        site_name: str,
        body: Message,
        destination: Destination,
        priority: Priority | None = None,
    ) -> MessageId:
        """Type a message at a site: sign it and queue it, as the CLI and daemon would."""
        from nsplink.protocol import suggested_priority

        site = self.sites[site_name]
        prio = priority or suggested_priority(body)
        msg = site.engine.compose(body, destination, prio, self.now)
        if msg is None:  # the reserved block ran out: reserve more, as the driver would
            site.engine.provide_seqs(self._reserve(site, 32), self.now)
            msg = site.engine.compose(body, destination, prio, self.now)
            assert msg is not None
        site.sent[msg.id] = self.now
        self._notify(site, Created(msg))
        self._apply(site, site.engine.submit(msg, self.now))
        return msg.id

    def triage(self, site_name: str, mid: MessageId, state: str) -> None:
        from nsplink.protocol.codes import State

        site = self.sites[site_name]
        self._apply(site, site.engine.receipt({mid: State(state)}, self.now))

    def site_of(self, key_id: str) -> SimSite | None:
        return next((s for s in self.sites.values() if s.key_id == key_id), None)

    # -- time --------------------------------------------------------------------------------

    def run_until(self, t: float) -> None:
        """Advance virtual time (seconds since the start) to `t`."""
        self.medium.advance_to(t)

    def run_for(self, dt: float) -> None:
        self.medium.advance_to(self.medium.now + dt)

    # -- wiring ------------------------------------------------------------------------------

    def _notify(self, site: SimSite, effect: Effect) -> None:
        for obs in self.observers:
            obs(site, effect, self.now)

    def _apply(self, site: SimSite, effects: list[Effect]) -> None:
        queue = list(effects)
        while queue:
            effect = queue.pop(0)
            self._notify(site, effect)
            if isinstance(effect, Transmit):
                queue.extend(self._transmit(site, effect))
            elif isinstance(effect, NeedSeqs):
                queue.extend(site.engine.provide_seqs(self._reserve(site, effect.count), self.now))
        self._arm(site)

    def _transmit(self, site: SimSite, tx: Transmit) -> list[Effect]:
        node = site.node
        if not node.powered:
            return site.engine.on_refused(tx.token, RefusalReason.UNAVAILABLE, self.now)
        result = node.send(
            dest=BROADCAST,
            payload=tx.frame,
            portnum=self.portnum,
            want_ack=tx.want_ack,
            priority=tx.radio_priority,
            hop_limit=tx.hop_limit,
        )
        if result.res == ERR_NONE:
            return site.engine.on_handed(tx.token, result.packet_id, self.now)
        disabled = result.res == ERRNO_DISABLED
        reason = RefusalReason.UNAVAILABLE if disabled else RefusalReason.QUEUE_FULL
        return site.engine.on_refused(tx.token, reason, self.now)

    def _on_node_event(self, site: SimSite, ev: NodeEvent) -> None:
        engine = site.engine
        if isinstance(ev, AppReceive):
            if ev.portnum != self.portnum:
                return
            hops = ev.hop_start - ev.hop_limit if ev.hop_start >= ev.hop_limit else None
            effects = engine.on_frame(ev.payload, ev.from_node, hops, self.now)
        elif isinstance(ev, RoutingEvent):
            if ev.error_reason == ERR_NONE:
                implicit = ev.from_node == site.node.node_num
                effects = engine.on_acked(ev.request_id, implicit, self.now)
            else:
                reason = ROUTING_REASONS.get(ev.error_reason, FailureReason.OTHER)
                effects = engine.on_failed(ev.request_id, reason, self.now)
        elif isinstance(ev, QueueStatusEvent):
            effects = engine.handle_timer(self.now)
        else:
            return
        self._apply(site, effects)

    def _arm(self, site: SimSite) -> None:
        """One pending timer per site: the engine's next deadline."""
        deadline = site.engine.next_deadline()
        site.timer_gen += 1
        if deadline is None:
            return
        gen = site.timer_gen
        at = max(self.medium.now, deadline - self.epoch)

        def fire() -> None:
            if site.timer_gen == gen:
                self._apply(site, site.engine.handle_timer(self.now))

        self.medium.call_at(at, fire)

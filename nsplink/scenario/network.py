"""Site engines on the simulated medium, in virtual time: the same protocol core as the daemon,
driven through the same driver (app/driver.py) by the medium's event loop instead of asyncio.

`SimNetwork` wires one `SiteEngine` per site to one `SimNode`: the node's events become the
`RadioEvent`s a radio adapter reports (radio/sim/driver.py), the driver turns them into engine
calls and its `Send` requests into sends on the node, and each engine's `next_deadline()` becomes
a timer on the medium. Nothing sleeps. A node's events that arrive while we are handing it a
packet wait until the hand-over is answered, as they do from a real device. Log rows go to
`persist` (the scenario runner writes them to each site's store); observers (the scenario
report, tests, benchmarks) see every effect with its site and virtual time.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nsplink.app.driver import EngineDriver, Persist, Request, Reserve, Send, run_now
from nsplink.protocol import (
    Created,
    Destination,
    Effect,
    EngineConfig,
    Identity,
    KeyRing,
    Message,
    MessageId,
    PeerKey,
    Priority,
    SiteEngine,
    VerifiedFrames,
    seal_public_key,
)
from nsplink.radio.base import RadioError
from nsplink.radio.sim import Medium, NodeEvent, SimNode
from nsplink.radio.sim.driver import radio_event, refusal, send_to_node
from nsplink.radio.sim.telemetry import report_metrics
from nsplink.store import Event

DEFAULT_EPOCH = 1_767_225_600.0  # 2026-01-01T00:00:00Z: virtual t=0 in unix seconds

Observer = Callable[["SimSite", Effect, float], None]


@dataclass
class CpuSplit:
    """Where a run's main-thread CPU went (`time.thread_time`), for the benchmarks; never in a
    report. Measured only when a network's `cpu` is set: unset, it costs one test per call."""

    medium_s: float = 0.0  # inside the medium's event loop (`run_until`), sites' calls included
    sites_s: float = 0.0  # inside the sites: engines, drivers, journals, wherever called from
    sites_in_medium_s: float = 0.0  # the part of `sites_s` the medium's events called

    @property
    def simulator_s(self) -> float:
        """The simulated radios and medium alone: the firmware model, collisions, timers."""
        return self.medium_s - self.sites_in_medium_s

    def add(self, other: CpuSplit) -> None:
        self.medium_s += other.medium_s
        self.sites_s += other.sites_s
        self.sites_in_medium_s += other.sites_in_medium_s


@dataclass
class SimSite:
    name: str
    role: str
    identity: Identity
    node: SimNode
    driver: EngineDriver
    next_seq: int = 1
    timer_gen: int = 0
    sent: dict[MessageId, float] = field(default_factory=dict)
    handing: bool = False  # inside a send to the node: its events wait (see the module doc)
    waiting: list[NodeEvent] = field(default_factory=list)

    @property
    def key_id(self) -> str:
        return str(self.identity.key_id)

    @property
    def engine(self) -> SiteEngine:
        return self.driver.engine


class SimNetwork:
    def __init__(
        self,
        medium: Medium,
        *,
        portnum: int = 287,
        epoch: float = DEFAULT_EPOCH,
        seed: int = 0,
        seal: bool = True,
    ) -> None:
        self.medium = medium
        self.portnum = portnum
        self.epoch = epoch
        self.roster = KeyRing()
        self.sites: dict[str, SimSite] = {}
        self.by_node: dict[int, SimSite] = {}
        self.observers: list[Observer] = []
        self._rng = random.Random(seed)
        self.verified = VerifiedFrames()  # each frame verified once for all sites hearing it
        # the region's CP sealing key: emergency reports travel sealed, at their real size, as
        # the CLI sends them. Derived from the seed without drawing from the site RNG.
        self.seal_secret = hashlib.sha256(f"nsplink-sim-seal/{seed}".encode()).digest()
        self.seal_key = seal_public_key(self.seal_secret) if seal else None
        self.cpu: CpuSplit | None = None  # set it to measure where the CPU goes
        self._in_medium = False
        self._in_site = False

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
            identity,
            self.roster,
            cfg,
            rng=random.Random(self._rng.getrandbits(64)),
            now=self.now,
            verified=self.verified,
        )
        driver = EngineDriver(engine, None, lambda: self.now)
        site = SimSite(name, role, identity, node, driver)
        driver.observe = lambda effect, s=site: self._notify(s, effect)  # type: ignore[misc]
        self.sites[name] = site
        self.by_node[node_num] = site
        node.on_event = lambda ev, s=site: self._on_node_event(s, ev)
        report_metrics(self.medium, node)  # the device's channel load, every minute
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
        *,
        seal: tuple[bytes | None, bytes | None] | None = None,
    ) -> MessageId:
        """Type a message at a site: build it (sealed, signed) and queue it, as the CLI does.
        `seal`: (to, with) when it is not the CPs' key with our own (a CP's note to an NSP)."""
        from nsplink.protocol import suggested_priority

        site = self.sites[site_name]
        prio = priority or suggested_priority(body)
        to, mine = seal if seal is not None else (self.seal_key, None)
        msg = site.engine.compose(body, destination, prio, self.now, seal_to=to, seal_with=mine)
        if msg is None:  # the reserved block ran out: reserve more, as the driver would
            site.engine.provide_seqs(self._reserve(site, 32), self.now)
            msg = site.engine.compose(body, destination, prio, self.now, seal_to=to, seal_with=mine)
            assert msg is not None
        site.sent[msg.id] = self.now
        self._apply(site, [Created(msg), *site.engine.submit(msg, self.now)])
        return msg.id

    def triage(self, site_name: str, mid: MessageId, state: str) -> None:
        from nsplink.protocol import State

        site = self.sites[site_name]
        self._apply(site, site.engine.receipt({mid: State(state)}, self.now))

    def feed(self, site_name: str, frame: bytes) -> None:
        """A signed frame that came over the CP bridge (issue 23): into the site's engine as a
        radio frame from node 0, as the daemon feeds `bridge.frame_in` rows."""
        from nsplink.protocol import OFF_AIR_NODE, DecodeError, to_frames

        site = self.sites[site_name]
        try:
            frames = to_frames(frame)
        except DecodeError:
            return
        for f in frames:
            self._apply(site, site.engine.on_frame(f, OFF_AIR_NODE, None, self.now))

    # -- time --------------------------------------------------------------------------------

    def run_until(self, t: float) -> None:
        """Advance virtual time (seconds since the start) to `t`."""
        cpu = self.cpu
        if cpu is None or self._in_medium:
            self.medium.advance_to(t)
            return
        self._in_medium = True
        t0 = time.thread_time()
        try:
            self.medium.advance_to(t)
        finally:
            cpu.medium_s += time.thread_time() - t0
            self._in_medium = False

    def run_for(self, dt: float) -> None:
        self.run_until(self.medium.now + dt)

    def _timed(self, fn: Callable[..., None], *args: Any) -> None:
        """Run an outermost call into a site, its CPU counted as the sites'. The callers check
        `cpu` and `_in_site` first, so a run that does not measure pays no call for it."""
        cpu = self.cpu
        assert cpu is not None and not self._in_site
        self._in_site = True
        t0 = time.thread_time()
        try:
            fn(*args)
        finally:
            spent = time.thread_time() - t0
            cpu.sites_s += spent
            if self._in_medium:
                cpu.sites_in_medium_s += spent
            self._in_site = False

    # -- wiring ------------------------------------------------------------------------------

    def _notify(self, site: SimSite, effect: Effect) -> None:
        now = self.now
        for obs in self.observers:
            obs(site, effect, now)

    def _apply(self, site: SimSite, effects: list[Effect]) -> None:
        if self.cpu is not None and not self._in_site:
            self._timed(self._apply, site, effects)
            return
        run_now(site.driver.carry_out(effects), lambda request: self._answer(site, request))
        while site.waiting and not site.handing:
            self._on_node_event(site, site.waiting.pop(0))
        self._arm(site)

    def _answer(self, site: SimSite, request: Request) -> Any:
        if isinstance(request, Persist):
            self.persist(site, request.events)
        elif isinstance(request, Send):
            site.handing = True
            try:
                res = send_to_node(site.node, request.packet, self.portnum)
            except RadioError as exc:
                return exc
            finally:
                site.handing = False
            return refusal(res) or res.packet_id
        elif isinstance(request, Reserve):
            return self._reserve(site, request.count)
        return None  # RosterHeard: simulated rosters do not change

    def persist(self, site: SimSite, events: list[Event]) -> None:
        """Where a site's log rows go; a bare network keeps none (the runner overrides this)."""

    def _on_node_event(self, site: SimSite, ev: NodeEvent) -> None:
        if self.cpu is not None and not self._in_site:
            self._timed(self._hear, site, ev)
        else:
            self._hear(site, ev)

    def _hear(self, site: SimSite, ev: NodeEvent) -> None:
        if site.handing:
            site.waiting.append(ev)
            return
        event = radio_event(site.node.node_num, self.portnum, ev)
        if event is not None:
            self._apply(site, site.driver.on_radio(event, self.now))

    def _arm(self, site: SimSite) -> None:
        """One pending timer per site: the engine's next deadline."""
        deadline = site.engine.next_deadline()
        site.timer_gen += 1
        if deadline is None:
            return
        at = max(self.medium.now, deadline - self.epoch)
        # `schedule`, not `call_at`: the time is checked already, and this runs per engine call
        self.medium.schedule(at, self._fire, (site, site.timer_gen))

    def _fire(self, armed: tuple[SimSite, int]) -> None:
        if self.cpu is not None and not self._in_site:
            self._timed(self._fire, armed)
            return
        site, gen = armed
        if site.timer_gen == gen:
            self._apply(site, site.engine.handle_timer(self.now))

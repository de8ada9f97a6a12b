"""Run a scenario in virtual time: every site a real protocol engine with its own real store.

The runner owns one ordered agenda of things people and power do (scripted actions, generated
emergency reports and sitreps, nights, a generator running dry, CP operators handling reports).
Between agenda items the medium runs by itself. Writes are batched per site and flushed at each
flush point; a site losing power first gets what it had logged written (the daemon commits before
it transmits, so that is what a real site would have on disk), then loses its engine; at power-on
a fresh engine is rebuilt from the store alone, as `nsplink daemon` does after a restart.
"""

from __future__ import annotations

import dataclasses
import glob
import heapq
import math
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    EVERYONE,
    OFF_AIR_NODE,
    READ_FORMATS,
    Bulletin,
    ClaimHeard,
    Created,
    Deliver,
    Destination,
    Effect,
    Emergency,
    EngineConfig,
    Handed,
    KeyId,
    KeyRing,
    MessageId,
    Note,
    NoteKind,
    NspState,
    Power,
    Priority,
    SignedMessage,
    State,
    Status,
    beacon_head,
    box_public_of,
    may_take_up,
    minutes_since_epoch,
    turn_starts,
)
from nsplink.radio.sim import Medium, NodeEvent, Propagation
from nsplink.radio.sim.events import DeviceMetricsEvent
from nsplink.scenario.journal import SiteJournal, fresh_engine
from nsplink.scenario.model import SiteModel, plan_emergencies
from nsplink.scenario.network import CpuSplit, SimNetwork, SimSite
from nsplink.scenario.occupancy import ChannelLog
from nsplink.scenario.regions import split
from nsplink.scenario.schema import Action, Scenario, SiteSpec
from nsplink.store import Event, Store
from nsplink.store import events as ev

# what the scripted CP operator asks and the NSP's volunteer answers (docs/setting.md §4.4)
QUESTIONS = (
    "Is de plek bereikbaar voor de ambulance? Hoeveel mensen zijn nog binnen?",
    "Is de melder nog bij u op het NSP? Graag terugbellen via de portofoon.",
    "Is er nog gevaar ter plaatse (rook, gas, water)?",
)
ANSWERS = (
    "Plek bereikbaar via de achterkant, twee mensen nog binnen.",
    "Melder is nog hier, wacht bij de ingang.",
    "Geen rook meer, buurman heeft het gas afgesloten.",
)
SAMPLE_S = 600.0  # queue depth and duty-cycle samples
FLUSH_S = 3600.0  # batched writes to each site's store (and always before a power loss)
SEQ_BLOCK = 32
BEACON_S = 1800.0  # DaemonOptions.status_interval_s
TURN_RECHECK_S = 600.0  # how often an operator looks again at a report still another CP's turn
# each site's SQLite page cache per connection: a run holds every site's log open, and at
# SQLite's default 2 MiB a connection that was 113 x 4 MiB for one region (the 25-region
# country: 1,750 sites). A site writes once an hour and reads only at a restart.
SITE_CACHE_KIB = 256


class ScenarioNetwork(SimNetwork):
    """SimNetwork plus each site's log, and what a restart needs: swap in a fresh engine and
    carry out its effects."""

    journals: dict[str, SiteJournal]
    channel: ChannelLog

    def _on_node_event(self, site: SimSite, ev: NodeEvent) -> None:
        # the device's minute report, as its app sees it (once: a report held while the site
        # hands a frame to its radio comes back through here)
        if isinstance(ev, DeviceMetricsEvent) and not site.handing:
            self.channel.record(site.name, self.medium.now, ev.channel_util_pct)
        super()._on_node_event(site, ev)

    def persist(self, site: SimSite, events: list[Event]) -> None:
        journal = self.journals.get(site.name)
        if journal is not None:
            journal.keep(events)

    def restart(self, site: SimSite, engine: Any, effects: list[Effect]) -> None:
        site.driver.replace_engine(engine)
        seqs = list(range(site.next_seq, site.next_seq + SEQ_BLOCK))
        site.next_seq += SEQ_BLOCK
        self._apply(site, engine.provide_seqs(seqs, self.now) + effects)

    def beacon(self, site: SimSite, body: Status) -> None:
        """The daemon's periodic status beacon: how a site is heard when it has nothing else
        to say, and what lets a relay holding custody see that its destination is back."""
        self._apply(site, site.engine.send_message(body, EVERYONE, Priority.P4, self.now))

    def stop(self, site: SimSite) -> None:
        site.timer_gen += 1  # its pending timer dies with the process


@dataclass
class Samples:
    """Time series for the report, one point per SAMPLE_S of virtual time."""

    t: list[float] = field(default_factory=list)
    queue: dict[str, list[int | None]] = field(default_factory=lambda: defaultdict(list))
    duty_pct: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    up: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class RunResult:
    scenario: Scenario
    seed: int
    out_dir: Path
    store_paths: dict[str, Path]
    epoch: float
    samples: Samples
    airtime_ms: dict[str, float]
    restarts: dict[str, int]
    outages: list[dict[str, Any]]
    medium_stats: dict[str, int]
    links: dict[str, dict[str, Any]]
    events_processed: int
    roster: KeyRing
    key_ids: dict[str, str]  # site name -> key id
    store_s: float = 0.0  # wall seconds in SQLite (for the benchmark; never in the report)
    events_written: int = 0
    cpu: CpuSplit | None = None  # where the main thread's CPU went, if asked (benchmarks only)
    # scripted questions and their answers: (question ref, answer ref, the CP that asked)
    conversations: list[tuple[str, str, str]] = field(default_factory=list)
    channel: ChannelLog = field(default_factory=ChannelLog)  # each radio's minute reports
    # a country: each region's own medium's counters; empty for one region
    regions: dict[str, dict[str, int]] = field(default_factory=dict)


def merge_results(
    sc: Scenario, seed: int, out_dir: Path, parts: list[tuple[str, RunResult]]
) -> RunResult:
    """One result for a country from its regions' runs, sites in the scenario's order: the
    sites, logs and series are each region's own; the radio counters add up; the outages come
    in time order (region by region at the same second)."""
    order = {s.name: i for i, s in enumerate(sc.sites)}

    def by_site(dicts: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(
            sorted(((k, v) for d in dicts for k, v in d.items()), key=lambda kv: order[kv[0]])
        )

    results = [r for _name, r in parts]
    samples = Samples(t=list(results[0].samples.t))
    channel = ChannelLog()
    stats: dict[str, int] = defaultdict(int)
    roster = KeyRing()
    for r in results:
        samples.queue.update(r.samples.queue)
        samples.duty_pct.update(r.samples.duty_pct)
        samples.up.update(r.samples.up)
        channel.hours.update(r.channel.hours)
        for k, v in r.medium_stats.items():
            stats[k] += v
        for peer in r.roster:
            roster.add(peer)
    return RunResult(
        scenario=sc,
        seed=seed,
        out_dir=out_dir,
        store_paths=by_site([r.store_paths for r in results]),
        epoch=results[0].epoch,
        samples=samples,
        airtime_ms=by_site([r.airtime_ms for r in results]),
        restarts=by_site([r.restarts for r in results]),
        outages=sorted((o for r in results for o in r.outages), key=lambda o: o["at"]),
        medium_stats=dict(stats),
        links=by_site([r.links for r in results]),
        events_processed=sum(r.events_processed for r in results),
        roster=roster,
        key_ids=by_site([r.key_ids for r in results]),
        store_s=sum(r.store_s for r in results),
        events_written=sum(r.events_written for r in results),
        cpu=_sum_cpu([r.cpu for r in results]),
        conversations=[c for r in results for c in r.conversations],
        channel=channel,
        regions={name: dict(r.medium_stats) for name, r in parts},
    )


def _sum_cpu(parts: list[CpuSplit | None]) -> CpuSplit | None:
    measured = [c for c in parts if c is not None]
    if not measured:
        return None
    total = CpuSplit()
    for c in measured:
        total.add(c)
    return total


@dataclass(order=True)
class _Item:
    at: float
    order: int
    fn: Callable[[], Awaitable[None]] = field(compare=False)


class ScenarioRun:
    def __init__(
        self,
        scenario: Scenario,
        out_dir: Path,
        *,
        seed: int | None = None,
        measure_cpu: bool = False,
    ) -> None:
        self.sc = scenario
        self.seed = scenario.seed if seed is None else seed
        self.out_dir = Path(out_dir)
        prop = Propagation(horizon_m=scenario.horizon_m) if scenario.horizon_m else None
        self.medium = Medium(preset=scenario.preset, seed=self.seed, propagation=prop)
        self.net = ScenarioNetwork(self.medium, seed=self.seed)
        if measure_cpu:  # where the CPU goes, for bench_scale; the run itself is the same
            self.net.cpu = CpuSplit()
        self.rng = random.Random(f"{self.seed}/runner")
        self.models = {s.name: SiteModel(s) for s in scenario.sites}
        self.journals: dict[str, SiteJournal] = {}
        self.net.journals = self.journals
        self.net.channel = self.channel = ChannelLog()
        self.stores: dict[str, Store] = {}
        self.store_paths: dict[str, Path] = {}
        self.down: dict[str, set[str]] = {s.name: set() for s in scenario.sites}
        self._beacons: dict[str, int] = defaultdict(int)  # sent per site, for beacon_head
        self.restarts: dict[str, int] = defaultdict(int)
        self.outages: list[dict[str, Any]] = []
        self.samples = Samples()
        self.airtime_ms: dict[str, float] = defaultdict(float)
        self.refs: dict[str, MessageId] = {}
        self.handled: dict[str, set[MessageId]] = defaultdict(set)  # CP -> reports it took up
        self._reports_seen: set[MessageId] = set()
        self._to_ask: dict[MessageId, Priority] = {}  # every `ask_every`th report: a question
        self._arrived: dict[tuple[str, MessageId], float] = {}  # (CP, report) -> in its queue
        self._handed_at: dict[tuple[str, MessageId], float] = {}  # (CP, report) -> handed to it
        self._steps_done: dict[tuple[str, MessageId], tuple[int, float]] = {}
        self._handled_count = 0
        self.questions: dict[str, tuple[str, str]] = {}  # question ref -> (CP, report ref)
        self.answering: set[str] = set()
        self.answers: list[tuple[str, str, str]] = []  # (question ref, answer ref, CP)
        self._agenda: list[_Item] = []
        self._order = 0
        self._dry_gen: dict[str, int] = defaultdict(int)
        self._mains_back = False
        self._started: set[str] = set()
        self.store_s = 0.0
        self.events_written = 0
        self._by_node = {s.node: s.name for s in scenario.sites}
        self._specs = {s.name: s for s in scenario.sites}

    # -- agenda --------------------------------------------------------------------------------

    def at(self, t: float, fn: Callable[[], Awaitable[None]]) -> None:
        self._order += 1
        heapq.heappush(self._agenda, _Item(t, self._order, fn))

    async def run(self, progress: Callable[[float], None] | None = None) -> RunResult:
        parts = split(self.sc, self.seed)
        if len(parts) > 1:
            return await self._run_regions(parts, progress)
        await self._open()
        try:
            self._plan()
            total = self.sc.duration + self.sc.drain
            while self._agenda and self._agenda[0].at <= total:
                item = heapq.heappop(self._agenda)
                self.net.run_until(item.at)
                await item.fn()
                if progress is not None:
                    progress(min(1.0, item.at / total))
            self.net.run_until(total)
            await self._flush()
        finally:
            await self._close()
        return RunResult(
            scenario=self.sc,
            seed=self.seed,
            out_dir=self.out_dir,
            store_paths=dict(self.store_paths),
            epoch=self.net.epoch,
            samples=self.samples,
            airtime_ms=dict(self.airtime_ms),
            restarts=dict(self.restarts),
            outages=self.outages,
            medium_stats=dict(self.medium.stats),
            links=self._links(),
            events_processed=self.medium.events_processed,
            roster=self.net.roster,
            key_ids={name: site.key_id for name, site in self.net.sites.items()},
            store_s=self.store_s,
            events_written=self.events_written,
            cpu=self.net.cpu,
            conversations=list(self.answers),
            channel=self.channel,
        )

    async def _run_regions(
        self,
        parts: list[tuple[str, Scenario, int]],
        progress: Callable[[float], None] | None,
    ) -> RunResult:
        """A country: each region on its own medium with its own roster, one after the other,
        so a run holds one region's sites at a time and costs the sum of its regions."""
        done: list[tuple[str, RunResult]] = []
        for i, (name, sub, seed) in enumerate(parts):
            step = None
            if progress is not None:
                step = partial(_region_progress, progress, i, len(parts))
            measure = self.net.cpu is not None
            run = ScenarioRun(sub, self.out_dir, seed=seed, measure_cpu=measure)
            done.append((name, await run.run(step)))
        return merge_results(self.sc, self.seed, self.out_dir, done)

    async def _open(self) -> None:
        sites_dir = self.out_dir / "sites"
        sites_dir.mkdir(parents=True, exist_ok=True)
        for spec in self.sc.sites:  # a run starts from empty stores, or it is not repeatable
            for old in sites_dir.glob(f"{glob.escape(spec.name)}.sqlite*"):
                old.unlink()
        for spec in self.sc.sites:
            site = self.net.add_site(
                spec.name,
                spec.role,
                spec.node,
                position=spec.position,
                radio_role=spec.radio_role,
                config=EngineConfig(
                    role=spec.role, carry=spec.role == "relay", formats=_formats(spec)
                ),
            )
            if spec.antenna_dbi:
                site.node.antenna_gain_dbi = spec.antenna_dbi
                self.medium.set_position(spec.node, spec.position)  # re-derive the links
            path = sites_dir / f"{spec.name}.sqlite"
            self.store_paths[spec.name] = path
            if spec.opens_at <= 0:  # a post that opens later starts its daemon then
                self._started.add(spec.name)
                await self._attach(site)
        for link in self.sc.links:
            a, b = self.sc.site(link.a).node, self.sc.site(link.b).node
            self.medium.set_link(a, b, snr_db=link.snr_db, loss=link.loss)
        self.net.observers.append(self._observe)
        if self.sc.bridge is not None:
            self.net.observers.append(self._bridge_observe)
        start_tx = self.medium.start_tx

        def counted_start_tx(sender: Any, packet: Any) -> Any:
            tx = start_tx(sender, packet)
            self.airtime_ms[self._by_node[sender.node_num]] += tx.airtime_ms
            return tx

        self.medium.start_tx = counted_start_tx  # type: ignore[method-assign]

    async def _attach(self, site: SimSite) -> SiteJournal:
        store = await Store.open(self.store_paths[site.name], cache_kib=SITE_CACHE_KIB)
        self.stores[site.name] = store
        journal = SiteJournal(site.name, site.engine, self.net.roster, store, lambda: self.net.now)
        self.journals[site.name] = journal
        site.driver.journal = journal.journal
        journal.note(ev.DAEMON_STARTED, "", {"scenario": self.sc.name, "seed": self.seed})
        return journal

    async def _close(self) -> None:
        for name, store in list(self.stores.items()):
            await store.close()
            del self.stores[name]

    # -- what the plan contains ------------------------------------------------------------------

    def _plan(self) -> None:
        sc = self.sc
        for spec in sc.sites:
            if spec.opens_at > 0:
                self._off_now(spec.name, "closed")
                self.at(spec.opens_at, partial(self._set, spec.name, "closed", False))
            else:
                self.models[spec.name].power_up(0.0)
                self._arm_dry(spec.name)
            for a, b in spec.closed:
                self.at(a - 900, partial(self._closing_sitrep, spec.name))
                self.at(a, partial(self._set, spec.name, "closed", True))
                self.at(b, partial(self._set, spec.name, "closed", False))
        for action in sc.actions:
            self.at(action.at, partial(self._action, action))
        for p in plan_emergencies(sc, self.seed):
            self.at(p.at, partial(self._emergency, p.site, p.body))
        if sc.sitrep_every > 0:
            t = sc.sitrep_from
            while t <= sc.duration:
                for spec in sc.sites:
                    if spec.role == "nsp":
                        self.at(t, partial(self._sitrep, spec.name))
                t += sc.sitrep_every
        for spec in sc.sites:
            rng = random.Random(f"{self.seed}/beacon/{spec.name}")
            t = rng.uniform(60.0, 600.0)
            while t <= sc.duration + sc.drain:
                self.at(t, partial(self._beacon, spec.name))
                t += BEACON_S * rng.uniform(0.9, 1.1)
        t = 0.0
        while t <= sc.duration + sc.drain:
            self.at(t, self._sample)
            t += SAMPLE_S
        t = FLUSH_S
        while t < sc.duration + sc.drain:
            self.at(t, self._flush)
            t += FLUSH_S
        self.at(sc.duration, self._end_of_exercise)

    async def _action(self, a: Action) -> None:
        m = self.medium
        if a.kind == "send":
            await self._send(a)
        elif a.kind in ("power_off", "power_on"):
            await self._set(a.site, "power", a.kind == "power_off")
        elif a.kind == "radio_off":
            m.radio_off(self.sc.site(a.site).node)
        elif a.kind == "radio_on":
            m.radio_on(self.sc.site(a.site).node)
        elif a.kind == "partition":
            m.partition([[self.sc.site(n).node for n in g] for g in a.groups])
            self.outages.append({"at": m.now, "kind": "partition", "groups": a.groups})
        elif a.kind == "heal":
            m.heal()
            self.outages.append({"at": m.now, "kind": "heal"})
        elif a.kind == "refuel":
            model = self.models[a.site]
            model.refuel(m.now, a.litres)
            self.outages.append({"at": m.now, "kind": "refuel", "site": a.site, "l": a.litres})
            if "dry" in self.down[a.site]:
                await self._set(a.site, "dry", False)
            else:
                self._arm_dry(a.site)

    async def _send(self, a: Action) -> None:
        body = a.body
        assert body is not None
        if isinstance(body, Bulletin):
            base = minutes_since_epoch(self.net.epoch)
            sup = self.refs.get(a.supersedes) if a.supersedes else None
            body = dataclasses.replace(body, valid_until=base + body.valid_until, supersedes=sup)
        dest = self._destination(a.destination)
        mid = await self._submit(a.site, body, dest, a.priority)
        if mid is not None and a.ref:
            self.refs[a.ref] = mid

    def _destination(self, name: str) -> Destination:
        if name == "cps":
            return ALL_CPS
        if name == "nsps":
            return ALL_NSPS
        if name == "all":
            return EVERYONE
        return Destination.to_site(self.net.sites[name].identity.key_id)

    async def _submit(self, name: str, body: Any, dest: Destination, prio: Any = None) -> Any:
        """A person types a message. With the post's power off it waits on paper until the
        power is back (then it is typed), as a volunteer would do."""
        if self.down[name]:
            self.at(self.medium.now + 600, lambda: self._submit(name, body, dest, prio))
            return None
        return self.net.submit(name, body, dest, prio)

    async def _emergency(self, site: str, body: Emergency) -> None:
        if "closed" in self.down[site]:
            return  # nobody at a closed post to take the report
        await self._submit(site, body, ALL_CPS)

    async def _sitrep(self, name: str) -> None:
        if "closed" in self.down[name] or not self.net.sites[name].node.powered:
            return
        body = self.models[name].sitrep(self.medium.now, self.rng)
        await self._submit(name, body, ALL_CPS)

    async def _closing_sitrep(self, name: str) -> None:
        if not self.down[name]:
            body = self.models[name].sitrep(self.medium.now, self.rng, NspState.DICHT)
            await self._submit(name, body, ALL_CPS)

    async def _beacon(self, name: str) -> None:
        if self.down[name]:
            return
        site = self.net.sites[name]
        spec = self.sc.site(name)
        model = self.models[name]
        now = self.medium.now
        if self._mains_back:
            power, hours = Power.NET, 255
        elif spec.generator is not None or spec.role == "cp":
            power = Power.AGG
            hours = model.hours_left(now) if spec.generator is not None else 255
        else:
            power, hours = Power.ACCU, model.hours_left(now) if spec.battery_h else 255
        count, digest = await self.journals[name].head()  # as written so far, like the daemon's
        body = Status(
            power=power,
            battery_pct=100,
            power_hours=hours,
            queue_depth=min(100_000, site.engine.backlog()),
            head=beacon_head(self._beacons[name], count, digest),
        )
        if not site.engine.beacon_due(body, self.net.now):
            return  # a CP heard this post since its last beacon and nothing changed
        self._beacons[name] += 1
        self.net.beacon(site, body)

    async def _end_of_exercise(self) -> None:
        """Power returns: every post back on and the medium whole, so whatever is still queued
        anywhere can reach its destination during the drain and "lost" means lost."""
        self._mains_back = True
        self.medium.heal()
        for name in self.down:
            for reason in list(self.down[name]):
                await self._set(name, reason, False)

    # -- power and restarts ---------------------------------------------------------------------

    def _off_now(self, name: str, reason: str) -> None:
        """Down from the start (a post that opens later): no daemon, no store open yet."""
        self.down[name].add(reason)
        site = self.net.sites[name]
        self.medium.power_off(site.node.node_num)
        self.net.stop(site)

    async def _set(self, name: str, reason: str, off: bool) -> None:
        was_up = not self.down[name]
        if off:
            self.down[name].add(reason)
        else:
            self.down[name].discard(reason)
        now_up = not self.down[name]
        t = self.medium.now
        if was_up and not now_up:
            self.outages.append({"at": t, "kind": "down", "site": name, "reason": reason})
            await self._power_loss(name)
            self.models[name].power_down(t)
        elif now_up and not was_up:
            self.outages.append({"at": t, "kind": "up", "site": name})
            self.models[name].power_up(t)
            self._arm_dry(name)
            await self._power_back(name)

    async def _power_loss(self, name: str) -> None:
        site = self.net.sites[name]
        journal = self.journals.pop(name)  # what the radio does from now on is not logged
        site.driver.journal = None
        self.medium.power_off(site.node.node_num)
        self.net.stop(site)
        await self._write(journal)
        await self.stores.pop(name).close()

    async def _power_back(self, name: str) -> None:
        site = self.net.sites[name]
        self.medium.power_on(site.node.node_num)
        if name in self._started:
            self.restarts[name] += 1
        self._started.add(name)
        journal = await self._attach(site)
        now = self.net.now
        seed = self.rng.getrandbits(64)
        formats = _formats(self.sc.site(name))
        engine = fresh_engine(
            site.identity, self.net.roster, site.role, seed, now, self.net.verified, formats
        )
        effects = await journal.restore(engine, now)
        self.net.restart(site, engine, effects + engine.handle_timer(now))

    def _arm_dry(self, name: str) -> None:
        when = self.models[name].dry_at()
        if when is None:
            return
        self._dry_gen[name] += 1
        gen = self._dry_gen[name]

        async def dry() -> None:
            if self._mains_back:
                return
            if self._dry_gen[name] == gen and not self.down[name]:
                await self._set(name, "dry", True)

        self.at(when, dry)

    # -- observing --------------------------------------------------------------------------------

    def _observe(self, site: SimSite, effect: Effect, now: float) -> None:
        if site.name not in self.journals or self.down[site.name]:
            return
        if isinstance(effect, Handed) and (site.name, effect.report) in self._arrived:
            # the NSP says it is ours now (handover.py): on top of the queue from now, looked
            # at once the site's log has it
            key = (site.name, effect.report)
            self._handed_at.setdefault(key, self.medium.now)
            self.medium.call_at(self.medium.now, partial(self._turn, *key))
            return
        if not isinstance(effect, Deliver) or effect.duplicate:
            return
        body = effect.msg.envelope.body
        if (
            site.role == "cp"
            and isinstance(body, Emergency)
            and effect.msg.id not in self.handled[site.name]
        ):
            self.handled[site.name].add(effect.msg.id)
            self._handle(site.name, effect.msg.id, effect.msg.envelope.priority)
        elif (
            site.role == "nsp"
            and isinstance(body, Note)
            and body.kind is NoteKind.QUESTION
            and str(effect.msg.id) in self.questions
            and str(effect.msg.id) not in self.answering
        ):
            self.answering.add(str(effect.msg.id))
            at = self.medium.now + self.sc.handling.answer_after
            self.medium.call_at(at, partial(self._answer, site.name, effect.msg))

    # -- the CP bridge (issue 23) ---------------------------------------------------------------

    def _bridge_observe(self, site: SimSite, effect: Effect, now: float) -> None:
        """What a linked CP's bridge publishes (app/bridge.py): its own signed frames, verified
        frames heard on its radio, and other CPs' claims heard on its radio; each reaches the
        other linked CPs `latency` later. A CP that is down then gets it when it is back (the
        broker keeps a persistent session's messages)."""
        spec = self.sc.bridge
        assert spec is not None
        if site.name not in spec.sites or self.medium.now < spec.start or self.down[site.name]:
            return
        frame = _bridged_frame(effect)
        if frame is None:
            return
        for other in spec.sites:
            if other != site.name:
                at = self.medium.now + spec.latency
                self.medium.call_at(at, partial(self._bridge_deliver, other, frame))

    def _bridge_deliver(self, cp: str, frame: bytes) -> None:
        if self.down[cp]:
            self.medium.call_at(self.medium.now + 60, partial(self._bridge_deliver, cp, frame))
            return
        self.net.feed(cp, frame)

    def _handle(self, cp: str, mid: MessageId, priority: Priority) -> None:
        """A CP operator works the report: seen, passed to the meldkamer, closed; every
        `ask_every`th report gets a question (navraag) after it was seen. Every CP that gets
        the report has it in its queue; the first CP in the report's turn order takes it up
        after its operator's own delay (half to one and a half times `seen_after`), another
        only when its turn comes and its site knows no claim by then (ownership.py), and each
        stops as soon as its site names another CP as the owner: the runner knows nothing the
        site does not. Scheduled on the medium, since this runs inside its event loop."""
        self._arrived[(cp, mid)] = self.medium.now
        if mid not in self._reports_seen:
            self._reports_seen.add(mid)
            self._handled_count += 1
            h = self.sc.handling
            if h.ask_every and self._handled_count % h.ask_every == 0:
                self._to_ask[mid] = priority
        self._turn(cp, mid)

    def _turn(self, cp: str, mid: MessageId) -> None:
        """Schedule CP `cp`'s first step on `mid` for when its turn comes; while a CP before it
        keeps its turn open (never heard: the operator's call, ownership.py), look again
        later, as an operator glancing at the queue would."""
        if self.down[cp] or cp not in self.journals:  # the operator waits for the power
            self.medium.call_at(self.medium.now + 300, partial(self._turn, cp, mid))
            return
        if self.journals[cp].journal.owner_of(str(mid)) is not None:
            return  # somebody has it: nothing to take up
        me, arrived = self.net.sites[cp].engine.me, self._arrived[(cp, mid)]
        ago, since = self._heard_ago(cp), self.medium.now - arrived
        handed = self._handed(cp, mid)
        turn = turn_starts(mid, self._cp_keys(), me, ago, self._near(mid), since, handed)
        if math.isinf(turn):
            self.medium.call_at(self.medium.now + TURN_RECHECK_S, partial(self._turn, cp, mid))
            return
        jitter = random.Random(f"{self.seed}/handle/{cp}/{mid}").uniform(0.5, 1.5)
        start = self._handed_at.get((cp, mid), arrived + turn) if handed else arrived + turn
        at = max(self.medium.now, start + self.sc.handling.seen_after * jitter)
        self.medium.call_at(at, partial(self._triage, cp, mid, "GEZ", 0, 0.0))

    def _cp_keys(self) -> list[KeyId]:
        return [key for key, _pos in self._cps]

    @cached_property
    def _cps(self) -> list[tuple[KeyId, tuple[float, float]]]:
        """Each CP's key and position, in site order: fixed for the run (a restarted engine has
        the site's identity), and asked after on every report, so not walked over every site
        of a country each time."""
        return [
            (s.identity.key_id, self._specs[n].position)
            for n, s in self.net.sites.items()
            if s.role == "cp"
        ]

    def _near(self, mid: MessageId) -> dict[KeyId, float]:
        """Each CP's distance from the report's NSP: the positions a region's roster carries
        (`roster add --position`), here the scenario's."""
        nsp = self.net.roster.lookup(mid.sender)
        spec = self._specs.get(nsp.site) if nsp is not None else None
        if spec is None:
            return {}
        x, y = spec.position
        return {key: math.hypot(pos[0] - x, pos[1] - y) for key, pos in self._cps}

    def _heard_ago(self, cp: str) -> dict[KeyId, float]:
        """How long ago CP `cp` last heard each other CP, as its engine knows (ownership.py).
        The engine keeps unix time (the network's clock), not the medium's seconds from 0."""
        heard, now = self.net.sites[cp].engine.heard, self.net.now
        return {k: now - heard[k][0] for k in self._cp_keys() if k in heard}

    def _owned_elsewhere(self, cp: str, mid: MessageId) -> bool:
        """Whether CP `cp`'s own log names another CP as the owner of `mid` (its operator
        would read "in behandeling bij ..." and leave it, as `nsplink handle` insists)."""
        owner = self.journals[cp].journal.owner_of(str(mid))
        return owner is not None and owner != self.net.sites[cp].engine.me

    def _ask(self, cp: str, mid: MessageId, priority: Priority) -> None:
        """A scripted question to the report's NSP, sent as `handle --status NAVR --note` does:
        the handling step logged, the note sealed between that NSP and the CPs."""
        if self.down[cp]:
            self.medium.call_at(self.medium.now + 300, lambda: self._ask(cp, mid, priority))
            return
        if self._owned_elsewhere(cp, mid):
            return
        nsp = self.net.roster.lookup(mid.sender)
        if nsp is None:
            return
        text = QUESTIONS[len(self.questions) % len(QUESTIONS)]
        note = Note(NoteKind.QUESTION, text, "oefening", mid, State.NAVR)
        data = {"state": "NAVR", "operator": "oefening", "note": text}
        self.journals[cp].note(ev.TRIAGE_CHANGED, str(mid), data)
        seal = (box_public_of(nsp.public_key), self.net.seal_secret)
        qid = self.net.submit(cp, note, Destination.to_site(mid.sender), priority, seal=seal)
        self.questions[str(qid)] = (cp, str(mid))

    def _answer(self, nsp: str, question: SignedMessage) -> None:
        """The NSP's scripted answer to the CPs, sealed like every note about an emergency."""
        if self.down[nsp]:
            self.medium.call_at(self.medium.now + 300, lambda: self._answer(nsp, question))
            return
        body = question.envelope.body
        assert isinstance(body, Note) and body.about is not None
        text = ANSWERS[len(self.answers) % len(ANSWERS)]
        reply = Note(NoteKind.REPLY, text, "oefening", body.about)
        aid = self.net.submit(nsp, reply, ALL_CPS, question.envelope.priority)
        cp, _report = self.questions[str(question.id)]
        self.answers.append((str(question.id), str(aid), cp))

    def _triage(self, cp: str, mid: MessageId, state: str, step: int = 0, gap: float = 0) -> None:
        """Handling step `step` of a report at a CP, at least `gap` seconds after the one
        before: after an outage the operator takes the steps again one by one, not all at
        once."""
        again = partial(self._triage, cp, mid, state, step, gap)
        if self.down[cp]:  # the operator waits for the power to come back
            self.medium.call_at(self.medium.now + 300, again)
            return
        done = self._steps_done.get((cp, mid))
        if step and (done is None or done[0] < step - 1):
            self.medium.call_at(self.medium.now + 60, again)  # the step before comes first
            return
        if step and done is not None and self.medium.now < done[1] + gap:
            self.medium.call_at(done[1] + gap, again)
            return
        if self._owned_elsewhere(cp, mid):
            return  # another CP has it: this operator leaves it
        if not step and (cp, mid) in self._steps_done:
            return  # taken up already (a hand-over looked at the report again meanwhile)
        if not step and not self._may_take_up(cp, mid):
            self._turn(cp, mid)  # a CP before it was heard again meanwhile: a longer turn
            return
        self._steps_done[(cp, mid)] = (step, self.medium.now)
        data = {"state": state, "operator": "oefening"}
        self.journals[cp].note(ev.TRIAGE_CHANGED, str(mid), data)
        self.net.triage(cp, mid, state)
        if step:
            return
        h = self.sc.handling  # taken up: the next steps follow from here
        for i, (delay, later) in enumerate(
            ((h.meldkamer_after, "MKAMER"), (h.closed_after, "AFG"))
        ):
            gap = delay - (h.seen_after, h.meldkamer_after)[i]
            at = self.medium.now + delay - h.seen_after
            self.medium.call_at(at, partial(self._triage, cp, mid, later, i + 1, gap))
        ask = self._to_ask.pop(mid, None)
        if ask is not None:  # asked once, by the CP that took the report up
            at = self.medium.now + (h.meldkamer_after - h.seen_after) / 2
            self.medium.call_at(at, partial(self._ask, cp, mid, ask))

    def _may_take_up(self, cp: str, mid: MessageId) -> bool:
        """The protocol's rule (ownership.py) over what CP `cp`'s own log knows."""
        known = self.journals[cp].journal.claims.get(str(mid), ())
        since = self.medium.now - self._arrived[(cp, mid)]
        me = self.net.sites[cp].engine.me
        ago, near = self._heard_ago(cp), self._near(mid)
        handed = self._handed(cp, mid)
        return may_take_up(mid, self._cp_keys(), me, known, since, ago, near, handed)

    def _handed(self, cp: str, mid: MessageId) -> bool:
        """Whether the report's NSP handed `mid` to CP `cp`, as its log says (handover.py)."""
        return str(mid) in self.journals[cp].journal.handed

    async def _sample(self) -> None:
        s = self.samples
        now = self.medium.now
        s.t.append(now)
        for name, site in self.net.sites.items():
            up = not self.down[name]
            s.up[name].append(up)
            s.queue[name].append(site.engine.backlog() if up else None)
            s.duty_pct[name].append(round(site.node.ledger.utilization_pct(now), 3) if up else 0.0)

    async def _flush(self) -> None:
        for journal in self.journals.values():
            await self._write(journal)

    async def _write(self, journal: SiteJournal) -> None:
        t0 = time.perf_counter()
        before = journal.written
        await journal.flush()
        self.events_written += journal.written - before
        self.store_s += time.perf_counter() - t0

    def _links(self) -> dict[str, dict[str, Any]]:
        """Who hears whom directly (mean signal above sensitivity): the static radio map, from
        the medium's neighbour table (the same link budgets as `link_rssi` over all pairs,
        which for a country's 1,750 sites is three million), in the scenario's site order."""
        order = {s.node: i for i, s in enumerate(self.sc.sites)}
        out: dict[str, dict[str, Any]] = {}
        for a in self.sc.sites:
            heard = sorted(order[n] for n in self.medium.neighbours(a.node) if n in order)
            out[a.name] = {"role": a.role, "direct": [self.sc.sites[i].name for i in heard]}
        return out


def _region_progress(progress: Callable[[float], None], i: int, n: int, f: float) -> None:
    progress((i + f) / n)


def _formats(spec: SiteSpec) -> frozenset[int]:
    """The frame formats a site's release reads (`newest_format` in the scenario, issue 24)."""
    return frozenset(f for f in READ_FORMATS if f <= spec.newest_format)


def _bridged_frame(effect: Effect) -> bytes | None:
    """The frame a CP's bridge would publish for this effect, if any (app/bridge.py)."""
    if isinstance(effect, Created):
        return effect.msg.frame
    if (
        isinstance(effect, Deliver)
        and not effect.duplicate
        and effect.from_node != OFF_AIR_NODE
        and not isinstance(effect.msg.envelope.body, Status)
    ):
        return effect.msg.frame
    if isinstance(effect, ClaimHeard) and effect.from_node != OFF_AIR_NODE:
        return effect.msg.frame
    return None

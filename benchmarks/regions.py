"""A generated region run through the scenario runner, with what was offered and what arrived.

Shared by bench_plain (the same messages as plain Meshtastic text) and bench_load (1x and 2x
offered load). Per message typed by a person (emergency, sitrep, supply request, bulletin): when
and where, its destination and size, when it first reached a CP (from the CPs' Deliver effects,
which are what their logs record) and the state its sender's own log shows at the end.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nsplink.protocol import Created, Deliver, DestKind, Effect
from nsplink.scenario.generate import RegionSpec, generate
from nsplink.scenario.network import SimSite
from nsplink.scenario.report import USER_TYPES, collect
from nsplink.scenario.runner import RunResult, ScenarioRun
from nsplink.scenario.schema import Scenario, parse_scenario
from nsplink.store import Store


@dataclass
class Offered:
    ref: str
    t: float  # typed, seconds since the start
    site: str
    type: str
    priority: str
    dest: str  # "cps", "nsps", "all" or a site name
    size: int  # the signed frame's bytes
    at_cp: float | None = None  # first arrival at any CP
    state: str = ""  # the sender's log at the end


@dataclass
class RegionRun:
    sc: Scenario
    result: RunResult
    report: dict[str, Any]
    offered: list[Offered]
    cpu_s: float
    states: dict[str, int] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        return sum(r["sent"] for r in self.report["delivery"].values())

    @property
    def delivered(self) -> int:
        return sum(r["delivered"] for r in self.report["delivery"].values())


def region_text(
    nsps: int,
    hours: float,
    seed: int,
    *,
    cps: int | None = None,
    relays: int | None = None,
    load: float = 1.0,
    quiet: bool = False,
) -> str:
    spec = RegionSpec(nsps=nsps, cps=cps, relays=relays)
    return generate([spec], seed=seed, hours=hours, mute_covered=quiet, load=load)


def run_region(text: str) -> RegionRun:
    sc = parse_scenario(text, "region.yaml")
    with tempfile.TemporaryDirectory() as d:
        run = ScenarioRun(sc, Path(d))
        roles = {s.name: s.role for s in sc.sites}
        offered: dict[str, Offered] = {}

        def watch(site: SimSite, effect: Effect, now: float) -> None:
            if isinstance(effect, Created):
                env = effect.msg.envelope
                if env.type.value in USER_TYPES and str(effect.msg.id) not in offered:
                    dest = env.destination
                    if dest.kind is DestKind.SITE:
                        by_key = {s.key_id: n for n, s in run.net.sites.items()}
                        where = by_key.get(str(dest.site), "?")
                    else:
                        where = dest.kind.name.lower()
                    offered[str(effect.msg.id)] = Offered(
                        str(effect.msg.id),
                        run.medium.now,
                        site.name,
                        env.type.value,
                        env.priority.name,
                        where,
                        len(effect.msg.frame),
                    )
            elif isinstance(effect, Deliver) and roles[site.name] == "cp" and not effect.duplicate:
                o = offered.get(str(effect.msg.id))
                if o is not None and o.at_cp is None:
                    o.at_cp = run.medium.now

        run.net.observers.append(watch)
        t0 = time.process_time()
        result = asyncio.run(run.run())
        cpu = time.process_time() - t0
        report = asyncio.run(collect(result))
        asyncio.run(_states(result, offered))
    out = RegionRun(sc, result, report, sorted(offered.values(), key=lambda o: o.t), cpu)
    for o in out.offered:
        out.states[o.state] = out.states.get(o.state, 0) + 1
    return out


async def _states(result: RunResult, offered: dict[str, Offered]) -> None:
    """Each offered message's state in its sender's own SQLite log."""
    for site in sorted({o.site for o in offered.values()}):
        store = await Store.open(result.store_paths[site])
        try:
            for item in await store.outbox():
                if item.ref in offered:
                    offered[item.ref].state = item.state
        finally:
            await store.close()


def within(offered: list[Offered], kind: str, seconds: float) -> tuple[int, int]:
    """(how many of `kind` reached a CP within `seconds` of being typed, how many typed)."""
    rows = [o for o in offered if o.type == kind]
    ok = sum(1 for o in rows if o.at_cp is not None and o.at_cp - o.t <= seconds)
    return ok, len(rows)


def nearest(sc: Scenario, site: str, role: str) -> str:
    me = sc.site(site).position
    return min(
        (s for s in sc.sites if s.role == role), key=lambda s: math.dist(s.position, me)
    ).name

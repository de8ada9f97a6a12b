"""`nsplink scenario run --live --site NAME`: a drill with real radios. The scenario's messages
for one site (its scripted sends, its generated emergency reports and sitreps, the same as a
simulation of the same seed) are queued into this site's store at their time, in real time or
sped up, through `compose.queue_message`, which makes each durable and nudges the daemon.

Faults in the scenario (power, partitions) are not played: in a drill those are real.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    EVERYONE,
    Bulletin,
    Destination,
    Message,
    MessageId,
    Priority,
    minutes_since_epoch,
    suggested_priority,
)
from nsplink.scenario.model import SiteModel, plan_emergencies
from nsplink.scenario.schema import Scenario

register(
    {
        "scenario.live_unknown_site": (
            "Site {site} komt niet voor in het scenario (wel: {choices}).",
            "Site {site} is not in the scenario (there are: {choices}).",
        ),
        "scenario.live_no_peer": (
            "Site {site} staat niet in de roster van deze post; bericht overgeslagen.",
            "Site {site} is not on this post's roster; message skipped.",
        ),
    }
)


class LiveUnknownSite(NsplinkError):
    code = "scenario.live_unknown_site"
    key = "scenario.live_unknown_site"


@dataclass(frozen=True)
class LiveItem:
    at: float  # seconds after the start of the scenario
    body: Message
    destination: str  # cps | nsps | all | a site name
    priority: Priority | None = None
    ref: str = ""
    supersedes: str = ""


def plan_for_site(scenario: Scenario, site: str, seed: int) -> list[LiveItem]:
    """Everything the people at `site` type during the scenario, in order."""
    if site not in scenario.sites_by_name:
        names = ", ".join(s.name for s in scenario.sites)
        raise LiveUnknownSite(site, site=site, choices=names)
    spec = scenario.site(site)

    def closed(t: float) -> bool:
        return t < spec.opens_at or any(a <= t < b for a, b in spec.closed)

    items = [
        LiveItem(a.at, a.body, a.destination, a.priority, a.ref, a.supersedes)
        for a in scenario.actions
        if a.kind == "send" and a.site == site and a.body is not None
    ]
    items += [
        LiveItem(p.at, p.body, "cps")
        for p in plan_emergencies(scenario, seed)
        if p.site == site and not closed(p.at)
    ]
    if spec.role == "nsp" and scenario.sitrep_every > 0:
        model = SiteModel(spec)
        model.power_up(spec.opens_at)
        rng = random.Random(f"{seed}/live/{site}")
        t = scenario.sitrep_from
        while t <= scenario.duration:
            if not closed(t):
                items.append(LiveItem(t, model.sitrep(t, rng), "cps"))
            t += scenario.sitrep_every
    items.sort(key=lambda i: i.at)
    return items


Queue = Callable[[Message, Destination, Priority, float], Awaitable[MessageId]]


async def play(
    items: list[LiveItem],
    queue: Queue,
    resolve: Callable[[str], Destination | None],
    *,
    speed: float = 1.0,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    echo: Callable[[LiveItem, MessageId | None], None] | None = None,
) -> int:
    """Queue each item at start + at/speed; returns how many were queued."""
    start = clock()
    refs: dict[str, MessageId] = {}
    done = 0
    for item in items:
        wait = start + item.at / speed - clock()
        if wait > 0:
            await sleep(wait)
        now = clock()
        body = item.body
        if isinstance(body, Bulletin):  # valid_until and supersedes are relative in the file
            body = dataclasses.replace(
                body,
                valid_until=minutes_since_epoch(start) + body.valid_until,
                supersedes=refs.get(item.supersedes),
            )
        dest = resolve(item.destination)
        if dest is None:
            if echo is not None:
                echo(item, None)
            continue
        mid = await queue(body, dest, item.priority or suggested_priority(body), now)
        if item.ref:
            refs[item.ref] = mid
        done += 1
        if echo is not None:
            echo(item, mid)
    return done


def group_destination(name: str) -> Destination | None:
    return {"cps": ALL_CPS, "nsps": ALL_NSPS, "all": EVERYONE}.get(name)

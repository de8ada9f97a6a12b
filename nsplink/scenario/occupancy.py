"""Channel occupancy per area: where a region is over capacity (issue 17).

Each radio's device reports its channel utilisation every minute (all airtime heard or sent over
the last 60 s, `radio/sim/telemetry.py`); the runner keeps those reports per radio and hour. An
area is a relay or CP and the radios nearer to it than to any other relay or CP: those are the
places an exercise lead knows by name, and a relay or CP sits where the traffic of its posts
meets. Per area: the mean of its radios' reports over the run, the busiest hour, and how many
hours went above the firmware's polite limit (25 %: it holds its own chatter) and its maximum
(40 %: it holds everything but replies and alerts), the same limits the planner gates on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nsplink.protocol import MAX_CHANNEL_UTIL_PCT, POLITE_CHANNEL_UTIL_PCT
from nsplink.scenario.schema import SiteSpec

HUB_ROLES = ("relay", "cp")


@dataclass
class ChannelLog:
    """Per radio and hour: the sum and count of its minute reports of channel utilisation."""

    hours: dict[str, dict[int, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
    )

    def record(self, site: str, t_s: float, channel_util_pct: float) -> None:
        cell = self.hours[site][int(t_s // 3600)]
        cell[0] += channel_util_pct
        cell[1] += 1


def areas(sites: Sequence[SiteSpec]) -> dict[str, list[str]]:
    """Hub name -> the radios in its area (the hub first), each radio with its nearest relay or
    CP; ties go to the hub listed first. Without relays or CPs the whole region is one area."""
    hubs = [s for s in sites if s.role in HUB_ROLES]
    if not hubs:
        return {"*": [s.name for s in sites]}
    out: dict[str, list[str]] = {h.name: [h.name] for h in hubs}
    for s in sites:
        if s.role in HUB_ROLES:
            continue
        near = min(hubs, key=lambda h: math.dist(h.position, s.position))
        out[near.name].append(s.name)
    return out


def _level(pct: float) -> str:
    if pct > MAX_CHANNEL_UTIL_PCT:
        return "over_max"
    return "over_polite" if pct > POLITE_CHANNEL_UTIL_PCT else "ok"


def occupancy(sites: Sequence[SiteSpec], log: ChannelLog) -> dict[str, Any]:
    """Per area: radios, mean %, busiest hour and its %, hours above 25 % and 40 %, a level.
    An hour's figure pools every minute report of the area's radios in that hour."""
    roles = {s.name: s.role for s in sites}
    out: dict[str, Any] = {}
    for hub, members in areas(sites).items():
        per_hour: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
        for name in members:
            for h, (total, n) in log.hours.get(name, {}).items():
                per_hour[h][0] += total
                per_hour[h][1] += n
        hourly = {h: total / n for h, (total, n) in sorted(per_hour.items()) if n}
        reports = sum(n for _, n in per_hour.values())
        mean = sum(total for total, _ in per_hour.values()) / reports if reports else 0.0
        peak_h = max(hourly, key=lambda h: (hourly[h], -h)) if hourly else 0
        peak = hourly.get(peak_h, 0.0)
        out[hub] = {
            "role": roles.get(hub, "region"),
            "radios": len(members),
            "sites": members,
            "mean_pct": round(mean, 1),
            "peak_hour": peak_h,
            "peak_hour_pct": round(peak, 1),
            "hours_over_polite": sum(1 for v in hourly.values() if v > POLITE_CHANNEL_UTIL_PCT),
            "hours_over_max": sum(1 for v in hourly.values() if v > MAX_CHANNEL_UTIL_PCT),
            "level": _level(peak),
            "hourly_pct": [
                round(hourly.get(h, 0.0), 1) for h in range(max(hourly, default=-1) + 1)
            ],
        }
    return {
        "polite_pct": POLITE_CHANNEL_UTIL_PCT,
        "max_pct": MAX_CHANNEL_UTIL_PCT,
        "areas": out,
    }

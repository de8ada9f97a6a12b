"""A country's regions, each a scenario of its own: its sites, its part of the timeline, its seed.

Regions are out of each other's radio range and each has its own roster (schema: `region`), so
nothing one region does reaches another: the runner simulates them one after the other, each
with its own medium, event loop and roster, and merges what they logged into one report. A
scenario without regions is one region and runs as it is, with its own seed.
"""

from __future__ import annotations

import dataclasses
import hashlib

from nsplink.scenario.schema import Action, Scenario


def region_seed(seed: int, index: int) -> int:
    """Region `index`'s seed: derived from the scenario's, so the same seed gives the same run,
    and different per region (the site identities come from it: keys must not repeat)."""
    digest = hashlib.sha256(f"nsplink-region/{seed}/{index}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def region_of(sc: Scenario) -> dict[str, str]:
    """Site name -> its region ("" for every site of a scenario without regions)."""
    return {s.name: s.region for s in sc.sites}


def split(sc: Scenario, seed: int) -> list[tuple[str, Scenario, int]]:
    """Each region with its own scenario and seed; a scenario of one region stays whole, with
    the seed it was given."""
    names = sc.regions
    if len(names) == 1:
        return [(names[0], sc, seed)]
    return [(name, region_scenario(sc, name), region_seed(seed, i)) for i, name in enumerate(names)]


def region_scenario(sc: Scenario, region: str) -> Scenario:
    """The part of `sc` that happens in `region`: its sites, their actions and links, its
    bridge, its preset; a partition keeps the groups' sites in this region (a partition of the
    country is one of each region, since nothing crosses between them anyway)."""
    if len(sc.regions) == 1:
        return sc
    sites = tuple(s for s in sc.sites if s.region == region)
    mine = {s.name for s in sites}
    actions: list[Action] = []
    for a in sc.actions:
        if a.kind == "partition":
            groups = tuple(g for g in (tuple(n for n in g if n in mine) for g in a.groups) if g)
            actions.append(dataclasses.replace(a, groups=groups))
        elif a.kind == "heal" or a.site in mine:
            actions.append(a)
    bridge = sc.bridge if sc.bridge is not None and sc.bridge.sites[0] in mine else None
    return dataclasses.replace(
        sc,
        preset=sc.preset_of(region),  # a mesh of its own, on its own preset
        sites=sites,
        actions=tuple(actions),
        emergency_sites=tuple(n for n in sc.emergency_sites if n in mine),
        links=tuple(x for x in sc.links if x.a in mine),
        bridge=bridge,
        sites_by_name={s.name: s for s in sites},
    )


__all__ = ["region_of", "region_scenario", "region_seed", "split"]

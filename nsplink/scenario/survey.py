"""A site survey of a generated region: relays where the measured links leave posts weak.

A generator that scatters relays at random leaves some posts on links that fail more often than
not: in generated 100-NSP regions one NSP in a hundred heard nobody above its sensitivity, and in
one region twenty NSPs reached the CPs only over one link 3 dB above it. No protocol gets their
reports through reliably; a technician on site would measure those links and put up a relay.
This does what the survey would: it measures each link as the simulator will run it (the same
medium, seed and shadowing draw as the radio map) and, while some NSP's best chain to a CP has a
link weaker than `target_db`, adds the relay that lifts the most posts to it.

Each round tries the points of a grid over the region as the next relay (on a mast, like the
generated ones) with the shadowing the new relay's own node number will draw, and keeps the one
that brings the most NSPs to the target; on a tie, the one that lifts the weak ones the most.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable

from nsplink.radio.sim import Medium
from nsplink.radio.sim.propagation import Propagation, distance_m
from nsplink.scenario.plan import RELAY_DBI, TX_POWER_DBM
from nsplink.scenario.radiomap import GOOD_MARGIN_DB, NON_FORWARDING, build_medium
from nsplink.scenario.schema import Scenario

GRID_POINTS = 24  # candidates per side of the region

Graph = dict[str, dict[str, float]]  # site -> neighbour -> the weaker direction's margin, dB


def widest(graph: Graph, sources: Iterable[str], forwards: dict[str, bool]) -> dict[str, float]:
    """Every site's best chain from a source: the margin of its weakest link (inf at a source).
    Only sources and forwarding sites pass a chain on."""
    best = {s: math.inf for s in sources}
    heap = [(-math.inf, s) for s in sorted(best)]
    _relax(graph, best, heap, forwards)
    return best


def _relax(
    graph: Graph, best: dict[str, float], heap: list[tuple[float, str]], forwards: dict[str, bool]
) -> None:
    while heap:
        neg, here = heapq.heappop(heap)
        width = -neg
        if width < best.get(here, -math.inf):
            continue  # a stale entry
        if width != math.inf and not forwards.get(here, True):
            continue  # it hears, but passes nothing on
        for b, m in graph[here].items():
            w = min(width, m)
            if w > best.get(b, -math.inf):
                best[b] = w
                heapq.heappush(heap, (-w, b))


def survey(
    sc: Scenario,
    seed: int,
    node_numbers: Iterable[int],
    *,
    target_db: float = GOOD_MARGIN_DB,
) -> list[tuple[float, float]]:
    """Where to put relays so that every NSP of `sc` (one region) reaches a CP over links of at
    least `target_db`, one relay per number of `node_numbers` at most (the relays' node numbers,
    in order: each draws its own shadowing); fewer if a relay more lifts nobody."""
    # as the runner builds it, with the country's horizon between masts
    medium = build_medium(sc, seed, Propagation(horizon_m=sc.horizon_m) if sc.horizon_m else None)
    sens = medium.sensitivity_dbm
    node = {s.name: s.node for s in sc.sites}
    pos = {s.name: s.position for s in sc.sites}
    gain = {s.name: s.antenna_dbi for s in sc.sites}
    role = {s.name: s.role for s in sc.sites}
    forwards = {s.name: s.radio_role not in NON_FORWARDING for s in sc.sites}
    graph: Graph = {n: {} for n in node}
    names = sorted(node)
    by_node = {node[n]: n for n in names}
    heard = {a: dict(medium.heard_by(node[a])) for a in names}  # the runner's own link table
    for a in names:
        for nb, ab in heard[a].items():
            b = by_node[nb]
            ba = heard[b].get(node[a])
            if ba is not None:  # both ways decode on average: a chain may use it
                graph[a][b] = graph[b][a] = min(ab, ba) - sens
    cps = [n for n in names if role[n] == "cp"]
    nsps = [n for n in names if role[n] == "nsp"]
    best = widest(graph, cps, forwards)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    step = max(max(xs) - min(xs), max(ys) - min(ys), 1.0) / (GRID_POINTS - 1)
    grid = [  # rounded as the scenario file will say it: what is measured is what is placed
        (round(min(xs) + i * step, -1), round(min(ys) + j * step, -1))
        for i in range(GRID_POINTS)
        for j in range(GRID_POINTS)
        if min(xs) + i * step <= max(xs) and min(ys) + j * step <= max(ys)
    ]
    placed: list[tuple[float, float]] = []
    for number in node_numbers:
        weak = [n for n in nsps if best.get(n, -math.inf) < target_db]
        if not weak:
            break
        found = _best_candidate(medium, graph, best, forwards, grid, number, pos, gain, node,
                                sens, weak, target_db)  # fmt: skip
        if found is None:
            break
        c, links = found
        name = f"__survey_{len(placed)}__"
        graph[name] = dict(links)
        for b, m in links.items():
            graph[b][name] = m
        forwards[name] = True
        best = widest(graph, cps, forwards)
        placed.append(c)
    return placed


def _best_candidate(
    medium: Medium,
    graph: Graph,
    best: dict[str, float],
    forwards: dict[str, bool],
    grid: list[tuple[float, float]],
    number: int,
    pos: dict[str, tuple[float, float]],
    gain: dict[str, float],
    node: dict[str, int],
    sens: float,
    weak: list[str],
    target_db: float,
) -> tuple[tuple[float, float], dict[str, float]] | None:
    prop = medium.propagation
    reach = prop.range_m(TX_POWER_DBM + RELAY_DBI + max(gain.values()) + prop.max_shadowing_db()
                         - sens)  # fmt: skip
    chosen: tuple[tuple[int, float], tuple[float, float], dict[str, float]] | None = None
    for c in grid:
        if not any(distance_m(c, pos[w]) <= reach for w in weak):
            continue  # it cannot hear any weak post, whatever its shadowing
        links: dict[str, float] = {}
        for s, p in pos.items():
            d = distance_m(c, p)
            if d > reach or (prop.horizon_m is not None and d > prop.horizon_m):
                continue
            rssi = (
                TX_POWER_DBM
                + RELAY_DBI
                + gain[s]
                - prop.path_loss_db(d)
                + prop.shadowing(medium.seed, number, node[s])
            )
            if rssi - sens >= 0:
                links[s] = rssi - sens
        # the relay's own best chain, then whatever it lifts (only what improves is touched)
        after = dict(best)
        after["__c__"] = max(
            (min(best.get(s, -math.inf), m) for s, m in links.items()
             if forwards.get(s, True) or best.get(s) == math.inf),
            default=-math.inf,
        )  # fmt: skip
        if after["__c__"] == -math.inf:
            continue
        g = {"__c__": links}
        _relax({**graph, **g}, after, [(-after["__c__"], "__c__")], {**forwards, "__c__": True})
        lifted = sum(1 for w in weak if after.get(w, -math.inf) >= target_db)
        progress = sum(
            min(after.get(w, -math.inf), target_db) - max(best.get(w, -math.inf), -target_db)
            for w in weak
            if after.get(w, -math.inf) > best.get(w, -math.inf)
        )
        key = (lifted, round(progress, 6))
        if key > (0, 0.0) and (chosen is None or key > chosen[0]):
            chosen = (key, c, links)
    if chosen is None:
        return None
    return chosen[1], chosen[2]

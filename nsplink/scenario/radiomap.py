"""Who can hear whom in a scenario, before anything runs: the simulator's own link budget.

The medium is built exactly as the runner builds it (same preset, seed, positions, antenna
gains and fixed links), and asked for each pair's mean signal (`Medium.link_rssi`: transmit
power, antenna gains, log-distance path loss and the per-pair shadowing drawn from the seed). The
margin is that mean over the receiver's sensitivity; per packet the signal still varies by the
fading sigma, so a margin of a few dB loses some packets. A path is a chain of such links
through sites whose radio forwards (every role but CLIENT_MUTE); no path from an NSP to any CP
means its messages cannot arrive, whatever the protocol does: "no radio link", not "lost".
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from nsplink.i18n import Lang, register, t
from nsplink.provision.rules import ROLES_FOR_KIND
from nsplink.radio.sim import Medium
from nsplink.radio.sim.propagation import Propagation, distance_m
from nsplink.scenario import units
from nsplink.scenario.regions import split
from nsplink.scenario.schema import Scenario

GOOD_MARGIN_DB = 6.0  # three fading sigmas: practically every packet gets through
NON_FORWARDING = {"CLIENT_MUTE"}


@dataclass(frozen=True)
class Link:
    a: str  # transmitter
    b: str  # receiver
    distance_m: float | None
    rssi_dbm: float
    margin_db: float
    fixed: bool  # set in the scenario's `links`, not derived from positions


@dataclass(frozen=True)
class RadioMap:
    scenario: str
    preset: str
    seed: int
    sensitivity_dbm: float
    shadowing_db: float
    fading_db: float
    roles: dict[str, str]
    forwards: dict[str, bool]
    links: tuple[Link, ...]  # every pair the model gives a signal, heard or not
    # a country whose regions run different presets: (region, preset, sensitivity) each
    region_presets: tuple[tuple[str, str, float], ...] = ()

    def heard(self, min_margin_db: float = 0.0) -> list[Link]:
        return [x for x in self.links if x.margin_db >= min_margin_db]

    def path(self, src: str, dst_role: str = "cp") -> list[str] | None:
        """Fewest-hop chain of heard links from src to any site of dst_role, or None."""
        key = (src, dst_role)
        if key not in self._paths:
            self._paths[key] = self._search(src, lambda n: self.roles[n] == dst_role)
        return self._paths[key]

    def reachable(self, src: str, dst: str) -> bool:
        """Any chain of heard links from src to dst (through forwarding sites)."""
        reach = self._reach.get(src)
        if reach is None:  # everything the search from src could find, once per source
            reach = self._reach[src] = self._search_all(src)
        return dst in reach

    # the report asks per message and per missing recipient: a country's bulletin misses a
    # thousand NSPs of other regions, so the heard links are sorted into lists once and each
    # source's answers kept
    @cached_property
    def _next(self) -> dict[str, list[str]]:
        nxt: dict[str, list[str]] = {}
        for x in self.heard():
            nxt.setdefault(x.a, []).append(x.b)
        return {a: sorted(bs) for a, bs in nxt.items()}

    @cached_property
    def _paths(self) -> dict[tuple[str, str], list[str] | None]:
        return {}

    @cached_property
    def _reach(self) -> dict[str, set[str]]:
        return {}

    def _search_all(self, src: str) -> set[str]:
        """The sites `_search` from src could reach (src itself only through a loop back)."""
        seen: set[str] = set()
        todo = deque([src])
        while todo:
            here = todo.popleft()
            if here != src and not self.forwards[here]:
                continue
            for b in self._next.get(here, ()):
                if b not in seen and b != src:
                    seen.add(b)
                    todo.append(b)
        return seen

    def best_path(self, src: str, dst_role: str = "cp") -> tuple[list[str], float] | None:
        """The chain to any site of dst_role whose weakest link is strongest (fewer hops on a
        tie), with that weakest margin; None when there is no chain at all."""
        best: dict[str, tuple[float, int]] = {src: (math.inf, 0)}
        prev: dict[str, str] = {}
        heap: list[tuple[float, int, str]] = [(-math.inf, 0, src)]
        nxt: dict[str, list[Link]] = {}
        for x in self.heard():
            nxt.setdefault(x.a, []).append(x)
        found: tuple[str, float] | None = None
        while heap:
            neg, hops, here = heapq.heappop(heap)
            width = -neg
            if (width, -hops) < (best[here][0], -best[here][1]):
                continue  # a stale entry
            if here != src and self.roles[here] == dst_role:
                found = (here, width)
                break
            if here != src and not self.forwards[here]:
                continue
            for x in sorted(nxt.get(here, []), key=lambda x: x.b):
                w = min(width, x.margin_db)
                old = best.get(x.b)
                if old is None or (w, -(hops + 1)) > (old[0], -old[1]):
                    best[x.b] = (w, hops + 1)
                    prev[x.b] = here
                    heapq.heappush(heap, (-w, hops + 1, x.b))
        if found is None:
            return None
        out = [found[0]]
        while out[-1] in prev:
            out.append(prev[out[-1]])
        return out[::-1], found[1]

    def _search(self, src: str, is_target: Callable[[str], bool]) -> list[str] | None:
        nxt = self._next
        prev: dict[str, str] = {}
        seen = {src}
        todo = deque([src])
        while todo:
            here = todo.popleft()
            if here != src and is_target(here):
                out = [here]
                while out[-1] in prev:
                    out.append(prev[out[-1]])
                return out[::-1]
            if here != src and not self.forwards[here]:
                continue  # it hears, but passes nothing on
            for b in nxt.get(here, ()):
                if b not in seen:
                    seen.add(b)
                    prev[b] = here
                    todo.append(b)
        return None


def build_medium(
    sc: Scenario, seed: int | None = None, propagation: Propagation | None = None
) -> Medium:
    """The medium the runner would build for this scenario, without any site software."""
    medium = Medium(
        preset=sc.preset, seed=sc.seed if seed is None else seed, propagation=propagation
    )
    for spec in sc.sites:
        medium.add_node(
            spec.node,
            position=spec.position,
            role=spec.radio_role,
            antenna_gain_dbi=spec.antenna_dbi,
        )
    for link in sc.links:
        a, b = sc.site(link.a).node, sc.site(link.b).node
        medium.set_link(a, b, snr_db=link.snr_db, loss=link.loss)
    return medium


def radio_map(
    sc: Scenario, seed: int | None = None, propagation: Propagation | None = None
) -> RadioMap:
    """A country's map is its regions' maps side by side, each built as the runner builds that
    region's medium (its sites, its seed): no link crosses between regions."""
    seed = sc.seed if seed is None else seed
    regions = split(sc, seed)
    parts = [_region_map(part, s, propagation) for _name, part, s in regions]
    if len(parts) == 1:
        return parts[0]
    mixed = len({p.preset for p in parts}) > 1
    return dataclasses.replace(
        parts[0],
        region_presets=tuple(
            (name, p.preset, p.sensitivity_dbm)
            for (name, _, _), p in zip(regions, parts, strict=True)
        )
        if mixed
        else (),
        scenario=sc.name,
        seed=seed,
        roles={k: v for p in parts for k, v in p.roles.items()},
        forwards={k: v for p in parts for k, v in p.forwards.items()},
        links=tuple(x for p in parts for x in p.links),
    )


def _region_map(sc: Scenario, seed: int, propagation: Propagation | None) -> RadioMap:
    medium = build_medium(sc, seed, propagation)
    fixed = {(x.a, x.b) for x in sc.links} | {(x.b, x.a) for x in sc.links}
    links = []
    for a in sc.sites:
        for b in sc.sites:
            if a is b:
                continue
            rssi = medium.link_rssi(a.node, b.node)
            if rssi is None:
                continue
            links.append(
                Link(
                    a.name,
                    b.name,
                    None if (a.name, b.name) in fixed else distance_m(a.position, b.position),
                    rssi,
                    rssi - medium.sensitivity_dbm,
                    (a.name, b.name) in fixed,
                )
            )
    prop = medium.propagation
    return RadioMap(
        scenario=sc.name,
        preset=medium.preset_name,
        seed=medium.seed,
        sensitivity_dbm=medium.sensitivity_dbm,
        shadowing_db=prop.shadowing_db,
        fading_db=prop.fading_db,
        roles={s.name: s.role for s in sc.sites},
        forwards={s.name: s.radio_role not in NON_FORWARDING for s in sc.sites},
        links=tuple(links),
    )


register(
    {
        "radiomap.title": (
            "Radiokaart van {name}: {preset}, startwaarde (seed) {seed}, gevoeligheid {sens} dBm.",
            "Radio map of {name}: {preset}, seed {seed}, sensitivity {sens} dBm.",
        ),
        "radiomap.title_regions": (
            "Radiokaart van {name}: startwaarde (seed) {seed}, elke regio op haar eigen preset:",
            "Radio map of {name}: seed {seed}, each region on its own preset:",
        ),
        "radiomap.region_preset": (
            "  regio {region}: {preset}, gevoeligheid {sens} dBm",
            "  region {region}: {preset}, sensitivity {sens} dBm",
        ),
        "radiomap.model": (
            "Marge = gemiddeld signaal min gevoeligheid, met het model van de simulator. Onzeker:"
            " schaduwwerking σ {shadow} dB per verbinding (getrokken met de startwaarde; een"
            " andere startwaarde geeft andere marges) en fading σ {fading} dB per pakket: onder"
            " {good} dB marge gaan pakketten verloren.",
            "Margin = mean signal minus sensitivity, with the simulator's model. Uncertain:"
            " shadowing σ {shadow} dB per link (drawn from the seed; another seed gives other"
            " margins) and fading σ {fading} dB per packet: below {good} dB margin packets get"
            " lost.",
        ),
        "radiomap.hears": ("Wie hoort wie:", "Who hears whom:"),
        "radiomap.fixed": ("vaste verbinding", "fixed link"),
        "radiomap.weak": ("krap", "weak"),
        "radiomap.oneway": ("alleen {a} → {b}", "only {a} → {b}"),
        "radiomap.paths": (
            "Beste pad van elk NSP naar een CP (zwakste schakel):",
            "Best path from each NSP to a CP (weakest link):",
        ),
        "radiomap.path": ("  {nsp}: {path} ({margin} dB)", "  {nsp}: {path} ({margin} dB)"),
        "radiomap.no_path": (
            "  {nsp}: GEEN RADIOVERBINDING met een CP, ook niet via andere posten",
            "  {nsp}: NO RADIO LINK to any CP, not even through other sites",
        ),
        "radiomap.alone": ("  {site}: hoort niemand", "  {site}: hears nobody"),
    }
)


def render_text(rmap: RadioMap, lang: Lang | None = None) -> str:
    """What `nsplink scenario check` prints."""

    def T(key: str, **kw: object) -> str:
        return t(key, lang, **kw)

    def db(v: float) -> str:
        return units.number(v, 1, lang)

    if rmap.region_presets:
        out = [T("radiomap.title_regions", name=rmap.scenario, seed=rmap.seed)]
        out += [
            T("radiomap.region_preset", region=name, preset=p, sens=db(sens))
            for name, p, sens in rmap.region_presets
        ]
    else:
        out = [
            T(
                "radiomap.title",
                name=rmap.scenario,
                preset=rmap.preset,
                seed=rmap.seed,
                sens=db(rmap.sensitivity_dbm),
            )
        ]
    out += [
        T(
            "radiomap.model",
            shadow=db(rmap.shadowing_db),
            fading=db(rmap.fading_db),
            good=db(GOOD_MARGIN_DB),
        ),
        "",
        T("radiomap.hears"),
    ]
    by_pair = {(x.a, x.b): x for x in rmap.heard()}
    width = max((len(n) for n in rmap.roles), default=0)
    done: set[tuple[str, str]] = set()
    for (a, b), x in sorted(by_pair.items()):
        if (b, a) in done:
            continue
        done.add((a, b))
        back = by_pair.get((b, a))
        margin = min(x.margin_db, back.margin_db) if back else x.margin_db
        where = (
            T("radiomap.fixed")
            if x.fixed
            else f"{units.number((x.distance_m or 0) / 1000, 1, lang)} km"
        )
        notes = [T("radiomap.weak")] if margin < GOOD_MARGIN_DB else []
        if back is None:
            notes.append(T("radiomap.oneway", a=a, b=b))
        note = f"  ({', '.join(notes)})" if notes else ""
        sign = "+" if margin >= 0 else ""
        out.append(f"  {a:<{width}} ↔ {b:<{width}} {where:>9}  {sign}{db(margin)} dB{note}")
    heard_any = {n for pair in by_pair for n in pair}
    out += [T("radiomap.alone", site=n) for n in rmap.roles if n not in heard_any]
    out += ["", T("radiomap.paths")]
    for nsp, role in rmap.roles.items():
        if role != "nsp":
            continue
        best = rmap.best_path(nsp)
        if best is None:
            out.append(T("radiomap.no_path", nsp=nsp))
        else:
            path, margin = best
            out.append(T("radiomap.path", nsp=nsp, path=" → ".join(path), margin=f"+{db(margin)}"))
    return "\n".join(out) + "\n"


def unreachable_nsps(rmap: RadioMap) -> list[str]:
    return [n for n, r in rmap.roles.items() if r == "nsp" and rmap.path(n) is None]


def roles_off_profile(sc: Scenario) -> list[str]:
    """Sites whose radio role the technician's profiles refuse for their kind, as "name (ROLE;
    kind: ALLOWED/...)". A scenario may try one (a what-if), but its figures are then not those
    of the network as provisioned: a CP radio as ROUTER repeated every flood in the region."""
    return [
        f"{s.name} ({s.radio_role}; {s.role}: {'/'.join(ROLES_FOR_KIND[s.role])})"
        for s in sc.sites
        if s.role in ROLES_FOR_KIND and s.radio_role not in ROLES_FOR_KIND[s.role]
    ]

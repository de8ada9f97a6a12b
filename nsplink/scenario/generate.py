"""Generated exercise scenarios: a region, or a country of regions, from a few numbers and a seed.

Pure: the same parameters and seed give the same YAML text, byte for byte, which `schema`
reads like any hand-written scenario. A region is a square of CPs, relays and NSPs at a given
density; its traffic follows scenarios/long-power-outage.yaml: the same emergency rates per open
NSP, sitreps every 3 h, the same bulletins from its CPs, supply requests from a share of its NSPs
in proportion, a CP and a relay losing power, a partition on day 2 and the fuel rounds. Several
regions are laid out side by side in a grid, each its own mesh: the gap between them is the radio
horizon written into the file, so no signal crosses from one region to another, and each site
names its region, so each region has its own roster.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from nsplink.i18n import Lang, register, t
from nsplink.lora.airtime import DEFAULT_PRESET, EU868_PRESETS
from nsplink.provision.rules import ROLES_FOR_KIND
from nsplink.scenario.plan import RELAY_DBI
from nsplink.scenario.units import hm, seconds_of

# A generated site's radio has the role its firmware profile gives it (the first the profile
# rules allow: firmware-profiles/cp.yaml is CLIENT, relay.yaml ROUTER); a CP simulated as a
# ROUTER is a radio no technician could provision (docs/congestion.md, part 10).
CP_RADIO_ROLE = ROLES_FOR_KIND["cp"][0]
RELAY_RADIO_ROLE = ROLES_FOR_KIND["relay"][0]

DEFAULT_DENSITY = 4.0  # NSPs per 100 km²: a region of 60 NSPs is about 39 km square
DEFAULT_HORIZON_KM = 45.0  # two 30 m masts see each other over about 45 km
MAX_EXTENT_M = 200_000.0  # schema: positions within +-200 km
HOUR = 3600.0
SITREP_EVERY_S = 3 * HOUR  # long-power-outage.yaml: a sitrep every 3 h

# emergency rates per open NSP, as in long-power-outage.yaml: (from h, to h, per hour, incidents)
RATES: tuple[tuple[float, float, float, tuple[str, ...]], ...] = (
    (0, 1, 0.1, ("LIFT", "LET")),
    (1, 3, 1.2, ("LIFT", "MED", "LET", "APP")),
    (3, 6, 0.8, ("APP", "APP", "MED", "WAT")),
    (6, 15, 0.6, ("CO", "CO", "BRA", "LET", "MED")),
    (15, 24, 0.4, ("MED", "APP", "WAT", "VER")),
    (24, 30, 0.35, ("MED", "APP", "WAT")),
    (30, 39, 0.5, ("CO", "BRA", "MED", "LET")),
    (39, 48, 0.3, ("MED", "GEW", "VER")),
    (48, 54, 0.35, ("MED", "GEW", "OVR")),
    (54, 63, 0.45, ("CO", "BRA", "MED")),
    (63, 72, 0.3, ("MED", "LET", "BRA")),
)
NIGHTS = ((6, 15), (30, 39), (54, 63))

# (at h, id, supersedes, topic, urgent, valid h after it is sent, headline, body)
BULLETINS: tuple[tuple[float, str, str, str, bool, int, str, str], ...] = (
    (
        1 + 10 / 60,
        "stroom-1",
        "",
        "STROOM",
        True,
        12,
        "Stroomstoring in de hele regio",
        "Oorzaak onbekend, herstel onbekend. Bel 112 alleen bij levensgevaar.",
    ),
    (
        9,
        "co-1",
        "",
        "VEILIG",
        True,
        24,
        "Koolmonoxide door stoken binnen",
        "Gebruik geen barbecue, gasstel of kachel zonder afvoer binnen.",
    ),
    (
        13,
        "stroom-2",
        "stroom-1",
        "STROOM",
        False,
        36,
        "Stroom blijft minstens een dag weg",
        "Netbeheerder verwacht geen herstel binnen 24 uur.",
    ),
    (
        26,
        "water-1",
        "",
        "WATER",
        False,
        24,
        "Drinkwater bij de sporthallen",
        "Vanaf 12:00 drinkwater bij de sporthallen. Neem een fles of jerrycan mee.",
    ),
    (
        34,
        "water-2",
        "water-1",
        "WATER",
        False,
        48,
        "Drinkwater ook bij de kazernes",
        "Extra waterpunten bij de brandweerkazernes, dagelijks 08:00-20:00.",
    ),
    (
        46,
        "opvang-1",
        "",
        "OPVANG",
        False,
        30,
        "Warme opvang in de sporthal",
        "Voor wie het thuis te koud wordt is er opvang. Vervoer via dit noodsteunpunt.",
    ),
    (
        66,
        "stroom-3",
        "stroom-2",
        "STROOM",
        False,
        24,
        "Stroom komt gefaseerd terug",
        "Zet apparaten uit en een voor een weer aan om brand te voorkomen.",
    ),
)

# (at h, share of the NSPs of long-power-outage.yaml (k of 8) that ask, fields)
SUPPLIES: tuple[tuple[float, int, dict[str, Any]], ...] = (
    (
        16,
        1,
        {"category": "BRST", "quantity": 4, "unit": "JC", "urgency": "DIRECT", "item": "diesel"},
    ),
    (
        25,
        3,
        {
            "category": "WATER",
            "quantity": 500,
            "unit": "L",
            "urgency": "VANDAAG",
            "item": "drinkwater",
            "persons": 200,
        },
    ),
    (
        28,
        1,
        {
            "category": "MEDI",
            "quantity": 12,
            "unit": "ST",
            "urgency": "DIRECT",
            "item": "insuline",
            "persons": 12,
        },
    ),
    (
        31,
        2,
        {"category": "WARM", "quantity": 150, "unit": "ST", "urgency": "VANDAAG", "item": "dekens"},
    ),
    (
        37,
        1,
        {"category": "BRST", "quantity": 200, "unit": "L", "urgency": "MORGEN", "item": "diesel"},
    ),
    (
        49,
        3,
        {
            "category": "VOED",
            "quantity": 10,
            "unit": "DOOS",
            "urgency": "VANDAAG",
            "item": "houdbaar voedsel",
        },
    ),
    (
        52,
        1,
        {
            "category": "VERV",
            "quantity": 6,
            "unit": "PERS",
            "urgency": "DIRECT",
            "item": "rolstoelvervoer",
        },
    ),
    (
        58,
        2,
        {
            "category": "LICHT",
            "quantity": 40,
            "unit": "ST",
            "urgency": "MORGEN",
            "item": "batterijen en zaklampen",
        },
    ),
)

_PREFIX = ("Noord", "Zuid", "Oost", "West", "Oude", "Nieuwe", "Groot", "Klein", "Hoog", "Laag")
_STEM = ("wolde", "broek", "dam", "veen", "horn", "zijl", "meer", "dijk", "hoven", "wijk", "burg")
_STREETS = (
    "Hoofdstraat",
    "Kerkstraat",
    "Dorpsstraat",
    "Molenweg",
    "Stationsstraat",
    "Schoolstraat",
    "Hoofdweg",
    "Kerkeweg",
    "Beukenlaan",
    "Julianastraat",
    "Wilhelminastraat",
    "Nieuweweg",
)


@dataclass(frozen=True)
class RegionSpec:
    """One region: its NSPs, CPs and relays (None: in proportion) on a square of `area_km2`
    (None: from `density`, NSPs per 100 km²)."""

    nsps: int = 30
    cps: int | None = None
    relays: int | None = None
    area_km2: float | None = None
    density: float = DEFAULT_DENSITY

    def counts(self) -> tuple[int, int, int]:
        cps = self.cps if self.cps is not None else max(1, math.ceil(self.nsps / 15))
        relays = self.relays if self.relays is not None else max(1, math.ceil(self.nsps / 10))
        return cps, relays, self.nsps

    def side_m(self) -> float:
        area = self.area_km2 if self.area_km2 is not None else self.nsps / self.density * 100
        return math.sqrt(area) * 1000.0


register(
    {
        f"generate.{k}": v
        for k, v in {
            "no_region": ("geef minstens één regio", "at least one region"),
            "hours": (
                "het aantal uren moet tussen 1 en 720 liggen",
                "hours must be between 1 and 720",
            ),
            "load": (
                "de belasting moet tussen 0,1 en 18 liggen",
                "the load must be between 0.1 and 18",
            ),
            "preset": (
                "onbekende preset {preset}; kies uit {choices}",
                "unknown preset {preset}; choose from {choices}",
            ),
            "region_preset": (
                "verwacht REGIO=PRESET, zoals r02=MEDIUM_FAST, kreeg {got}",
                "expected REGION=PRESET, like r02=MEDIUM_FAST, got {got}",
            ),
            "no_such_region": (
                "geen regio {region}; de regio's heten {names}",
                "no region {region}; the regions are called {names}",
            ),
            "one_region": (
                "een enkele regio heeft geen naam: geef haar preset met --preset",
                "a single region has no name: give its preset with --preset",
            ),
            "counts": (
                "per regio 1 tot 4000 CP's, 0 tot 4000 relais en 1 tot 4000 NSP's",
                "per region: 1..4000 CPs, 0..4000 relays, 1..4000 NSPs",
            ),
            "no_area": ("een regio heeft een oppervlakte nodig", "a region needs an area"),
            "too_many": ("hoogstens 255 regio's", "at most 255 regions"),
            "positive": (
                "dichtheid en oppervlakte moeten groter dan 0 zijn",
                "density and area must be positive",
            ),
            "too_wide": (
                "{regions} regio's van {side} m met {gap} m ertussen passen niet in een vierkant"
                " van {square} m",
                "{regions} regions of {side} m with {gap} m between them do not fit in"
                " {square} m square",
            ),
        }.items()
    }
)


class GenerateError(ValueError):
    """Parameters no scenario can be made of (too many nodes, too large a country).

    `why` names a text `generate.<why>` in both languages; `str()` is the English one."""

    def __init__(self, why: str, **params: object) -> None:
        self.why = why
        self.params = params
        super().__init__(t(f"generate.{why}", "en", **params))

    def text(self, lang: Lang | None = None) -> str:
        return t(f"generate.{self.why}", lang, **self.params)


def country(regions: int = 25, nsps: int = 60, **kw: Any) -> list[RegionSpec]:
    """`regions` equal regions for the national comparison."""
    return [RegionSpec(nsps=nsps, **kw) for _ in range(regions)]


def generate(regions: Sequence[RegionSpec], **kw: Any) -> str:
    """`generate_data`'s scenario as the YAML text of a scenario file."""
    return dump(generate_data(regions, **kw))


def generate_data(
    regions: Sequence[RegionSpec],
    *,
    seed: int = 1,
    hours: float = 72.0,
    name: str | None = None,
    horizon_km: float | None = None,
    mute_covered: bool = False,
    load: float = 1.0,
    preset: str = DEFAULT_PRESET,
    region_presets: Mapping[str, str] | None = None,
    survey: bool = True,
) -> dict[str, Any]:
    """The scenario for `regions` (one: a region; more: side by side, out of range), as data.
    `mute_covered` makes every NSP radio that the plan finds can be quiet CLIENT_MUTE; `load`
    multiplies the offered traffic (see `build`); `preset` is every radio's modem preset but
    those of the regions in `region_presets` (name as generated, r01 … -> preset). `survey`
    adds the relays a site survey would where the scattered ones leave NSPs on weak links
    (`survey.py`; at most one per 10 NSPs of a region); without it a region keeps its gaps."""
    data = build(
        regions,
        seed=seed,
        hours=hours,
        name=name,
        horizon_km=horizon_km,
        load=load,
        preset=preset,
        region_presets=region_presets,
    )
    if survey:
        _add_surveyed_relays(data, regions)
    if mute_covered:
        from nsplink.scenario.plan import mutable_nsps
        from nsplink.scenario.schema import parse_scenario

        # judged at the preset these radios run, which may not be the one the plan proposes
        quiet = set(mutable_nsps(parse_scenario(dump(data)), own_preset=True))
        for site in data["sites"]:
            if site["name"] in quiet:
                site["radio_role"] = "CLIENT_MUTE"
    return data


def _add_surveyed_relays(data: dict[str, Any], regions: Sequence[RegionSpec]) -> None:
    """Each region's surveyed relays, numbered on from its scattered ones (the node numbers
    are part of the survey: each draws its own shadowing)."""
    from nsplink.scenario.regions import split
    from nsplink.scenario.schema import parse_scenario
    from nsplink.scenario.survey import survey

    sc = parse_scenario(dump(data))
    multi = len(regions) > 1
    for r, ((name, part, seed), spec) in enumerate(zip(split(sc, sc.seed), regions, strict=True)):
        _, relays, nsps = spec.counts()
        first = relays + 1
        extra = min(math.ceil(nsps / 10), 0xFFF - relays)  # a region's relay numbers: 12 bits
        numbers = [0x30000000 | r << 12 | first + k for k in range(extra)]
        prefix = f"{name}-" if multi else ""
        new = [
            {
                "name": f"{prefix}relais-{first + k:02d}",
                "role": "relay",
                "node": f"{numbers[k]:#010x}",
                "position": [round(x), round(y)],
                "radio_role": RELAY_RADIO_ROLE,
                "antenna_dbi": RELAY_DBI,
                **({"region": name} if multi else {}),
            }
            for k, (x, y) in enumerate(survey(part, seed, numbers))
        ]
        # after the region's own CPs and relays, so its sites stay together in the file
        at = max(
            i
            for i, s in enumerate(data["sites"])
            if (not multi or s.get("region") == name) and s["role"] in ("cp", "relay")
        )
        data["sites"][at + 1 : at + 1] = new


def dump(data: dict[str, Any]) -> str:
    """A generated scenario as the text of its file."""
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100
    )


def build(
    regions: Sequence[RegionSpec],
    *,
    seed: int = 1,
    hours: float = 72.0,
    name: str | None = None,
    horizon_km: float | None = None,
    load: float = 1.0,
    preset: str = DEFAULT_PRESET,
    region_presets: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The scenario as plain data (what `generate` writes). `load` multiplies the offered
    traffic: emergency rates times `load`, sitreps `load` times as often (at most every 10
    minutes, the schema's floor); the timeline's supply requests and bulletins stay as they are."""
    if not regions:
        raise GenerateError("no_region")
    if not 1 <= hours <= 30 * 24:
        raise GenerateError("hours")
    if not 0.1 <= load <= 18:  # 18: sitreps every 10 minutes
        raise GenerateError("load")
    preset = _preset(preset)
    for spec in regions:
        cps, relays, nsps = spec.counts()
        if not (1 <= cps <= 4000 and 0 <= relays <= 4000 and 1 <= nsps <= 4000):
            raise GenerateError("counts")
        if spec.side_m() <= 0:
            raise GenerateError("no_area")
    if len(regions) > 255:
        raise GenerateError("too_many")
    rng = random.Random(f"{seed}/generate")
    multi = len(regions) > 1
    names = [_region_name(r) for r in range(len(regions))] if multi else []
    own: dict[str, str] = {}
    for region, p in (region_presets or {}).items():
        if not multi:
            raise GenerateError("one_region")
        if region not in names:
            raise GenerateError("no_such_region", region=region, names=f"{names[0]} … {names[-1]}")
        own[region] = _preset(p)
    gap = (horizon_km if horizon_km is not None else DEFAULT_HORIZON_KM) * 1000.0
    origins = _layout(regions, gap if multi else 0.0)
    duration = hours * HOUR
    sites: list[dict[str, Any]] = []
    timeline: list[dict[str, Any]] = []
    halves: list[list[str]] = []
    for r, (spec, origin) in enumerate(zip(regions, origins, strict=True)):
        prefix = f"{names[r]}-" if multi else ""
        region_sites = _region_sites(spec, r, prefix, origin, rng, duration)
        if multi:  # each its own roster and mesh (schema: `region`)
            for site in region_sites:
                site["region"] = names[r]
        sites.extend(region_sites)
        timeline.extend(_region_timeline(region_sites, prefix, rng, duration))
        halves.extend(_halves(region_sites, origin[0] + spec.side_m() / 2))
    if duration >= 44 * HOUR and len(halves) >= 2:
        # day 2: every region falls in two (one action: a partition replaces the one before)
        timeline.append({"at": "40h", "partition": halves})
        timeline.append({"at": "44h", "heal": True})
    timeline.sort(key=lambda e: seconds_of(e["at"]) or 0.0)
    total = sum(s["role"] == "nsp" for s in sites)
    data: dict[str, Any] = {
        "name": name
        or (
            f"Gegenereerd land, {len(regions)} regio's, {total} NSP's"
            if multi
            else f"Gegenereerde regio, {total} NSP's"
        ),
        "description": f"Gegenereerd (seed {seed}) naar het verloop van long-power-outage.yaml.",
        "seed": seed,
        "duration": hm(duration),
        "drain": "8h" if hours >= 24 else "1h",
        "handling": {"seen_after": "3m", "meldkamer_after": "8m", "closed_after": "50m"},
    }
    if preset != DEFAULT_PRESET:  # one preset for the whole mesh: radios on two cannot hear
        data["preset"] = preset  # each other (docs/congestion.md, planning)
    if own:  # regions are separate meshes: each may run its own (docs/congestion.md part 5)
        data["regions"] = {region: {"preset": own[region]} for region in names if region in own}
    if multi or horizon_km is not None:
        data["radio"] = {"horizon_km": gap / 1000.0}
    data["sites"] = sites
    data["emergencies"] = {
        "rates": [
            {
                "from": hm(a * HOUR),
                "to": hm(min(b, hours) * HOUR),
                "per_hour": round(rate * load, 3),
                "incidents": list(inc),
            }
            for a, b, rate, inc in RATES
            if a < hours
        ]
    }
    data["sitreps"] = {"every": hm(max(SITREP_EVERY_S / load, 600.0)), "from": "1h"}
    data["timeline"] = timeline
    return data


def _region_name(index: int) -> str:
    return f"r{index + 1:02d}"


def _preset(name: str) -> str:
    value = name.strip().upper()
    if value not in EU868_PRESETS:
        raise GenerateError("preset", preset=value, choices=", ".join(EU868_PRESETS))
    return value


def parse_region_presets(items: Sequence[str]) -> dict[str, str]:
    """`--region-preset r02=MEDIUM_FAST`, repeated: region -> preset (checked by `build`)."""
    out: dict[str, str] = {}
    for item in items:
        region, sep, p = item.partition("=")
        if not sep or not region.strip() or not p.strip():
            raise GenerateError("region_preset", got=repr(item))
        out[region.strip()] = p.strip()
    return out


def _layout(regions: Sequence[RegionSpec], gap: float) -> list[tuple[float, float]]:
    """South-west corners of the regions on a grid, centred on (0, 0), `gap` apart."""
    cols = math.ceil(math.sqrt(len(regions)))
    rows = math.ceil(len(regions) / cols)
    pitch = max(s.side_m() for s in regions) + gap
    width, height = cols * pitch - gap, rows * pitch - gap
    if width / 2 > MAX_EXTENT_M or height / 2 > MAX_EXTENT_M:
        raise GenerateError(
            "too_wide",
            regions=len(regions),
            side=f"{pitch - gap:.0f}",
            gap=f"{gap:.0f}",
            square=f"{2 * MAX_EXTENT_M:.0f}",
        )
    return [
        (i % cols * pitch - width / 2, i // cols * pitch - height / 2) for i in range(len(regions))
    ]


def _region_sites(
    spec: RegionSpec,
    r: int,
    prefix: str,
    origin: tuple[float, float],
    rng: random.Random,
    duration: float,
) -> list[dict[str, Any]]:
    cps, relays, nsps = spec.counts()
    side = spec.side_m()
    x0, y0 = origin

    def pos(fx: float, fy: float) -> list[float]:
        return [round(x0 + fx * side), round(y0 + fy * side)]

    out: list[dict[str, Any]] = []
    grid = math.ceil(math.sqrt(cps))
    for i in range(cps):  # spread over the region like fire stations
        fx = (i % grid + 0.5 + rng.uniform(-0.2, 0.2)) / grid
        fy = (i // grid + 0.5 + rng.uniform(-0.2, 0.2)) / grid
        out.append(
            {
                "name": f"{prefix}cp-{i + 1:02d}",
                "role": "cp",
                "node": f"{0x10000000 | r << 12 | i + 1:#010x}",
                "position": pos(fx, fy),
                "radio_role": CP_RADIO_ROLE,
                "antenna_dbi": 6,
            }
        )
    for i in range(relays):
        out.append(
            {
                "name": f"{prefix}relais-{i + 1:02d}",
                "role": "relay",
                "node": f"{0x30000000 | r << 12 | i + 1:#010x}",
                "position": pos(rng.random(), rng.random()),
                "radio_role": RELAY_RADIO_ROLE,
                "antenna_dbi": RELAY_DBI,
            }
        )
    for i in range(nsps):
        place = rng.choice(_PREFIX) + rng.choice(_STEM)
        site: dict[str, Any] = {
            "name": f"{prefix}nsp-{i + 1:03d}",
            "role": "nsp",
            "node": f"{0x20000000 | r << 12 | i + 1:#010x}",
            "position": pos(rng.random(), rng.random()),
            "place": place,
            "streets": rng.sample(_STREETS, rng.randint(2, 4)),
            "opens_at": rng.choice(("45m", "1h", "1h15m", "1h30m", "2h")),
            "visitors_per_hour": rng.choice((8, 10, 12, 18, 20, 25, 40, 45)),
        }
        if rng.random() < 0.4:  # a village post: closed at night, on batteries
            site["staff_day"] = [1, rng.randint(3, 4)]
            nights = [[f"{a}h", f"{b}h"] for a, b in NIGHTS if b * HOUR <= duration]
            if nights:
                site["closed"] = nights
            site["battery_h"] = 80
        else:
            site["staff_day"] = [rng.randint(2, 3), rng.randint(5, 8)]
            site["staff_night"] = [rng.randint(1, 2), rng.randint(2, 3)]
            site["generator"] = {
                "fuel_l": rng.choice((150, 160, 200, 220)),
                "burn_l_per_h": rng.choice((3, 3.5, 4, 4.5)),
            }
        out.append(site)
    return out


def _region_timeline(
    sites: list[dict[str, Any]], prefix: str, rng: random.Random, duration: float
) -> list[dict[str, Any]]:
    cps = [s["name"] for s in sites if s["role"] == "cp"]
    relays = [s["name"] for s in sites if s["role"] == "relay"]
    nsps = [s["name"] for s in sites if s["role"] == "nsp"]
    out: list[dict[str, Any]] = []
    for i, (at, ref, sup, topic, urgent, valid, head, body) in enumerate(BULLETINS):
        if at * HOUR > duration:
            continue
        fields: dict[str, Any] = {
            "headline": head,
            "body": body,
            "valid_until": hm((at + valid) * HOUR),  # counted from the start
            "issuer": "Veiligheidsregio",
            "topic": topic,
        }
        if urgent:
            fields["urgent"] = "SPOED"
        entry: dict[str, Any] = {
            "at": hm(at * HOUR),
            "site": cps[i % len(cps)],
            "send": "bulletin",
            "id": prefix + ref,
        }
        if sup and any(b[1] == sup and b[0] * HOUR <= duration for b in BULLETINS):
            entry["supersedes"] = prefix + sup
        entry["fields"] = fields
        out.append(entry)
    for at, share, fields in SUPPLIES:
        if at * HOUR > duration:
            continue
        k = min(len(nsps), max(1, round(share * len(nsps) / 8)))
        who = sorted(rng.sample(nsps, k))
        out.append(
            {
                "at": hm(at * HOUR),
                "site": who if k > 1 else who[0],
                "send": "supply",
                "fields": dict(fields),
            }
        )
    faults: list[tuple[float, str, str]] = [
        (17, "power_off", cps[-1]),
        (18 + 1 / 6, "power_on", cps[-1]),
    ]
    if relays:
        faults += [(20, "power_off", relays[0]), (27, "power_on", relays[0])]
    for at, kind, site in faults:
        if at * HOUR <= duration:
            out.append({"at": hm(at * HOUR), kind: site})
    fuelled = [s for s in sites if "generator" in s]
    for s in fuelled:  # the fuel round: a day's worth, every day from hour 20 on
        if duration >= 20 * HOUR:
            burn = s["generator"]["burn_l_per_h"]
            out.append(
                {"at": "20h", "every": "24h", "refuel": s["name"], "litres": round(burn * 24)}
            )
    return out


def _halves(sites: list[dict[str, Any]], mid_x: float) -> list[list[str]]:
    west = [s["name"] for s in sites if s["position"][0] < mid_x]
    east = [s["name"] for s in sites if s["position"][0] >= mid_x]
    return [g for g in (west, east) if g]


__all__ = [
    "DEFAULT_DENSITY",
    "DEFAULT_HORIZON_KM",
    "GenerateError",
    "RegionSpec",
    "build",
    "country",
    "generate",
]

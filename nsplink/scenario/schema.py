"""The scenario file: YAML read with its line marks, checked field by field into plain dataclasses.

Every mistake is one `ScenarioError` naming the line, the field path and what is wrong, in Dutch
and English. Times are written as durations since the start of the outage ("1h30m", "36h", "2d"),
so a scenario never depends on the wall clock. Message fields use the protocol's own codes and are
built into real protocol bodies and validated here, so a bad code fails at load time, not at hour
40 of a run.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from enum import Enum, IntFlag
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, register, t
from nsplink.lora.airtime import DEFAULT_PRESET, UnknownPresetError, eu868_preset
from nsplink.protocol import (
    READ_FORMATS,
    Bulletin,
    Emergency,
    Incident,
    Message,
    Priority,
    Services,
    Supply,
    ValidationError,
)
from nsplink.scenario.units import hm, seconds_of
from nsplink.texts import render_error

register(
    {
        "scenario.invalid": (
            "Scenario {file}, regel {line}, veld {field}: {problem}",
            "Scenario {file}, line {line}, field {field}: {problem}",
        ),
        "scenario.problem.position_shape": (
            "verwacht [x, y] in meters, {{lat: …, lon: …}} (WGS84) of {{rd: [x, y]}} (RD)",
            "expected [x, y] in metres, {{lat: …, lon: …}} (WGS84) or {{rd: [x, y]}} (RD)",
        ),
        "scenario.problem.position_degrees": (
            "[{x}, {y}] zijn graden, geen meters; schrijf position: {{lat: {lat}, lon: {lon}}}",
            "[{x}, {y}] are degrees, not metres; write position: {{lat: {lat}, lon: {lon}}}",
        ),
        "scenario.problem.position_outside_nl": (
            "{lat}, {lon} ligt buiten Nederland (RD geldt voor {south}–{north}° NB,"
            " {west}–{east}° OL)",
            "{lat}, {lon} lies outside the Netherlands (RD covers {south}–{north}° N,"
            " {west}–{east}° E)",
        ),
        "scenario.problem.position_swapped": (
            "{lat}, {lon} ligt buiten Nederland; lat en lon verwisseld? Probeer"
            " {{lat: {lon}, lon: {lat}}}",
            "{lat}, {lon} lies outside the Netherlands; latitude and longitude swapped? Try"
            " {{lat: {lon}, lon: {lat}}}",
        ),
        "scenario.problem.position_rd_range": (
            "RD [{x}, {y}] ligt buiten het RD-raster (x {x0} … {x1}, y {y0} … {y1} meter)",
            "RD [{x}, {y}] lies outside the RD grid (x {x0} … {x1}, y {y0} … {y1} metres)",
        ),
        "scenario.problem.position_mixed_grid": (
            "[x, y] in meters op een eigen raster, maar {first} staat op de kaart (lat/lon of RD);"
            " geef alle posten op dezelfde manier",
            "[x, y] in metres on a local grid, but {first} is on the map (lat/lon or RD);"
            " give every site the same way",
        ),
        "scenario.problem.position_mixed_map": (
            "een kaartpositie (lat/lon of RD), maar {first} staat in meters op een eigen raster;"
            " geef alle posten op dezelfde manier",
            "a map position (lat/lon or RD), but {first} is in metres on a local grid;"
            " give every site the same way",
        ),
        "scenario.unreadable": (
            "Scenariobestand {file} is niet te lezen: {detail}",
            "Scenario file {file} cannot be read: {detail}",
        ),
    }
)

# Every problem a scenario file can have, in both languages (docs/scenario-handleiding.md §9).
register(
    {
        f"scenario.problem.{k}": v
        for k, v in {
            "mapping": (
                "verwacht een lijst van sleutel: waarde",
                "expected a mapping (key: value)",
            ),
            "unknown_field": (
                "onbekend veld (toegestaan: {allowed})",
                "unknown field (allowed: {allowed})",
            ),
            "twice": ("veld staat er twee keer", "field given twice"),
            "required": ("verplicht veld ontbreekt", "required field missing"),
            "list": ("verwacht een lijst", "expected a list"),
            "scalar": ("verwacht één waarde", "expected a single value"),
            "too_long": ("langer dan {max} tekens", "longer than {max} characters"),
            "not_int": (
                "verwacht een geheel getal, kreeg {got}",
                "expected a whole number, got {got}",
            ),
            "not_number": ("verwacht een getal, kreeg {got}", "expected a number, got {got}"),
            "range": (
                "moet tussen {lo} en {hi} liggen, kreeg {got}",
                "must be between {lo} and {hi}, got {got}",
            ),
            "duration": (
                "verwacht een duur zoals 90m, 1h30m of 2d, kreeg {got}",
                "expected a duration like 90m, 1h30m or 2d, got {got}",
            ),
            "over_30_days": ("langer dan 30 dagen", "longer than 30 days"),
            "choice": ("{got} is niet een van {choices}", "{got} is not one of {choices}"),
            "yaml": ("geen geldige YAML: {detail}", "not valid YAML: {detail}"),
            "empty": ("het bestand is leeg", "the file is empty"),
            "aliases": (
                "YAML-aliassen (*naam) mogen niet in een scenario",
                "YAML aliases (*name) are not allowed in a scenario",
            ),
            "site_twice": ("post {name} staat er twee keer in", "site {name} defined twice"),
            "node_twice": (
                "nodenummer {number} twee keer gebruikt",
                "node number {number} used twice",
            ),
            "no_cp": (
                "een scenario heeft minstens één cp nodig",
                "a scenario needs at least one cp",
            ),
            "too_many_actions": ("meer dan {max} acties", "more than {max} actions"),
            "no_site": ("geen post met de naam {name}", "no site called {name}"),
            "wrong_role": (
                "{name} is een {role}, verwacht {roles}",
                "{name} is a {role}, expected {roles}",
            ),
            "name_chars": (
                "gebruik letters, cijfers, spatie, '.', '_' en '-'",
                "use letters, digits, space, '.', '_' and '-'",
            ),
            "name_group": ("{name} betekent een groep posten", "{name} means a group of sites"),
            "from_to": ("verwacht [van, tot]", "expected [from, to]"),
            "end_before_start": (
                "het einde moet na het begin komen",
                "the end must come after the start",
            ),
            "staff_pair": (
                "verwacht [beroeps, vrijwilligers]",
                "expected [professionals, volunteers]",
            ),
            "after_end": (
                "na het einde van het scenario (duration)",
                "after the end of the scenario (duration)",
            ),
            "one_action": ("geef precies één van: {actions}", "give exactly one of: {actions}"),
            "at_least": ("minstens {min}", "at least {min}"),
            "two_groups": (
                "geef minstens twee groepen posten",
                "give at least two groups of sites",
            ),
            "no_generator": ("{name} heeft geen aggregaat", "{name} has no generator"),
            "id_one": (
                "een id hoort bij één bericht: niet met every of meerdere posten",
                "an id names one message: not with every or many sites",
            ),
            "supersedes_bulletin": (
                "alleen een bulletin kan een ander vervangen",
                "only a bulletin supersedes",
            ),
            "no_earlier": ("geen eerder bericht met id {id}", "no earlier message with id {id}"),
            "id_twice": ("id {id} twee keer gebruikt", "id {id} used twice"),
            "expired_on_send": (
                "verlopen voordat het verstuurd wordt: geldig tot {until}, verstuurd om {at};"
                " valid_until telt vanaf het begin van het scenario, zoals at",
                "expired before it is sent: valid until {until}, sent at {at};"
                " valid_until counts from the start of the scenario, as at does",
            ),
            "protocol": ("{error}", "{error}"),
            "not_settable": (
                "dit veld kan niet vanuit een scenario worden gezet",
                "this field cannot be set from a scenario",
            ),
            "site_pair": ("verwacht [post, post]", "expected [site, site]"),
            "same_site": (
                "een verbinding heeft twee verschillende posten nodig",
                "a link needs two different sites",
            ),
            "region_mixed": (
                "geef region bij elke post of bij geen enkele ({name} heeft er geen)",
                "give a region for every site or for none ({name} has none)",
            ),
            "region_no_cp": (
                "regio {region} heeft geen cp",
                "region {region} has no cp",
            ),
            "region_no_sites": (
                "regio {region} heeft geen posten (regio's van de posten: {regions})",
                "region {region} has no sites (the sites' regions: {regions})",
            ),
            "region_cross": (
                "{a} (regio {ra}) en {b} (regio {rb}) liggen in verschillende regio's: elke"
                " regio is een eigen mesh met een eigen rooster",
                "{a} (region {ra}) and {b} (region {rb}) are in different regions: each region"
                " is its own mesh with its own roster",
            ),
        }.items()
    }
)

MAX_FILE_BYTES = 2_000_000
MAX_ACTIONS = 100_000
ROLES = ("cp", "nsp", "relay")
RADIO_ROLES = ("CLIENT", "CLIENT_MUTE", "ROUTER", "ROUTER_LATE", "REPEATER")
# set by the runner or the sender's key, never in a scenario file
NOT_FROM_SCENARIO = frozenset({"sealed_personal", "sites", "supersedes"})
BODY_TYPES: dict[str, type[Message]] = {
    "emergency": Emergency,
    "supply": Supply,
    "bulletin": Bulletin,
}


class ScenarioError(NsplinkError):
    """A scenario file that cannot be run; says where and why."""

    code = "scenario.invalid"
    key = "scenario.invalid"

    def __init__(
        self, file: str, line: int, field: str, problem: str = "", *, why: str = "", **params: Any
    ) -> None:
        """`why` names a registered problem text (`scenario.problem.<why>`, Dutch and English)
        filled with `params`; `problem` is a plain English text for the older checks."""
        self.line = line
        self.field = field
        self.why = why
        self.why_params = params
        self.problem = _problem(why, params, "en") if why else problem
        super().__init__(self.problem, file=file, line=line, field=field, problem=self.problem)


def _problem(why: str, params: dict[str, Any], lang: Lang | None) -> str:
    # a protocol validation error inside is rendered in the same language
    shown = {
        k: render_error(v, lang) if isinstance(v, NsplinkError) else v for k, v in params.items()
    }
    return t(f"scenario.problem.{why}", lang, **shown)


@render_error.register
def _render_scenario_error(err: ScenarioError, lang: Lang | None = None) -> str:
    problem = _problem(err.why, err.why_params, lang) if err.why else err.problem
    return t(err.key, lang, **{**err.params, "problem": problem})


class ScenarioUnreadable(NsplinkError):
    code = "scenario.unreadable"
    key = "scenario.unreadable"


# -- the model ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Generator:
    fuel_l: float
    burn_l_per_h: float


@dataclass(frozen=True)
class SiteSpec:
    name: str
    role: str
    node: int
    position: tuple[float, float]
    radio_role: str = "CLIENT"
    place: str = ""
    streets: tuple[str, ...] = ()
    opens_at: float = 0.0
    closed: tuple[tuple[float, float], ...] = ()  # nights: equipment off, nobody typing
    visitors_per_hour: float = 0.0
    staff_day: tuple[int, int] = (0, 0)  # professionals, volunteers
    staff_night: tuple[int, int] = (0, 0)
    generator: Generator | None = None
    battery_h: int = 0  # hours of battery if there is no generator
    antenna_dbi: float = 0.0  # a mast or tower: gain and height folded into one figure
    newest_format: int = max(READ_FORMATS)  # 2: the site runs a release from before format 3
    line: int = 0
    geo: tuple[float, float] | None = None  # (lat, lon) WGS84 when given on a map; position is RD
    region: str = ""  # its veiligheidsregio: a roster and a mesh of its own ("": the only one)


@dataclass(frozen=True)
class Action:
    """One scripted thing at one virtual time (seconds since the start)."""

    at: float
    kind: str  # send | power_off | power_on | radio_off | radio_on | partition | heal | refuel
    site: str = ""
    body: Message | None = None
    destination: str = ""  # cps | nsps | all | <site name>
    priority: Priority | None = None
    ref: str = ""  # a name for this message, for a later `supersedes`
    supersedes: str = ""
    groups: tuple[tuple[str, ...], ...] = ()
    litres: float = 0.0
    line: int = 0


@dataclass(frozen=True)
class RateWindow:
    start: float
    end: float
    per_hour: float  # per open NSP
    incidents: tuple[Incident, ...]


@dataclass(frozen=True)
class Handling:
    """How fast CP operators work a received emergency report (docs/setting.md §4.2 states)."""

    seen_after: float = 120.0
    meldkamer_after: float = 420.0
    closed_after: float = 2700.0
    ask_every: int = 0  # the CP asks the NSP a question (navraag) about every Nth report; 0: never
    answer_after: float = 600.0  # the NSP's volunteer answers this long after the question came


@dataclass(frozen=True)
class LinkSpec:
    """A fixed radio link instead of the one derived from positions (a hill, a mast)."""

    a: str
    b: str
    snr_db: float
    loss: float = 0.0


@dataclass(frozen=True)
class BridgeSpec:
    """Issue 23: these CPs get an IP link to a broker from `start` (seconds), each frame taking
    `latency` seconds CP -> broker -> CP (`bridge: {sites: [...], from: 1h, latency: 2s}`)."""

    sites: tuple[str, ...]
    start: float = 0.0
    latency: float = 1.0


@dataclass(frozen=True)
class Scenario:
    name: str
    file: str
    seed: int
    duration: float
    drain: float
    preset: str
    handling: Handling
    sites: tuple[SiteSpec, ...]
    actions: tuple[Action, ...]
    emergency_rates: tuple[RateWindow, ...] = ()
    emergency_sites: tuple[str, ...] = ()
    sitrep_every: float = 0.0
    sitrep_from: float = 0.0
    links: tuple[LinkSpec, ...] = ()
    description: str = ""
    horizon_m: float | None = None  # radio horizon: no signal between sites further apart
    bridge: BridgeSpec | None = None
    # `regions: {name: {preset: ...}}`: a region on a preset of its own (the others on `preset`)
    region_presets: tuple[tuple[str, str], ...] = ()
    sites_by_name: dict[str, SiteSpec] = field(default_factory=dict, compare=False)

    def site(self, name: str) -> SiteSpec:
        return self.sites_by_name[name]

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions in the order their first site is listed; ("",) without regions."""
        return tuple(dict.fromkeys(s.region for s in self.sites))

    def preset_of(self, region: str) -> str:
        """The modem preset of `region`'s radios: its own, else the scenario's."""
        return dict(self.region_presets).get(region, self.preset)


# -- reading ---------------------------------------------------------------------------------------


class _Reader:
    """Walks the composed YAML nodes; every check names the node's line and the field path."""

    def __init__(self, file: str) -> None:
        self.file = file

    def refuse(self, node: Node | None, path: str, why: str, /, **params: Any) -> ScenarioError:
        """The error for `node`: a registered problem text, Dutch and English, with params."""
        line = node.start_mark.line + 1 if node is not None else 1
        return ScenarioError(self.file, line, path, why=why, **params)

    def mapping(
        self, node: Node, path: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, Node]:
        if not isinstance(node, MappingNode):
            raise self.refuse(node, path, "mapping")
        out: dict[str, Node] = {}
        for knode, vnode in node.value:
            key = self.scalar_text(knode, path)
            where = f"{path}.{key}" if path else key
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                raise self.refuse(knode, where, "unknown_field", allowed=allowed)
            if key in out:
                raise self.refuse(knode, where, "twice")
            out[key] = vnode
        for key in required:
            if key not in out:
                raise self.refuse(node, f"{path}.{key}" if path else key, "required")
        return out

    def sequence(self, node: Node, path: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            raise self.refuse(node, path, "list")
        return list(node.value)

    def scalar_text(self, node: Node, path: str) -> str:
        if not isinstance(node, ScalarNode):
            raise self.refuse(node, path, "scalar")
        return str(node.value)

    def text(self, node: Node, path: str, max_len: int = 500) -> str:
        value = self.scalar_text(node, path)
        if len(value) > max_len:
            raise self.refuse(node, path, "too_long", max=max_len)
        return value

    def integer(self, node: Node, path: str, lo: int, hi: int) -> int:
        raw = self.scalar_text(node, path).replace("_", "")
        try:
            value = int(raw, 0)
        except ValueError:
            raise self.refuse(node, path, "not_int", got=repr(raw)) from None
        if not lo <= value <= hi:
            raise self.refuse(node, path, "range", lo=lo, hi=hi, got=value)
        return value

    def number(self, node: Node, path: str, lo: float, hi: float) -> float:
        raw = self.scalar_text(node, path)
        try:
            value = float(raw)
        except ValueError:
            raise self.refuse(node, path, "not_number", got=repr(raw)) from None
        if not lo <= value <= hi:
            raise self.refuse(node, path, "range", lo=f"{lo:g}", hi=f"{hi:g}", got=raw)
        return value

    def duration(self, node: Node, path: str) -> float:
        raw = self.scalar_text(node, path)
        value = seconds_of(raw)
        if value is None:
            raise self.refuse(node, path, "duration", got=repr(raw))
        if value > 30 * 86400:
            raise self.refuse(node, path, "over_30_days")
        return value

    def choice(self, node: Node, path: str, choices: tuple[str, ...]) -> str:
        value = self.scalar_text(node, path)
        if value not in choices:
            raise self.refuse(node, path, "choice", got=repr(value), choices=", ".join(choices))
        return value

    def preset(self, node: Node, path: str) -> str:
        """A modem preset the firmware keeps in EU_868, any case; checked here, not at the first
        run's medium."""
        try:
            return eu868_preset(self.scalar_text(node, path))
        except UnknownPresetError as exc:
            raise self.refuse(node, path, "protocol", error=exc) from None

    def names(self, node: Node, path: str) -> list[str]:
        if isinstance(node, ScalarNode):
            return [str(node.value)]
        return [self.scalar_text(n, path) for n in self.sequence(node, path)]


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario file; raises ScenarioError / ScenarioUnreadable."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioUnreadable(exc.strerror or str(exc), file=str(p)) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioUnreadable(f"larger than {MAX_FILE_BYTES} bytes", file=str(p))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioUnreadable(f"not UTF-8 (byte {exc.start})", file=str(p)) from None
    return parse_scenario(text, p.name)


def parse_scenario(text: str, file: str = "<scenario>") -> Scenario:
    r = _Reader(file)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else 1
        raise ScenarioError(file, line, "-", why="yaml", detail=exc.problem) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(file, 1, "-", why="yaml", detail=str(exc)) from None
    if root is None:
        raise ScenarioError(file, 1, "-", why="empty")
    if _alias_used(root):
        raise r.refuse(root, "-", "aliases")
    top = r.mapping(
        root,
        "",
        ("name", "duration", "sites", "timeline"),
        (
            "seed",
            "drain",
            "preset",
            "description",
            "handling",
            "emergencies",
            "sitreps",
            "links",
            "radio",
            "bridge",
            "regions",
        ),
    )
    duration = r.duration(top["duration"], "duration")
    drain = r.duration(top["drain"], "drain") if "drain" in top else 6 * 3600.0
    sites = tuple(
        _site(r, n, f"sites[{i}]", duration)
        for i, n in enumerate(r.sequence(top["sites"], "sites"))
    )
    by_name: dict[str, SiteSpec] = {}
    nodes: set[int] = set()
    for s, n in zip(sites, r.sequence(top["sites"], "sites"), strict=True):
        if s.name in by_name:
            raise r.refuse(n, "sites.name", "site_twice", name=repr(s.name))
        if s.node in nodes:
            raise r.refuse(n, "sites.node", "node_twice", number=f"{s.node:#x}")
        by_name[s.name] = s
        nodes.add(s.node)
    kinds = {s.geo is None for s in sites}
    if len(kinds) > 1:  # a local grid has no anchor on the map: the two cannot be combined
        first_geo = sites[0].geo is not None
        odd = next(s for s in sites if (s.geo is not None) != first_geo)
        i = sites.index(odd)
        why = "position_mixed_grid" if odd.geo is None else "position_mixed_map"
        raise ScenarioError(r.file, odd.line, f"sites[{i}].position", why=why, first=sites[0].name)
    if not any(s.role == "cp" for s in sites):
        raise r.refuse(top["sites"], "sites", "no_cp")
    _check_regions(r, sites, top["sites"])
    ctx = _Ctx(r, by_name, duration)
    actions: list[Action] = []
    for i, n in enumerate(r.sequence(top["timeline"], "timeline")):
        actions.extend(_timeline_entry(ctx, n, f"timeline[{i}]"))
        if len(actions) > MAX_ACTIONS:
            raise r.refuse(n, f"timeline[{i}]", "too_many_actions", max=MAX_ACTIONS)
    _check_supersedes(r, actions, top["timeline"])
    rates, em_sites = _emergencies(ctx, top.get("emergencies"))
    every, start = _sitreps(r, top.get("sitreps"))
    preset = r.preset(top["preset"], "preset") if "preset" in top else DEFAULT_PRESET
    region_presets = _region_presets(r, top.get("regions"), sites)
    if len({s.region for s in sites}) == 1:  # one region: its preset is the whole mesh's
        preset = dict(region_presets).get(sites[0].region, preset)
    return Scenario(
        name=r.text(top["name"], "name", 120),
        file=file,
        seed=r.integer(top["seed"], "seed", 0, 2**63 - 1) if "seed" in top else 1,
        duration=duration,
        drain=drain,
        preset=preset,
        handling=_handling(r, top.get("handling")),
        sites=sites,
        actions=tuple(sorted(actions, key=lambda a: a.at)),
        emergency_rates=rates,
        emergency_sites=em_sites,
        sitrep_every=every,
        sitrep_from=start,
        links=_links(ctx, top.get("links")),
        description=r.text(top["description"], "description", 4000) if "description" in top else "",
        horizon_m=_radio(r, top.get("radio")),
        bridge=_bridge(ctx, top.get("bridge")),
        region_presets=region_presets,
        sites_by_name=by_name,
    )


def _region_presets(
    r: _Reader, node: Node | None, sites: tuple[SiteSpec, ...]
) -> tuple[tuple[str, str], ...]:
    """`regions: {r02: {preset: MEDIUM_FAST}}`: regions are separate meshes, so each may run its
    own preset (docs/congestion.md part 5); a name no site carries is a typo, not a region."""
    if node is None:
        return ()
    if not isinstance(node, MappingNode):
        raise r.refuse(node, "regions", "mapping")
    known = tuple(dict.fromkeys(s.region for s in sites if s.region))
    out: list[tuple[str, str]] = []
    for knode, vnode in node.value:
        name = r.text(knode, "regions", 40)
        path = f"regions.{name}"
        if name not in known:
            shown = ", ".join(map(repr, known)) or "-"
            raise r.refuse(knode, path, "region_no_sites", region=repr(name), regions=shown)
        if any(name == n for n, _ in out):
            raise r.refuse(knode, path, "twice")
        m = r.mapping(vnode, path, ("preset",), ())
        out.append((name, r.preset(m["preset"], f"{path}.preset")))
    return tuple(out)


def _check_regions(r: _Reader, sites: tuple[SiteSpec, ...], node: Node) -> None:
    """Regions are all or nothing, and each has a CP to report to."""
    if not any(s.region for s in sites):
        return
    for i, s in enumerate(sites):
        if not s.region:
            raise ScenarioError(r.file, s.line, f"sites[{i}]", why="region_mixed", name=s.name)
    with_cp = {s.region for s in sites if s.role == "cp"}
    for region in dict.fromkeys(s.region for s in sites):
        if region not in with_cp:
            raise r.refuse(node, "sites", "region_no_cp", region=repr(region))


def _alias_used(node: Node) -> bool:
    seen: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if id(n) in seen:
            return True
        seen.add(id(n))
        if isinstance(n, MappingNode):
            for k, v in n.value:
                stack.extend((k, v))
        elif isinstance(n, SequenceNode):
            stack.extend(n.value)
    return False


@dataclass
class _Ctx:
    r: _Reader
    sites: dict[str, SiteSpec]
    duration: float

    def site(self, node: Node, path: str, roles: tuple[str, ...] = ROLES) -> str:
        name = self.r.scalar_text(node, path)
        spec = self.sites.get(name)
        if spec is None:
            raise self.r.refuse(node, path, "no_site", name=repr(name))
        if spec.role not in roles:
            raise self.r.refuse(
                node, path, "wrong_role", name=repr(name), role=spec.role, roles="/".join(roles)
            )
        return name

    def same_region(self, node: Node, path: str, a: str, b: str) -> None:
        """Nothing crosses between regions: they are out of radio range, with other rosters."""
        ra, rb = self.sites[a].region, self.sites[b].region
        if ra != rb:
            raise self.r.refuse(
                node, path, "region_cross", a=repr(a), ra=repr(ra), b=repr(b), rb=repr(rb)
            )

    def site_set(self, node: Node, path: str, roles: tuple[str, ...] = ROLES) -> list[str]:
        """A site name, a list of names, or a role in plural: `nsps`, `cps`, `relays`."""
        if isinstance(node, ScalarNode) and str(node.value) in ("nsps", "cps", "relays"):
            role = str(node.value)[:-1]
            return [s.name for s in self.sites.values() if s.role == role]
        if isinstance(node, ScalarNode):
            return [self.site(node, path, roles)]
        return [self.site(n, path, roles) for n in self.r.sequence(node, path)]


def _site(r: _Reader, node: Node, path: str, duration: float) -> SiteSpec:
    m = r.mapping(
        node,
        path,
        ("name", "role", "node", "position"),
        (
            "radio_role",
            "place",
            "streets",
            "opens_at",
            "closed",
            "visitors_per_hour",
            "staff_day",
            "staff_night",
            "generator",
            "battery_h",
            "antenna_dbi",
            "newest_format",
            "region",
        ),
    )
    name = r.text(m["name"], f"{path}.name", 40)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}", name):  # also a file name
        raise r.refuse(m["name"], f"{path}.name", "name_chars")
    if name in ("cps", "nsps", "relays", "all"):
        raise r.refuse(m["name"], f"{path}.name", "name_group", name=repr(name))
    position, geo = _position(r, m["position"], f"{path}.position")
    closed: list[tuple[float, float]] = []
    if "closed" in m:
        for wnode in r.sequence(m["closed"], f"{path}.closed"):
            pair = r.sequence(wnode, f"{path}.closed")
            if len(pair) != 2:
                raise r.refuse(wnode, f"{path}.closed", "from_to")
            a, b = (r.duration(x, f"{path}.closed") for x in pair)
            if b <= a:
                raise r.refuse(wnode, f"{path}.closed", "end_before_start")
            closed.append((a, b))
    gen = None
    if "generator" in m:
        g = r.mapping(m["generator"], f"{path}.generator", ("fuel_l", "burn_l_per_h"), ())
        gen = Generator(
            r.number(g["fuel_l"], f"{path}.generator.fuel_l", 0, 10_000),
            r.number(g["burn_l_per_h"], f"{path}.generator.burn_l_per_h", 0.01, 100),
        )
    return SiteSpec(
        name=name,
        role=r.choice(m["role"], f"{path}.role", ROLES),
        node=r.integer(m["node"], f"{path}.node", 1, 0xFFFFFFFE),
        position=position,
        radio_role=r.choice(m["radio_role"], f"{path}.radio_role", RADIO_ROLES)
        if "radio_role" in m
        else "CLIENT",
        place=r.text(m["place"], f"{path}.place", 40) if "place" in m else "",
        streets=tuple(r.text(n, f"{path}.streets", 40) for n in r.sequence(m["streets"], path))
        if "streets" in m
        else (),
        opens_at=r.duration(m["opens_at"], f"{path}.opens_at") if "opens_at" in m else 0.0,
        closed=tuple(closed),
        visitors_per_hour=r.number(m["visitors_per_hour"], f"{path}.visitors_per_hour", 0, 10_000)
        if "visitors_per_hour" in m
        else 0.0,
        staff_day=_staff(r, m.get("staff_day"), f"{path}.staff_day"),
        staff_night=_staff(r, m.get("staff_night"), f"{path}.staff_night"),
        generator=gen,
        battery_h=r.integer(m["battery_h"], f"{path}.battery_h", 0, 255) if "battery_h" in m else 0,
        antenna_dbi=r.number(m["antenna_dbi"], f"{path}.antenna_dbi", -10, 15)
        if "antenna_dbi" in m
        else 0.0,
        newest_format=r.integer(
            m["newest_format"], f"{path}.newest_format", min(READ_FORMATS), max(READ_FORMATS)
        )
        if "newest_format" in m
        else max(READ_FORMATS),
        line=node.start_mark.line + 1,
        geo=geo,
        region=r.text(m["region"], f"{path}.region", 40) if "region" in m else "",
    )


def _position(
    r: _Reader, node: Node, path: str
) -> tuple[tuple[float, float], tuple[float, float] | None]:
    """Metres for the simulator, and (lat, lon) when the position was given on a map.

    `[x, y]` is a local metre grid (the older scenarios); `{lat: .., lon: ..}` is WGS84 and
    `{rd: [x, y]}` Rijksdriehoeksmeting, both turned into RD metres. Degrees typed as metres
    would put every site within a few metres of each other, so such a pair is refused."""
    from nsplink.scenario import geo

    if isinstance(node, SequenceNode):
        pos = node.value
        if len(pos) != 2:
            raise r.refuse(node, path, "position_shape")
        x = r.number(pos[0], path, -200_000, 200_000)
        y = r.number(pos[1], path, -200_000, 200_000)
        if geo.looks_like_latlon(x, y):
            lat, lon = (x, y) if geo.in_nl(x, y) else (y, x)
            raise r.refuse(node, path, "position_degrees", x=f"{x:g}", y=f"{y:g}", lat=lat, lon=lon)
        return (x, y), None
    if not isinstance(node, MappingNode):
        raise r.refuse(node, path, "position_shape")
    m = r.mapping(node, path, (), ("lat", "lon", "rd"))
    if "rd" in m and len(m) == 1:
        pair = r.sequence(m["rd"], f"{path}.rd")
        if len(pair) != 2:
            raise r.refuse(m["rd"], f"{path}.rd", "position_shape")
        x = r.number(pair[0], f"{path}.rd", -1e7, 1e7)
        y = r.number(pair[1], f"{path}.rd", -1e7, 1e7)
        lo_x, hi_x = geo.RD_X
        lo_y, hi_y = geo.RD_Y
        if not geo.rd_in_range(x, y):
            raise r.refuse(
                m["rd"], f"{path}.rd", "position_rd_range", x=f"{x:g}", y=f"{y:g}",
                x0=f"{lo_x:g}", x1=f"{hi_x:g}", y0=f"{lo_y:g}", y1=f"{hi_y:g}",
            )  # fmt: skip
        lat, lon = geo.rd_to_wgs84(x, y)
        _check_nl(r, m["rd"], f"{path}.rd", lat, lon)
        return (x, y), (round(lat, 6), round(lon, 6))
    if set(m) != {"lat", "lon"}:
        raise r.refuse(node, path, "position_shape")
    lat = r.number(m["lat"], f"{path}.lat", -90, 90)
    lon = r.number(m["lon"], f"{path}.lon", -180, 180)
    _check_nl(r, node, path, lat, lon)
    return geo.wgs84_to_rd(lat, lon), (lat, lon)


def _check_nl(r: _Reader, node: Node, path: str, lat: float, lon: float) -> None:
    from nsplink.scenario import geo

    if geo.in_nl(lat, lon):
        return
    if geo.in_nl(lon, lat):
        raise r.refuse(node, path, "position_swapped", lat=f"{lat:g}", lon=f"{lon:g}")
    west, south, east, north = geo.nl_bounds()
    raise r.refuse(
        node, path, "position_outside_nl", lat=f"{lat:g}", lon=f"{lon:g}",
        west=f"{west:g}", south=f"{south:g}", east=f"{east:g}", north=f"{north:g}",
    )  # fmt: skip


def _staff(r: _Reader, node: Node | None, path: str) -> tuple[int, int]:
    if node is None:
        return (0, 0)
    pair = r.sequence(node, path)
    if len(pair) != 2:
        raise r.refuse(node, path, "staff_pair")
    return (r.integer(pair[0], path, 0, 1000), r.integer(pair[1], path, 0, 1000))


_ACTION_KEYS = ("power_off", "power_on", "radio_off", "radio_on", "partition", "heal", "refuel")


def _timeline_entry(ctx: _Ctx, node: Node, path: str) -> list[Action]:
    r = ctx.r
    m = r.mapping(
        node,
        path,
        ("at",),
        (
            "every",
            "until",
            "site",
            "send",
            "to",
            "priority",
            "id",
            "supersedes",
            "fields",
            "litres",
            "note",
            *_ACTION_KEYS,
        ),
    )
    at = r.duration(m["at"], f"{path}.at")
    if at > ctx.duration:
        raise r.refuse(m["at"], f"{path}.at", "after_end")
    kinds = [k for k in ("send", *_ACTION_KEYS) if k in m]
    if len(kinds) != 1:
        raise r.refuse(node, path, "one_action", actions=", ".join(("send", *_ACTION_KEYS)))
    kind = kinds[0]
    times = [at]
    if "every" in m:
        every = r.duration(m["every"], f"{path}.every")
        if every < 60:
            raise r.refuse(m["every"], f"{path}.every", "at_least", min="1m")
        until = r.duration(m["until"], f"{path}.until") if "until" in m else ctx.duration
        t = at + every
        while t <= min(until, ctx.duration):
            times.append(t)
            t += every
    if kind == "send":
        return _sends(ctx, m, path, times)
    if kind in ("power_off", "power_on", "radio_off", "radio_on"):
        names = ctx.site_set(m[kind], f"{path}.{kind}")
        return [
            Action(t, kind, site=s, line=m[kind].start_mark.line + 1) for t in times for s in names
        ]
    if kind == "partition":
        groups = tuple(
            tuple(ctx.site_set(g, f"{path}.partition"))
            for g in r.sequence(m["partition"], f"{path}.partition")
        )
        if len(groups) < 2:
            raise r.refuse(m["partition"], f"{path}.partition", "two_groups")
        return [Action(t, "partition", groups=groups, line=node.start_mark.line + 1) for t in times]
    if kind == "heal":
        return [Action(t, "heal", line=node.start_mark.line + 1) for t in times]
    # refuel
    site = ctx.site(m["refuel"], f"{path}.refuel")
    if ctx.sites[site].generator is None:
        raise r.refuse(m["refuel"], f"{path}.refuel", "no_generator", name=repr(site))
    if "litres" not in m:
        raise r.refuse(node, f"{path}.litres", "required")
    litres = r.number(m["litres"], f"{path}.litres", 0.1, 10_000)
    return [
        Action(t, "refuel", site=site, litres=litres, line=node.start_mark.line + 1) for t in times
    ]


def _sends(ctx: _Ctx, m: dict[str, Node], path: str, times: list[float]) -> list[Action]:
    r = ctx.r
    kind = r.choice(m["send"], f"{path}.send", tuple(BODY_TYPES))
    if "site" not in m:
        raise r.refuse(m["send"], f"{path}.site", "required")
    senders = ctx.site_set(m["site"], f"{path}.site")
    fields_node = m.get("fields")
    body = build_body(r, kind, fields_node, f"{path}.fields", m["send"])
    dest_node = m.get("to")
    default_dest = "nsps" if kind == "bulletin" else "cps"
    dest = r.scalar_text(dest_node, f"{path}.to") if dest_node is not None else default_dest
    if dest not in ("cps", "nsps", "all") and dest_node is not None:
        ctx.site(dest_node, f"{path}.to")
        for s in senders:
            ctx.same_region(dest_node, f"{path}.to", s, dest)
    prio = None
    if "priority" in m:
        prio = Priority(r.choice(m["priority"], f"{path}.priority", ("P1", "P2", "P3", "P4")))
    if isinstance(body, Bulletin) and times and body.valid_until * 60 <= max(times):
        # every NSP would show it as expired on arrival: a slip, not a test of anything
        until, at = hm(body.valid_until * 60), hm(max(times))
        raise r.refuse(fields_node, f"{path}.fields.valid_until", "expired_on_send",
                       until=until, at=at)  # fmt: skip
    ref = r.text(m["id"], f"{path}.id", 40) if "id" in m else ""
    if ref and (len(times) > 1 or len(senders) > 1):
        raise r.refuse(m["id"], f"{path}.id", "id_one")
    sup = r.text(m["supersedes"], f"{path}.supersedes", 40) if "supersedes" in m else ""
    if sup and kind != "bulletin":
        raise r.refuse(m["supersedes"], f"{path}.supersedes", "supersedes_bulletin")
    line = m["send"].start_mark.line + 1
    return [
        Action(
            t,
            "send",
            site=s,
            body=body,
            destination=dest,
            priority=prio,
            ref=ref,
            supersedes=sup,
            line=line,
        )
        for t in times
        for s in senders
    ]


def _check_supersedes(r: _Reader, actions: list[Action], node: Node) -> None:
    known: dict[str, float] = {}
    for a in sorted(actions, key=lambda a: a.at):
        if a.supersedes and a.supersedes not in known:
            raise ScenarioError(
                r.file, a.line, "supersedes", why="no_earlier", id=repr(a.supersedes)
            )
        if a.ref:
            if a.ref in known:
                raise ScenarioError(r.file, a.line, "id", why="id_twice", id=repr(a.ref))
            known[a.ref] = a.at


def build_body(r: _Reader, kind: str, node: Node | None, path: str, where: Node) -> Message:
    """A protocol body from YAML fields, converted by the dataclass's own type hints and checked
    by its own `validate()`; `valid_until` of a bulletin may be a duration from the start."""
    cls = BODY_TYPES[kind]
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)} - NOT_FROM_SCENARIO
    values: dict[str, Any] = {}
    nodes: dict[str, Node] = {}
    if node is not None:
        nodes = r.mapping(node, path, (), tuple(sorted(names)))
    for name, vnode in nodes.items():
        if kind == "bulletin" and name == "valid_until":  # minutes after the start; see runner
            values[name] = int(r.duration(vnode, f"{path}.valid_until") // 60)
        else:
            values[name] = _convert(r, hints[name], vnode, f"{path}.{name}")
    try:
        body = cls(**values)
        body.validate()
    except TypeError as exc:
        missing = re.findall(r"'(\w+)'", str(exc))
        field_name = f"{path}.{missing[0]}" if missing else path
        raise r.refuse(node or where, field_name, "required") from None
    except ValidationError as exc:
        sub = exc.field.split(".", 1)[-1]
        bad = nodes.get(sub)
        raise r.refuse(bad or node or where, f"{path}.{sub}", "protocol", error=exc) from None
    return body


def _convert(r: _Reader, hint: Any, node: Node, path: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if isinstance(node, ScalarNode) and node.value in ("", "null", "~"):
            return None
        return _convert(r, args[0], node, path)
    if origin is tuple:
        inner = typing.get_args(hint)[0]
        items = [node] if isinstance(node, ScalarNode) else r.sequence(node, path)
        return tuple(_convert(r, inner, n, path) for n in items)
    if isinstance(hint, type) and issubclass(hint, IntFlag):
        letters = r.scalar_text(node, path).upper()
        value = hint(0)
        for ch in letters:
            if ch not in hint.__members__:
                raise r.refuse(
                    node, path, "choice", got=repr(ch), choices=", ".join(hint.__members__)
                )
            value |= hint[ch]
        return value
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(r.choice(node, path, tuple(str(e.value) for e in hint)))
    if hint is bool:
        return r.choice(node, path, ("true", "false")) == "true"
    if hint is int:
        return r.integer(node, path, -(2**31), 2**31)
    if hint is float:
        return r.number(node, path, -1e9, 1e9)
    if hint is str:
        return r.text(node, path, 2000)
    raise r.refuse(node, path, "not_settable")


def _emergencies(ctx: _Ctx, node: Node | None) -> tuple[tuple[RateWindow, ...], tuple[str, ...]]:
    if node is None:
        return (), ()
    r = ctx.r
    m = r.mapping(node, "emergencies", ("rates",), ("sites",))
    sites = (
        ctx.site_set(m["sites"], "emergencies.sites", ("nsp",))
        if "sites" in m
        else [s.name for s in ctx.sites.values() if s.role == "nsp"]
    )
    windows: list[RateWindow] = []
    for i, wnode in enumerate(r.sequence(m["rates"], "emergencies.rates")):
        p = f"emergencies.rates[{i}]"
        w = r.mapping(wnode, p, ("from", "to", "per_hour"), ("incidents",))
        start, end = r.duration(w["from"], f"{p}.from"), r.duration(w["to"], f"{p}.to")
        if end <= start:
            raise r.refuse(w["to"], f"{p}.to", "end_before_start")
        incidents = tuple(
            Incident(r.choice(n, f"{p}.incidents", tuple(e.value for e in Incident)))
            for n in (r.sequence(w["incidents"], f"{p}.incidents") if "incidents" in w else [])
        ) or (Incident.MED,)
        windows.append(
            RateWindow(start, end, r.number(w["per_hour"], f"{p}.per_hour", 0, 60), incidents)
        )
    return tuple(windows), tuple(sites)


def _sitreps(r: _Reader, node: Node | None) -> tuple[float, float]:
    if node is None:
        return 0.0, 0.0
    m = r.mapping(node, "sitreps", ("every",), ("from",))
    every = r.duration(m["every"], "sitreps.every")
    if every < 600:
        raise r.refuse(m["every"], "sitreps.every", "at_least", min="10m")
    return every, r.duration(m["from"], "sitreps.from") if "from" in m else 0.0


def _links(ctx: _Ctx, node: Node | None) -> tuple[LinkSpec, ...]:
    if node is None:
        return ()
    r = ctx.r
    out = []
    for i, lnode in enumerate(r.sequence(node, "links")):
        p = f"links[{i}]"
        m = r.mapping(lnode, p, ("between", "snr_db"), ("loss",))
        pair = r.sequence(m["between"], f"{p}.between")
        if len(pair) != 2:
            raise r.refuse(m["between"], f"{p}.between", "site_pair")
        a, b = (ctx.site(n, f"{p}.between") for n in pair)
        if a == b:
            raise r.refuse(m["between"], f"{p}.between", "same_site")
        ctx.same_region(m["between"], f"{p}.between", a, b)
        snr = r.number(m["snr_db"], f"{p}.snr_db", -30, 30)
        loss = r.number(m["loss"], f"{p}.loss", 0, 1) if "loss" in m else 0.0
        out.append(LinkSpec(a, b, snr, loss))
    return tuple(out)


def _bridge(ctx: _Ctx, node: Node | None) -> BridgeSpec | None:
    """`bridge: {sites: [cp-a, cp-b], from: 1h, latency: 2s}`: CPs with an IP link (issue 23)."""
    if node is None:
        return None
    r = ctx.r
    m = r.mapping(node, "bridge", ("sites",), ("from", "latency"))
    names: list[str] = []
    for i, n in enumerate(r.sequence(m["sites"], "bridge.sites")):
        names.append(ctx.site(n, f"bridge.sites[{i}]", ("cp",)))
        ctx.same_region(n, f"bridge.sites[{i}]", names[0], names[-1])
    start = r.duration(m["from"], "bridge.from") if "from" in m else 0.0
    latency = r.duration(m["latency"], "bridge.latency") if "latency" in m else 1.0
    return BridgeSpec(tuple(names), start, latency)


def _radio(r: _Reader, node: Node | None) -> float | None:
    """`radio: {horizon_km: 45}`: regions of a generated country, out of each other's air."""
    if node is None:
        return None
    m = r.mapping(node, "radio", (), ("horizon_km",))
    if "horizon_km" not in m:
        return None
    return r.number(m["horizon_km"], "radio.horizon_km", 1, 1000) * 1000.0


def _handling(r: _Reader, node: Node | None) -> Handling:
    if node is None:
        return Handling()
    m = r.mapping(
        node,
        "handling",
        (),
        ("seen_after", "meldkamer_after", "closed_after", "ask_every", "answer_after"),
    )
    h = Handling()
    return Handling(
        r.duration(m["seen_after"], "handling.seen_after") if "seen_after" in m else h.seen_after,
        r.duration(m["meldkamer_after"], "handling.meldkamer_after")
        if "meldkamer_after" in m
        else h.meldkamer_after,
        r.duration(m["closed_after"], "handling.closed_after")
        if "closed_after" in m
        else h.closed_after,
        r.integer(m["ask_every"], "handling.ask_every", 0, 1000)
        if "ask_every" in m
        else h.ask_every,
        r.duration(m["answer_after"], "handling.answer_after")
        if "answer_after" in m
        else h.answer_after,
    )


__all__ = [
    "Action",
    "BridgeSpec",
    "Generator",
    "Handling",
    "LinkSpec",
    "RateWindow",
    "Scenario",
    "ScenarioError",
    "ScenarioUnreadable",
    "Services",
    "SiteSpec",
    "load_scenario",
    "parse_scenario",
]

"""`nsplink scenario plan`: which preset the scenario's traffic needs, and where relays would
connect every NSP to a CP with a margin, both from the simulator's own models.

Traffic: the scenario's busiest hour in messages (its emergency rates over the NSPs, its
sitreps, its scripted sends, every site's status beacon), priced with the firmware's time on air
per preset. What one message costs on air beyond its own packet (receipts, retries, fragments,
the mesh's rebroadcasts) is calibrated on the 72-hour exercise (seed 20260114, LONG_FAST): there
5,782 own and 11,241 rebroadcast transmissions carried 420 messages and 1,920 beacons, at about
1.1 s on air each (recalibrated after issue 17's fourth round: claims sized for the NSP, receipts
widened per copy; before, 10,929 and 16,898). A test keeps that calibration honest against a
fresh run.

Relays: planned on the mean path loss of the simulator's propagation model (`Propagation`), with
no shadowing draw, since a new mast's shadowing is unknown; a link counts when its margin over
the preset's sensitivity is at least `target_db`. With shadowing σ 6 dB per link, a 10 dB target
holds for about 95 % of real links (1.64 σ), 6 dB for about 84 %. Candidates are the points of a
grid over the area; each round adds the candidate that connects the most NSPs still cut off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from nsplink.i18n import Lang, register, t
from nsplink.lora.airtime import EU868_PRESETS, packet_airtime_ms, preset
from nsplink.radio.sim.propagation import Propagation, distance_m, sensitivity_dbm
from nsplink.scenario import geo, units
from nsplink.scenario.radiomap import NON_FORWARDING
from nsplink.scenario.regions import split
from nsplink.scenario.schema import Scenario

TX_POWER_DBM = 27.0  # Medium.add_node's default, as the runner uses it
# calibrated on the 72-hour exercise (see above)
PACKETS_PER_MESSAGE = 2.47  # own transmissions per message or beacon: receipts, retries, parts
REBROADCAST = 1.94  # rebroadcasts per own transmission (tx_relay / tx_own)
MEAN_PAYLOAD_B = 90  # application bytes of the mean packet (about 1.1 s on air in LONG_FAST)
BEACONS_PER_HOUR = 2  # DaemonOptions.status_interval_s = 1800
# One shared channel is ALOHA-like: its useful throughput peaks at 1/(2e), about 18 % busy, and
# past that more traffic brings more collisions than deliveries. The 72-hour exercise lost
# nothing on LONG_FAST with its busiest hour at about 14 % by this estimate (11 % mean, measured).
CHANNEL_LIMIT_PCT = 18.0
# longest range first: the plan takes the first preset the traffic fits in
PRESET_ORDER = tuple(
    p
    for p in ("LONG_SLOW", "LONG_MODERATE", "LONG_FAST", "MEDIUM_SLOW", "MEDIUM_FAST",
              "SHORT_SLOW", "SHORT_FAST")
    if p in EU868_PRESETS
)  # fmt: skip
RELAY_DBI = 9  # a relay on a water tower or mast, as in the exercise and generated scenarios
GRID_POINTS = 48  # candidates per side of the area
# An NSP may go quiet when its link to a relay or CP keeps this margin (about 84 % of links
# with σ 6 dB shadowing) and no other post needs it to reach a CP.
MUTE_MARGIN_DB = 6.0
MIN_REPEATERS = 2  # forwarding neighbours every NSP keeps, where it had that many
WEAK_LINK_DB = -6.0  # one σ of shadowing below decoding: a link that may well carry traffic


@dataclass(frozen=True)
class PresetLoad:
    preset: str
    sensitivity_dbm: float
    airtime_s_per_hour: float
    channel_pct: float
    fits: bool


@dataclass(frozen=True)
class Relay:
    position: tuple[float, float]  # in the scenario's metres (RD or local grid)
    geo: tuple[float, float] | None  # (lat, lon) when the scenario is on the map
    connects: tuple[str, ...]  # NSPs that had no path with the target margin before


@dataclass(frozen=True)
class Plan:
    busiest_hour_packets: float
    loads: tuple[PresetLoad, ...]
    preset: str
    target_db: float
    link_confidence: float  # chance a planned link keeps the margin, given the shadowing
    connected_before: tuple[str, ...]
    relays: tuple[Relay, ...]
    still_cut_off: tuple[str, ...]
    mute_margin_db: float
    mutable: tuple[str, ...]  # NSPs whose radio may be CLIENT_MUTE


def busiest_hour_messages(sc: Scenario) -> float:
    """Messages typed in the scenario's busiest hour (beacons apart)."""
    nsps = [s for s in sc.sites if s.role == "nsp"]
    em_sites = set(sc.emergency_sites)
    hours = max(1, math.ceil(sc.duration / 3600))
    best = 0.0
    for h in range(hours):
        t0, t1 = h * 3600.0, (h + 1) * 3600.0
        n = 0.0
        for w in sc.emergency_rates:
            overlap = max(0.0, min(t1, w.end) - max(t0, w.start)) / 3600
            n += w.per_hour * overlap * len(em_sites)
        if sc.sitrep_every > 0:
            n += len(nsps) * 3600 / sc.sitrep_every
        n += sum(1 for a in sc.actions if a.kind == "send" and t0 <= a.at < t1)
        best = max(best, n)
    return best


def airtime_s_per_hour(messages_per_hour: float, sites: int, preset_name: str) -> float:
    """All transmissions on the channel in one hour, by the calibrated cost per message."""
    per_packet_ms = packet_airtime_ms(MEAN_PAYLOAD_B, preset(preset_name))
    own = (messages_per_hour + sites * BEACONS_PER_HOUR) * PACKETS_PER_MESSAGE
    return own * (1 + REBROADCAST) * per_packet_ms / 1000


def preset_loads(sc: Scenario) -> tuple[float, list[PresetLoad]]:
    packets = busiest_hour_messages(sc)
    prop = Propagation()
    out = []
    for name in PRESET_ORDER:
        params = preset(name)
        air_s = airtime_s_per_hour(packets, len(sc.sites), name)
        pct = air_s / 3600 * 100
        sens = sensitivity_dbm(params, prop.noise_figure_db)
        out.append(PresetLoad(name, sens, air_s, pct, pct <= CHANNEL_LIMIT_PCT))
    return packets, out


def _margin(
    prop: Propagation,
    sens: float,
    a: tuple[float, float],
    ga: float,
    b: tuple[float, float],
    gb: float,
) -> float:
    return TX_POWER_DBM + ga + gb - prop.path_loss_db(distance_m(a, b)) - sens


def _links(
    sc: Scenario, chosen: PresetLoad, target_db: float
) -> tuple[dict[str, set[str]], dict[str, str], dict[str, bool]]:
    """Which sites hear each other with `target_db` of margin, their roles, and who forwards."""
    prop = Propagation(shadowing_db=0.0)
    sens = chosen.sensitivity_dbm
    names = [s.name for s in sc.sites]
    pos = {s.name: s.position for s in sc.sites}
    gain = {s.name: s.antenna_dbi for s in sc.sites}
    fixed = {}
    for link in sc.links:
        fixed[(link.a, link.b)] = fixed[(link.b, link.a)] = link.snr_db - chosen_snr_floor(chosen)
    edges: dict[str, set[str]] = {n: set() for n in names}
    for a in names:
        for b in names:
            if a == b:
                continue
            m = fixed.get((a, b))
            if m is None:
                m = _margin(prop, sens, pos[a], gain[a], pos[b], gain[b])
            if m >= target_db:
                edges[a].add(b)
    role = {s.name: s.role for s in sc.sites}
    forwards = {s.name: s.radio_role not in NON_FORWARDING for s in sc.sites}
    return edges, role, forwards


def _connected(
    graph: dict[str, set[str]], role: dict[str, str], forwards: dict[str, bool]
) -> set[str]:
    """NSPs with a chain to a CP (searched backwards from the CPs, links are symmetric)."""
    seen = {n for n in graph if role.get(n) == "cp"}
    todo = list(seen)
    while todo:
        here = todo.pop()
        if here not in seen or (role.get(here) != "cp" and not forwards.get(here, True)):
            continue
        for b in graph[here]:
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return {n for n in seen if role.get(n) == "nsp"}


def mutable_nsps(
    sc: Scenario, target_db: float = MUTE_MARGIN_DB, *, own_preset: bool = False
) -> tuple[str, ...]:
    """NSPs whose radio may be CLIENT_MUTE (it never rebroadcasts) without cutting any NSP off
    from a CP. Most of a busy region's transmissions are NSP radios repeating each other's
    floods; a post that hears a relay or CP well repeats nothing anyone needs. A country goes
    region by region, as the radio map does: nothing crosses between regions, and each is judged
    at its own preset when `own_preset` (the radios are to be muted as they are), else at the
    preset the plan proposes for its traffic."""
    muted: list[str] = []
    for _name, part, _seed in split(sc, sc.seed):
        muted += _mutable_region(part, target_db, part.preset if own_preset else None)
    return tuple(sorted(muted))


def _mutable_region(sc: Scenario, target_db: float, preset_name: str | None) -> list[str]:
    """One region's quiet NSPs. Greedy, the best-covered first; an NSP that is some other
    post's way to a CP keeps forwarding, judged both on links with the margin and on every link
    that decodes on average (0 dB), so a post that only gets through on weak links keeps the
    neighbours it leans on."""
    _, loads = preset_loads(sc)
    fitting = [x for x in loads if x.fits]
    chosen = fitting[0] if fitting else loads[-1]
    if preset_name is not None:
        chosen = next(x for x in loads if x.preset == preset_name)
    edges, role, forwards = _links(sc, chosen, target_db)
    weak, _, _ = _links(sc, chosen, WEAK_LINK_DB)
    before = (_connected(edges, role, forwards), _connected(weak, role, forwards))
    routers = {n for n in edges if role[n] != "nsp" and forwards[n]}

    def covered(n: str) -> int:
        return len(edges[n] & routers)

    def repeaters(m: str) -> int:
        return sum(1 for x in weak[m] if forwards[x] or role[x] == "cp")

    # a post that no relay or CP covers well gets a flood through whichever neighbour's repeat
    # arrives: it keeps two of them where it had two
    needed = {
        m: min(MIN_REPEATERS, repeaters(m)) for m in weak if role[m] == "nsp" and not covered(m)
    }
    muted: list[str] = []
    for n in sorted((n for n in edges if role[n] == "nsp" and forwards[n]),
                    key=lambda n: (-covered(n), n)):  # fmt: skip
        if not covered(n):
            continue
        forwards[n] = False
        if (
            _connected(edges, role, forwards) >= before[0]
            and _connected(weak, role, forwards) >= before[1]
            and all(repeaters(m) >= needed[m] for m in weak[n] if m in needed)
        ):
            muted.append(n)
        else:
            forwards[n] = True
    return muted


def plan(
    sc: Scenario,
    target_db: float = 10.0,
    max_relays: int = 5,
    mute_margin_db: float = MUTE_MARGIN_DB,
) -> Plan:
    packets, loads = preset_loads(sc)
    fitting = [x for x in loads if x.fits]
    chosen = fitting[0] if fitting else loads[-1]
    prop = Propagation(shadowing_db=0.0)
    sens = chosen.sensitivity_dbm
    names = [s.name for s in sc.sites]
    pos = {s.name: s.position for s in sc.sites}
    gain = {s.name: s.antenna_dbi for s in sc.sites}
    edges, role, forwards = _links(sc, chosen, target_db)

    def connected(graph: dict[str, set[str]]) -> set[str]:
        return _connected(graph, role, forwards)

    before = connected(edges)
    nsps = {n for n in names if role[n] == "nsp"}
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    pad = 2000.0
    x0, x1, y0, y1 = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    step = max((x1 - x0), (y1 - y0)) / (GRID_POINTS - 1)
    candidates = [
        (x0 + i * step, y0 + j * step)
        for i in range(int((x1 - x0) / step) + 1)
        for j in range(int((y1 - y0) / step) + 1)
    ]
    on_map = any(s.geo is not None for s in sc.sites)
    relays: list[Relay] = []
    graph = {k: set(v) for k, v in edges.items()}
    now = set(before)
    for k in range(max_relays):
        if now >= nsps:
            break
        best: tuple[int, float, tuple[float, float]] | None = None
        for c in candidates:
            reach = {
                n for n in names if _margin(prop, sens, c, RELAY_DBI, pos[n], gain[n]) >= target_db
            }
            if not reach:
                continue
            g = {k2: set(v) for k2, v in graph.items()}
            g["__relay__"] = reach
            for n in reach:
                g[n].add("__relay__")
            gained = len(connected(g) - now)
            # tie: the candidate nearest the middle of what it reaches keeps the most margin
            spread = -sum(distance_m(c, pos[n]) for n in reach) / len(reach)
            key = (gained, spread, (-c[0], -c[1]))
            if gained and (best is None or key[:2] > best[:2]):
                best = (gained, spread, c)
        if best is None:
            # no single relay connects anyone: step from what is connected towards the nearest
            # site still cut off, and try again from there
            stone = _stepping_stone(
                candidates, graph, role, forwards, nsps - now, pos, gain, prop, sens, target_db
            )
            if stone is None:
                break
            c = stone
        else:
            c = best[2]
        c = (round(c[0], -1), round(c[1], -1))  # what the output says is what was planned
        name = f"relais-plan-{k + 1}"
        reach = {
            n for n in names if _margin(prop, sens, c, RELAY_DBI, pos[n], gain[n]) >= target_db
        }
        graph[name] = reach
        for n in reach:
            graph[n].add(name)
        role[name], forwards[name], pos[name], gain[name] = "relay", True, c, RELAY_DBI
        names.append(name)  # the next relay may lean on this one
        after = connected(graph)
        latlon = None
        if on_map:
            lat, lon = geo.rd_to_wgs84(*c)
            latlon = (round(lat, 5), round(lon, 5))
        relays.append(Relay(c, latlon, tuple(sorted(after - now))))
        now = after
    confidence = NormalDist().cdf(target_db / Propagation().shadowing_db)
    return Plan(
        busiest_hour_packets=round(packets, 1),
        loads=tuple(loads),
        preset=chosen.preset,
        target_db=target_db,
        link_confidence=round(confidence, 3),
        connected_before=tuple(sorted(before)),
        relays=tuple(relays),
        still_cut_off=tuple(sorted(nsps - now)),
        mute_margin_db=mute_margin_db,
        mutable=mutable_nsps(sc, mute_margin_db),
    )


def plan_regions(sc: Scenario, target_db: float = 10.0) -> list[tuple[str, Scenario, Plan]]:
    """A country region by region: each is a mesh of its own, with its own traffic, preset,
    relays and quiet radios; a scenario without regions is its one region."""
    return [(name, part, plan(part, target_db)) for name, part, _seed in split(sc, sc.seed)]


def _stepping_stone(
    candidates: list[tuple[float, float]],
    graph: dict[str, set[str]],
    role: dict[str, str],
    forwards: dict[str, bool],
    cut_off: set[str],
    pos: dict[str, tuple[float, float]],
    gain: dict[str, float],
    prop: Propagation,
    sens: float,
    target_db: float,
) -> tuple[float, float] | None:
    component = {n for n in graph if role.get(n) == "cp"}
    todo = list(component)
    while todo:
        here = todo.pop()
        if role.get(here) != "cp" and not forwards.get(here, True):
            continue
        for b in graph[here]:
            if b not in component:
                component.add(b)
                todo.append(b)
    best: tuple[float, tuple[float, float]] | None = None
    for c in candidates:
        links = [
            n
            for n in component
            if n in pos and _margin(prop, sens, c, RELAY_DBI, pos[n], gain[n]) >= target_db
        ]
        if not links:
            continue
        gap = min(distance_m(c, pos[n]) for n in cut_off)
        if best is None or gap < best[0]:
            best = (gap, c)
    return None if best is None else best[1]


def chosen_snr_floor(load: PresetLoad) -> float:
    """A fixed link is given as SNR; its margin is that SNR over the preset's demodulation floor."""
    params = preset(load.preset)
    from nsplink.radio.sim.propagation import required_snr_db

    return required_snr_db(params)


register(
    {
        "plan.region": ("## Regio {region}", "## Region {region}"),
        "plan.traffic": (
            "Drukste uur: ongeveer {packets} berichten (meldingen, situatierapporten, tijdlijn)"
            " plus de statusbakens. Kosten per bericht op de zender (bevestigingen, herhalingen,"
            " delen, doorzendingen) zoals gemeten in de 72-uursoefening; schatting, ±30 %.",
            "Busiest hour: about {packets} messages (reports, sitreps, timeline) plus the status"
            " beacons. Cost per message on air (receipts, retries, parts, rebroadcasts) as"
            " measured in the 72-hour exercise; an estimate, ±30 %.",
        ),
        "plan.preset_row": (
            "  {preset:<14} gevoeligheid {sens} dBm, kanaal bezet {pct} % in het drukste uur{ok}",
            "  {preset:<14} sensitivity {sens} dBm, channel busy {pct} % in the busiest hour{ok}",
        ),
        "plan.fits": ("  — past", "  — fits"),
        "plan.preset": (
            "Preset: {preset} (het langste bereik waarbij het kanaal onder {limit} % blijft;"
            " het scenario gebruikt {current}).",
            "Preset: {preset} (the longest range that keeps the channel under {limit} %;"
            " the scenario uses {current}).",
        ),
        "plan.relays_head": (
            "Relais (mast {dbi} dBi, ROUTER) voor preset {preset}, gepland op het gemiddelde"
            " padverlies met minstens"
            " {target} dB marge per verbinding. Onzeker: schaduwwerking σ {shadow} dB, dus elke"
            " geplande verbinding haalt die marge met ongeveer {conf} % kans; meet ter plaatse.",
            "Relays (mast {dbi} dBi, ROUTER) for preset {preset}, planned on the mean path loss"
            " with at least"
            " {target} dB margin per link. Uncertain: shadowing σ {shadow} dB, so each planned"
            " link keeps that margin with about {conf} % chance; measure on site.",
        ),
        "plan.all_connected": (
            "  Elk NSP heeft al een pad naar een CP met die marge: geen relais nodig.",
            "  Every NSP already has a path to a CP with that margin: no relay needed.",
        ),
        "plan.stepping_stone": (
            "nog niemand: opstap voor het volgende relais",
            "nobody yet: a stepping stone for the next relay",
        ),
        "plan.relay": (
            "  {name}: {where} → verbindt {nsps}",
            "  {name}: {where} → connects {nsps}",
        ),
        "plan.mute": (
            "Stille NSP-radio's (rol CLIENT_MUTE: zenden hun eigen berichten, herhalen niets):"
            " {count} van {total}: {nsps}. Elk hoort een relais of CP met minstens {margin} dB"
            " marge en geen ander NSP heeft ze nodig voor zijn pad naar een CP, ook niet over"
            " een zwakke verbinding. In gegenereerde regio's van 30 NSP's scheelde dit 24 tot"
            " 43 % van alle uitzendingen; één keer miste een bulletin daarna 8 verre"
            " NSP's. Meet daarom elke stille post ter plaatse. Zet `radio_role: CLIENT_MUTE` bij"
            " die posten in het scenario, of gebruik `scenario generate --mute-covered`.",
            "Quiet NSP radios (role CLIENT_MUTE: they send their own messages, repeat nothing):"
            " {count} of {total}: {nsps}. Each hears a relay or CP with at least {margin} dB"
            " margin and no other NSP needs it for its path to a CP, not even over a weak link."
            " In generated regions of 30 NSPs this saved 24 to 43 % of all transmissions; in one"
            " run a bulletin then missed 8 distant NSPs. So measure each quiet post on"
            " site. Set `radio_role: CLIENT_MUTE` for those posts in the scenario, or use"
            " `scenario generate --mute-covered`.",
        ),
        "plan.mute_none": (
            "Stille NSP-radio's: geen; elk NSP is nodig als schakel of hoort geen relais of CP"
            " met {margin} dB marge.",
            "Quiet NSP radios: none; every NSP is needed as a link or hears no relay or CP with"
            " {margin} dB margin.",
        ),
        "plan.cut_off": (
            "  Nog zonder pad met die marge: {nsps}. Een hogere mast (antenna_dbi) of een CP"
            " dichterbij helpt meer dan nog een relais.",
            "  Still without a path with that margin: {nsps}. A higher mast (antenna_dbi) or a"
            " nearer CP helps more than another relay.",
        ),
    }
)


def render_regions(plans: list[tuple[str, Scenario, Plan]], lang: Lang | None = None) -> str:
    """What `scenario plan` prints: a country's regions one after the other, each headed."""
    if len(plans) == 1:
        return render_text(plans[0][1], plans[0][2], lang)
    return "\n".join(
        t("plan.region", lang, region=name) + "\n\n" + render_text(part, p, lang)
        for name, part, p in plans
    )


def render_text(sc: Scenario, p: Plan, lang: Lang | None = None) -> str:
    def T(key: str, **kw: object) -> str:
        return t(key, lang, **kw)

    def n1(v: float) -> str:
        return units.number(v, 1, lang)

    out = [T("plan.traffic", packets=n1(p.busiest_hour_packets))]
    for x in p.loads:
        ok = T("plan.fits") if x.fits else ""
        out.append(
            T(
                "plan.preset_row",
                preset=x.preset,
                sens=n1(x.sensitivity_dbm),
                pct=n1(x.channel_pct),
                ok=ok,
            )
        )
    out += [
        T("plan.preset", preset=p.preset, limit=n1(CHANNEL_LIMIT_PCT), current=sc.preset),
        "",
        T(
            "plan.relays_head",
            preset=p.preset,
            dbi=n1(RELAY_DBI),
            target=n1(p.target_db),
            shadow=n1(Propagation().shadowing_db),
            conf=round(p.link_confidence * 100),
        ),
    ]
    if not p.relays and not p.still_cut_off:
        out.append(T("plan.all_connected"))
    for i, r in enumerate(p.relays, 1):
        if r.geo is not None:
            rd = f"RD {r.position[0]:.0f}, {r.position[1]:.0f}"
            where = f"position: {{lat: {r.geo[0]}, lon: {r.geo[1]}}}  ({rd})"
        else:
            where = f"position: [{r.position[0]:.0f}, {r.position[1]:.0f}]"
        nsps = ", ".join(r.connects) or T("plan.stepping_stone")
        out.append(T("plan.relay", name=f"relais-plan-{i}", where=where, nsps=nsps))
    if p.still_cut_off:
        out.append(T("plan.cut_off", nsps=", ".join(p.still_cut_off)))
    out.append("")
    margin = n1(p.mute_margin_db)
    if p.mutable:
        total = sum(s.role == "nsp" for s in sc.sites)
        out.append(
            T("plan.mute", count=len(p.mutable), total=total, nsps=", ".join(p.mutable),
              margin=margin)
        )  # fmt: skip
    else:
        out.append(T("plan.mute_none", margin=margin))
    return "\n".join(out) + "\n"

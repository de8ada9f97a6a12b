"""The region's sites on a map without any tile server: positions projected to RD New
(EPSG:28992, pyproj via scenario/geo) and drawn as inline SVG, with what the CP knows of each
site: open or closed (its last sitrep), power hours (its last beacon or sitrep), last heard, the
hops its beacon travelled (relays in between) and the airtime it used in the last hour.

The signed roster carries no positions (yet); they come from `positions.toml` in the CP's site
home, one line per site: `"nsp-houten" = { lat = 52.028, lon = 5.168 }` or `{ x = .., y = .. }`
in RD metres. A site without a position is listed under the map.
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from typing import Any

from nsplink.app.radiostate import Neighbour, read_state
from nsplink.cli.queue_cmd import age_text
from nsplink.cli.received import Received, load_received
from nsplink.cli.sitefiles import LocalSite
from nsplink.cli.status_cmd import hours_left, link_state
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, register, t
from nsplink.lora.airtime import packet_airtime_ms, preset
from nsplink.protocol import MessageType, NspState, Sitrep
from nsplink.store import Store
from nsplink.store import events as ev
from nsplink.texts import code_label

register(
    {
        "map.title": ("Kaart van de regio", "Map of the region"),
        "map.no_positions": (
            "Zonder positie (in de deelnemerslijst of positions.toml in de map van de post): "
            "{names}",
            "Without a position (in the roster, or positions.toml in the site directory): {names}",
        ),
        "map.bad_positions": (
            "positions.toml is onleesbaar: {problem}",
            "positions.toml cannot be read: {problem}",
        ),
        "map.header": (
            "Post|Rol|Toestand|Stroom nog|Laatst gehoord|Via|Verbinding met onze radio"
            "|Zendtijd laatste uur (kanaal: deel van het uur)",
            "Site|Role|State|Power left|Last heard|Via|Link to our radio"
            "|Airtime last hour (channel: share of the hour)",
        ),
        "map.link": (
            "SNR {snr} dB, RSSI {rssi} dBm ({quality})",
            "SNR {snr} dB, RSSI {rssi} dBm ({quality})",
        ),
        "map.link.good": ("goed", "good"),
        "map.link.fair": ("matig", "fair"),
        "map.link.weak": ("zwak", "weak"),
        "map.link.relayed": ("alleen via doorgevers", "only through relays"),
        "map.never": ("nooit", "never"),
        "map.unknown": ("onbekend", "unknown"),
        "map.hours": ("{h} u", "{h} h"),
        "map.direct": ("direct", "direct"),
        "map.hops": ("{n} doorgevers", "{n} relays"),
        "map.airtime": (
            "{s} s · {pct} % budget · {occ} % kanaal",
            "{s} s · {pct} % budget · {occ} % channel",
        ),
        "map.key.open": ("open", "open"),
        "map.key.limited": ("beperkt", "limited"),
        "map.key.closed": ("dicht", "closed"),
        "map.key.unknown": ("onbekend", "unknown"),
        "map.key.cp": ("CP", "CP"),
        "map.key.relay": ("doorgeefpunt", "relay"),
        "map.key.lines": (
            "doorgetrokken lijn: direct gehoord, gestippeld: via doorgevers",
            "solid line: heard directly, dotted: via relays",
        ),
        "map.scale": ("{km} km", "{km} km"),
        "map.own": ("Deze post", "This site"),
    }
)

WIDTH, HEIGHT, PAD = 760.0, 520.0, 60.0
HOUR_S = 3600.0
SCALE_PX = 100.0
AIRTIME_BUDGET_S = 360.0  # 10 % of an hour in EU_868 (docs/radio.md §1)


class BadPositions(NsplinkError):
    code = "console.map.bad_positions"
    key = "map.bad_positions"


def site_positions(site: LocalSite) -> dict[str, tuple[float, float]]:
    """site name -> RD (x, y) metres: the signed roster's, then the CP's own file for the rest."""
    signed = {e.site: (float(e.rd[0]), float(e.rd[1])) for e in site.ring.doc.sites if e.rd}
    return {**load_positions(site), **signed}


def load_positions(site: LocalSite) -> dict[str, tuple[float, float]]:
    """site name -> RD (x, y) metres from positions.toml in the site home."""
    from nsplink.scenario.geo import wgs84_to_rd

    path = site.home.root / "positions.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise BadPositions(str(err), problem=str(err)) from err
    out: dict[str, tuple[float, float]] = {}
    for name, pos in raw.items():
        try:
            if "lat" in pos:
                out[str(name)] = wgs84_to_rd(float(pos["lat"]), float(pos["lon"]))
            else:
                out[str(name)] = (float(pos["x"]), float(pos["y"]))
        except (TypeError, KeyError, ValueError) as err:
            raise BadPositions(name, problem=f"{name}: {err}") from err
    return out


@dataclass(frozen=True)
class SiteDot:
    name: str
    role: str
    state: str  # open | limited | closed | unknown (the CSS class)
    state_words: str
    power: str
    heard: str
    via: str
    airtime: str
    direct: bool | None  # None: never heard
    link: str = "—"  # SNR and RSSI of this site's radio as ours last heard it directly
    x: float | None = None  # SVG coordinates
    y: float | None = None
    own: bool = False


@dataclass(frozen=True)
class SiteMap:
    dots: list[SiteDot]
    unplaced: list[str]
    error: str
    width: float = WIDTH
    height: float = HEIGHT
    hub: SiteDot | None = None  # this CP, where the link lines start
    scale_km: str = ""  # what SCALE_PX pixels are on the ground


async def _last_sitreps(store: Store, site: LocalSite) -> dict[str, Sitrep]:
    out: dict[str, Sitrep] = {}
    items = [i for i in await store.inbox() if i.type == MessageType.SITREP.value]
    for item in sorted(items, key=lambda i: i.received_at):
        rec: Received = await load_received(store, item.ref, site.ring, site.home)
        if rec.envelope is not None and isinstance(rec.envelope.body, Sitrep):
            out[item.sender_site] = rec.envelope.body
    return out


async def _airtime(store: Store, site: LocalSite, now: float) -> dict[str, float]:
    """Seconds on air in the last hour: our own sends as logged, others' frames as heard
    (originals only: a relay's repeats are not in our log), at the engine's modem preset."""
    modem = preset("LONG_FAST")  # EngineConfig's default modem, as the daemon runs it
    out: dict[str, float] = {}
    me = site.config.site
    async for rec in store.iter_events(kinds=(ev.MESSAGE_SENT, ev.MESSAGE_RECEIVED)):
        if rec.at < now - HOUR_S:
            continue
        if rec.kind == ev.MESSAGE_SENT:
            ms = rec.data.get("airtime_ms")
            if isinstance(ms, int | float):
                out[me] = out.get(me, 0.0) + float(ms) / 1000
        elif rec.frame:
            who = str(rec.data.get("sender_site") or "")
            out[who] = out.get(who, 0.0) + packet_airtime_ms(len(rec.frame), modem) / 1000
    return out


def _state(sitrep: Sitrep | None, lang: Lang) -> tuple[str, str]:
    if sitrep is None:
        return "unknown", t("map.unknown", lang)
    css = {NspState.OPEN: "open", NspState.BEPERKT: "limited"}.get(sitrep.nsp_state, "closed")
    return css, code_label(sitrep.nsp_state, lang)


# LONG_FAST decodes down to about -7.5 dB SNR; a link with 10 dB more survives fading and rain
LINK_GOOD_SNR_DB = 2.5
LINK_FAIR_SNR_DB = -2.5


def _dec(value: float, lang: Lang) -> str:
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "nl" else text


def _link_words(n: Neighbour | None, lang: Lang) -> str:
    """The link our radio has with a site's radio, from the last packet heard from it."""
    if n is None:
        return "—"
    if n.snr is None or n.hops:
        return t("map.link.relayed", lang) if n.hops else "—"
    quality = (
        "good" if n.snr >= LINK_GOOD_SNR_DB else "fair" if n.snr >= LINK_FAIR_SNR_DB else "weak"
    )
    snr = _dec(n.snr, lang)
    rssi = "?" if n.rssi is None else str(n.rssi)
    return t("map.link", lang, snr=snr, rssi=rssi, quality=t(f"map.link.{quality}", lang))


async def site_map(store: Store, site: LocalSite, lang: Lang) -> SiteMap:
    now = time.time()
    error = ""
    try:
        positions = site_positions(site)
    except BadPositions as err:
        positions = {e.site: (float(e.rd[0]), float(e.rd[1])) for e in site.ring.doc.sites if e.rd}
        error = t(err.key, lang, **err.params)
    link = await link_state(store, site, now)
    radio = read_state(site.home)
    heard_by_node = radio.neighbours if radio is not None else {}
    nodes = {e.site: e.node for e in site.ring.doc.sites if e.node is not None}
    sitreps = await _last_sitreps(store, site)
    air = await _airtime(store, site, now)
    placed = [n for n in positions if any(p.site == n for p in site.ring)]
    xs = [positions[n][0] for n in placed]
    ys = [positions[n][1] for n in placed]
    span = max(max(xs, default=0) - min(xs, default=0), max(ys, default=0) - min(ys, default=0))
    scale = min(WIDTH, HEIGHT) - 2 * PAD
    scale = scale / span if span else 1.0
    cx = (max(xs, default=0) + min(xs, default=0)) / 2
    cy = (max(ys, default=0) + min(ys, default=0)) / 2

    dots: list[SiteDot] = []
    for peer in sorted(site.ring, key=lambda p: (p.role != "cp", p.site)):
        name = peer.site
        own = name == site.config.site
        state, words = _state(sitreps.get(name), lang)
        beacon: dict[str, Any] = link.beacon.get(name, {})
        hours = hours_left(beacon, now)
        if hours is None and name in sitreps:
            hours = sitreps[name].power_hours
        heard_at = link.heard.get(name)
        hops = beacon.get("hops")
        direct = None if heard_at is None else (hops in (None, 0))
        secs = air.get(name, 0.0)
        pos = positions.get(name)
        dots.append(
            SiteDot(
                name=name,
                role=peer.role,
                state="own" if own else state,
                state_words=t("map.own", lang) if own else words,
                power=t("map.hours", lang, h=hours) if hours is not None else "—",
                heard="—" if own else (
                    age_text(now - heard_at, lang) if heard_at else t("map.never", lang)
                ),
                via="—" if own or heard_at is None else (
                    t("map.direct", lang) if not hops else t("map.hops", lang, n=hops)
                ),
                airtime=t(
                    "map.airtime",
                    lang,
                    s=_dec(secs, lang),
                    pct=_dec(100 * secs / AIRTIME_BUDGET_S, lang),
                    occ=_dec(100 * secs / 3600, lang),  # the share of the hour's channel time
                ),
                link="—" if own else _link_words(heard_by_node.get(nodes.get(name, -1)), lang),
                direct=direct if not own else None,
                x=None if pos is None else WIDTH / 2 + (pos[0] - cx) * scale,
                y=None if pos is None else HEIGHT / 2 - (pos[1] - cy) * scale,  # north is up
                own=own,
            )
        )  # fmt: skip
    hub = next((d for d in dots if d.own and d.x is not None), None)
    unplaced = [d.name for d in dots if d.x is None]
    km = f"{SCALE_PX / scale / 1000:.1f}".replace(".", "," if lang == "nl" else ".")
    return SiteMap(dots, unplaced, error, hub=hub, scale_km=km if placed else "")

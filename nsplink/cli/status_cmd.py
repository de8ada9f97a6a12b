"""`nsplink status` (radio, last contact per site, queues, airtime, power) and `nsplink outbox`
(our messages with their delivery state in words).

Everything comes from the site's log: the daemon records radio.connected/disconnected,
message.sent (airtime per hand-over), message.received and status.received (sender_site, power,
battery). A neighbour repeating our packet is "gehoord", never "bezorgd": only a signed receipt
makes a message delivered.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import typer

from nsplink.app.nudge import nudge
from nsplink.app.power import read_power
from nsplink.app.radiostate import RadioState, read_state
from nsplink.cli.context import get_ctx
from nsplink.cli.daemon_hint import start_command
from nsplink.cli.log_cmd import head_code_line
from nsplink.cli.queue_cmd import CLOSED, age_text
from nsplink.cli.render.table import clock, columns
from nsplink.cli.render.views import warn_if_views_differ
from nsplink.cli.sitefiles import LocalSite, run_or_fail, site_or_fail
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import UNKNOWN_HOURS, MessageType, Power, State
from nsplink.store import OutboxItem, Store
from nsplink.store import events as ev
from nsplink.texts import code_label

T = TypeVar("T")
AIRTIME_BUDGET_S = 360.0  # 10 % duty cycle of one hour in EU_868 (docs/radio.md §1)
STALE_S = 30 * 60  # no word from any CP for this long: say there is no connection
CLOCK_WARN_S = 24 * 3600  # a clock jump the daemon logged this recently is shown
REPORT_STALE_S = 180.0  # a running daemon rewrites radio-state.json at least every minute

register_texts(
    {
        "status.help": (
            "Verbinding, laatste contact, wachtrijen, zendtijd en stroom.",
            "Link, last contact, queues, airtime and power.",
        ),
        "outbox.help": (
            "Verstuurde berichten en hoe ver ze zijn.",
            "Sent messages and how far they got.",
        ),
        "status.site": (
            "Post: {site} — {role}, regio {region}",
            "Site: {site} — {role}, region {region}",
        ),
        "status.daemon_on": ("Achtergronddienst: actief", "Background service: running"),
        "status.daemon_off": (
            "Achtergronddienst: NIET actief — er gaat niets de lucht in. Start hem met: {command}",
            "Background service: NOT running — nothing goes on air. Start it with: {command}",
        ),
        "status.radio_unknown": (
            "Radio: onbekend, want de dienst draait niet (laatst gemeld {time}, {age} geleden:"
            " {what})",
            "Radio: unknown, as the service is not running (last reported {time}, {age} ago:"
            " {what})",
        ),
        "status.radio_unknown_never": (
            "Radio: onbekend, want de dienst draait niet",
            "Radio: unknown, as the service is not running",
        ),
        "status.what_up": ("verbonden", "connected"),
        "status.what_down": ("geen verbinding", "not connected"),
        "status.what_never": ("nog niet verbonden", "not connected yet"),
        "status.what_stopped": ("dienst gestopt", "service stopped"),
        "status.reported": (
            "(gemeld door de dienst {age} geleden)",
            "(reported by the service {age} ago)",
        ),
        "status.report_stale": (
            "Let op: de dienst heeft {age} niets over de radio gemeld; hij kan vastzitten.",
            "Note: the service has said nothing about the radio for {age}; it may be stuck.",
        ),
        "status.neighbours": (
            "Buren van de radio (wat de dienst ontving; SNR en RSSI van de laatste sprong):",
            "The radio's neighbours (what the service received; SNR and RSSI of the last hop):",
        ),
        "status.neighbours_none": (
            "Buren van de radio: nog niets ontvangen sinds de dienst startte.",
            "The radio's neighbours: nothing received since the service started.",
        ),
        "status.neighbour_header": (
            "Radio|Post|SNR|RSSI|Sprongen|Laatst gehoord|Pakketten",
            "Radio|Site|SNR|RSSI|Hops|Last heard|Packets",
        ),
        "status.direct": ("0 (direct)", "0 (direct)"),
        "status.radio_up": ("Radio: verbonden sinds {time}", "Radio: connected since {time}"),
        "status.radio_down": (
            "Radio: geen verbinding sinds {time}",
            "Radio: not connected since {time}",
        ),
        "status.radio_never": ("Radio: nog nooit verbonden", "Radio: never connected"),
        "status.heard": ("Laatste contact per post:", "Last contact per site:"),
        "status.heard_line": ("{time} ({age} geleden)", "{time} ({age} ago)"),
        "status.never": ("nooit", "never"),
        "status.power_line": (
            "{power}, accu {battery} %, nog {hours} uur, wachtrij {queue}",
            "{power}, battery {battery} %, {hours} h left, queue {queue}",
        ),
        "status.no_cp": (
            "Geen verbinding met CP — laatste contact: {time}",
            "No connection with a CP — last contact: {time}",
        ),
        "status.queues": (
            "Wachtrij: {out} uitgaand onderweg ({p1} met P1), {inbox} binnengekomen open, "
            "{quar} in quarantaine",
            "Queue: {out} outgoing under way ({p1} P1), {inbox} incoming open, {quar} quarantined",
        ),
        "status.airtime": (
            "Zendtijd afgelopen uur: {used:.1f} s van {budget:.0f} s ({pct:.0f} %)",
            "Airtime in the last hour: {used:.1f} s of {budget:.0f} s ({pct:.0f} %)",
        ),
        "status.own_power": ("Eigen stroom: {what}", "Own power: {what}"),
        "status.mains": ("netstroom", "mains"),
        "status.battery": ("accu {pct} %", "battery {pct} %"),
        "status.battery_hours": (
            "accu {pct} %, nog {hours:.1f} uur",
            "battery {pct} %, {hours:.1f} h left",
        ),
        "status.power_unknown": ("onbekend", "unknown"),
        "status.clock_back": (
            "Let op: de klok van deze computer is {size} teruggezet (gezien om {time}). "
            "Berichten gaan gewoon door; controleer datum en tijd.",
            "Note: this computer's clock was set back by {size} (seen at {time}). "
            "Messages carry on; check the date and time.",
        ),
        "status.clock_forward": (
            "Let op: de klok van deze computer is {size} vooruitgesprongen (gezien om {time}). "
            "Berichten gaan gewoon door; controleer datum en tijd.",
            "Note: this computer's clock jumped forward by {size} (seen at {time}). "
            "Messages carry on; check the date and time.",
        ),
        "status.no_log": (
            "Nog geen logboek: er is nog niets verstuurd of ontvangen.",
            "No log yet: nothing has been sent or received.",
        ),
        "outbox.header": (
            "Nummer|Soort|Prio|Aan|Status|Pogingen|Volgende poging|Gemaakt|Inhoud",
            "Number|Type|Prio|To|State|Attempts|Next retry|Created|Content",
        ),
        "outbox.empty": ("Geen berichten onderweg.", "No messages under way."),
        "outbox.pending": ("nog niet ontvangen door: {sites}", "not yet received by: {sites}"),
        "outbox.to_cps": ("alle CP's", "all CPs"),
        "outbox.cp_note": (
            "{kind} van {site} ({who}): {text}",
            "{kind} from {site} ({who}): {text}",
        ),
        "outbox.to_nsps": ("alle NSP's", "all NSPs"),
        "outbox.to_all": ("iedereen", "everyone"),
        "opt.outbox_all": (
            "Ook berichten die al lang bezorgd zijn.",
            "Also messages delivered long ago.",
        ),
        "delivery.created": ("In wachtrij", "Queued"),
        "delivery.queued": ("In wachtrij", "Queued"),
        "delivery.handed": ("Verzonden", "Sent"),
        "delivery.heard": (
            "Gehoord door buur (nog niet bezorgd)",
            "Heard by a neighbour (not yet delivered)",
        ),
        "delivery.custody": ("In bewaring bij relais", "Held by a relay"),
        "delivery.undelivered": (
            "Niet bezorgd — wordt opnieuw geprobeerd",
            "Not delivered — will be retried",
        ),
        "delivery.partial": (
            "Ontvangen door {done} van {total} NSP's",
            "Received by {done} of {total} NSPs",
        ),
        "delivery.delivered_cp": ("Ontvangen door CP", "Received by CP"),
        "delivery.delivered_nsps": (
            "Ontvangen door alle {total} NSP's",
            "Received by all {total} NSPs",
        ),
        "delivery.delivered_site": ("Ontvangen door {site}", "Received by {site}"),
    }
)


def _short(at: float | None) -> str:
    return clock(at)  # the language: NSPLINK_LANG, set from --lang by the app


def delivery_words(
    item: OutboxItem, recipients: dict[str, str], site: LocalSite, lang: Lang
) -> str:
    """The one truthful sentence for where a message is. The CP's handling state (from its
    signed triage receipt) says the most, so it wins once there is one."""
    if item.remote_state and item.remote_state != State.ONTV.value:
        try:
            return code_label(State(item.remote_state), lang)
        except ValueError:
            pass
    total = len(recipients)
    done = sum(1 for s in recipients.values() if s == "delivered")
    if item.state == "delivered":
        if total and item.destination == "nsps":
            return t("delivery.delivered_nsps", lang, total=total)
        if item.destination not in ("cps", "nsps", "all"):
            return t("delivery.delivered_site", lang, site=site.site_name(item.destination))
        return t("delivery.delivered_cp", lang)
    if (
        item.destination == "nsps"
        and total
        and done
        and item.state
        in (
            "partial",
            "handed",
            "heard",
            "custody",
        )
    ):
        return t("delivery.partial", lang, done=done, total=total)
    return t(f"delivery.{item.state}", lang)


def dest_words(dest: str, site: LocalSite, lang: Lang) -> str:
    key = {"cps": "outbox.to_cps", "nsps": "outbox.to_nsps", "all": "outbox.to_all"}.get(dest)
    return t(key, lang) if key else site.site_name(dest)


async def outbox_lines(
    store: Store, site: LocalSite, lang: Lang, now: float, show_all: bool
) -> list[str]:
    items = await store.outbox()
    if not show_all:  # what is under way, and what the CPs did with it today
        items = [i for i in items if i.state != "delivered" or now - i.updated_at < 86400]
    if not items:
        return [t("outbox.empty", lang)]
    from nsplink.app.thread import load_threads
    from nsplink.cli.thread_cmd import own_report, short_summary, site_keys

    threads = await load_threads(store, site_keys(site), site.ring)
    rows: list[list[str]] = []
    notes: dict[int, str] = {}
    for item in items:
        recips = await store.recipients(item.ref)
        pending = sorted(site.site_name(r) for r, s in recips.items() if s != "delivered")
        try:
            kind = code_label(MessageType(item.type), lang)
        except ValueError:
            kind = item.type
        rows.append(
            [
                item.ref,
                kind,
                item.priority,
                dest_words(item.destination, site, lang),
                delivery_words(item, recips, site, lang),
                str(item.attempts),
                _short(item.next_retry_at) if item.state != "delivered" else "—",
                age_text(now - item.created_at, lang),
                short_summary(await own_report(store, site, item.ref), lang)[:48],
            ]
        )
        if pending and recips and item.state != "delivered":
            notes[len(rows) - 1] = t("outbox.pending", lang, sites=", ".join(pending))
        said = [s for s in threads.steps(item.ref) if s.site != site.config.site]
        if said:  # what the CP said last about our report: its note or its question
            last = max(said, key=lambda s: s.log_id)
            from nsplink.cli.operator import operator_words
            from nsplink.protocol import NoteKind

            notes[len(rows) - 1] = t(
                "outbox.cp_note", lang,
                kind=code_label(NoteKind(last.kind), lang).capitalize(), site=last.site,
                who=operator_words(last.operator, lang), text=last.text,
            )  # fmt: skip
    return columns(t("outbox.header", lang).split("|"), rows, notes)


def outbox(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help=t("opt.outbox_all"))] = False,
) -> None:
    c = get_ctx(ctx)
    site = site_or_fail(c)
    if not site.home.db_path.exists():
        c.say("outbox.empty")
        return

    async def go() -> list[str]:
        async with await Store.open(site.home.db_path, create=False, readonly=True) as store:
            await warn_if_views_differ(store, c.lang)
            return await outbox_lines(store, site, c.lang, time.time(), show_all)

    typer.echo("\n".join(run_or_fail(c, go)))


@dataclass
class LinkState:
    radio: tuple[str, float] | None = None  # (kind, at) of the last radio event
    heard: dict[str, float] = field(default_factory=dict)  # site -> last time heard
    beacon: dict[str, dict[str, Any]] = field(default_factory=dict)  # site -> last status data
    airtime_ms: float = 0.0
    clock_jump: tuple[float, float] | None = None  # (by_s, at) of the newest clock.jumped
    nodes: dict[int, str] = field(default_factory=dict)  # radio node -> site, from signed frames


def hours_left(beacon: dict[str, Any], now: float) -> Any:
    """A beacon's hours of power left, counted down since it was heard: an NSP skips the
    beacons whose hours only count down as expected (protocol/beacon.py)."""
    hours, at = beacon.get("power_hours"), beacon.get("at")
    if not isinstance(hours, int) or hours == UNKNOWN_HOURS or not isinstance(at, int | float):
        return hours
    return max(0, round(hours - (now - at) / 3600.0))


_HEARD_KINDS = (ev.MESSAGE_RECEIVED, "status.received", "receipt.heard", ev.RECEIPT_RECEIVED)


async def link_state(store: Store, site: LocalSite, now: float) -> LinkState:
    """One pass over the log's radio and reception events."""
    state = LinkState()
    kinds = (
        ev.RADIO_CONNECTED,
        ev.RADIO_DISCONNECTED,
        ev.MESSAGE_SENT,
        ev.CLOCK_JUMPED,
        *_HEARD_KINDS,
    )
    async for rec in store.iter_events(kinds=kinds):
        d = rec.data
        if rec.kind in (ev.RADIO_CONNECTED, ev.RADIO_DISCONNECTED):
            state.radio = (rec.kind, rec.at)
        elif rec.kind == ev.CLOCK_JUMPED:
            if isinstance(d.get("by_s"), int | float):
                state.clock_jump = (float(d["by_s"]), rec.at)
        elif rec.kind == ev.MESSAGE_SENT:
            if rec.at >= now - 3600 and isinstance(d.get("airtime_ms"), int | float):
                state.airtime_ms += float(d["airtime_ms"])
        else:
            who = d.get("sender_site") or d.get("by")
            if rec.kind == ev.RECEIPT_RECEIVED and isinstance(d.get("recipient"), str):
                who = site.site_name(d["recipient"])
            if isinstance(who, str) and who:
                state.heard[who] = max(state.heard.get(who, 0.0), rec.at)
                node = d.get("from_node")
                if rec.kind in ("status.received", "receipt.heard") and isinstance(node, int):
                    # signed by `who` and never carried by a relay's custody: its own radio
                    state.nodes[node] = who
                if rec.kind == "status.received":
                    state.beacon[who] = {**d, "at": rec.at}
    return state


def _own_power(lang: Lang) -> str:
    reading = read_power()
    if reading.on_mains:
        return t("status.mains", lang)
    if reading.battery_pct is not None and reading.hours_left is not None:
        return t("status.battery_hours", lang, pct=reading.battery_pct, hours=reading.hours_left)
    if reading.battery_pct is not None:
        return t("status.battery", lang, pct=reading.battery_pct)
    return t("status.power_unknown", lang)


def _log_radio_line(link: LinkState, lang: Lang) -> str:
    if link.radio is None:
        return t("status.radio_never", lang)
    if link.radio[0] == ev.RADIO_CONNECTED:
        return t("status.radio_up", lang, time=_short(link.radio[1]))
    return t("status.radio_down", lang, time=_short(link.radio[1]))


async def status_lines(
    store: Store, site: LocalSite, lang: Lang, now: float, link: LinkState | None = None
) -> list[str]:
    """Clock warnings, last contact per site, queues and airtime. The radio line comes from
    `radio_lines` (what the running daemon reports), not from here."""
    if link is None:
        link = await link_state(store, site, now)
    lines: list[str] = []
    if link.clock_jump is not None and abs(now - link.clock_jump[1]) < CLOCK_WARN_S:
        by, at = link.clock_jump
        key = "status.clock_back" if by < 0 else "status.clock_forward"
        lines.append(t(key, lang, size=age_text(abs(by), lang), time=_short(at)))
    me = site.config.site
    others = sorted(p.site for p in site.ring if p.site != me)
    cps = [p.site for p in site.ring if p.role == "cp" and p.site != me]
    last_cp = max((link.heard[s] for s in cps if s in link.heard), default=None)
    if cps and (last_cp is None or now - last_cp > STALE_S):
        lines.append(
            t("status.no_cp", lang, time=_short(last_cp) if last_cp else t("status.never", lang))
        )
    lines.append(t("status.heard", lang))
    width = max((len(s) for s in others), default=0)
    for name in others:
        heard_at = link.heard.get(name)
        text = (
            t("status.heard_line", lang, time=_short(heard_at), age=age_text(now - heard_at, lang))
            if heard_at is not None
            else t("status.never", lang)
        )
        beacon = link.beacon.get(name)
        if beacon:
            try:
                power = code_label(Power(str(beacon.get("power"))), lang)
            except ValueError:
                power = "?"
            text += "  " + t(
                "status.power_line",
                lang,
                power=power,
                battery=beacon.get("battery_pct", "?"),
                hours=hours_left(beacon, now) if "power_hours" in beacon else "?",
                queue=beacon.get("queue_depth", "?"),
            )
        lines.append(f"  {name.ljust(width)}  {text}")
    out_items = [i for i in await store.outbox() if i.state != "delivered"]
    inbox = await store.inbox()
    lines.append(
        t(
            "status.queues",
            lang,
            out=len(out_items),
            p1=sum(1 for i in out_items if i.priority == "P1"),
            inbox=sum(
                1
                for i in inbox
                if i.triage not in CLOSED
                and i.trust != "quarantined"
                and i.type != MessageType.BULLETIN.value
            ),
            quar=sum(1 for i in inbox if i.trust == "quarantined" and i.triage not in CLOSED),
        )
    )
    used = link.airtime_ms / 1000
    lines.append(
        t(
            "status.airtime",
            lang,
            used=used,
            budget=AIRTIME_BUDGET_S,
            pct=100 * used / AIRTIME_BUDGET_S,
        )
    )
    lines.append(await head_code_line(store, lang))
    return lines


def radio_lines(
    state: RadioState | None, running: bool, link: LinkState, lang: Lang, now: float
) -> list[str]:
    """The radio as the daemon last reported it, with the age of that report; with the daemon
    stopped, "unknown" and what it last said (never a stale "verbonden")."""
    if not running:
        if state is not None and state.reported_at:
            what = t(f"status.what_{state.link}", lang) if state.link in _LINKS else state.link
            age = age_text(now - state.reported_at, lang)
            at = _short(state.reported_at)
            return [t("status.radio_unknown", lang, time=at, age=age, what=what)]
        return [t("status.radio_unknown_never", lang)]
    if state is None:  # a daemon of an older version: only the log's link events
        return [_log_radio_line(link, lang)]
    if state.link == "up":
        line = t("status.radio_up", lang, time=_short(state.since))
    elif state.link == "never":
        line = t("status.radio_never", lang)
    else:
        line = t("status.radio_down", lang, time=_short(state.since))
    silent = max(0.0, now - state.reported_at)
    lines = [f"{line} {t('status.reported', lang, age=age_text(silent, lang))}"]
    if silent > REPORT_STALE_S:
        lines.append(t("status.report_stale", lang, age=age_text(silent, lang)))
    return lines


_LINKS = ("up", "down", "never", "stopped")


def _hops(hops: int | None, lang: Lang) -> str:
    if hops is None:
        return "?"
    return t("status.direct", lang) if hops == 0 else str(hops)


def neighbour_lines(
    state: RadioState | None, site: LocalSite, link: LinkState, lang: Lang, now: float
) -> list[str]:
    """Per radio heard: its site (the roster's node number, else the radio a site's signed
    message came from), SNR, RSSI, hops, last heard."""
    if state is None:
        return []
    if not state.neighbours:
        return [t("status.neighbours_none", lang)]
    names = dict(link.nodes)
    names.update({e.node: e.site for e in site.ring.doc.sites if e.node is not None})
    rows = []
    for n in sorted(state.neighbours.values(), key=lambda x: -x.last_heard):
        rows.append(
            [
                f"!{n.node:08x}",
                names.get(n.node, "?"),
                "—" if n.snr is None else f"{n.snr:.1f} dB",
                "—" if n.rssi is None else f"{n.rssi} dBm",
                _hops(n.hops, lang),
                t(
                    "status.heard_line",
                    lang,
                    time=_short(n.last_heard),
                    age=age_text(now - n.last_heard, lang),
                ),
                str(n.packets),
            ]
        )
    head = t("status.neighbour_header", lang).split("|")
    return [t("status.neighbours", lang), *("  " + ln for ln in columns(head, rows, {}))]


def status(ctx: typer.Context) -> None:
    c = get_ctx(ctx)
    site = site_or_fail(c)
    cfg = site.config
    c.say("status.site", site=cfg.site, role=t(f"role.{cfg.role}", c.lang), region=cfg.region)
    running = nudge(site.home)
    if running:
        c.say("status.daemon_on")
    else:
        c.say("status.daemon_off", command=start_command(site.home))
    state = read_state(site.home)
    if site.home.db_path.exists():

        async def go() -> list[str]:
            async with await Store.open(site.home.db_path, create=False, readonly=True) as store:
                now = time.time()
                link = await link_state(store, site, now)
                lines = radio_lines(state, running, link, c.lang, now)
                lines += await status_lines(store, site, c.lang, now, link)
                return lines + neighbour_lines(state, site, link, c.lang, now)

        typer.echo("\n".join(run_or_fail(c, go)))
    else:
        c.say("status.no_log")
    c.say("status.own_power", what=_own_power(c.lang))


def register(app: typer.Typer) -> None:
    app.command("status", help=t("status.help"))(status)
    app.command("outbox", help=t("outbox.help"))(outbox)

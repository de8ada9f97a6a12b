"""CP operator commands: `nsplink queue`, `nsplink handle ID`, `nsplink show ID`.

`queue` lists incoming items most urgent first, then oldest first (the store's inbox order);
unverified (quarantined) emergency reports stand in their own marked section, never among the
verified ones. `handle` appends one `triage.changed` event and nudges the daemon, which sends
the signed triage receipt (gezien -> "Ontvangen door CP" at the NSP). `show` prints one item as
a message form, priority first and the address spelled, to read out over a voice radio.

Exit codes: 0 done; 2 bad input (unknown number, unknown state) or a store fault, one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import math
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TextIO, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from nsplink.app.nudge import nudge
from nsplink.cli.context import get_ctx
from nsplink.cli.daemon_hint import start_command
from nsplink.cli.operator import operator_words, resolve_operator
from nsplink.cli.ownership_words import (
    NotYourTurn,
    OtherCpFirst,
    OwnedElsewhere,
    Turn,
    cps_heard_ago,
    handed_line,
    handed_reports,
    owner_cell,
    owner_lines,
    turn_cell,
    waiting_turn,
)
from nsplink.cli.received import Received, load_received
from nsplink.cli.render.message import address_line, form_lines, format_lines, services_words
from nsplink.cli.render.table import clock, columns
from nsplink.cli.render.views import warn_if_views_differ
from nsplink.cli.sitefiles import LocalSite, run_or_fail, site_or_fail
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import (
    CLAIM_STATES,
    Answer,
    Bulletin,
    Emergency,
    MessageId,
    MessageType,
    Note,
    Ownership,
    Priority,
    Sitrep,
    State,
    Supply,
)
from nsplink.store import Event, InboxItem, Store
from nsplink.store import events as ev
from nsplink.texts import code_label
from nsplink.texts.safe import shown

T = TypeVar("T")

# Option and argument help texts.
register_texts(
    {
        "queue.arg.id": ("Nummer.", "Number."),
    }
)

register_texts(
    {
        "queue.help": (
            "Binnengekomen meldingen, meest urgent eerst.",
            "Incoming items, most urgent first.",
        ),
        "handle.help": (
            "Afhandelstatus van een melding vastleggen (gezien stuurt de ontvangstbevestiging).",
            "Record the handling state of an item (seen sends the receipt).",
        ),
        "show.help": (
            "Eén melding volledig tonen, om voor te lezen.",
            "Show one item in full, to read out.",
        ),
        "queue.title": (
            "Wachtrij {site} — {open} open, {done} afgehandeld{hidden}",
            "Queue {site} — {open} open, {done} closed{hidden}",
        ),
        "queue.hidden": (" (verborgen; --all toont alles)", " (hidden; --all shows all)"),
        "queue.header": (
            "Nr|Prio|Soort|Van|Leeftijd|Status|Levensgevaar|Hulpdienst|Inhoud",
            "No|Prio|Type|From|Age|State|Life threat|Services|Content",
        ),
        "queue.empty": ("Geen openstaande meldingen.", "No open items."),
        "queue.quarantine": (
            "!! NIET GEVERIFIEERD — handtekening niet bevestigd; niet vertrouwen, eerst navragen:",
            "!! NOT VERIFIED — signature not confirmed; do not trust, check first:",
        ),
        "queue.erased": ("[persoonsgegevens gewist]", "[personal data erased]"),
        "queue.unreadable": ("[onleesbaar]", "[unreadable]"),
        "queue.watch_footer": (
            "Bijgewerkt {time} — Ctrl-C om te stoppen",
            "Updated {time} — Ctrl-C to stop",
        ),
        "age.min": ("{n} min", "{n} min"),
        "queue.hours": ("{n} uur", "{n} h"),
        "age.hour": ("{h} u {m} min", "{h} h {m} min"),
        "age.day": ("{d} d {h} u", "{d} d {h} h"),
        "handle.done": (
            "Nr {id} ({ref}): {state}.",
            "No {id} ({ref}): {state}.",
        ),
        "handle.receipt": (
            "De post krijgt een ontvangstbevestiging zodra er verbinding is.",
            "The site gets a receipt as soon as there is a connection.",
        ),
        "handle.not_found": (
            "Geen melding met nummer {id}. Zie 'nsplink queue --all' voor de nummers.",
            "No item with number {id}. See 'nsplink queue --all' for the numbers.",
        ),
        "handle.bad_state": (
            "Onbekende status '{value}'. Kies een van: {choices}.",
            "Unknown state '{value}'. Choose one of: {choices}.",
        ),
        "handle.bad_priority": (
            "Onbekende prioriteit '{value}'. Kies een van: {choices}.",
            "Unknown priority '{value}'. Choose one of: {choices}.",
        ),
        "handle.priority": ("Prioriteit nu: {priority}.", "Priority now: {priority}."),
        "opt.priority": (
            "Prioriteit aanpassen: P1, P2, P3 of P4.",
            "Change the priority: P1, P2, P3 or P4.",
        ),
        "opt.take_over": (
            "Neem een melding over die eerst voor een andere CP is (die CP kan niet).",
            "Take over a report that is first for another CP (that CP cannot act).",
        ),
        "handle.bad_note": (
            "De notitie is te lang of bevat stuurtekens (maximaal {max} tekens).",
            "The note is too long or contains control characters (at most {max} characters).",
        ),
        "show.priority": ("PRIORITEIT", "PRIORITY"),
        "show.number": ("nr {id}, bericht {ref}", "no {id}, message {ref}"),
        "show.from": ("Van post", "From site"),
        "show.created": ("Gemeld om", "Reported at"),
        "show.received": ("Ontvangen om", "Received at"),
        "show.trust": ("Echtheid", "Authenticity"),
        "show.verified": ("handtekening klopt", "signature verified"),
        "show.quarantined": (
            "NIET GEVERIFIEERD — niet vertrouwen, eerst navragen",
            "NOT VERIFIED — do not trust, check first",
        ),
        "show.triage": ("Afhandelstatus", "Handling state"),
        "show.note": ("Notitie", "Note"),
        "show.operator": ("Door", "By"),
        "show.duplicates": ("Dubbel ontvangen", "Received again"),
        "show.sealed": ("Persoonsgegevens", "Personal data"),
        "show.sealed_text": (
            "versleuteld — alleen leesbaar op een CP met de sleutel",
            "sealed — readable only at a CP holding the key",
        ),
        "opt.all": ("Ook afgehandelde meldingen tonen.", "Also show closed items."),
        "opt.watch": ("Blijf verversen.", "Keep refreshing."),
        "opt.interval": ("Seconden tussen verversingen.", "Seconds between refreshes."),
        "opt.count": (
            "Stop na zoveel verversingen (0 = nooit).",
            "Stop after this many (0 = never).",
        ),
        "opt.status": ("Nieuwe status: {states}.", "New state: {states}."),
        "opt.note": ("Korte notitie.", "Short note."),
    }
)

# CP-side words for the handling states (the State labels speak from the NSP's side).
_TRIAGE_WORDS = {
    "ONTV": ("nieuw", "new"),
    "GEZ": ("gezien", "seen"),
    "BEH": ("in behandeling", "in progress"),
    "MKAMER": ("doorgezet naar meldkamer", "forwarded to dispatch"),
    "TOEG": ("toegewezen", "assigned"),
    "AFG": ("afgehandeld", "done"),
    "NAVR": ("navraag", "more information asked"),
    "WACHT": ("wacht", "waiting"),
    "NUITV": ("niet uitvoerbaar", "cannot be done"),
    "DUB": ("dubbel", "duplicate"),
    "INGT": ("ingetrokken", "withdrawn"),
    "QUAR": ("quarantaine", "quarantined"),
}
register_texts({f"triage.{k}": v for k, v in _TRIAGE_WORDS.items()})
CLOSED = ("AFG", "DUB", "INGT", "NUITV")
SETTABLE = tuple(s for s in State if s.value not in ("ONTV", "QUAR"))
NOTE_MAX = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ItemNotFound(NsplinkError):
    code = "cli.queue.not_found"
    key = "handle.not_found"


class BadTriageState(NsplinkError):
    code = "cli.queue.bad_state"
    key = "handle.bad_state"


class BadPriority(NsplinkError):
    code = "cli.queue.bad_priority"
    key = "handle.bad_priority"


class BadNote(NsplinkError):
    code = "cli.queue.bad_note"
    key = "handle.bad_note"


def triage_word(code: str, lang: Lang) -> str:
    return t(f"triage.{code}", lang)


def parse_state(value: str, lang: Lang) -> State:
    """'gezien', 'seen', 'GEZ', 'in behandeling', 'in-behandeling' -> State."""
    word = re.sub(r"[\s_-]+", " ", value.strip().casefold())
    for state in SETTABLE:
        nl, en = _TRIAGE_WORDS[state.value]
        if word in (state.value.casefold(), nl, en):
            return state
    choices = ", ".join(
        f"{_TRIAGE_WORDS[s.value][0 if lang == 'nl' else 1]} ({s.value})" for s in SETTABLE
    )
    raise BadTriageState(value, value=value, choices=choices)


def parse_priority(value: str) -> Priority:
    word = value.strip().upper()
    if word not in Priority.__members__:
        raise BadPriority(value, value=value, choices=", ".join(p.value for p in Priority))
    return Priority(word)


async def priority_overrides(store: Store) -> dict[str, str]:
    """The CP's own priorities (`handle --priority`), latest per message, from the log."""
    out: dict[str, str] = {}
    async for rec in store.iter_events(kinds=(ev.TRIAGE_CHANGED,)):
        value = rec.data.get("priority")
        if isinstance(value, str) and value in Priority.__members__:
            out[rec.ref] = value
    return out


def _ordered(items: list[InboxItem], prio: dict[str, str], news: Any = ()) -> list[InboxItem]:
    """Most urgent first (the CP's priority where it set one); within a priority what nobody
    has looked at yet (new, or an NSP's answer in `news`) before what was seen; then oldest."""

    def key(i: InboxItem) -> tuple[str, bool, float, int]:
        fresh = i.triage == "ONTV" or i.ref in news
        return (prio.get(i.ref, i.priority), not fresh, i.received_at, i.local_id)

    return sorted(items, key=key)


def states_help() -> str:
    """The states `handle --status` takes, in words and code, for its --help."""
    states = ", ".join(f"{t(f'triage.{s.value}')} ({s.value})" for s in SETTABLE)
    return t("opt.status", states=states)


def age_text(seconds: float, lang: Lang) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return t("age.min", lang, n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return t("age.hour", lang, h=hours, m=minutes)
    days, hours = divmod(hours, 24)
    return t("age.day", lang, d=days, h=hours)


def facts(rec: Received, lang: Lang) -> tuple[str, str, str]:
    """(summary, life threat, services) for a queue row; the last two only for a report."""
    body = rec.envelope.body if rec.envelope is not None else None
    if not isinstance(body, Emergency):
        return summary(rec, lang), "", ""
    life = code_label(body.life_threat, lang)
    life = life.upper() if body.life_threat is Answer.JA else life
    return summary(rec, lang), life, services_words(body.services, lang)


def summary(rec: Received, lang: Lang) -> str:
    """One short line of what it is about, for the queue."""
    if rec.envelope is None:
        return t("queue.erased" if rec.erased else "queue.unreadable", lang)
    body = rec.envelope.body
    if isinstance(body, Emergency):
        where = address_line(body) or body.landmark
        incident = code_label(body.incident, lang)
        return f"{incident} — {where}" if where else incident
    if isinstance(body, Sitrep):
        state, power = code_label(body.nsp_state, lang), code_label(body.power, lang)
        return f"{state}, {power} {t('queue.hours', lang, n=body.power_hours)}"
    if isinstance(body, Supply):
        what = body.item or code_label(body.category, lang)
        unit, urgency = code_label(body.unit, lang), code_label(body.urgency, lang)
        return f"{body.quantity} {unit} {what} — {urgency}"
    if isinstance(body, Bulletin):
        return body.headline
    return ""


# How a row looks in a terminal (Rich styles; no colour with NO_COLOR, none at all off a tty).
STYLE_NEW_P1 = "bold reverse red"  # a P1 nobody has looked at: impossible to miss
STYLE = {"P1": "bold red", "P2": "bold yellow", "P3": "", "P4": "dim"}


@dataclass
class Row:
    cells: list[str]
    style: str
    alarm: str = ""  # the ref, for a P1 nobody has looked at yet (rings the bell once)


def _table(rows: list[Row], lang: Lang, paint: Callable[[str, str], str] | None) -> list[str]:
    lines = columns(t("queue.header", lang).split("|"), [r.cells for r in rows])
    if paint is None:
        return lines
    return [
        paint(lines[0], "bold"),
        *(paint(x, r.style) for x, r in zip(lines[1:], rows, strict=True)),
    ]


@dataclass(frozen=True)
class QueueRow:
    """One row of the CP queue, for the terminal and the browser console alike."""

    item: InboxItem
    priority: str  # the CP's own priority where it set one
    received: Received
    news: Callable[[Lang], str] | None  # the NSP answered or added after our last step
    owner: Ownership | None = None  # when another CP handles it (issue 23), in words below
    site: LocalSite | None = None
    me: str = ""
    turn: Turn | None = None  # nobody claimed it and another CP comes first (ownership.py)

    @property
    def fresh(self) -> bool:
        """Nobody here has looked at it yet: new, or the NSP said something new. A report that
        waits for another CP's turn is not this operator's news (no badge, no bell)."""
        return (self.item.triage == "ONTV" and self.turn is None) or self.news is not None

    def state_words(self, lang: Lang) -> str:
        if self.news:
            return self.news(lang)
        if self.site is None:
            return triage_word(self.item.triage, lang)
        other = owner_cell(self.owner, self.site, self.me, lang)
        return other or turn_cell(self.turn, self.site, lang) or triage_word(self.item.triage, lang)


@dataclass(frozen=True)
class QueueView:
    trusted: list[QueueRow]
    quarantined: list[QueueRow]
    open: int
    done: int


async def queue_view(
    store: Store,
    site: LocalSite,
    show_all: bool,
    received: dict[str, Received] | None = None,
) -> QueueView:
    """The queue as rows: most urgent first, within a priority what nobody has looked at before
    what was seen, then oldest; notes folded into their report; closed items hidden unless
    `show_all` or the NSP said something new. A received frame never changes, so a caller that
    refreshes passes `received` to open each one only once."""
    prio = await priority_overrides(store)
    threads = await site_threads(store, site)
    items = await store.inbox()
    # a note about a report is part of that report's row, not a row of its own
    items = [
        i for i in items if i.type != MessageType.BULLETIN.value and i.ref not in threads.note_about
    ]
    news = await _news(store, site, threads, items)
    items = _ordered(items, prio, news)
    owners = await store.ownership()
    handed = await handed_reports(store)
    me = my_key(site)
    now = time.time()
    ago = cps_heard_ago(site, now)
    done = sum(1 for i in items if i.triage in CLOSED and i.ref not in news)
    picked = items if show_all else [i for i in items if i.triage not in CLOSED or i.ref in news]
    cache = received if received is not None else {}
    rows: list[QueueRow] = []
    for item in picked:
        rec = cache.get(item.ref)
        if rec is None:
            rec = cache[item.ref] = await load_received(store, item.ref, site.ring, site.home)
        priority = prio.get(item.ref, item.priority)
        own = owners.get(item.ref)
        turn = None
        if item.triage == "ONTV":  # a step of ours is a claim on its way
            at, dest = item.received_at, rec.destination
            turn = waiting_turn(own, site, me, item.ref, dest, at, ago, now, item.ref in handed)
        rows.append(QueueRow(item, priority, rec, news.get(item.ref), own, site, me, turn))
    # within a priority, what is this CP's to take up comes before what waits for another CP
    rows.sort(key=lambda r: (r.priority, r.turn is not None))  # stable: the order above stays
    return QueueView(
        trusted=[r for r in rows if r.item.trust != "quarantined"],
        quarantined=[r for r in rows if r.item.trust == "quarantined"],
        open=len(items) - done,
        done=done,
    )


async def queue_rows(
    store: Store,
    site: LocalSite,
    lang: Lang,
    now: float,
    show_all: bool,
    received: dict[str, Received] | None = None,
) -> tuple[str, list[Row], list[Row]]:
    """(title, verified rows, unverified rows) for the terminal, styled by urgency."""
    view = await queue_view(store, site, show_all, received)
    hidden = t("queue.hidden", lang) if view.done and not show_all else ""
    title = t(
        "queue.title", lang, site=site.config.site, open=view.open, done=view.done, hidden=hidden
    )

    def rows(group: list[QueueRow]) -> list[Row]:
        out = []
        for r in group:
            text, life, services = facts(r.received, lang)
            item = r.item
            cells = [
                str(item.local_id),
                r.priority,
                code_label(MessageType(item.type), lang),
                item.sender_site,
                age_text(now - item.received_at, lang),
                r.state_words(lang),
                life,
                services,
                text,
            ]
            if item.triage in CLOSED and r.news is None:
                style, alarm = "dim", ""
            elif r.priority == "P1" and r.fresh and item.trust != "quarantined":
                style, alarm = STYLE_NEW_P1, item.ref
            else:
                style, alarm = STYLE.get(r.priority, ""), ""
            out.append(Row(cells, style, alarm))
        return out

    return title, rows(view.trusted), rows(view.quarantined)


async def queue_lines(
    store: Store,
    site: LocalSite,
    lang: Lang,
    now: float,
    show_all: bool,
    received: dict[str, Received] | None = None,
) -> list[str]:
    """The whole queue screen as plain lines (what `queue` prints off a terminal)."""
    title, trusted, quarantined = await queue_rows(store, site, lang, now, show_all, received)
    return screen_lines(title, trusted, quarantined, lang, None)


def screen_lines(
    title: str,
    trusted: list[Row],
    quarantined: list[Row],
    lang: Lang,
    paint: Callable[[str, str], str] | None,
) -> list[str]:
    """The whole queue screen as lines (the same for one-shot and --watch); with `paint`, each
    line in its row's style."""
    lines = [paint(title, "bold") if paint else title]
    if trusted:
        lines.extend(_table(trusted, lang, paint))
    elif not quarantined:
        lines.append(t("queue.empty", lang))
    if quarantined:
        warning = t("queue.quarantine", lang)
        lines += ["", paint(warning, "bold magenta") if paint else warning]
        lines.extend(_table(quarantined, lang, paint))
    return lines


def painter(out: TextIO) -> Callable[[str, str], str] | None:
    """Rich styles as ANSI for a terminal; None (plain text) when `out` is not one. Rich itself
    drops the colours (keeping bold and reverse) when NO_COLOR is set."""
    if not out.isatty() or os.environ.get("TERM") == "dumb":
        return None
    console = Console(
        file=io.StringIO(), force_terminal=True, color_system="standard", highlight=False,
        width=10_000, soft_wrap=True,
    )  # fmt: skip

    def paint(line: str, style: str) -> str:
        if not style:
            return line
        with console.capture() as cap:
            console.print(Text(line, style=style), end="")
        return cap.get()

    return paint


async def _news(
    store: Store, site: LocalSite, threads: Any, items: list[InboxItem]
) -> dict[str, Any]:
    """Reports whose NSP answered or added something after our last handling step: back to the
    operator's attention, answered questions first in words (issue 19)."""
    from nsplink.cli.thread_cmd import news_words

    last_step: dict[str, int] = {}
    async for rec in store.iter_events(kinds=(ev.TRIAGE_CHANGED,)):
        last_step[rec.ref] = rec.id
    out: dict[str, Any] = {}
    for item in items:
        step = threads.last_from(item.ref, ("REPLY", "ADDENDUM"))
        if (
            step is not None
            and step.site != site.config.site
            and step.log_id > last_step.get(item.ref, 0)
        ):
            out[item.ref] = news_words(item.triage, triage_word)
    return out


def _redraw(lines: list[str], first: bool) -> str:
    """Overwrite the previous screen in place: home, each line cleared to its end, then the
    rest of the screen cleared. No full-screen clear between frames, hence no flicker."""
    head = "\x1b[2J" if first else ""
    return head + "\x1b[H" + "".join(line + "\x1b[K\n" for line in lines) + "\x1b[J"


def queue(
    ctx: typer.Context,
    show_all: Annotated[bool, typer.Option("--all", help=t("opt.all"))] = False,
    watch: Annotated[bool, typer.Option("--watch", "-w", help=t("opt.watch"))] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.05, help=t("opt.interval"))] = 2.0,
    count: Annotated[int, typer.Option("--count", min=0, help=t("opt.count"))] = 0,
) -> None:
    c = get_ctx(ctx)
    site = site_or_fail(c)

    received: dict[str, Received] = {}
    paint = painter(sys.stdout)
    rung: set[str] = set()  # the new P1s the bell has rung for

    async def once(store: Store) -> tuple[list[str], bool]:
        """The screen, and whether a new P1 appeared since the last one (ring the bell)."""
        title, trusted, quarantined = await queue_rows(
            store, site, c.lang, time.time(), show_all, received
        )
        alarms = {r.alarm for r in trusted if r.alarm} - rung
        rung.update(alarms)
        return screen_lines(title, trusted, quarantined, c.lang, paint), bool(alarms)

    async def go() -> None:
        async with await Store.open(site.home.db_path, create=False, readonly=True) as store:
            await warn_if_views_differ(store, c.lang)
            if not watch:
                typer.echo("\n".join((await once(store))[0]))
                return
            out = sys.stdout
            out.write("\x1b[?25l")  # hide the cursor while redrawing
            try:
                n = 0
                while True:
                    lines, ring = await once(store)
                    stamp = datetime.now().strftime("%H:%M:%S")
                    lines += ["", t("queue.watch_footer", c.lang, time=stamp)]
                    out.write(_redraw(lines, n == 0) + ("\a" if ring else ""))
                    out.flush()
                    n += 1
                    if count and n >= count:
                        return
                    await asyncio.sleep(interval)
            finally:
                out.write("\x1b[?25h")
                out.flush()

    with contextlib.suppress(KeyboardInterrupt):
        run_or_fail(c, go)


def my_key(site: LocalSite) -> str:
    """This site's key id as text ('' if the roster does not name it)."""
    try:
        return str(site.key_of(site.config.site))
    except NsplinkError:
        return ""


async def find_item(store: Store, ident: str) -> InboxItem:
    text = ident.strip()
    item = await store.inbox_item(int(text)) if text.isdecimal() and len(text) < 10 else None
    if item is None:
        matches = [i for i in await store.inbox() if i.ref == text.lower()]
        item = matches[0] if matches else None
    if item is None:
        raise ItemNotFound(text, id=text)
    return item


def handle(
    ctx: typer.Context,
    ident: Annotated[str, typer.Argument(metavar="ID", help=t("queue.arg.id"))],
    status: Annotated[str, typer.Option("--status", "-s", help=states_help())],
    note: Annotated[str, typer.Option("--note", "-n", help=t("opt.note"))] = "",
    operator: Annotated[str | None, typer.Option("--operator", help=t("opt.operator"))] = None,
    priority: Annotated[
        str | None, typer.Option("--priority", "-p", help=t("opt.priority"))
    ] = None,
    take_over: Annotated[bool, typer.Option("--take-over", help=t("opt.take_over"))] = False,
) -> None:
    c = get_ctx(ctx)
    site = site_or_fail(c)
    try:
        state = parse_state(status, c.lang)
        prio = parse_priority(priority) if priority else None
        check_note(note)
    except NsplinkError as err:
        c.fail(err)
    who = resolve_operator(site.home, site.config.operator, operator, c.lang)

    async def go() -> InboxItem:
        async with await Store.open(site.home.db_path, create=False) as store:
            item = await find_item(store, ident)
            step = TriageStep(item, state, note, who, prio, time.time(), take_over)
            await apply_triage(store, site, step)
        return item

    item = run_or_fail(c, go)
    running = nudge(site.home)  # the daemon sends the signed triage receipt now
    c.say("handle.done", id=item.local_id, ref=item.ref, state=triage_word(state.value, c.lang))
    if prio is not None:
        c.say("handle.priority", priority=f"{prio.value} {code_label(prio, c.lang)}")
    if item.trust != "quarantined":
        c.say("handle.receipt")
        if not running:  # the receipt waits in the log until the daemon runs: say so
            typer.echo(t("daemon.not_running", c.lang, command=start_command(site.home)), err=True)


def check_note(note: str) -> None:
    """A note goes on the air and into the log: short, printable, nothing hidden."""
    if len(note) > NOTE_MAX or _CONTROL.search(note) or shown(note) != note:
        raise BadNote(note[:40], max=NOTE_MAX)


@dataclass(frozen=True)
class TriageStep:
    """One handling step an operator takes on a report (the CLI's `handle`, the console's form)."""

    item: InboxItem
    state: State
    note: str  # to the report's NSP with the state; "" for none
    who: str  # the operator
    prio: Priority | None  # the CP's own priority for the report, when changed
    now: float
    take_over: bool = False  # even when another CP's turn comes first (ownership.py)


async def apply_triage(store: Store, site: LocalSite, step: TriageStep) -> None:
    """One handling step: the `triage.changed` event, and the note to the NSP. Never takes a
    report another CP already owns (issue 23), nor, unless `take_over`, one that is still
    another CP's turn to take up. The caller nudges the daemon afterwards (the CLI and the
    browser console share this)."""
    item = step.item
    if step.state in CLAIM_STATES:
        await _check_claim(store, site, step)
    data: dict[str, Any] = {"state": step.state.value, "operator": step.who}
    if step.note:
        data["note"] = step.note
    if step.prio is not None:
        data["priority"] = step.prio.value  # the CP's own judgement; the queue sorts by it
    await store.append(Event(ev.TRIAGE_CHANGED, step.now, site.config.site, item.ref, data))
    if step.note and item.trust != "quarantined":
        await _send_note(store, site, step)


async def _check_claim(store: Store, site: LocalSite, step: TriageStep) -> None:
    """Whether this CP may claim the step's report now (ownership.py): one typed error if not."""
    item, now = step.item, step.now
    own = (await store.ownership([item.ref])).get(item.ref)
    me = my_key(site)
    if own is not None and own.owner is not None and str(own.owner.cp) != me:
        raise OwnedElsewhere(item.ref, id=item.local_id, cp=site.site_name(str(own.owner.cp)))
    if step.take_over or item.triage != "ONTV":
        return  # on purpose, or a step of ours is already a claim on its way
    rec = await load_received(store, item.ref, site.ring, site.home)
    ago = cps_heard_ago(site, now)
    handed = bool(await handed_reports(store, item.ref))
    at, dest = item.received_at, rec.destination
    turn = waiting_turn(own, site, me, item.ref, dest, at, ago, now, handed)
    if turn is None or now >= turn.until:
        return
    if math.isinf(turn.until):
        raise OtherCpFirst(item.ref, id=item.local_id, cps=turn.names(site))
    until = clock(turn.until, None, now=now)
    raise NotYourTurn(item.ref, id=item.local_id, cps=turn.names(site), until=until)


async def _send_note(store: Store, site: LocalSite, step: TriageStep) -> None:
    """The note goes to the report's NSP with its state (a question with NAVR), signed and
    receipted like the report; sealed when the report is an emergency (issue 19)."""
    from nsplink.app.thread import Report, note_draft_args, note_kind_for, queue_note
    from nsplink.cli.sitefiles import load_own_identity
    from nsplink.cli.thread_cmd import site_keys

    item = step.item
    try:
        ref = MessageId.parse(item.ref)
    except ValueError:
        return  # not a message of the mesh
    keys = site_keys(site)
    priority = step.prio or Priority((await priority_overrides(store)).get(item.ref, item.priority))
    report = Report(ref, item.type, priority, False)
    dest, priority, seal_to, seal_with = note_draft_args(report, "cp", keys, site.ring)
    body = Note(note_kind_for(step.state), step.note, step.who, ref, step.state)
    await queue_note(
        store, load_own_identity(site), site.config.site, site.home, body, dest, priority,
        step.now, seal_to=seal_to, seal_with=seal_with,
    )  # fmt: skip


async def show_lines(store: Store, site: LocalSite, item: InboxItem, lang: Lang) -> list[str]:
    rec = await load_received(store, item.ref, site.ring, site.home)
    prio = Priority((await priority_overrides(store)).get(item.ref, item.priority))
    mtype = MessageType(item.type)
    lines = [
        f"{t('show.priority', lang)}: {prio.value} — {code_label(prio, lang).upper()}",
        f"{code_label(mtype, lang).upper()}   "
        + t("show.number", lang, id=item.local_id, ref=item.ref),
    ]
    created = None
    if rec.envelope is not None:
        from nsplink.protocol import unix_from_minutes

        created = float(unix_from_minutes(rec.envelope.created))
    trust = "show.verified" if item.trust == "verified" else "show.quarantined"
    head: list[tuple[str, str]] = [
        (t("show.from", lang), item.sender_site),
        (t("show.created", lang), clock(created, lang)),
        (t("show.received", lang), clock(item.received_at, lang)),
        (t("show.trust", lang), t(trust, lang)),
        (t("show.triage", lang), triage_word(item.triage, lang)),
    ]
    if item.note:
        head.append((t("show.note", lang), item.note))
    if item.triage != "ONTV":
        head.append((t("show.operator", lang), operator_words(item.operator, lang)))
    own = (await store.ownership([item.ref])).get(item.ref)
    head.extend(owner_lines(own, site, my_key(site), lang))
    now = time.time()
    ago = cps_heard_ago(site, now)
    handed = (await handed_reports(store, item.ref)).get(item.ref)
    at, dest = item.received_at, rec.destination
    turn = waiting_turn(own, site, my_key(site), item.ref, dest, at, ago, now, handed is not None)
    if handed is not None and item.triage == "ONTV":
        head.append(handed_line(handed, site, lang))
    if turn is not None and item.triage == "ONTV":
        head.append((t("owner.turn_label", lang), turn_cell(turn, site, lang) or ""))
    if item.duplicates:
        head.append((t("show.duplicates", lang), str(item.duplicates)))
    if rec.sealed:
        head.append((t("show.sealed", lang), t("show.sealed_text", lang)))
    if rec.envelope is None:
        head.append(("", t("queue.erased" if rec.erased else "queue.unreadable", lang)))
    else:
        head.extend(
            form_lines(
                rec.envelope.body,
                lang,
                site_name=lambda k: site.site_name(str(k)),
                spell_names=True,
            )
        )
    from nsplink.cli.thread_cmd import thread_lines

    threads = await site_threads(store, site)
    return [
        *lines,
        "",
        format_lines(head),
        *await thread_lines(store, site, item.ref, lang, threads),
    ]


async def site_threads(store: Store, site: LocalSite) -> Any:
    from nsplink.app.thread import load_threads
    from nsplink.cli.thread_cmd import site_keys

    return await load_threads(store, site_keys(site), site.ring)


def show(
    ctx: typer.Context,
    ident: Annotated[str, typer.Argument(metavar="ID", help=t("queue.arg.id"))],
) -> None:
    c = get_ctx(ctx)
    site = site_or_fail(c)

    async def go() -> list[str]:
        from nsplink.cli.thread_cmd import own_report_lines

        async with await Store.open(site.home.db_path, create=False, readonly=True) as store:
            threads = await site_threads(store, site)
            own = await own_report_lines(store, site, ident.strip().lower(), c.lang, threads)
            if own:
                return own  # a report this site sent (the NSP reads its own thread)
            item = await find_item(store, ident)
            about = threads.note_about.get(item.ref)
            if about is not None:  # a note: show the report it is about
                own = await own_report_lines(store, site, about, c.lang, threads)
                if own:
                    return own
                item = await find_item(store, about)
            return await show_lines(store, site, item, c.lang)

    typer.echo("\n".join(run_or_fail(c, go)))


def register(app: typer.Typer) -> None:
    app.command("queue", help=t("queue.help"))(queue)
    app.command("handle", help=t("handle.help"))(handle)
    app.command("show", help=t("show.help"))(show)

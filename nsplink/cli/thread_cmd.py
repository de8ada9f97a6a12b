"""The conversation about a report (issue 19): `nsplink reply REF TEXT` at either end,
`nsplink send addendum REF TEXT` at the NSP, `nsplink send message --to SITE TEXT`, and the
thread that `show` prints (report, then every step in time order, with who, which site, when).

A step is a signed Note (app/thread.py) queued like a report: durable when we say so, sent by the
daemon, receipted and retried. Exit codes: 0 queued; 2 bad input (unknown report, empty or too
long text) or a store fault, one line.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import typer

from nsplink.app.thread import (
    REPORT,
    TRIAGE,
    Report,
    SiteKeys,
    Step,
    Threads,
    in_order,
    load_threads,
    note_draft_args,
    queue_note,
    receipt_states,
    triage_steps,
)
from nsplink.cli.context import CliContext, get_ctx
from nsplink.cli.daemon_hint import say_queued
from nsplink.cli.operator import operator_words, resolve_operator
from nsplink.cli.render.message import address_line, form_lines, format_lines
from nsplink.cli.render.table import clock
from nsplink.cli.sitefiles import LocalSite, load_own_identity, run_or_fail, site_or_fail
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import (
    NOTE_MAX,
    DecodeError,
    Destination,
    Emergency,
    Envelope,
    MessageId,
    MessageType,
    Note,
    NoteKind,
    Priority,
    SealError,
    State,
    ValidationError,
    decode,
    open_sealed_pair,
)
from nsplink.store import InboxItem, Store
from nsplink.store import events as ev
from nsplink.texts import code_label
from nsplink.texts.safe import shown

# The name of a value in the usage line, in the reader's language.
register_texts(
    {
        "metavar.text": ("TEKST", "TEXT"),
    }
)

register_texts(
    {
        "reply.help": (
            "Antwoord in het gesprek over een melding (NSP en CP).",
            "Answer in the conversation about a report (NSP and CP).",
        ),
        "addendum.help": (
            "Aanvulling op een eigen melding sturen.",
            "Send an addendum to one of our own reports.",
        ),
        "message.help": (
            "Vrij bericht aan één post (CP of NSP), ondertekend en bevestigd.",
            "Free text to one site (CP or NSP), signed and receipted.",
        ),
        "thread.arg.ref": (
            "Nummer of berichtnummer van de melding.",
            "Number or message id of the report.",
        ),
        "thread.arg.text": ("De tekst.", "The text."),
        "thread.opt.to": ("Naam van de post.", "Name of the site."),
        "thread.queued": (
            "{kind} bij {ref} in de wachtrij als {mid}; gaat mee zodra er verbinding is.",
            "{kind} on {ref} queued as {mid}; goes out as soon as there is a connection.",
        ),
        "thread.queued_free": (
            "Bericht aan {site} in de wachtrij als {mid}.",
            "Message to {site} queued as {mid}.",
        ),
        "thread.not_found": (
            "Geen melding met nummer {id}. Zie 'nsplink queue --all' of 'nsplink outbox --all'.",
            "No report with number {id}. See 'nsplink queue --all' or 'nsplink outbox --all'.",
        ),
        "thread.not_ours": (
            "Melding {id} is niet van deze post; een aanvulling kan alleen op een eigen melding.",
            "Report {id} is not from this site; an addendum is only for our own reports.",
        ),
        "thread.bad_text": (
            "De tekst is leeg, te lang of bevat stuurtekens (maximaal {max} tekens).",
            "The text is empty, too long or contains control characters (at most {max}).",
        ),
        "thread.title": ("Gesprek", "Conversation"),
        "thread.step": ("{when}  {site} — {who}: {what}", "{when}  {site} — {who}: {what}"),
        "thread.reported": ("melding verstuurd", "report sent"),
        "thread.state": ("status {state}", "state {state}"),
        "thread.sealed": ("[versleuteld]", "[sealed]"),
        "thread.prompt": (
            '>> NAVRAAG van {site}: {text}\n>> Antwoord met: nsplink reply {ref} "..."',
            '>> QUESTION from {site}: {text}\n>> Answer with: nsplink reply {ref} "..."',
        ),
        "thread.new_answer": ("nieuw antwoord", "new answer"),
        "thread.answered": ("antwoord op navraag", "question answered"),
    }
)


class ReportNotFound(NsplinkError):
    code = "cli.thread.not_found"
    key = "thread.not_found"


class NotOurReport(NsplinkError):
    code = "cli.thread.not_ours"
    key = "thread.not_ours"


class BadText(NsplinkError):
    code = "cli.thread.bad_text"
    key = "thread.bad_text"


def site_keys(site: LocalSite) -> SiteKeys:
    return SiteKeys(site.home, site.config.role, site.ring, site.ring.seal_key)


@dataclass(frozen=True)
class Found:
    report: Report | None  # None: a free message
    item: InboxItem | None  # the inbox row that was named, if any
    free_from: str = ""  # a free message: its sender's key id


async def find(store: Store, site: LocalSite, ident: str, threads: Threads) -> Found:
    """The report a number or message id names: ours (the outbox) or received (the inbox); a
    note names the report it is about."""
    text = ident.strip().lower()
    item = None
    if text.isdecimal() and len(text) < 10:
        item = await store.inbox_item(int(text))
    if item is None:
        own = await store.outbox_item(text)
        if own is not None and own.type != MessageType.NOTE.value:
            return Found(
                Report(MessageId.parse(own.ref), own.type, Priority(own.priority), True), None
            )
        item = next((i for i in await store.inbox() if i.ref == text), None)
    if item is None:
        raise ReportNotFound(text, id=ident)
    if item.type == MessageType.NOTE.value:
        about = threads.note_about.get(item.ref)
        if about is None:
            return Found(None, item, item.sender)
        return await find(store, site, about, threads)
    prio = item.priority
    async for rec in store.iter_events(kinds=(ev.TRIAGE_CHANGED,), ref=item.ref):
        prio = str(rec.data.get("priority") or prio)
    return Found(Report(MessageId.parse(item.ref), item.type, Priority(prio), False), item)


def _check_text(text: str) -> str:
    if not text.strip() or len(text) > NOTE_MAX or shown(text) != text:
        raise BadText(text[:40], max=NOTE_MAX)
    return text


def _send(
    c: CliContext,
    ident: str,
    text: str,
    kind: NoteKind,
    operator: str | None,
    *,
    only_ours: bool = False,
) -> None:
    site = site_or_fail(c)
    try:
        _check_text(text)
    except NsplinkError as err:
        c.fail(err)
    who = resolve_operator(site.home, site.config.operator, operator, c.lang)
    identity = load_own_identity(site)
    keys = site_keys(site)

    async def go() -> tuple[str, str]:
        async with await Store.open(site.home.db_path) as store:
            found = await find(store, site, ident, await load_threads(store, keys, site.ring))
            now = time.time()
            if found.report is None:  # answering a free message: free again, to its sender
                note = Note(NoteKind.MESSAGE, text, who)
                dest = Destination.to_site(MessageId.parse(found.item.ref).sender)  # type: ignore[union-attr]
                mid = await queue_note(
                    store, identity, site.config.site, site.home, note, dest, Priority.P3, now,
                    seal_to=None, seal_with=None,
                )  # fmt: skip
                return str(mid), found.item.ref  # type: ignore[union-attr]
            report = found.report
            if only_ours and not report.ours:
                raise NotOurReport(ident, id=ident)
            dest, prio, seal_to, seal_with = note_draft_args(
                report, site.config.role, keys, site.ring
            )
            note = Note(kind, text, who, report.ref)
            mid = await queue_note(
                store, identity, site.config.site, site.home, note, dest, prio, now,
                seal_to=seal_to, seal_with=seal_with,
            )  # fmt: skip
            return str(mid), str(report.ref)

    try:
        mid, ref = run_or_fail(c, go)
    except ValidationError as err:
        c.fail(BadText(str(err.field), max=NOTE_MAX))
    kind_words = code_label(kind, c.lang).capitalize()
    say_queued(c, site.home, "thread.queued", kind=kind_words, ref=ref, mid=mid)


def reply(
    ctx: typer.Context,
    ident: Annotated[str, typer.Argument(metavar="REF", help=t("thread.arg.ref"))],
    text: Annotated[str, typer.Argument(metavar=t("metavar.text"), help=t("thread.arg.text"))],
    operator: Annotated[str | None, typer.Option("--operator", help=t("opt.operator"))] = None,
) -> None:
    _send(get_ctx(ctx), ident, text, NoteKind.REPLY, operator)


def addendum(
    ctx: typer.Context,
    ident: Annotated[str, typer.Argument(metavar="REF", help=t("thread.arg.ref"))],
    text: Annotated[str, typer.Argument(metavar=t("metavar.text"), help=t("thread.arg.text"))],
    operator: Annotated[str | None, typer.Option("--operator", help=t("opt.operator"))] = None,
) -> None:
    _send(get_ctx(ctx), ident, text, NoteKind.ADDENDUM, operator, only_ours=True)


def message(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(metavar=t("metavar.text"), help=t("thread.arg.text"))],
    to: Annotated[str, typer.Option("--to", help=t("thread.opt.to"))],
    operator: Annotated[str | None, typer.Option("--operator", help=t("opt.operator"))] = None,
) -> None:
    c = get_ctx(ctx)
    site = site_or_fail(c)
    try:
        _check_text(text)
        dest_key = site.key_of(to)
    except NsplinkError as err:
        c.fail(err)
    who = resolve_operator(site.home, site.config.operator, operator, c.lang)
    identity = load_own_identity(site)

    async def go() -> str:
        async with await Store.open(site.home.db_path) as store:
            note = Note(NoteKind.MESSAGE, text, who)
            mid = await queue_note(
                store, identity, site.config.site, site.home, note,
                Destination.to_site(dest_key), Priority.P3, time.time(),
                seal_to=None, seal_with=None,
            )  # fmt: skip
            return str(mid)

    mid = run_or_fail(c, go)
    say_queued(c, site.home, "thread.queued_free", site=site.site_name(str(dest_key)), mid=mid)


# -- the thread on screen ------------------------------------------------------------------


async def own_report(store: Store, site: LocalSite, ref: str) -> Envelope | None:
    """Our own sent report, opened again where we sealed it."""
    for rec in await store.events(ref=ref, kinds=(ev.MESSAGE_CREATED,), with_personal=True):
        if not rec.frame:
            continue
        try:
            env = decode(rec.frame, site.ring).envelope
        except DecodeError:
            return None
        pair = site_keys(site).pair_for(env.sender)
        if isinstance(env.body, Emergency) and env.body.sealed_personal and pair is not None:
            with contextlib.suppress(SealError):
                env = open_sealed_pair(env, *pair)
        return env
    return None


async def thread_steps(store: Store, site: LocalSite, ref: str, threads: Threads) -> list[Step]:
    """Every step about `ref` this site knows, in time order."""
    steps = list(threads.steps(ref))
    if site.config.role == "cp":
        # a triage step with a note is the note itself (sent as one); the others stand alone
        triage = await triage_steps(store, ref, site.config.site)
        sent_states = [s for s in steps if s.site == site.config.site and s.state]
        for step in triage:
            if step.text and any(
                s.text == step.text and s.state == step.state for s in sent_states
            ):
                continue
            steps.append(step)
    else:
        names = {str(p.key_id): p.site for p in site.ring}
        said = {(s.site, s.state) for s in steps if s.state}  # a note already told that state
        steps.extend(
            s for s in await receipt_states(store, ref, names) if (s.site, s.state) not in said
        )
    return in_order(steps)


def step_line(step: Step, lang: Lang) -> str:
    parts: list[str] = []
    if step.kind == TRIAGE:
        try:
            parts.append(t("thread.state", lang, state=code_label(State(step.state), lang)))
        except ValueError:
            parts.append(step.state)
    elif step.kind == REPORT:
        parts.append(t("thread.reported", lang))
    else:
        kind = code_label(NoteKind(step.kind), lang)
        if step.state and step.kind == NoteKind.NOTE.value:
            kind = f"{kind} ({code_label(State(step.state), lang)})"
        parts.append(kind)
    if step.sealed:
        parts.append(t("thread.sealed", lang))
    elif step.text:
        parts.append(f"“{shown(step.text)}”")
    who = shown(step.operator) if step.operator else operator_words("", lang)
    return t(
        "thread.step", lang, when=clock(step.at, lang), site=shown(step.site), who=who,
        what=" ".join(parts),
    )  # fmt: skip


def open_question(steps: list[Step]) -> Step | None:
    """The CP's last question if nothing from the NSP came after it."""
    last_q = None
    for step in steps:
        if step.kind == NoteKind.QUESTION.value:
            last_q = step
        elif (
            step.kind in (NoteKind.REPLY.value, NoteKind.ADDENDUM.value)
            and last_q is not None
            and step.site != last_q.site
        ):
            last_q = None
    return last_q


async def thread_lines(
    store: Store, site: LocalSite, ref: str, lang: Lang, threads: Threads
) -> list[str]:
    steps = await thread_steps(store, site, ref, threads)
    if not steps:
        return []  # nothing said about it yet: the form alone
    lines = ["", t("thread.title", lang) + ":"]
    lines += ["  " + step_line(s, lang) for s in steps]
    q = open_question(steps)
    if q is not None and site.config.role != "cp":
        lines += ["", t("thread.prompt", lang, site=shown(q.site), text=shown(q.text), ref=ref)]
    return lines


async def own_report_lines(
    store: Store, site: LocalSite, ref: str, lang: Lang, threads: Threads
) -> list[str]:
    """`show REF` at the NSP for a report it sent: the form, then its thread."""
    item = await store.outbox_item(ref)
    env = await own_report(store, site, ref)
    if item is None:
        return []
    head: list[tuple[str, str]] = [
        (
            t("show.priority", lang),
            f"{item.priority} — {code_label(Priority(item.priority), lang)}",
        ),
        (t("show.created", lang), clock(item.created_at, lang)),
    ]
    from nsplink.cli.ownership_words import owner_lines

    # which CP handles it (issue 23): the same rule over the claims the NSP heard
    head.extend(owner_lines((await store.ownership([ref])).get(ref), site, "", lang))
    if env is not None:
        head.extend(form_lines(env.body, lang, site_name=lambda k: site.site_name(str(k))))
    title = code_label(MessageType(item.type), lang).upper() + f"   {ref}"
    return [title, "", format_lines(head), *await thread_lines(store, site, ref, lang, threads)]


def short_summary(env: Envelope | None, lang: Lang) -> str:
    """Incident and place, or the first words."""
    if env is None:
        return ""
    body = env.body
    if isinstance(body, Emergency):
        where = body.place or address_line(body) or body.landmark
        incident = code_label(body.incident, lang)
        return f"{incident} — {where}" if where else incident
    if isinstance(body, Note):
        return " ".join(body.text.split()[:8])
    text = getattr(body, "text", "") or getattr(body, "headline", "")
    return " ".join(str(text).split()[:8])


def news_words(triage: str, word: Callable[[str, Lang], str]) -> Callable[[Lang], str]:
    """The queue's state cell for a report with news from its NSP."""
    if triage == State.NAVR.value:
        return lambda lang: "● " + t("thread.answered", lang)
    return lambda lang: f"● {word(triage, lang)}, {t('thread.new_answer', lang)}"


def register(app: typer.Typer) -> None:
    app.command("reply", help=t("reply.help"))(reply)


def register_send(send_app: typer.Typer) -> None:
    send_app.command("addendum", help=t("addendum.help"))(addendum)
    send_app.command("message", help=t("message.help"))(message)

"""`nsplink handover [--since 8h]`: what the next shift must know, on one printable page.

Three parts, each read from the log the way `queue`, `outbox` and `show` read it:
- open: at a CP every report not yet closed (afgehandeld), most urgent first; at an NSP every
  report of ours the CP has not closed;
- changed since the start of the shift: every step of every conversation, and every report that
  came in or went out, in time order, with who and where;
- questions still unanswered: a CP's question with no answer from the NSP after it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import typer

from nsplink.app.thread import Step
from nsplink.cli.context import get_ctx
from nsplink.cli.log_cmd import head_code_line, parse_since
from nsplink.cli.queue_cmd import priority_overrides, triage_word
from nsplink.cli.received import load_received
from nsplink.cli.render.table import clock
from nsplink.cli.sitefiles import LocalSite, run_or_fail, site_or_fail
from nsplink.cli.status_cmd import dest_words
from nsplink.cli.thread_cmd import (
    open_question,
    own_report,
    short_summary,
    step_line,
    thread_steps,
)
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import MessageType, State
from nsplink.store import Store
from nsplink.texts import code_label
from nsplink.texts.safe import shown

register_texts(
    {
        "handover.help": (
            "Overdracht bij wisseling van dienst: wat open staat, wat veranderde en welke"
            " vragen nog onbeantwoord zijn.",
            "Shift handover: what is open, what changed and which questions are unanswered.",
        ),
        "handover.opt.since": (
            "Begin van de dienst: 8h, 90m, 2d of een tijdstip (2026-11-23T08:00).",
            "Start of the shift: 8h, 90m, 2d or a time (2026-11-23T08:00).",
        ),
        "handover.title": (
            "Overdracht {site} — {now} (dienst sinds {since})",
            "Handover {site} — {now} (shift since {since})",
        ),
        "handover.open": ("Open ({count})", "Open ({count})"),
        "handover.changed": (
            "Veranderd sinds {since} ({count})",
            "Changed since {since} ({count})",
        ),
        "handover.questions": (
            "Vragen nog niet beantwoord ({count})",
            "Questions not yet answered ({count})",
        ),
        "handover.none": ("  (geen)", "  (none)"),
        "handover.came_in": ("binnengekomen van {site}", "came in from {site}"),
        "handover.went_out": ("verstuurd", "sent"),
        "handover.question": (
            "  {ref}  {site} — {who} vroeg om {when}: “{text}”",
            "  {ref}  {site} — {who} asked at {when}: “{text}”",
        ),
    }
)


@dataclass(frozen=True)
class _Item:
    ref: str
    priority: str
    mtype: str
    who: str  # the other side: the NSP at a CP, the destination at an NSP
    state: str
    at: float  # when it came in or went out
    summary: str
    came_in: bool


async def _items(store: Store, site: LocalSite, lang: Lang) -> list[_Item]:
    out: list[_Item] = []
    if site.config.role == "cp":
        prio = await priority_overrides(store)
        for i in await store.inbox():
            rec = await load_received(store, i.ref, site.ring, site.home)
            out.append(
                _Item(
                    i.ref, prio.get(i.ref, i.priority), i.type, i.sender_site,
                    triage_word(i.triage, lang), i.received_at,
                    short_summary(rec.envelope, lang), True,
                )
            )  # fmt: skip
        return out
    for o in await store.outbox():
        if o.type in (MessageType.RECEIPT.value, MessageType.STATUS.value):
            continue
        state = o.remote_state or ""
        words = triage_word(state, lang) if state else o.state
        env = await own_report(store, site, o.ref)
        to = dest_words(o.destination, site, lang)
        out.append(
            _Item(
                o.ref, o.priority, o.type, to, words, o.created_at, short_summary(env, lang), False
            )
        )  # fmt: skip
    return out


async def handover_lines(store: Store, site: LocalSite, since: float, lang: Lang) -> list[str]:
    from nsplink.app.thread import load_threads
    from nsplink.cli.thread_cmd import site_keys

    threads = await load_threads(store, site_keys(site), site.ring)
    # a note is a step of its report's conversation, listed there, not as an item of its own
    items = [i for i in await _items(store, site, lang) if i.ref not in threads.note_about]
    raw = (
        {i.ref: i.triage for i in await store.inbox()}
        if site.config.role == "cp"
        else {o.ref: o.remote_state or "" for o in await store.outbox()}
    )
    open_items = sorted(
        (i for i in items if raw.get(i.ref, "") != State.AFG.value),
        key=lambda i: (i.priority, i.at, i.ref),
    )
    refs = {i.ref for i in items} | set(threads.about)
    steps: dict[str, list[Step]] = {r: await thread_steps(store, site, r, threads) for r in refs}

    now = time.time()
    lines = [
        t(
            "handover.title",
            lang,
            site=shown(site.config.site),
            now=clock(now, lang),
            since=clock(since, lang),
        ),
        "",
        t("handover.open", lang, count=len(open_items)) + ":",
    ]
    for i in open_items:
        kind = code_label(MessageType(i.mtype), lang)
        lines.append(
            f"  {i.priority}  {kind}  {shown(i.who)}  {i.ref}  {i.state}"
            + (f" — {shown(i.summary)}" if i.summary else "")
        )
    if not open_items:
        lines.append(t("handover.none", lang))

    changed: list[tuple[float, str]] = []
    for i in items:
        if i.at >= since:
            what = (
                t("handover.came_in", lang, site=shown(i.who))
                if i.came_in
                else t("handover.went_out", lang)
            )
            kind = code_label(MessageType(i.mtype), lang)
            changed.append((i.at, f"  {clock(i.at, lang)}  {i.ref}  {kind} {what}"))
    for ref, ref_steps in steps.items():
        for s in ref_steps:
            if s.at >= since and s.kind != "REPORT":
                changed.append((s.at, f"  [{ref}] " + step_line(s, lang)))
    changed.sort(key=lambda c: c[0])
    lines += ["", t("handover.changed", lang, since=clock(since, lang), count=len(changed)) + ":"]
    lines += [text for _, text in changed] or [t("handover.none", lang)]

    questions = [(ref, q) for ref, s in sorted(steps.items()) if (q := open_question(s))]
    lines += ["", t("handover.questions", lang, count=len(questions)) + ":"]
    for ref, q in questions:
        lines.append(
            t(
                "handover.question", lang, ref=ref, site=shown(q.site),
                who=shown(q.operator) or "?", when=clock(q.at, lang), text=shown(q.text),
            )
        )  # fmt: skip
    if not questions:
        lines.append(t("handover.none", lang))
    return [*lines, "", await head_code_line(store, lang)]


def handover(
    ctx: typer.Context,
    since: Annotated[str, typer.Option("--since", help=t("handover.opt.since"))] = "8h",
) -> None:
    c = get_ctx(ctx)
    site = site_or_fail(c)
    try:
        since_at = parse_since(since, datetime.now().astimezone())
    except NsplinkError as err:  # a --since it cannot read: one line, exit 2
        c.fail(err)

    async def go() -> list[str]:
        async with await Store.open(site.home.db_path, create=False, readonly=True) as store:
            return await handover_lines(store, site, since_at, c.lang)

    typer.echo("\n".join(run_or_fail(c, go)))


def register(app: typer.Typer) -> None:
    app.command("handover", help=t("handover.help"))(handover)

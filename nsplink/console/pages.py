"""What each view of the console shows, as plain data for the templates.

Everything is read through the CLI's own functions (queue_view, show_lines, thread_steps,
handover_lines, status_lines), so the browser and the terminal cannot disagree. Foreign text
reaches the page through `shown` (the templates' finalize) and Jinja's autoescape.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from nsplink.app.thread import Threads
from nsplink.cli.queue_cmd import (
    SETTABLE,
    QueueRow,
    age_text,
    queue_view,
    show_lines,
    site_threads,
    summary,
    triage_word,
)
from nsplink.cli.received import Received
from nsplink.cli.render.message import services_words
from nsplink.cli.sitefiles import LocalSite
from nsplink.cli.thread_cmd import thread_steps
from nsplink.i18n import Lang
from nsplink.protocol import Answer, Emergency, MessageType, Priority
from nsplink.store import InboxItem, Store
from nsplink.texts import code_label


@dataclass(frozen=True)
class Row:
    id: int
    ref: str
    priority: str
    kind: str
    site: str
    age: str
    state: str
    operator: str  # who took the last handling step: several operators share the queue
    text: str
    new: bool  # not looked at yet, or the NSP said something new since
    life_threat: bool
    services: str
    quarantined: bool


def _emergency_marks(rec: Received, lang: Lang) -> tuple[bool, str]:
    body = rec.envelope.body if rec.envelope is not None else None
    if not isinstance(body, Emergency):
        return False, ""
    return body.life_threat is Answer.JA, services_words(body.services, lang)


def _row(r: QueueRow, lang: Lang, now: float) -> Row:
    life, services = _emergency_marks(r.received, lang)
    return Row(
        id=r.item.local_id,
        ref=r.item.ref,
        priority=r.priority,
        kind=code_label(MessageType(r.item.type), lang),
        site=r.item.sender_site,
        age=age_text(now - r.item.received_at, lang),
        state=r.state_words(lang),
        operator=(r.item.operator or "") if r.item.triage != "ONTV" else "",
        text=summary(r.received, lang),
        new=r.fresh,
        life_threat=life,
        services=services,
        quarantined=r.item.trust == "quarantined",
    )


@dataclass(frozen=True)
class Queue:
    rows: list[Row]
    quarantined: list[Row]
    open: int
    done: int


async def queue_page(
    store: Store, site: LocalSite, lang: Lang, show_all: bool, received: dict[str, Received]
) -> Queue:
    """In queue_view's order, the terminal's too: most urgent first; within a priority what
    nobody has looked at yet, then oldest first."""
    view = await queue_view(store, site, show_all, received)
    now = time.time()

    def rows(group: list[QueueRow]) -> list[Row]:
        return [_row(r, lang, now) for r in group]

    return Queue(rows(view.trusted), rows(view.quarantined), view.open, view.done)


async def item_version(store: Store, site: LocalSite, item: InboxItem, threads: Threads) -> int:
    """The newest log row that changed what an operator sees of this item: its last triage
    step or anything said in its thread. A change based on an older one is refused."""
    steps = await thread_steps(store, site, item.ref, threads)
    return max([item.last_event, *(s.log_id for s in steps)])


@dataclass(frozen=True)
class ItemPage:
    item: InboxItem
    readout: list[str]  # the read-out form and the thread, as `nsplink show` prints them
    version: int
    state: str
    choices: list[tuple[str, str]]
    priorities: list[tuple[str, str]]


async def item_page(store: Store, site: LocalSite, item: InboxItem, lang: Lang) -> ItemPage:
    threads = await site_threads(store, site)
    readout = await show_lines(store, site, item, lang)
    return ItemPage(
        item=item,
        readout="\n".join(readout).splitlines(),
        version=await item_version(store, site, item, threads),
        state=triage_word(item.triage, lang),
        choices=[(s.value, triage_word(s.value, lang)) for s in SETTABLE],
        priorities=[(p.value, f"{p.value} {code_label(p, lang)}") for p in Priority],
    )

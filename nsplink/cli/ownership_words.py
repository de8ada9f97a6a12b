"""How the CLI says who handles a report when a region has several CPs (issue 23).

The owner is the protocol's rule over the claims in the site's log (`Store.ownership`); this
module only turns it into words, Dutch first: "in behandeling bij CP Noord". Before anyone
claims a report sent to all CPs, the report's turn order says which CP takes it up first
(`turn_order`); the others see "eerst voor CP Noord (tot 14:32)" and may take it over sooner
only on purpose (`handle --take-over`). A report the NSP handed to this CP because nobody took
it up (protocol/handover.py) is this CP's at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nsplink.app.radiostate import read_state
from nsplink.cli.render.table import clock
from nsplink.cli.sitefiles import LocalSite
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import (
    ALL_CPS,
    HAND_AFTER_S,
    Destination,
    KeyId,
    MessageId,
    Ownership,
    turn_order,
    turn_starts,
)
from nsplink.store import Record, Store
from nsplink.store import events as ev

register_texts(
    {
        "owner.at": ("in behandeling bij {cp}", "handled by {cp}"),
        "owner.me": ("bij deze CP", "by this CP"),
        "owner.label": ("Afgehandeld door", "Handled by"),
        "owner.conflict_owner": (
            "ook genomen door {others}; de melding blijft bij u (eerste claim)",
            "also taken by {others}; the report stays with you (first claim)",
        ),
        "owner.conflict_lost": (
            "LET OP: {owner} nam deze melding eerder; stop uw afhandeling, {owner} doet het",
            "NOTE: {owner} took this report first; stop handling it, {owner} does",
        ),
        "owner.conflict_label": ("Dubbele claim", "Double claim"),
        "owner.turn": (
            "eerst voor {cps} (stil; daarna voor u, vanaf {until})",
            "first for {cps} (silent; then yours, from {until})",
        ),
        "owner.turn_open": (
            "eerst voor {cps}, geen claim sinds {since}",
            "first for {cps}, no claim since {since}",
        ),
        "owner.not_heard": (
            "Melding {id} is eerst voor {cps}; een claim daarvan is hier nog niet gehoord. Neem "
            "hem alleen over als u weet dat {cps} hem niet afhandelt: --take-over.",
            "Report {id} is first for {cps}; no claim of theirs has been heard here yet. Take it "
            "over only if you know {cps} is not handling it: --take-over.",
        ),
        "owner.turn_label": ("Beurt", "Turn"),
        "owner.handed_label": ("Overgedragen", "Handed over"),
        "owner.handed": (
            "door {nsp} op {at}: geen CP had de melding na {min} minuten opgepakt; nu voor u",
            "by {nsp} at {at}: no CP had taken the report up after {min} minutes; yours now",
        ),
        "owner.not_yet": (
            "Melding {id} is eerst voor {cps}, die al een tijd niet gehoord is; vanaf {until} "
            "neemt u hem op. Weet u dat {cps} niet kan, neem hem nu over met --take-over.",
            "Report {id} is first for {cps}, which has not been heard for a while; from {until} "
            "it is yours. If you know {cps} cannot, take it over now with --take-over.",
        ),
        "owner.taken": (
            "Melding {id} is al in behandeling bij {cp} (eerste claim). Niet dubbel afhandelen; "
            "overleg met {cp}.",
            "Report {id} is already handled by {cp} (first claim). Do not handle it twice; "
            "talk to {cp}.",
        ),
    }
)


class OwnedElsewhere(NsplinkError):
    code = "cli.queue.owned_elsewhere"
    key = "owner.taken"


class NotYourTurn(NsplinkError):
    code = "cli.queue.not_your_turn"
    key = "owner.not_yet"


class OtherCpFirst(NotYourTurn):
    """The report is another CP's, which is still heard or was never heard: no end to its turn
    by itself (ownership.py); only the operator's --take-over."""

    key = "owner.not_heard"


def cp_name(site: LocalSite, key_id: str) -> str:
    return site.site_name(key_id)


@dataclass(frozen=True)
class Turn:
    """A report that is not yet this CP's to take up: the CPs before it, and when its turn
    starts (ownership.py `turn_order`)."""

    before: tuple[str, ...]  # key ids, first one first
    until: float  # infinity: not by itself (the operator's call)
    arrived: float  # when the report reached us

    def names(self, site: LocalSite) -> str:
        return ", ".join(cp_name(site, k) for k in self.before)


def cp_distances(site: LocalSite, nsp: KeyId) -> dict[KeyId, float]:
    """Each CP's distance in metres from an NSP, from the signed roster's positions (RD New);
    empty when the NSP has none. The nearest CP takes the NSP's reports up first."""
    entries = {e.key_id: e for e in site.ring.doc.sites}
    here = entries[nsp].rd if nsp in entries else None
    if here is None:
        return {}
    return {
        k: math.hypot(e.rd[0] - here[0], e.rd[1] - here[1])
        for k, e in entries.items()
        if e.role == "cp" and e.rd is not None
    }


def cps_heard_ago(site: LocalSite, now: float) -> dict[KeyId, float]:
    """How long ago our radio last heard each CP (ownership.py), from what the daemon wrote in
    radio-state.json; a CP it has not heard (or no file) is absent: nothing is known of it."""
    state = read_state(site.home)
    if state is None:
        return {}
    out: dict[KeyId, float] = {}
    for entry in site.ring.doc.sites:
        heard = state.neighbours.get(entry.node) if entry.node is not None else None
        if entry.role == "cp" and heard is not None:
            out[entry.key_id] = max(0.0, now - heard.last_heard)
    return out


def waiting_turn(
    own: Ownership | None,
    site: LocalSite,
    me: str,
    ref: str,
    destination: Destination | None,
    arrived: float,
    heard_ago: dict[KeyId, float],
    now: float,
    handed: bool = False,
) -> Turn | None:
    """Whether a report sent to all CPs still waits for another CP to take it up (None: nobody
    is before us, somebody claimed it already, it was sent to this CP alone, or its NSP handed
    it to us: `handed`). `heard_ago` as `cps_heard_ago` gives it at `now`."""
    if destination != ALL_CPS or (own is not None and own.owner is not None):
        return None
    try:
        mid, mine = MessageId.parse(ref), KeyId.parse(me)
    except ValueError:
        return None
    cps, near = site.keys_with_role("cp"), cp_distances(site, mid.sender)
    start = turn_starts(mid, cps, mine, heard_ago, near, now - arrived, handed)
    if now >= arrived + start:
        return None  # first for us, or our turn came: ours like any other
    order = turn_order(mid, cps, near)
    return Turn(tuple(str(k) for k in order[: order.index(mine)]), arrived + start, arrived)


async def handed_reports(store: Store, ref: str | None = None) -> dict[str, Record]:
    """The reports the NSP handed to this CP, as the log records them (`report.handed`)."""
    kinds = (ev.REPORT_HANDED,)
    records = await store.events(kinds=kinds, ref=ref)
    return {r.ref: r for r in records}


def handed_line(record: Record, site: LocalSite, lang: Lang) -> tuple[str, str]:
    """The `show` form's line for a report its NSP handed to us."""
    nsp = site.site_name(str(record.data.get("by", "")))
    at, after = clock(record.at, lang), round(HAND_AFTER_S / 60)
    return t("owner.handed_label", lang), t("owner.handed", lang, nsp=nsp, at=at, min=after)


def turn_cell(turn: Turn | None, site: LocalSite, lang: Lang) -> str | None:
    if turn is None:
        return None
    if math.isinf(turn.until):
        return t("owner.turn_open", lang, cps=turn.names(site), since=clock(turn.arrived, lang))
    return t("owner.turn", lang, cps=turn.names(site), until=clock(turn.until, lang))


def owner_cell(own: Ownership | None, site: LocalSite, me: str, lang: Lang) -> str | None:
    """The queue's state cell when another CP handles the report (None: ours or nobody's)."""
    if own is None or own.owner is None:
        return None
    owner = str(own.owner.cp)
    if owner != me:
        lost = me in {str(k) for k in own.contenders}
        text = t("owner.at", lang, cp=cp_name(site, owner))
        return f"! {text}" if lost else text
    return None


def owner_lines(
    own: Ownership | None, site: LocalSite, me: str, lang: Lang
) -> list[tuple[str, str]]:
    """The `show` form's lines about ownership, and the conflict in words for this operator."""
    if own is None or own.owner is None:
        return []
    owner = str(own.owner.cp)
    who = t("owner.me", lang) if owner == me else cp_name(site, owner)
    lines = [(t("owner.label", lang), who)]
    others = [str(k) for k in own.contenders]
    if not others:
        return lines
    if owner == me:
        names = ", ".join(cp_name(site, k) for k in others)
        lines.append(
            (t("owner.conflict_label", lang), t("owner.conflict_owner", lang, others=names))
        )
    elif me in others:
        text = t("owner.conflict_lost", lang, owner=cp_name(site, owner))
        lines.append((t("owner.conflict_label", lang), text))
    return lines

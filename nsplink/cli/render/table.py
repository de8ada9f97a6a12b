"""Plain-text columns and the one way a volunteer or operator reads a moment (queue, show,
outbox, status, bulletins, handover, the form preview)."""

from __future__ import annotations

import time
from datetime import datetime

from nsplink.i18n import Lang, register, t
from nsplink.texts.safe import shown

register(
    {
        "when.days": ("ma di wo do vr za zo", "Mon Tue Wed Thu Fri Sat Sun"),
        "when.months": (
            "jan feb mrt apr mei jun jul aug sep okt nov dec",
            "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec",
        ),
        "when.unknown": ("—", "—"),
    }
)


def columns(
    header: list[str], rows: list[list[str]], notes: dict[int, str] | None = None
) -> list[str]:
    """Left-aligned columns two spaces apart; `notes[i]` is an indented line under row i.
    Every cell passes through `shown`: a cell may hold text that came over the air."""
    header = [shown(c) for c in header]
    rows = [[shown(c) for c in r] for r in rows]
    notes = {i: shown(n) for i, n in notes.items()} if notes else None
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for n, row in enumerate([header, *rows]):
        out.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if notes and n - 1 in notes:
            out.append("    " + notes[n - 1])
    return out


def clock(at: float | None, lang: Lang | None = None, *, now: float | None = None) -> str:
    """A moment in local time the way people say it: 'wo 4 dec 21:15' ('Wed 4 Dec 21:15'),
    with the year only when it is not this year's ('di 3 dec 2024 09:00'). The one date format
    of every screen; `now` (default: the clock) only decides whether the year is shown."""
    if at is None:
        return t("when.unknown", lang)
    try:
        moment = datetime.fromtimestamp(at)
        this_year = datetime.fromtimestamp(time.time() if now is None else now).year
    except (OverflowError, OSError, ValueError):
        return "?"
    day = t("when.days", lang).split()[moment.weekday()]
    month = t("when.months", lang).split()[moment.month - 1]
    year = "" if moment.year == this_year else f" {moment.year}"
    return f"{day} {moment.day} {month}{year} {moment:%H:%M}"

"""Plain-text columns and clock times for the CLI's lists (queue, outbox)."""

from __future__ import annotations

from datetime import datetime

from nsplink.texts.safe import shown


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


def clock(at: float | None, *, short: bool = False) -> str:
    """'2026-11-23 14:32'; with `short`, '14:32' today and '22-11 14:32' otherwise."""
    if at is None:
        return "—"
    try:
        moment = datetime.fromtimestamp(at)
    except (OverflowError, OSError, ValueError):
        return "?"
    if not short:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.strftime("%H:%M" if moment.date() == datetime.now().date() else "%d-%m %H:%M")

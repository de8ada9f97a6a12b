"""Durations and numbers as an exercise lead reads them: '45 s', '3,0 min', '6,2 h', '2,1 d'.

The report's JSON keeps plain numbers in one stated unit (field names end in _s, _min, _h);
only Markdown and plot labels go through here. Dutch writes a decimal comma.
"""

from __future__ import annotations

import re

from nsplink.i18n import Lang, current_lang

_DURATION = re.compile(r"^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")


def number(value: float, decimals: int = 1, lang: Lang | None = None) -> str:
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if (lang or current_lang()) == "nl" else text


def duration(seconds: float | None, lang: Lang | None = None) -> str:
    """The unit that keeps the number between about 1 and 100: s, min, h or d."""
    if seconds is None:
        return "–"
    s = abs(seconds)
    if s < 90:
        return f"{seconds:.0f} s" if s >= 10 else f"{number(seconds, 1, lang)} s"
    if s < 90 * 60:
        return f"{number(seconds / 60, 1, lang)} min"
    if s < 48 * 3600:
        return f"{number(seconds / 3600, 1, lang)} h"
    return f"{number(seconds / 86400, 1, lang)} d"


def hm(seconds: float) -> str:
    """A moment or duration the way a scenario file writes it: '1h10m', '26h', '45m'."""
    minutes = round(seconds / 60)
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h}h{m}m"
    return f"{h}h" if h else f"{m}m"


def seconds_of(text: str) -> float | None:
    """A moment or duration as a scenario file writes it ('1h10m', '2d', '45m30s', '0'), in
    seconds; None when the text is not one."""
    if text.strip() == "0":
        return 0.0
    m = _DURATION.match(text)
    if m is None or not any(m.groups()):
        return None
    d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return float(((d * 24 + h) * 60 + mi) * 60 + s)

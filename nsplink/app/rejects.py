"""Rejected frames are counted, not logged one row each (issue 18 E).

A transmitter that ignores the duty cycle can put thousands of junk frames an hour on the channel;
one permanent row per frame would grow every site's hash-chained log without bound. So per wall
minute the first frame of each (radio node, error code) is logged in full (`message.rejected`
with the frame's hash), and every later one in that minute only counts. The node number is the
sender's own claim, so full rows are also capped over all nodes (`FULL_PER_MINUTE`); past the cap
frames are counted per error code only. When the minute closes (the next rejection in a later
minute, the daemon's timer at the minute's end, or a clean stop) the counts become one
`rejects.counted` row. A flood therefore costs at most FULL_PER_MINUTE + 1 rows a minute, and
the full rows plus the counts add up to the frames rejected. A crash loses only the counts of the
one minute still open.

Pure: the caller passes `now`; the minute is the wall minute, and any other minute (the clock
moved back too) closes the open one.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

MINUTE_S = 60.0
FULL_PER_MINUTE = 4  # over all nodes: a forged node number must not buy a row per frame


class RejectTally:
    def __init__(self, full_per_minute: int = FULL_PER_MINUTE) -> None:
        self.full_per_minute = full_per_minute
        self.minute: int | None = None  # the open minute (unix minutes)
        self.full = 0  # full rows logged in it
        self.keys: Counter[tuple[int, str]] = Counter()  # (node, code) -> frames only counted
        self.others: Counter[str] = Counter()  # code -> frames past the cap, only counted

    def count(self, node: int, code: str, now: float) -> tuple[dict[str, Any] | None, bool]:
        """One rejected frame: the counts of a minute it closes (a row's data, or None), and
        whether the frame gets a full row of its own (False: it is only counted)."""
        summary = self.closed(now)
        self.minute = int(now // MINUTE_S)
        key = (node, code)
        if key in self.keys:
            self.keys[key] += 1
            return summary, False
        if self.full >= self.full_per_minute:
            self.others[code] += 1
            return summary, False
        self.keys[key] = 0
        self.full += 1
        return summary, True

    def closed(self, now: float) -> dict[str, Any] | None:
        """The counts of the open minute as a row's data, if `now` is in another minute and any
        frame was only counted; the minute is then closed."""
        if self.minute is None or self.minute == int(now // MINUTE_S):
            return None
        return self.flush()

    def flush(self) -> dict[str, Any] | None:
        """The open minute's counts as a row's data (None if nothing was only counted), and
        close it: at a clean stop, or when it is over."""
        by = [
            {"node": node, "code": code, "count": n}
            for (node, code), n in sorted(self.keys.items())
            if n
        ]
        data: dict[str, Any] | None = None
        total = sum(self.keys.values()) + sum(self.others.values())
        if total and self.minute is not None:
            data = {
                "minute_at": self.minute * MINUTE_S,
                "frames": total,
                "by": by,
                "others": dict(sorted(self.others.items())),
            }
        self.minute, self.full = None, 0
        self.keys.clear()
        self.others.clear()
        return data

    def deadline(self) -> float | None:
        """When the open minute ends, if it holds counts not yet logged."""
        if self.minute is None or not (any(self.keys.values()) or self.others):
            return None
        return (self.minute + 1) * MINUTE_S

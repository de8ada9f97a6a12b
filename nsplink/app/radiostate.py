"""What the daemon last knew about its radio, for `nsplink status`: the link, since when, when the
daemon last said so, and the neighbours it heard (SNR, hops, last heard).

The daemon rewrites `radio-state.json` in the site directory (atomically) when the link changes,
when a packet arrives (at most every few seconds), at least once a minute while it runs, and
when it stops. It is not in the hash-chained log: a heartbeat a minute would grow the log by
1,440 rows a day for nothing. `status` shows its age, so a stale file never reads as a live
link; with the daemon stopped it says so rather than "verbonden".

Neighbours come from our own port's packets as the radio handed them over: the SNR and RSSI are
of the last hop (the node we heard directly), hops = hop_start - hop_limit (0: heard directly).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nsplink.app.site import SiteHome

STATE_NAME = "radio-state.json"
MAX_NEIGHBOURS = 200
MAX_FILE = 256 * 1024


@dataclass
class Neighbour:
    node: int
    last_heard: float
    snr: float | None = None
    rssi: int | None = None
    hops: int | None = None
    packets: int = 0


@dataclass
class RadioState:
    reported_at: float = 0.0  # when the daemon last wrote this
    pid: int = 0
    link: str = "never"  # up | down | never | stopped
    since: float | None = None  # when the link took its current state
    node_num: int | None = None
    reason: str = ""
    neighbours: dict[int, Neighbour] = field(default_factory=dict)

    def heard(
        self,
        node: int,
        at: float,
        snr: float | None,
        rssi: int | None,
        hop_start: int | None,
        hop_limit: int | None,
    ) -> None:
        n = self.neighbours.get(node) or Neighbour(node, at)
        n.last_heard = at
        n.snr, n.rssi = snr, rssi
        if hop_start is not None and hop_limit is not None and hop_start >= hop_limit:
            n.hops = hop_start - hop_limit
        n.packets += 1
        self.neighbours[node] = n
        if len(self.neighbours) > MAX_NEIGHBOURS:  # forget the longest silent
            oldest = min(self.neighbours.values(), key=lambda x: x.last_heard)
            del self.neighbours[oldest.node]


def state_path(home: SiteHome) -> Path:
    return home.root / STATE_NAME


def write_state(home: SiteHome, state: RadioState) -> None:
    """Replace the file in one step (a reader sees the old one or the new one). Never raises:
    a full disk must not stop the daemon over a status file."""
    data = asdict(state)
    data["neighbours"] = [asdict(n) for n in state.neighbours.values()]
    path = state_path(home)
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(OSError):
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def read_state(home: SiteHome) -> RadioState | None:
    """The last state the daemon wrote, or None (never written, unreadable or malformed)."""
    try:
        with open(state_path(home), "rb") as fh:
            raw = fh.read(MAX_FILE + 1)
        if len(raw) > MAX_FILE:
            return None
        data = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    state = RadioState(
        reported_at=_num(data.get("reported_at")) or 0.0,
        pid=_int(data.get("pid")) or 0,
        link=str(data.get("link", "never"))[:16],
        since=_num(data.get("since")),
        node_num=_int(data.get("node_num")),
        reason=str(data.get("reason", ""))[:200],
    )
    raw_list = data.get("neighbours")
    for item in raw_list if isinstance(raw_list, list) else []:
        if not isinstance(item, dict):
            continue
        node, heard = _int(item.get("node")), _num(item.get("last_heard"))
        if node is None or heard is None:
            continue
        snr = _num(item.get("snr"))
        state.neighbours[node] = Neighbour(
            node,
            heard,
            snr,
            _int(item.get("rssi")),
            _int(item.get("hops")),
            _int(item.get("packets")) or 0,
        )
    return state

"""Anchoring (issue 18): does a log still contain what its site announced to others?

The hash chain only proves a log is consistent with itself: whoever can write the file can
rewrite a row and recompute every later hash and the recorded head. But each site's signed
status beacon carries its head (event count, first 6 bytes of that event's chain hash), and
every site that hears it records it as a `head.heard` event in its own log. Comparing one log
with the heads another site recorded from it shows:

- a row changed at or before an announced head (the chain hash of row #count differs), and
  between which two announcements it was changed;
- a log cut back below an announced count (fewer rows than it once announced).

Not shown: anything after the last head the other site recorded (never announced), and a change
that finds a chain hash with the same first 6 bytes (about 2^48 tries). Pure: the reading is
done by the caller (`Store.log_copy`, `read_export`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nsplink.i18n import register
from nsplink.store.events import HEAD_HEARD

register(
    {
        "anchor.none": (
            "{other}: geen aangekondigde koppen van {site} gehoord; niets om mee te vergelijken.",
            "{other}: heard no announced heads of {site}; nothing to compare with.",
        ),
        "anchor.ok": (
            "{other}: {n} aangekondigde koppen van {site} gecontroleerd, alle in orde, de laatste "
            "#{count} (gehoord {when}).",
            "{other}: {n} announced heads of {site} checked, all match, the last #{count} "
            "(heard {when}).",
        ),
        "anchor.rewritten": (
            "{site} HERSCHREVEN: rij #{count} klopt niet meer met wat {site} aankondigde "
            "(gehoord door {other} {when}); gewijzigd tussen #{first} en #{count}.",
            "{site} REWRITTEN: row #{count} no longer matches what {site} announced "
            "(heard by {other} {when}); changed between #{first} and #{count}.",
        ),
        "anchor.truncated": (
            "{site} INGEKORT: kondigde #{count} aan (gehoord door {other} {when}), maar het "
            "logboek eindigt bij #{last}.",
            "{site} TRUNCATED: announced #{count} (heard by {other} {when}), but the log ends "
            "at #{last}.",
        ),
        "anchor.unknown": (
            "{other}: rij #{count} van {site} staat niet in deze kopie; niet te controleren.",
            "{other}: row #{count} of {site} is not in this copy; cannot be checked.",
        ),
        "anchor.forged": (
            "{other}: {n} vastgelegde kop(pen) van {site} zijn niet door {site} ondertekend; die"
            " kopie is aangepast en die koppen tellen niet mee.",
            "{other}: {n} recorded head(s) of {site} are not signed by {site}; that copy was"
            " altered and those heads do not count.",
        ),
        "anchor.after": (
            "Let op: rijen na #{count} zijn nooit aangekondigd en dus niet zo te controleren.",
            "Note: rows after #{count} were never announced, so they cannot be checked this way.",
        ),
    }
)


@dataclass(frozen=True)
class HeardHead:
    """One `head.heard` row: `site` announced `count` events, chain hash starting `prefix`."""

    row: int
    at: float
    site: str
    count: int
    prefix: bytes
    frame: bytes | None = None  # the signed beacon it was read from, when the copy has it


# Is a recorded head really the signed beacon of its site? True, False, or None: cannot tell
# (no frame in the copy, or no roster to check it with). The caller has the keys; this is pure.
Authentic = Callable[[HeardHead], "bool | None"]


@dataclass(frozen=True)
class LogCopy:
    """What anchoring needs of one log: who kept it, the heads it heard, its chain hashes."""

    site: str
    heads: tuple[HeardHead, ...]
    hashes: dict[int, bytes] = field(repr=False)

    @property
    def last(self) -> int:
        return max(self.hashes, default=0)


@dataclass(frozen=True)
class Finding:
    key: str  # an i18n key above
    params: dict[str, Any]
    bad: bool  # the log does not contain what it announced


def from_rows(
    sites: Sequence[tuple[Any, ...]],
    heads: Iterable[tuple[Any, ...]],
    hashes: Iterable[tuple[Any, ...]],
) -> LogCopy:
    """Rows as SQL gives them: (site, n) most common first; (id, at, data, frame) of head.heard
    rows; (id, hash) of every row."""
    site = str(sites[0][0]) if sites else ""
    found = [h for row in heads if (h := _head(*row)) is not None]
    table = {int(i): bytes(h) for i, h in hashes if isinstance(i, int) and isinstance(h, bytes)}
    return LogCopy(site, tuple(found), table)


def _head(row_id: Any, at: Any, data: Any, frame: Any = None) -> HeardHead | None:
    try:
        d = json.loads(data) if isinstance(data, str) else data
        prefix = bytes.fromhex(str(d["hash"]))
        count = d["count"]
        if not isinstance(count, int) or count < 0 or not prefix:
            return None
        raw = bytes(frame) if isinstance(frame, bytes | bytearray | memoryview) else None
        return HeardHead(int(row_id), float(at), str(d["sender_site"]), count, prefix, raw)
    except (ValueError, TypeError, KeyError):
        return None  # a row the program did not write: it proves nothing either way


def read_export(lines: Iterable[str]) -> LogCopy:
    """A `nsplink log export` file (JSON lines or CSV). A filtered export gives what it holds:
    rows it leaves out cannot be checked (`anchor.unknown`)."""
    it = iter(lines)
    first = next(it, "")
    rows: Iterable[dict[str, Any]]
    if first.lstrip().startswith("{"):
        rows = (json.loads(line) for line in (first, *it) if line.strip())
    else:
        rows = csv.DictReader((first, *it))
    counts: dict[str, int] = {}
    heads: list[tuple[Any, ...]] = []
    hashes: list[tuple[Any, ...]] = []
    for row in rows:
        row_id = int(row["id"])
        counts[str(row["site"])] = counts.get(str(row["site"]), 0) + 1
        hashes.append((row_id, bytes.fromhex(str(row["hash"]))))
        if row["kind"] == HEAD_HEARD:
            frame = row.get("frame")
            heads.append((row_id, row["at"], row["data"], bytes.fromhex(frame) if frame else None))
    if not hashes:
        raise ValueError("no rows of a log export")
    sites = sorted(counts.items(), key=lambda kv: -kv[1])
    return from_rows(sites, heads, hashes)


def check(
    log: LogCopy, site: str, heard: LogCopy, other: str, authentic: Authentic | None = None
) -> list[Finding]:
    """Does `log` (kept by `site`) still hold every head of `site` that `heard` recorded?
    `other` names the copy the heads come from. The bad findings first, one line each. A head
    whose recorded beacon is not `site`'s signed one (`authentic` says False) was put into the
    other copy by hand: it is left out and named, so an altered witness cannot raise an alarm."""
    heads = sorted((h for h in heard.heads if h.site == site), key=lambda h: (h.count, h.row))
    base = {"site": site, "other": other}
    forged = [h for h in heads if authentic is not None and authentic(h) is False]
    if forged:
        heads = [h for h in heads if h not in forged]
    if not heads:
        none = [Finding("anchor.none", base, False)]
        return (
            [*none, Finding("anchor.forged", {**base, "n": len(forged)}, False)] if forged else none
        )
    findings: list[Finding] = []
    last = log.last
    matched = 0  # the highest announced count the log still matches
    checked: list[HeardHead] = []
    rewritten: HeardHead | None = None
    truncated: HeardHead | None = None
    for h in heads:
        if h.count == 0:
            continue
        if h.count > last:
            truncated = h  # keep the highest: "announced up to"
            continue
        digest = log.hashes.get(h.count)
        if digest is None:
            findings.append(Finding("anchor.unknown", {**base, "count": h.count}, False))
        elif not digest.startswith(h.prefix):
            rewritten = rewritten or h
        elif rewritten is None:
            matched = max(matched, h.count)
            checked.append(h)
    bad: list[Finding] = []
    if rewritten is not None:
        params = {**base, "count": rewritten.count, "first": matched + 1, "at": rewritten.at}
        bad.append(Finding("anchor.rewritten", params, True))
    if truncated is not None:
        params = {**base, "count": truncated.count, "last": last, "at": truncated.at}
        bad.append(Finding("anchor.truncated", params, True))
    if not bad and checked:
        top = checked[-1]
        params = {**base, "n": len(checked), "count": top.count, "at": top.at}
        findings.insert(0, Finding("anchor.ok", params, False))
    if forged:
        findings.append(Finding("anchor.forged", {**base, "n": len(forged)}, False))
    newest = max(h.count for h in heads)
    return [*bad, *findings, Finding("anchor.after", {"count": newest}, False)]

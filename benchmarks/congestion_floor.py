"""Issue 17: the fewest transmissions per message any design could need on a region's links.

An ideal network routes every frame along a fewest-hop chain of links that carry it, loses
nothing, never retries and sends no beacons. Even then each report needs three frames, each over
its NSP's hops to the nearest CP: the report, the CP's delivery receipt (every report receipted)
and the operator's triage state back to the NSP (a report's state at its post; folding every
later step into one frame). A bulletin needs the transmitters of a breadth-first cover from its
CP plus one receipt per NSP over that NSP's hops. This prints that floor for a scenario's radio
map, on links with at least 0 dB and at least 3 dB of margin (a link within 3 dB of failing
fades out often), and, given a run's report.json, the mix of that run's messages and what the
run measured. docs/congestion.md, part 14.

Not a benchmark (`make bench` does not run it):
`python -m benchmarks.congestion_floor SCENARIO.yaml [REPORT.json]`.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
import sys
from pathlib import Path

from nsplink.scenario.radiomap import RadioMap, radio_map
from nsplink.scenario.schema import load_scenario

REPORT_KINDS = ("emergency", "sitrep", "supply")
FRAMES_PER_REPORT = 3  # the report, its delivery receipt, its triage state


def hops_to_cp(rmap: RadioMap) -> dict[str, int | None]:
    """Each NSP's fewest hops to any CP over the map's heard links (None: no chain)."""
    out: dict[str, int | None] = {}
    for site, role in rmap.roles.items():
        if role == "nsp":
            path = rmap.path(site, "cp")
            out[site] = None if path is None else len(path) - 1
    return out


def cover_transmitters(rmap: RadioMap, source: str) -> int:
    """Transmitters of a breadth-first flood from `source` that reaches every site it can:
    each site that brings in a site not yet reached sends once (an upper bound on the least)."""
    nxt: dict[str, list[str]] = {}
    for link in rmap.heard():
        nxt.setdefault(link.a, []).append(link.b)
    seen = {source}
    frontier = [source]
    senders = 0
    while frontier:
        new: list[str] = []
        for site in frontier:
            if site != source and not rmap.forwards[site]:
                continue
            fresh = sorted(b for b in nxt.get(site, ()) if b not in seen)
            if fresh:
                senders += 1
                seen.update(fresh)
                new.extend(fresh)
        frontier = new
    return senders


def floor(rmap: RadioMap, reports: int, bulletins: int) -> dict[str, float]:
    hops = [h for h in hops_to_cp(rmap).values() if h is not None]
    mean_hops = statistics.mean(hops)
    cps = [s for s, r in rmap.roles.items() if r == "cp"]
    cover = statistics.mean(cover_transmitters(rmap, cp) for cp in cps)
    per_report = FRAMES_PER_REPORT * mean_hops
    per_bulletin = cover + sum(hops)
    messages = reports + bulletins
    per_message = (reports * per_report + bulletins * per_bulletin) / messages if messages else 0.0
    return {
        "nsps_with_path": len(hops),
        "mean_hops": mean_hops,
        "per_report": per_report,
        "cover": cover,
        "per_bulletin": per_bulletin,
        "per_message": per_message,
    }


def strong(rmap: RadioMap, margin_db: float) -> RadioMap:
    return dataclasses.replace(rmap, links=tuple(rmap.heard(margin_db)))


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print(__doc__.strip().splitlines()[-1])
        return 2
    rmap = radio_map(load_scenario(Path(argv[0])))
    reports, bulletins, measured = 100, 0, None
    if len(argv) == 2:
        report = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        delivery = report["delivery"]
        reports = sum(delivery[k]["sent"] for k in REPORT_KINDS if k in delivery)
        bulletins = delivery.get("bulletin", {}).get("sent", 0)
        radio = report["radio"]
        measured = (radio["tx"], radio["tx_own"])
    messages = reports + bulletins
    print(f"{argv[0]}: {messages} messages ({reports} reports, {bulletins} bulletins)")
    for margin in (0.0, 3.0):
        f = floor(strong(rmap, margin), reports, bulletins)
        print(
            f"links >= {margin:.0f} dB: {f['nsps_with_path']} NSPs with a chain, "
            f"{f['mean_hops']:.2f} hops to the nearest CP on average; "
            f"floor {f['per_report']:.1f} per report, {f['per_bulletin']:.0f} per bulletin "
            f"({f['cover']:.0f} to cover the region), {f['per_message']:.1f} per message"
        )
    if measured is not None:
        tx, own = measured
        print(
            f"measured: {tx / messages:.1f} transmissions per message, "
            f"{own / messages:.1f} of them the senders' own, {tx / own:.1f} on air per own"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The exercise report, computed from what the sites' own stores say happened.

Counts come from the logs (created at the sender, received at each recipient, custody at the
relays, triage at the CPs), not from the simulator's view, so the report measures what an
exercise lead could also read back from real sites after a drill. Time series (queue depth,
duty cycle, airtime) are the runner's samples. The result is a plain dict: JSON as is, Markdown
via `render_markdown`, PNG plots via `nsplink.scenario.plots`.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, register, t
from nsplink.protocol import (
    HAND_AFTER_S,
    Claim,
    DecodeError,
    KeyId,
    MessageId,
    MessageType,
    Sitrep,
    State,
    decode,
    owner,
    unix_from_minutes,
)
from nsplink.scenario import units
from nsplink.scenario.occupancy import occupancy
from nsplink.scenario.radiomap import radio_map, roles_off_profile
from nsplink.scenario.regions import region_of, region_scenario
from nsplink.scenario.runner import RunResult
from nsplink.scenario.schema import Scenario
from nsplink.store import Store
from nsplink.store import events as ev
from nsplink.texts import code_label

REPORT_VERSION = 2  # 2: sitreps in typed order, handling in seconds, sources
USER_TYPES = ("emergency", "sitrep", "supply", "bulletin")
STEPS = (
    "typed_to_cp",
    "typed_to_seen",
    "typed_to_nsp_sees_seen",
    "typed_to_meldkamer",
    "typed_to_closed",
    "question_to_answer",
)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(q * len(s)) - 1))
    return s[k]


def _stats(values: list[float]) -> dict[str, float | int | None]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, 1)

    return {
        "n": len(values),
        "p50": r(_pct(values, 0.50)),
        "p95": r(_pct(values, 0.95)),
        "max": r(max(values) if values else None),
    }


async def collect(result: RunResult) -> dict[str, Any]:
    sc = result.scenario
    roles = {s.name: s.role for s in sc.sites}
    by_key = {k: n for n, k in result.key_ids.items()}
    epoch = result.epoch
    created: dict[str, dict[str, Any]] = {}  # ref -> info at the sender
    received: dict[str, dict[str, float]] = defaultdict(dict)  # ref -> site -> first arrival
    shown: Counter[tuple[str, str]] = Counter()  # (site, ref) -> message.received events
    suppressed = 0
    confirmed: set[str] = set()
    custody: dict[str, Counter[str]] = defaultdict(Counter)  # relay -> origin site -> taken
    custody_fwd: Counter[str] = Counter()
    triage: dict[str, dict[str, float]] = defaultdict(dict)  # ref -> state -> first time
    nsp_saw_triage: dict[str, float] = {}
    sitrep_frames: dict[str, tuple[str, bytes, float]] = {}  # ref -> origin, frame, at a CP
    hops: dict[str, list[int]] = defaultdict(list)  # origin -> hops seen at a CP
    sends: Counter[str] = Counter()  # ref -> frames handed to the radio (retries, fragments)
    notes_at: dict[str, float] = {}  # note ref -> created, at the site that wrote it
    claims = _Claims()
    for name, path in sorted(result.store_paths.items()):
        async with await Store.open(path) as store:
            async for rec in store.iter_events():
                k, d = rec.kind, rec.data
                if k == ev.MESSAGE_CREATED and d.get("type") in USER_TYPES:
                    created[rec.ref] = {
                        "site": name,
                        "type": d["type"],
                        "priority": d["priority"],
                        "destination": d["destination"],
                        "at": rec.at - epoch,
                    }
                elif k == ev.MESSAGE_CREATED and d.get("type") == "note":
                    notes_at[rec.ref] = rec.at - epoch
                elif k == ev.MESSAGE_RECEIVED:
                    shown[(name, rec.ref)] += 1
                    received[rec.ref].setdefault(name, rec.at - epoch)
                    origin = str(d.get("sender_site", "?"))
                    if roles[name] == "cp" and isinstance(d.get("hops"), int):
                        hops[origin].append(d["hops"])
                    if d.get("type") == "sitrep" and roles[name] == "cp" and rec.frame:
                        # the first arrival at any CP; stores are read one after another, so
                        # keep the earliest and order the points by time afterwards
                        old = sitrep_frames.get(rec.ref)
                        if old is None or rec.at - epoch < old[2]:
                            sitrep_frames[rec.ref] = (origin, rec.frame, rec.at - epoch)
                elif k == ev.MESSAGE_SENT:
                    sends[rec.ref] += 1
                elif k == ev.MESSAGE_DUPLICATE:
                    suppressed += 1
                elif k == ev.MESSAGE_CUSTODY and d.get("action") == "taken":
                    custody[name][by_key.get(str(d.get("origin")), "?")] += 1
                elif k == ev.MESSAGE_CUSTODY and d.get("action") == "forwarded":
                    custody_fwd[name] += 1
                elif k == ev.TRIAGE_CHANGED:
                    triage[rec.ref].setdefault(str(d["state"]), rec.at - epoch)
                    if roles[name] == "cp" and d.get("state") == "MKAMER":
                        claims.to_meldkamer[rec.ref].add(name)
                elif k == ev.CLAIM_HEARD and roles[name] == "cp":
                    claims.heard(name, rec.ref, d, rec.at - epoch)
                elif k == ev.CLAIM_CONFLICT and roles[name] == "cp":
                    claims.conflicts[rec.ref].add(name)
                elif k == ev.REPORT_HANDED and roles[name] == "cp":
                    claims.handed.add(rec.ref)
                elif k == ev.RECEIPT_RECEIVED and d.get("state") == "GEZ":
                    nsp_saw_triage.setdefault(rec.ref, rec.at - epoch)
            for item in await store.outbox(states=("delivered",)):
                confirmed.add(item.ref)
    for ref, info in created.items():
        info["sends"] = sends[ref]
    sitreps = _sitrep_series(sitrep_frames, created, result)
    # a scripted question, from the CP's log when it asked to its log when the answer came
    answered = [
        received[a][cp] - notes_at[q]
        for q, a, cp in result.conversations
        if q in notes_at and cp in received.get(a, {})
    ]
    report = _assemble(
        result,
        created,
        received,
        shown,
        suppressed,
        confirmed,
        custody,
        custody_fwd,
        triage,
        nsp_saw_triage,
        sitreps,
        hops,
        answered,
    )
    bridge = result.scenario.bridge
    report["ownership"] = claims.summary(
        created, roles, received, region_of(sc), bridge.start if bridge else None
    )
    if bridge is not None:
        report["ownership"]["bridge"] = {
            "sites": list(bridge.sites),
            "from_h": round(bridge.start / 3600, 2),
            "latency_s": bridge.latency,
            "feed": _feed_reach(created, received, bridge.sites, bridge.start, bridge.latency),
        }
    return report


FEED_TYPES = ("sitrep", "supply", "bulletin")  # what the bridge's feed carries (app/feed.py)


def _feed_reach(
    created: dict[str, dict[str, Any]],
    received: dict[str, dict[str, float]],
    linked: Sequence[str],
    start: float,
    latency: float,
) -> dict[str, Any]:
    """How soon the crisis organisation has what the feed carries (issue 23), for what was
    typed once the link was up: from typing to the moment a CP with the link had it (wrote or
    received it) and its bridge published it, `latency` later. Without the link nothing reaches
    them but a USB stick with `nsplink export`."""
    times: list[float] = []
    items = reached = 0
    for ref, info in created.items():
        if info["type"] not in FEED_TYPES or info["at"] < start:
            continue
        items += 1
        have = [received.get(ref, {}).get(cp) for cp in linked]
        if info["site"] in linked:
            have.append(info["at"])
        at = [t for t in have if t is not None]
        if at:
            reached += 1
            times.append(min(at) + latency - info["at"])
    return {"items": items, "reached": reached, "typed_to_feed_s": _stats(times)}


UNOWNED_AFTER_MIN = 15  # an emergency report nobody has taken this long after it was typed


class _Claims:
    """Issue 23, from the CPs' own logs: who claimed which report when, as each CP knew it."""

    def __init__(self) -> None:
        # ref -> CP site -> claims it holds and the time it first knew each
        self.known: dict[str, dict[str, dict[Claim, float]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.to_meldkamer: dict[str, set[str]] = defaultdict(set)
        self.conflicts: dict[str, set[str]] = defaultdict(set)
        self.handed: set[str] = set()  # reports an NSP handed to a CP (protocol/handover.py)

    def heard(self, site: str, ref: str, d: dict[str, Any], at: float) -> None:
        try:
            mid, by = MessageId.parse(ref), KeyId.parse(str(d["by"]))
            claim = Claim(mid, by, int(d["minute"]), int(d["seq"]), State(str(d["state"])))
        except (KeyError, TypeError, ValueError):
            return
        self.known[ref][site].setdefault(claim, at)

    @staticmethod
    def _owner(claims: Any) -> KeyId | None:
        """The protocol's one rule (ownership.py)."""
        best = owner(claims)
        return best.cp if best else None

    def summary(
        self,
        created: dict[str, dict[str, Any]],
        roles: dict[str, str],
        received: dict[str, dict[str, float]],
        region: dict[str, str],
        bridge_from: float | None = None,
    ) -> dict[str, Any]:
        """Every CP, here, is every CP of the report's region: the others never have it."""
        all_cps = sorted(n for n, r in roles.items() if r == "cp")
        cps_of: dict[str, list[str]] = defaultdict(list)
        for cp in all_cps:
            cps_of[region[cp]].append(cp)
        reports = {ref: info for ref, info in created.items() if info["type"] == "emergency"}
        first_claim: list[float] = []
        all_know: list[float] = []
        unowned: list[str] = []
        never: list[str] = []  # no CP ever took it up: the figure that matters most
        disagree: list[str] = []
        double: list[str] = []
        every_cp: list[float] = []  # typed -> the report in every CP's queue
        split: dict[str, list[float]] = {"before": [], "after": []}  # the bridge's start
        reached = {"before": [0, 0], "after": [0, 0]}  # [in every CP's queue, reports]
        for ref, info in sorted(reports.items()):
            got = received.get(ref, {})
            cps = cps_of[region[info["site"]]]
            side = "after" if bridge_from is not None and info["at"] >= bridge_from else "before"
            reached[side][1] += 1
            if cps and all(cp in got for cp in cps):
                every_cp.append(max(got[cp] for cp in cps) - info["at"])
                split[side].append(every_cp[-1])
                reached[side][0] += 1
            per_cp = self.known.get(ref, {})
            every = {c: at for claims in per_cp.values() for c, at in claims.items()}
            if not every:
                unowned.append(ref)
                never.append(ref)
                continue
            t0 = min(every.values()) - info["at"]
            first_claim.append(t0)
            if t0 > UNOWNED_AFTER_MIN * 60:
                unowned.append(ref)
            final = self._owner(every)
            owners = {cp: self._owner(per_cp[cp]) for cp in per_cp}
            if any(o != final for o in owners.values()):
                disagree.append(ref)
            # when every CP named the final owner: from the first time each knew its claim
            times = []
            for cp in cps:
                mine = per_cp.get(cp, {})
                hit = [at for c, at in mine.items() if c.cp == final]
                if not hit:
                    break
                times.append(min(hit))
            else:
                all_know.append(max(times) - info["at"])
            if len(self.to_meldkamer.get(ref, ())) > 1:
                double.append(ref)
        return {
            "cps": len(all_cps),
            "reports": len(reports),
            "conflicts": sum(1 for ref in reports if self.conflicts.get(ref)),
            "double_handled": len(double),
            "double_handled_refs": double[:50],
            "disagreements": len(disagree),
            "unowned_after_min": UNOWNED_AFTER_MIN,
            "unowned": len(unowned),
            "unowned_refs": unowned[:50],
            "never_claimed": len(never),
            "never_claimed_refs": never[:50],
            "handed_over": sum(1 for ref in reports if ref in self.handed),
            "typed_to_every_cp_s": _stats(every_cp),
            **(
                {
                    "typed_to_every_cp_before_bridge_s": _stats(split["before"]),
                    "typed_to_every_cp_with_bridge_s": _stats(split["after"]),
                    "in_every_cp_queue_before_bridge": reached["before"],
                    "in_every_cp_queue_with_bridge": reached["after"],
                }
                if bridge_from is not None
                else {}
            ),
            "typed_to_first_claim_s": _stats(first_claim),
            "typed_to_owner_at_every_cp_s": _stats(all_know),
        }


def _sitrep_series(
    frames: dict[str, tuple[str, bytes, float]],
    created: dict[str, dict[str, Any]],
    result: RunResult,
) -> dict[str, list[dict[str, Any]]]:
    """Per NSP its sitreps as the CPs got them, in the order they were typed: a figure belongs
    to the moment the NSP wrote it down, not to when (or in whose log) it arrived."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ref, (origin, frame, at_cp) in frames.items():
        try:
            msg = decode(frame, result.roster)
        except DecodeError:
            continue
        body = msg.envelope.body
        if not isinstance(body, Sitrep):
            continue
        info = created.get(ref)
        # the sender's log has the second it was typed; the envelope only the minute
        typed = info["at"] if info else unix_from_minutes(msg.envelope.created) - result.epoch
        out[origin].append(
            {
                "ref": ref,
                "t_h": round(typed / 3600, 3),
                "at_cp_h": round(at_cp / 3600, 3),
                "state": body.nsp_state.value,
                "visitors": body.visitors,
                "staff_pro": body.staff_pro,
                "staff_vol": body.staff_vol,
                "power": body.power.value,
                "power_hours": body.power_hours,
                "fuel_l": body.fuel_l,
            }
        )
    for points in out.values():
        points.sort(key=lambda p: (p["t_h"], p["ref"]))
    return {k: out[k] for k in sorted(out)}


def _expected(
    info: dict[str, Any], roles: dict[str, str], by_key: dict[str, str], region: dict[str, str]
) -> list[str]:
    """Who must have it: any one CP ('cps' counts once), every other NSP or site of the
    sender's region (its roster), or one site."""
    dest = info["destination"]
    if dest == "cps":
        return ["*cp"]
    home = region[info["site"]]
    if dest == "nsps":
        return sorted(
            n for n, r in roles.items() if r == "nsp" and n != info["site"] and region[n] == home
        )
    if dest == "all":
        return sorted(n for n in roles if n != info["site"] and region[n] == home)
    return [by_key.get(dest, dest)]


def _assemble(
    result: RunResult,
    created: dict[str, dict[str, Any]],
    received: dict[str, dict[str, float]],
    shown: Counter[tuple[str, str]],
    suppressed: int,
    confirmed: set[str],
    custody: dict[str, Counter[str]],
    custody_fwd: Counter[str],
    triage: dict[str, dict[str, float]],
    nsp_saw_triage: dict[str, float],
    sitreps: dict[str, list[dict[str, Any]]],
    hops: dict[str, list[int]],
    answered: list[float],
) -> dict[str, Any]:
    sc = result.scenario
    roles = {s.name: s.role for s in sc.sites}
    by_key = {k: n for n, k in result.key_ids.items()}
    per_type: dict[str, dict[str, Any]] = {
        ty: {"sent": 0, "delivered": 0, "confirmed": 0, "sends_mean": 0.0, "sends_max": 0}
        for ty in USER_TYPES
    }
    latency: dict[str, list[float]] = defaultdict(list)
    lost: list[dict[str, Any]] = []
    no_path: list[dict[str, Any]] = []
    rmap = radio_map(sc, result.seed)
    region = region_of(sc)
    per_region = _PerRegion(sc.regions)

    def possible(sender: str, who: str) -> bool:
        """Could any chain of radio links have carried it, partitions and outages aside?"""
        return rmap.path(sender) is not None if who == "cps" else rmap.reachable(sender, who)

    for ref, info in sorted(created.items()):
        row = per_type[info["type"]]
        row["sent"] += 1
        row["sends_mean"] += info["sends"]
        row["sends_max"] = max(row["sends_max"], info["sends"])
        got = received.get(ref, {})
        arrivals: list[float] = []
        missing: list[str] = []
        home = per_region.count(region[info["site"]])
        for who in _expected(info, roles, by_key, region):
            if who == "*cp":
                cp_times = [tm for s, tm in got.items() if roles.get(s) == "cp"]
                (arrivals.append(min(cp_times)) if cp_times else missing.append("cps"))
            elif who in got:
                arrivals.append(got[who])
            else:
                missing.append(who)
        if missing:
            entry = {"ref": ref, "site": info["site"], "type": info["type"], "missing": missing}
            # no radio path at all is a planning gap, not a protocol failure: counted apart
            if any(possible(info["site"], who) for who in missing):
                lost.append(entry)
                home["lost"] += 1
            else:
                no_path.append(entry)
                home["no_radio_path"] += 1
        else:
            row["delivered"] += 1
            home["delivered"] += 1
            latency[info["priority"]].append(max(arrivals) - info["at"])
        if ref in confirmed:
            row["confirmed"] += 1
    for row in per_type.values():
        row["sends_mean"] = round(row["sends_mean"] / row["sent"], 2) if row["sent"] else 0.0
    dup_shown = sum(c - 1 for c in shown.values() if c > 1)
    occ = _occupancy(result)
    duration_h = (sc.duration + sc.drain) / 3600
    nodes = {}
    for s in sc.sites:
        air = result.airtime_ms.get(s.name, 0.0)
        series = result.samples.duty_pct.get(s.name, [])
        queue = [q for q in result.samples.queue.get(s.name, []) if q is not None]
        nodes[s.name] = {
            "role": s.role,
            "airtime_s": round(air / 1000, 1),
            "duty_mean_pct": round(air / 1000 / (duration_h * 3600) * 100, 3),
            "duty_max_hour_pct": round(max(series), 2) if series else 0.0,
            "queue_max": max(queue) if queue else 0,
            "restarts": result.restarts.get(s.name, 0),
        }
        if len(sc.regions) > 1:  # so a country's tables per site split into its regions
            nodes[s.name]["region"] = s.region
    return {
        "version": REPORT_VERSION,
        "scenario": sc.name,
        "file": sc.file,
        "seed": result.seed,
        "duration_h": round(sc.duration / 3600, 2),
        "drain_h": round(sc.drain / 3600, 2),
        # one region's radios share a preset; a country's are in `regions` (region by region)
        "preset": sc.preset_of(sc.regions[0]) if len(sc.regions) == 1 else sc.preset,
        "delivery": per_type,
        "latency_s": {p: _stats(latency.get(p, [])) for p in ("P1", "P2", "P3", "P4")},
        "lost": len(lost),
        "lost_messages": lost[:50],
        "no_radio_path": len(no_path),
        "no_radio_path_messages": no_path[:50],
        "no_radio_path_sites": sorted(
            n for n, r in roles.items() if r == "nsp" and rmap.path(n) is None
        ),
        "duplicates_shown": dup_shown,
        "duplicates_suppressed": suppressed,
        # only when a site's radio role is one its profile refuses: a what-if, said as such
        **({"radio_roles_off_profile": off} if (off := roles_off_profile(sc)) else {}),
        "nodes": nodes,
        "custody": {
            relay: {
                "taken": sum(c.values()),
                "forwarded": custody_fwd.get(relay, 0),
                "by_origin": dict(sorted(c.items())),
            }
            for relay, c in sorted(custody.items())
        },
        "series": {
            "t_h": [round(x / 3600, 3) for x in result.samples.t],
            "queue": {k: v for k, v in sorted(result.samples.queue.items())},
            "duty_pct": {k: v for k, v in sorted(result.samples.duty_pct.items())},
        },
        "pilot": _pilot(
            result, created, received, triage, nsp_saw_triage, sitreps, hops, custody, answered
        ),
        "outages": [_plain(o) for o in result.outages],
        "sources": dict(SOURCES),
        "radio": {k: result.medium_stats[k] for k in sorted(result.medium_stats)},
        "occupancy": occ,
        **(
            {
                "regions": per_region.summary(
                    result, occ, shown, _handling(created, received, triage, nsp_saw_triage, sc)
                )
            }
            if len(sc.regions) > 1
            else {}
        ),
    }


def _occupancy(result: RunResult) -> dict[str, Any]:
    """Each region's areas (a radio's area is its nearest hub of its own region)."""
    sc = result.scenario
    parts = [occupancy(region_scenario(sc, n).sites, result.channel) for n in sc.regions]
    return {**parts[0], "areas": {k: v for p in parts for k, v in p["areas"].items()}}


class _PerRegion:
    """A country's figures per region, for the exercise lead who compares them."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.rows: dict[str, dict[str, Any]] = {
            n: {"messages": 0, "delivered": 0, "lost": 0, "no_radio_path": 0} for n in names
        }

    def count(self, name: str) -> dict[str, Any]:
        """Count one message of region `name`; its row, for delivered or lost."""
        row = self.rows[name]
        row["messages"] += 1
        return row

    def summary(
        self,
        result: RunResult,
        occ: dict[str, Any],
        shown: Counter[tuple[str, str]],
        handling: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        region = region_of(result.scenario)
        roles = {s.name: s.role for s in result.scenario.sites}
        dups: Counter[str] = Counter()
        for (site, _ref), c in shown.items():
            dups[region[site]] += max(0, c - 1)
        out: dict[str, Any] = {}
        for name, row in self.rows.items():
            tx = result.regions[name].get("tx", 0)
            areas = [a for hub, a in occ["areas"].items() if region[hub] == name]
            out[name] = {
                **row,
                "preset": result.scenario.preset_of(name),
                "nsps": sum(1 for n, r in roles.items() if r == "nsp" and region[n] == name),
                "tx": tx,
                "tx_per_message": round(tx / row["messages"], 2) if row["messages"] else None,
                "emergency_to_cp_s": handling[name]["typed_to_cp"],
                "busiest_area_pct": max((a["peak_hour_pct"] for a in areas), default=0.0),
                "hours_over_max": sum(a["hours_over_max"] for a in areas),
                # what `evaluation combine` needs for a row per region of one country run
                "duplicates_shown": dups[name],
                "emergency_handling_s": handling[name],
            }
        return out


def _handling(
    created: dict[str, dict[str, Any]],
    received: dict[str, dict[str, float]],
    triage: dict[str, dict[str, float]],
    nsp_saw_triage: dict[str, float],
    sc: Scenario,
) -> dict[str, dict[str, Any]]:
    """Per region, the pilot's handling steps of its own NSPs' emergency reports (the scripted
    questions' answers are the country's only)."""
    roles = {s.name: s.role for s in sc.sites}
    out = {}
    for name in sc.regions:
        nsps = {s.name for s in sc.sites if s.role == "nsp" and s.region == name}
        steps = _handling_steps(created, received, triage, nsp_saw_triage, roles, nsps)
        out[name] = {k: _stats(steps.get(k, [])) for k in STEPS if k != "question_to_answer"}
    return out


def _pilot(
    result: RunResult,
    created: dict[str, dict[str, Any]],
    received: dict[str, dict[str, float]],
    triage: dict[str, dict[str, float]],
    nsp_saw_triage: dict[str, float],
    sitreps: dict[str, list[dict[str, Any]]],
    hops: dict[str, list[int]],
    custody: dict[str, Counter[str]],
    answered: list[float],
) -> dict[str, Any]:
    """The figures of docs/setting.md §1 the national evaluation asks for."""
    sc = result.scenario
    roles = {s.name: s.role for s in sc.sites}
    hours = math.ceil(sc.duration / 3600)
    per_hour: dict[str, list[int]] = {s.name: [0] * hours for s in sc.sites if s.role == "nsp"}
    for info in created.values():
        if info["type"] == "emergency" and info["site"] in per_hour:
            per_hour[info["site"]][min(hours - 1, int(info["at"] // 3600))] += 1
    steps = _handling_steps(created, received, triage, nsp_saw_triage, roles, set(per_hour))
    steps["question_to_answer"] = sorted(answered)
    emergencies = {
        name: {"total": sum(v), "peak_per_hour": max(v) if v else 0, "per_hour": v}
        for name, v in sorted(per_hour.items())
    }
    relays = [s.name for s in sc.sites if s.role == "relay"]
    cps = {s.name for s in sc.sites if s.role == "cp"}
    dependence = {}
    for s in sc.sites:
        if s.role != "nsp":
            continue
        direct = result.links[s.name]["direct"]
        hs = hops.get(s.name, [])
        dependence[s.name] = {
            "direct_to_cp": bool(cps & set(direct)),
            "relays_in_range": [r for r in relays if r in direct],
            "mean_hops_to_cp": round(sum(hs) / len(hs), 2) if hs else None,
            "custody_by_relay": {
                r: custody[r][s.name] for r in relays if custody.get(r, Counter())[s.name]
            },
        }
    return {
        "emergencies_per_nsp": emergencies,
        # a scenario without scripted questions has no question -> answer row
        "emergency_handling_s": {
            k: _stats(steps.get(k, []))
            for k in STEPS
            if k != "question_to_answer" or sc.handling.ask_every
        },
        # the part of each step the scenario scripts (the CP operator's pace), not measured
        "emergency_handling_scripted_s": {
            "typed_to_cp": 0.0,
            "typed_to_seen": sc.handling.seen_after,
            "typed_to_nsp_sees_seen": sc.handling.seen_after,
            "typed_to_meldkamer": sc.handling.meldkamer_after,
            "typed_to_closed": sc.handling.closed_after,
            "question_to_answer": sc.handling.answer_after,
        },
        "sitreps": {k: v for k, v in sorted(sitreps.items())},
        "relay_dependence": dependence,
    }


def _handling_steps(
    created: dict[str, dict[str, Any]],
    received: dict[str, dict[str, float]],
    triage: dict[str, dict[str, float]],
    nsp_saw_triage: dict[str, float],
    roles: dict[str, str],
    nsps: set[str],
) -> dict[str, list[float]]:
    """Each step of the handling of the emergency reports typed at `nsps` that reached a CP:
    from typing to the CP's queue, to seen, to dispatch, to closed, to the NSP seeing it seen."""
    steps: dict[str, list[float]] = defaultdict(list)
    for ref, info in created.items():
        if info["type"] != "emergency" or info["site"] not in nsps:
            continue
        at_cp = [tm for s, tm in received.get(ref, {}).items() if roles.get(s) == "cp"]
        if not at_cp:
            continue
        steps["typed_to_cp"].append(min(at_cp) - info["at"])
        tr = triage.get(ref, {})
        for state, key in (
            ("GEZ", "typed_to_seen"),
            ("MKAMER", "typed_to_meldkamer"),
            ("AFG", "typed_to_closed"),
        ):
            if state in tr:
                steps[key].append(tr[state] - info["at"])
        if ref in nsp_saw_triage:
            steps["typed_to_nsp_sees_seen"].append(nsp_saw_triage[ref] - info["at"])
    return steps


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 3)
    return value


def write_json(report: dict[str, Any], path: Path) -> None:
    path.write_text(
        json.dumps(report, indent=1, sort_keys=True, ensure_ascii=False) + "\n", "utf-8"
    )


# -- Markdown ------------------------------------------------------------------------------------

register(
    {
        "report.title": ("Oefenverslag: {name}", "Exercise report: {name}"),
        "report.meta": (
            "Scenario `{file}`, startwaarde (seed) {seed}, {hours} uur plus {drain} uur naloop.",
            "Scenario `{file}`, seed {seed}, {hours} hours plus {drain} hours drain.",
        ),
        "report.summary": ("Samenvatting", "Summary"),
        "report.lost": ("Verloren berichten (moet 0 zijn)", "Messages lost (must be 0)"),
        "report.roles_off_profile": (
            "Radiorol anders dan de profielen van de technicus (een proef; de cijfers gelden"
            " niet voor het netwerk zoals het wordt ingericht): {sites}",
            "Radio role other than the technician's profiles give (a trial; the figures do not"
            " hold for the network as it is provisioned): {sites}",
        ),
        "report.no_path": (
            "Geen radioverbinding, dus niet aan te komen (geen pad mogelijk; niet verloren;"
            " NSP's zonder pad naar een CP: {sites})",
            "No radio link, so they could not arrive (no possible path; not lost;"
            " NSPs without a path to a CP: {sites})",
        ),
        "report.dup_shown": ("Dubbel getoond (moet 0 zijn)", "Duplicates shown (must be 0)"),
        "report.own.title": (
            "Eén eigenaar per melding (meerdere CP's)",
            "One owner per report (several CPs)",
        ),
        "report.own.double": (
            "Dubbel afgehandeld (door meer dan één CP naar de meldkamer)",
            "Handled twice (passed to dispatch by more than one CP)",
        ),
        "report.own.conflicts": (
            "Gelijktijdige claims, opgelost door de regel",
            "Simultaneous claims, settled by the rule",
        ),
        "report.own.disagree": (
            "CP's die een andere eigenaar noemen",
            "CPs naming a different owner",
        ),
        "report.own.unowned": (
            "Noodhulpmeldingen zonder eigenaar na {n} minuten",
            "Emergency reports without an owner after {n} minutes",
        ),
        "report.own.never": (
            "Noodhulpmeldingen die geen CP ooit oppakte",
            "Emergency reports no CP ever took up",
        ),
        "report.own.handed": (
            "Door de NSP overgedragen aan de CP die de melding had (na {min} minuten zonder claim)",
            "Handed by the NSP to the CP that had the report (after {min} minutes without a claim)",
        ),
        "report.own.typed_to_first_claim_s": ("Gemeld → eerste claim", "Typed → first claim"),
        "report.own.typed_to_every_cp_before_bridge_s": (
            "… zonder brug (alleen LoRa)",
            "… without the bridge (LoRa only)",
        ),
        "report.own.typed_to_every_cp_with_bridge_s": ("… met de brug", "… with the bridge"),
        "report.own.typed_to_every_cp_s": (
            "Gemeld → bij elke CP binnen",
            "Typed → in every CP's queue",
        ),
        "report.own.reached": (
            "Bij elke CP binnen: {b0} van {b1} zonder brug, {a0} van {a1} met de brug",
            "In every CP's queue: {b0} of {b1} without the bridge, {a0} of {a1} with it",
        ),
        "report.own.feed": (
            "Bij de crisisorganisatie (feed: situatierapporten, aanvragen, bulletins, gemeld met "
            "de brug): {n} van {of}, gemeld → op de feed p50 {p50}, p95 {p95}; zonder brug "
            "alleen per USB-export",
            "At the crisis organisation (feed: situation reports, requests, bulletins typed with "
            "the bridge up): {n} of {of}, typed → on the feed p50 {p50}, p95 {p95}; without the "
            "bridge only by USB export",
        ),
        "report.own.bridge": (
            "Brug (IP) tussen {sites} vanaf uur {h}, {latency} s per bericht",
            "Bridge (IP) between {sites} from hour {h}, {latency} s per message",
        ),
        "report.own.typed_to_owner_at_every_cp_s": (
            "Gemeld → eigenaar bekend bij elke CP",
            "Typed → owner known at every CP",
        ),
        "report.dup_suppressed": (
            "Dubbel ontvangen en onderdrukt",
            "Duplicates received and suppressed",
        ),
        "report.delivery": ("Afgeleverd per berichtsoort", "Delivered per message type"),
        "report.col.type": ("soort", "type"),
        "report.col.sent": ("verzonden", "sent"),
        "report.col.delivered": ("aangekomen", "delivered"),
        "report.col.confirmed": ("bevestigd aan afzender", "confirmed to sender"),
        "report.col.sends": (
            "keren verzonden door de afzender gem. / max",
            "sends by the sender mean / max",
        ),
        "report.latency": (
            "Tijd van typen tot aankomst per prioriteit",
            "Time from typed to delivered per priority",
        ),
        "report.col.priority": ("prioriteit", "priority"),
        "report.nodes": ("Zendtijd en wachtrij per post", "Airtime and queue per site"),
        "report.col.site": ("post", "site"),
        "report.col.role": ("rol", "role"),
        "report.col.airtime": ("zendtijd", "airtime"),
        "report.col.duty_mean": ("gem. zendtijd %", "mean duty %"),
        "report.col.duty_max": ("max. uur %", "max hour %"),
        "report.col.queue_max": ("max. wachtrij", "max queue"),
        "report.col.restarts": ("herstarts", "restarts"),
        "report.custody": ("Bewaring door relais", "Custody by relays"),
        "report.col.taken": ("overgenomen", "taken"),
        "report.col.forwarded": ("doorgestuurd", "forwarded"),
        "report.col.origin": ("van", "from"),
        "report.none": ("geen", "none"),
        "report.pilot": (
            "Cijfers voor de landelijke evaluatie",
            "Figures for the national evaluation",
        ),
        "report.emergencies": ("Noodhulpmeldingen per NSP", "Emergency reports per NSP"),
        "report.col.total": ("totaal", "total"),
        "report.col.peak": ("piek per uur", "peak per hour"),
        "report.handling": (
            "Noodhulpmelding: van typen tot afhandeling",
            "Emergency report: from typed to handled",
        ),
        "report.col.scripted": ("waarvan gescript", "of which scripted"),
        "report.handling_note": (
            "Alleen 'getypt → bij CP' is zuiver gemeten. De latere stappen zijn die meting plus"
            " het tempo van de CP-operator dat het scenario voorschrijft (`handling`), plus"
            " wachten als het CP geen stroom had; de kolom 'waarvan gescript' is dat"
            " voorgeschreven deel.",
            "Only 'typed → at CP' is purely measured. The later steps are that measurement plus"
            " the CP operator's pace the scenario prescribes (`handling`), plus waiting while the"
            " CP had no power; the column 'of which scripted' is that prescribed part.",
        ),
        "report.step.typed_to_cp": ("getypt → bij CP", "typed → at CP"),
        "report.step.typed_to_seen": ("getypt → gezien", "typed → seen"),
        "report.step.typed_to_meldkamer": ("getypt → meldkamer", "typed → dispatch"),
        "report.step.typed_to_closed": ("getypt → afgehandeld", "typed → closed"),
        "report.step.question_to_answer": (
            "navraag CP → antwoord NSP bij CP",
            "CP question → NSP answer at the CP",
        ),
        "report.step.typed_to_nsp_sees_seen": (
            "getypt → NSP ziet 'gezien'",
            "typed → NSP sees 'seen'",
        ),
        "report.col.step": ("stap", "step"),
        "report.sitreps": (
            "Bezoekers, bemensing, stroom en brandstof (laatste situatierapport per dag)",
            "Visitors, staffing, power and fuel (last sitrep per day)",
        ),
        "report.col.day": ("dag", "day"),
        "report.col.visitors": ("bezoekers (som)", "visitors (sum)"),
        "report.col.staff": ("beroeps/vrijw.", "pro/vol"),
        "report.col.power": ("stroom", "power"),
        "report.col.hours": ("uren stroom", "power hours"),
        "report.col.fuel": ("brandstof l", "fuel l"),
        "report.relays": ("Welke NSP hing van welk relais af", "Which NSP depended on which relay"),
        "report.col.direct": ("direct naar CP", "direct to CP"),
        "report.col.relays": ("relais in bereik", "relays in range"),
        "report.col.hops": ("gem. hops", "mean hops"),
        "report.yes": ("ja", "yes"),
        "report.no": ("nee", "no"),
        "report.outages": ("Storingen en herstel", "Faults and recovery"),
        "report.out.down": ("{site} valt uit ({reason})", "{site} goes down ({reason})"),
        "report.out.up": (
            "{site} aan: de dienst start uit de eigen opslag",
            "{site} on: its daemon starts from its own store",
        ),
        "report.out.partition": ("Netwerk gesplitst: {groups}", "Network split: {groups}"),
        "report.out.heal": ("Netwerk weer heel", "Network whole again"),
        "report.out.refuel": ("{site} bijgetankt: {l} liter", "{site} refuelled: {l} litres"),
        "report.reason.power": ("stroomuitval", "power failure"),
        "report.reason.closed": ("gesloten", "closed"),
        "report.reason.dry": ("aggregaat droog", "generator ran dry"),
        "report.duty_blocks": (
            "Zendtijd per post per 12 uur (hoogste lopend uur, %)",
            "Duty cycle per node per 12 hours (highest rolling hour, %)",
        ),
        "report.queue_blocks": (
            "Wachtrij per post per 12 uur (hoogste stand)",
            "Queue depth per site per 12 hours (highest)",
        ),
        "report.col.held": ("bewaard door relais", "held by relay"),
        "report.plots": ("Grafieken", "Plots"),
        "report.regions": ("Per regio", "Per region"),
        "report.regions_note": (
            "Elke regio is een eigen mesh met een eigen rooster, apart gesimuleerd. Verzonden,"
            " aangekomen, verloren en geen radiopad tellen berichten; uitzendingen per bericht is"
            " alle uitzendingen in de regio (herhalingen, ontvangstbevestigingen en"
            " statusbakens meegeteld) gedeeld door de berichten; de drukste zone is het hoogste"
            " uur van de kanaalbezetting.",
            "Each region is its own mesh with its own roster, simulated apart. Sent, delivered,"
            " lost and no radio path count messages; transmissions per message is every"
            " transmission in the region (rebroadcasts, receipts and status beacons included)"
            " divided by the messages; the busiest area is the highest hour of channel"
            " utilisation.",
        ),
        "report.per_site_json": (
            "De tabellen per post (zendtijd, wachtrij, meldingen per NSP, situatierapporten,"
            " relais, storingen) staan voor een land alleen in report.json.",
            "The tables per site (airtime, queue, reports per NSP, sitreps, relays, faults) are"
            " only in report.json for a country.",
        ),
        "report.col.region": ("regio", "region"),
        "report.col.nsps": ("NSP's", "NSPs"),
        "report.col.preset": ("preset", "preset"),
        "report.col.lost": ("verloren", "lost"),
        "report.col.no_path": ("geen radiopad", "no radio path"),
        "report.col.tx_per_msg": ("uitzendingen per bericht", "transmissions per message"),
        "report.col.emergency_p95": (
            "noodhulpmelding → CP p95",
            "emergency report → CP p95",
        ),
        "report.col.busiest": ("drukste zone %", "busiest area %"),
    }
)


# Where each figure comes from: measured in the sites' logs, measured by the simulator, or put in
# by the scenario (its timeline, its rates, its site model). A debrief must not mistake one for
# the other.
SOURCES = {
    "summary": "measured",
    "delivery": "measured",
    "latency": "measured",
    "nodes": "simulator",
    "occupancy": "radio",
    "series": "simulator",
    "custody": "measured",
    "emergencies_per_nsp": "measured_rates",
    "emergency_handling": "measured+scripted",
    "sitreps": "scripted_model",
    "relay_dependence": "radio_model",
    "outages": "scripted",
}

register(
    {
        "report.source.measured": (
            "*Bron: gemeten — geteld uit de logboeken (SQLite) van de posten.*",
            "*Source: measured — counted from the sites' logs (SQLite).*",
        ),
        "report.source.simulator": (
            "*Bron: gemeten door de simulator (zendtijd, wachtrij); staat niet in de logboeken.*",
            "*Source: measured by the simulator (airtime, queue); not in the sites' logs.*",
        ),
        "report.source.radio": (
            "*Bron: gemeten door de radio's — de kanaalbezetting die elk apparaat elke minuut"
            " meldt (alle zend- en ontvangsttijd in de laatste 60 s).*",
            "*Source: measured by the radios — the channel utilisation each device reports every"
            " minute (all airtime sent or heard in the last 60 s).*",
        ),
        "report.source.measured+scripted": (
            "*Bron: gemeten, plus een gescript deel (zie de laatste kolom).*",
            "*Source: measured, plus a scripted part (see the last column).*",
        ),
        "report.source.measured_rates": (
            "*Bron: geteld uit de logboeken; hoeveel meldingen er komen, schrijft het scenario"
            " voor (`emergencies.rates`).*",
            "*Source: counted from the logs; how many reports arrive is scripted by the scenario"
            " (`emergencies.rates`).*",
        ),
        "report.source.scripted_model": (
            "*Bron: gescript — de cijfers maakt het postmodel van het scenario (bezoekers,"
            " bemensing, aggregaat); gemeten is alleen dat en wanneer ze bij een CP aankwamen.*",
            "*Source: scripted — the scenario's site model makes these figures (visitors,"
            " staff, generator); only that and when they reached a CP is measured.*",
        ),
        "report.source.radio_model": (
            "*Bron: 'direct naar CP' en 'relais in bereik' volgen uit het radiomodel van de"
            " simulator; hops en bewaring zijn gemeten.*",
            "*Source: 'direct to CP' and 'relays in range' follow from the simulator's radio"
            " model; hops and custody are measured.*",
        ),
        "report.source.scripted": (
            "*Bron: gescript — tijdlijn, nachtsluiting en brandstof van het scenario.*",
            "*Source: scripted — the scenario's timeline, night closures and fuel.*",
        ),
    }
)


def _type_name(value: str, lang: Lang) -> str:
    """A message type as the reader says it (`emergency` -> 'Noodhulpmelding')."""
    try:
        return code_label(MessageType(value), lang)
    except ValueError:
        return value


def _source(kind: str, lang: Lang | None) -> str:
    return t(f"report.source.{kind}", lang)


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    def fmt(v: Any) -> str:
        return "–" if v is None else str(v)

    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return [*out, ""]


def _ownership_md(own: dict[str, Any] | None, T: Any, lang: Lang | None) -> list[str]:
    """Issue 23: one owner per report when a region has several CPs."""
    if not own or own["cps"] < 2:
        return []
    L = [f"## {T('report.own.title')}", "", _source("measured", lang), ""]
    L += [f"- **{T('report.own.double')}: {own['double_handled']}**"]
    L += [f"- **{T('report.own.never')}: {own['never_claimed']} / {own['reports']}**"]
    L += [f"- {T('report.own.handed', min=round(HAND_AFTER_S / 60))}: {own['handed_over']}"]
    L += [f"- {T('report.own.conflicts')}: {own['conflicts']}"]
    L += [f"- {T('report.own.disagree')}: {own['disagreements']}"]
    n = own["unowned_after_min"]
    L += [f"- {T('report.own.unowned', n=n)}: {own['unowned']} / {own['reports']}", ""]
    if own.get("bridge"):
        b = own["bridge"]
        sites = ", ".join(b["sites"])
        L += [T("report.own.bridge", sites=sites, h=b["from_h"], latency=b["latency_s"]), ""]
        before, after = own["in_every_cp_queue_before_bridge"], own["in_every_cp_queue_with_bridge"]
        L += [T("report.own.reached", b0=before[0], b1=before[1], a0=after[0], a1=after[1]), ""]
        if "feed" in b:
            f, st = b["feed"], b["feed"]["typed_to_feed_s"]
            p50, p95 = (units.duration(st[q], lang) for q in ("p50", "p95"))
            L += [T("report.own.feed", n=f["reached"], of=f["items"], p50=p50, p95=p95), ""]
    rows = []
    keys = ["typed_to_every_cp_s", "typed_to_first_claim_s", "typed_to_owner_at_every_cp_s"]
    if "typed_to_every_cp_with_bridge_s" in own:
        keys[1:1] = ["typed_to_every_cp_before_bridge_s", "typed_to_every_cp_with_bridge_s"]
    for key in keys:
        s = own[key]
        rows.append(
            [
                T(f"report.own.{key}"),
                s["n"],
                *(units.duration(s[q], lang) for q in ("p50", "p95", "max")),
            ]
        )
    L += _table(["", "n", "p50", "p95", "max"], rows)
    return L


def render_markdown(rep: dict[str, Any], lang: Lang | None = None, plots: list[str] = ()) -> str:  # type: ignore[assignment]
    def T(key: str, **kw: Any) -> str:
        return t(key, lang, **kw)

    per_site = "regions" not in rep  # a country's 1,750 sites are a table per region instead
    L: list[str] = [f"# {T('report.title', name=rep['scenario'])}", ""]
    L += [
        T(
            "report.meta",
            file=rep["file"],
            seed=rep["seed"],
            hours=rep["duration_h"],
            drain=rep["drain_h"],
        ),
        "",
    ]
    L += [f"## {T('report.summary')}", "", _source("measured", lang), ""]
    L += [f"- **{T('report.lost')}: {rep['lost']}**"]
    L += [f"- **{T('report.dup_shown')}: {rep['duplicates_shown']}**"]
    L += [f"- {T('report.dup_suppressed')}: {rep['duplicates_suppressed']}", ""]
    for lost in rep["lost_messages"]:
        L.append(
            f"  - {lost['ref']} ({_type_name(lost['type'], lang)}, {lost['site']})"
            f" → {', '.join(lost['missing'])}"
        )
    if rep["lost_messages"]:
        L.append("")
    if rep["no_radio_path"] or rep["no_radio_path_sites"]:
        sites = ", ".join(rep["no_radio_path_sites"]) or "–"
        L += [f"- **{T('report.no_path', sites=sites)}: {rep['no_radio_path']}**", ""]
    if rep.get("radio_roles_off_profile"):
        sites = ", ".join(rep["radio_roles_off_profile"])
        L += [f"- **{T('report.roles_off_profile', sites=sites)}**", ""]
    L += _regions_md(rep.get("regions"), T, lang)
    L += [f"## {T('report.delivery')}", "", _source("measured", lang), ""]
    L += _table(
        [
            T("report.col.type"),
            T("report.col.sent"),
            T("report.col.delivered"),
            T("report.col.confirmed"),
            T("report.col.sends"),
        ],
        [
            [
                _type_name(ty, lang),
                r["sent"],
                r["delivered"],
                r["confirmed"],
                f"{units.number(r['sends_mean'], 2, lang)} / {r['sends_max']}",
            ]
            for ty, r in rep["delivery"].items()
        ],
    )
    L += [f"## {T('report.latency')}", ""]
    L += [_source("measured", lang), ""]
    L += _table(
        [T("report.col.priority"), "n", "p50", "p95", "max"],
        [
            [p, s["n"], *(units.duration(s[q], lang) for q in ("p50", "p95", "max"))]
            for p, s in rep["latency_s"].items()
        ],
    )
    L += _ownership_md(rep.get("ownership"), T, lang)
    if per_site:  # a country: these are in report.json
        L += [f"## {T('report.nodes')}", "", _source("simulator", lang), ""]
        L += _table(
            [
                T("report.col.site"),
                T("report.col.role"),
                T("report.col.airtime"),
                T("report.col.duty_mean"),
                T("report.col.duty_max"),
                T("report.col.queue_max"),
                T("report.col.restarts"),
            ],
            [
                [
                    n,
                    v["role"],
                    units.duration(v["airtime_s"], lang),
                    v["duty_mean_pct"],
                    v["duty_max_hour_pct"],
                    v["queue_max"],
                    v["restarts"],
                ]
                for n, v in rep["nodes"].items()
            ],
        )
    L += _occupancy_md(rep.get("occupancy"), T, lang)
    if per_site:  # a country: these are in report.json
        L += [f"### {T('report.duty_blocks')}", ""]
        L += _blocks(rep, "duty_pct")
        L += [f"### {T('report.queue_blocks')}", ""]
        L += _blocks(rep, "queue")
    L += [f"## {T('report.custody')}", "", _source("measured", lang), ""]
    if rep["custody"]:
        L += _table(
            [
                T("report.col.site"),
                T("report.col.taken"),
                T("report.col.forwarded"),
                T("report.col.origin"),
            ],
            [
                [
                    r,
                    c["taken"],
                    c["forwarded"],
                    ", ".join(f"{o} ({k})" for o, k in c["by_origin"].items()),
                ]
                for r, c in rep["custody"].items()
            ],
        )
    else:
        L += [T("report.none"), ""]
    p = rep["pilot"]
    L += [f"## {T('report.pilot')}", ""]
    if per_site:
        L += [f"### {T('report.emergencies')}", "", _source("measured_rates", lang), ""]
        L += _table(
            [T("report.col.site"), T("report.col.total"), T("report.col.peak")],
            [[n, e["total"], e["peak_per_hour"]] for n, e in p["emergencies_per_nsp"].items()],
        )
    L += [f"### {T('report.handling')}", "", _source("measured+scripted", lang), ""]
    L += [T("report.handling_note"), ""]
    scripted = p["emergency_handling_scripted_s"]

    L += _table(
        [T("report.col.step"), "n", "p50", "p95", "max", T("report.col.scripted")],
        [
            [
                T(f"report.step.{k}"),
                s["n"],
                *(units.duration(s[q], lang) for q in ("p50", "p95", "max")),
                units.duration(scripted[k], lang) if scripted[k] else "–",
            ]
            for k, s in p["emergency_handling_s"].items()
        ],
    )
    if per_site:  # a country: these are in report.json
        L += [f"### {T('report.sitreps')}", "", _source("scripted_model", lang), ""]
        rows = []
        for name, points in p["sitreps"].items():
            by_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for pt in points:
                by_day[int(pt["t_h"] // 24) + 1].append(pt)
            for day, pts in sorted(by_day.items()):
                last = max(pts, key=lambda x: (x["t_h"], x["ref"]))  # typed last, not logged last
                rows.append(
                    [
                        name,
                        day,
                        sum(x["visitors"] for x in pts),
                        f"{last['staff_pro']}/{last['staff_vol']}",
                        last["power"],
                        last["power_hours"],
                        last["fuel_l"],
                    ]
                )
        L += _table(
            [
                T("report.col.site"),
                T("report.col.day"),
                T("report.col.visitors"),
                T("report.col.staff"),
                T("report.col.power"),
                T("report.col.hours"),
                T("report.col.fuel"),
            ],
            rows,
        )
        L += [f"### {T('report.relays')}", "", _source("radio_model", lang), ""]
        L += _table(
            [
                T("report.col.site"),
                T("report.col.direct"),
                T("report.col.relays"),
                T("report.col.hops"),
                T("report.col.held"),
            ],
            [
                [
                    n,
                    T("report.yes") if d["direct_to_cp"] else T("report.no"),
                    ", ".join(d["relays_in_range"]) or "–",
                    d["mean_hops_to_cp"],
                    ", ".join(f"{r} ({c})" for r, c in d["custody_by_relay"].items()) or "–",
                ]
                for n, d in p["relay_dependence"].items()
            ],
        )
        L += [f"## {T('report.outages')}", "", _source("scripted", lang), ""]
        for o in rep["outages"]:
            params = dict(o)
            if "reason" in params:
                params["reason"] = T(f"report.reason.{params['reason']}")
            if "groups" in params:
                params["groups"] = " | ".join(", ".join(g) for g in params["groups"])
            L.append(f"- {o['at'] / 3600:6.2f} h: {T('report.out.' + o['kind'], **params)}")
        L.append("")
    if plots:
        L += [f"## {T('report.plots')}", ""] + [f"![{x}]({x})" for x in plots] + [""]
    return "\n".join(L)


register(
    {
        "report.occ.title": ("Kanaalbezetting per gebied", "Channel occupancy per area"),
        "report.occ.note": (
            "Een gebied is een relais of CP met de posten die dichter bij dat relais of CP liggen"
            " dan bij een ander. Een uur telt alle minuutmeldingen van de radio's in het gebied."
            " Boven {polite} % houdt de firmware haar eigen verkeer in en houdt nsplink"
            " routineberichten vast; boven {max} % gaan alleen noodhulpmeldingen, P1 en hun"
            " bevestigingen nog uit: daar is het gebied overbelast.",
            "An area is a relay or CP with the sites nearer to it than to any other relay or CP."
            " An hour pools every minute report of the area's radios. Above {polite} % the"
            " firmware holds its own traffic and nsplink holds routine messages; above {max} %"
            " only emergency reports, P1 and their receipts still go: there the area is over"
            " capacity.",
        ),
        "report.occ.col.area": ("gebied", "area"),
        "report.occ.col.radios": ("radio's", "radios"),
        "report.occ.col.mean": ("gem. %", "mean %"),
        "report.occ.col.peak": ("drukste uur", "busiest hour"),
        "report.occ.col.polite": ("uren > {pct} %", "hours > {pct} %"),
        "report.occ.col.level": ("oordeel", "verdict"),
        "report.occ.col.sites": ("posten", "sites"),
        "report.occ.peak": ("{h}–{h1} h: {pct} %", "{h}–{h1} h: {pct} %"),
        "report.occ.level.ok": ("binnen de grens", "within the limit"),
        "report.occ.level.over_polite": (
            "**boven {pct} %: routine wacht**",
            "**above {pct} %: routine waits**",
        ),
        "report.occ.level.over_max": (
            "**boven {pct} %: overbelast**",
            "**above {pct} %: over capacity**",
        ),
        "report.occ.region": ("hele regio", "whole region"),
    }
)


def _regions_md(regions: dict[str, Any] | None, T: Any, lang: Lang | None) -> list[str]:
    """A country: one row per region, in the order of the scenario."""
    if not regions:
        return []
    L = [f"## {T('report.regions')}", "", _source("measured", lang), ""]
    L += [T("report.regions_note"), ""]
    L += [T("report.per_site_json"), ""]
    L += _table(
        [
            T("report.col.region"),
            T("report.col.preset"),
            T("report.col.nsps"),
            T("report.col.sent"),
            T("report.col.delivered"),
            T("report.col.lost"),
            T("report.col.no_path"),
            T("report.col.tx_per_msg"),
            T("report.col.emergency_p95"),
            T("report.col.busiest"),
        ],
        [
            [
                name,
                r["preset"],
                r["nsps"],
                r["messages"],
                r["delivered"],
                r["lost"],
                r["no_radio_path"],
                None if r["tx_per_message"] is None else units.number(r["tx_per_message"], 2, lang),
                units.duration(r["emergency_to_cp_s"]["p95"], lang),
                units.number(r["busiest_area_pct"], 1, lang),
            ]
            for name, r in regions.items()
        ],
    )
    return L


def _occupancy_md(occ: dict[str, Any] | None, T: Any, lang: Lang | None) -> list[str]:
    if not occ or not occ["areas"]:
        return []
    polite, top = f"{occ['polite_pct']:g}", f"{occ['max_pct']:g}"
    L = [f"## {T('report.occ.title')}", "", _source("radio", lang), ""]
    L += [T("report.occ.note", polite=polite, max=top), ""]
    limit = {"ok": "", "over_polite": polite, "over_max": top}
    L += _table(
        [
            T("report.occ.col.area"),
            T("report.col.role"),
            T("report.occ.col.radios"),
            T("report.occ.col.mean"),
            T("report.occ.col.peak"),
            T("report.occ.col.polite", pct=polite),
            T("report.occ.col.polite", pct=top),
            T("report.occ.col.level"),
            T("report.occ.col.sites"),
        ],
        [
            [
                T("report.occ.region") if hub == "*" else hub,
                a["role"],
                a["radios"],
                units.number(a["mean_pct"], 1, lang),
                T(
                    "report.occ.peak",
                    h=a["peak_hour"],
                    h1=a["peak_hour"] + 1,
                    pct=units.number(a["peak_hour_pct"], 1, lang),
                ),
                a["hours_over_polite"],
                a["hours_over_max"],
                T(f"report.occ.level.{a['level']}", pct=limit[a["level"]]),
                ", ".join(a["sites"] if hub == "*" else a["sites"][1:]) or "–",
            ]
            for hub, a in sorted(
                occ["areas"].items(), key=lambda kv: (-kv[1]["peak_hour_pct"], kv[0])
            )
        ],
    )
    return L


def _blocks(rep: dict[str, Any], series: str, hours: int = 12) -> list[str]:
    """Per site, the highest sample in each block of `hours`: the time series in a table."""
    t_h = rep["series"]["t_h"]
    n_blocks = int(max(t_h) // hours) + 1 if t_h else 0
    head = ["", *(f"{i * hours}-{(i + 1) * hours} h" for i in range(n_blocks))]
    rows = []
    for site, values in rep["series"][series].items():
        best: list[Any] = [None] * n_blocks
        for hour, v in zip(t_h, values, strict=True):
            b = int(hour // hours)
            if v is not None and (best[b] is None or v > best[b]):
                best[b] = v
        rows.append([site, *best])
    return _table(head, rows)


async def run_and_report(
    source: Path | str | Scenario,
    out_dir: Path,
    *,
    seed: int | None = None,
    formats: tuple[str, ...] = ("md", "json"),
    lang: Lang | None = None,
    progress: Any = None,
) -> tuple[dict[str, Any], list[Path]]:
    """Load (unless given loaded), run and write the report files; returns the report and the
    files written."""
    from nsplink.scenario.runner import ScenarioRun
    from nsplink.scenario.schema import load_scenario

    scenario = source if isinstance(source, Scenario) else load_scenario(source)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "sites").mkdir(exist_ok=True)
    except OSError as exc:
        raise ReportUnwritable(exc.strerror or str(exc), dir=str(out_dir)) from None
    result = await ScenarioRun(scenario, out_dir, seed=seed).run(progress)
    rep = await collect(result)
    try:
        return rep, _write(rep, out_dir, formats, lang)
    except OSError as exc:
        raise ReportUnwritable(exc.strerror or str(exc), dir=str(out_dir)) from None


class ReportUnwritable(NsplinkError):
    code = "scenario.report_unwritable"
    key = "scenario.report_unwritable"


register(
    {
        "scenario.report_unwritable": (
            "Kan het verslag niet schrijven in {dir}: {detail}. Kies een andere map met --out.",
            "Cannot write the report in {dir}: {detail}. Choose another directory with --out.",
        )
    }
)


def _write(
    rep: dict[str, Any], out_dir: Path, formats: tuple[str, ...], lang: Lang | None
) -> list[Path]:
    written: list[Path] = []
    plots: list[str] = []
    if "png" in formats:
        from nsplink.scenario.plots import render_png

        plots = render_png(rep, out_dir, lang)
        written += [out_dir / p for p in plots]
    if "json" in formats:
        write_json(rep, out_dir / "report.json")
        written.append(out_dir / "report.json")
    if "md" in formats or "html" in formats:
        text = render_markdown(rep, lang, plots)
        if "md" in formats:
            (out_dir / "report.md").write_text(text, "utf-8")
            written.append(out_dir / "report.md")
        if "html" in formats:
            from nsplink.scenario.printable import render_html

            title = text.splitlines()[0].lstrip("# ") if text else "nsplink"
            (out_dir / "report.html").write_text(render_html(text, out_dir, title), "utf-8")
            written.append(out_dir / "report.html")
    return written

"""The 72-hour exercise report against an independent recount straight from the sites' SQLite
files (plain sqlite3, no Store, no report code): what a sceptical exercise lead would do."""

from __future__ import annotations

import json
import math
import sqlite3
from collections import defaultdict
from pathlib import Path

from nsplink.protocol import KeyRing, Sitrep, decode
from nsplink.scenario.plan import airtime_s_per_hour
from nsplink.scenario.report import collect
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import load_scenario

ROOT = Path(__file__).resolve().parents[2] / "scenarios"
USER = ("emergency", "sitrep", "supply", "bulletin")


def rows(path: Path, kind: str) -> list[tuple[float, str, dict, bytes | None]]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        got = con.execute(
            "SELECT at, ref, data, frame FROM events WHERE kind = ? ORDER BY id", (kind,)
        ).fetchall()
    finally:
        con.close()
    return [(at, ref, json.loads(data), frame) for at, ref, data, frame in got]


async def test_the_72_hour_report_matches_a_recount_from_the_logs(tmp_path: Path) -> None:
    sc = load_scenario(ROOT / "long-power-outage.yaml")
    result = await ScenarioRun(sc, tmp_path).run()
    rep = await collect(result)
    epoch, paths = result.epoch, result.store_paths
    role = {s.name: s.role for s in sc.sites}
    site_of_key = {k: n for n, k in result.key_ids.items()}
    created = {n: rows(p, "message.created") for n, p in paths.items()}
    received = {n: {ref for _, ref, _, _ in rows(p, "message.received")} for n, p in paths.items()}
    first_at_cp: dict[str, float] = {}
    for n, p in paths.items():
        if role[n] == "cp":
            for at, ref, _, _ in rows(p, "message.received"):
                first_at_cp[ref] = min(at, first_at_cp.get(ref, math.inf))

    # emergency reports per NSP per hour, counted where they were typed
    hours = math.ceil(sc.duration / 3600)
    for name, e in rep["pilot"]["emergencies_per_nsp"].items():
        per_hour = [0] * hours
        for at, _, data, _ in created[name]:
            if data["type"] == "emergency":
                per_hour[min(hours - 1, int((at - epoch) // 3600))] += 1
        assert e["per_hour"] == per_hour, name

    # lost: a user message some required recipient's log never received
    lost = 0
    sent = defaultdict(int)
    for name, evs in created.items():
        for _, ref, data, _ in evs:
            if data["type"] not in USER:
                continue
            sent[data["type"]] += 1
            dest = data["destination"]
            if dest == "cps":
                ok = any(ref in received[n] for n in paths if role[n] == "cp")
            elif dest in ("nsps", "all"):
                want = [n for n in paths if n != name and (dest == "all" or role[n] == "nsp")]
                ok = all(ref in received[n] for n in want)
            else:
                ok = ref in received[site_of_key[dest]]
            lost += not ok
    assert rep["lost"] == lost == 0
    assert {k: v["sent"] for k, v in rep["delivery"].items()} == dict(sent)

    # typed -> first CP, in seconds
    waits = sorted(
        first_at_cp[ref] - at
        for name in paths
        for at, ref, data, _ in created[name]
        if data["type"] == "emergency"
    )
    step = rep["pilot"]["emergency_handling_s"]["typed_to_cp"]
    assert step["n"] == len(waits)
    assert step["max"] == round(waits[-1], 1)

    # sitreps: the last one typed each day, read from the NSP's own log
    for name, points in rep["pilot"]["sitreps"].items():
        mine = _sitreps(created[name], epoch, result.roster)
        assert len(mine) == len(points), name
        for (t, body), pt in zip(mine, points, strict=True):
            assert isinstance(body, Sitrep)
            assert (pt["power_hours"], pt["fuel_l"], pt["visitors"]) == (
                body.power_hours,
                body.fuel_l,
                body.visitors,
            ), (name, t)
            assert abs(pt["t_h"] - t / 3600) < 0.001
    # the plan's traffic model is calibrated on this run: it must still describe it (±30 %)
    run_h = (sc.duration + sc.drain) / 3600
    per_hour = sum(sent.values()) / run_h
    estimate = airtime_s_per_hour(per_hour, len(sc.sites), sc.preset)
    measured = sum(n["airtime_s"] for n in rep["nodes"].values()) / run_h
    assert 0.7 < estimate / measured < 1.3, (estimate, measured)

    # the case of the issue: nsp-scheemda's day 1 in the report is its last sitrep of day 1
    scheemda = _sitreps(created["nsp-scheemda"], epoch, result.roster)
    last = [b for t, b in scheemda if t < 24 * 3600][-1]
    day1 = [p for p in rep["pilot"]["sitreps"]["nsp-scheemda"] if p["t_h"] < 24][-1]
    assert (day1["power_hours"], day1["fuel_l"]) == (last.power_hours, last.fuel_l)

    # emergency reports no CP ever took up: no claim on them in any CP's log
    claimed = {ref for n, p in paths.items() if role[n] == "cp" for _, ref, _, _ in
               rows(p, "claim.heard")}  # fmt: skip
    typed = {ref for evs in created.values() for _, ref, d, _ in evs if d["type"] == "emergency"}
    never = sorted(typed - claimed)
    own = rep["ownership"]
    assert own["never_claimed"] == len(never) and own["never_claimed_refs"] == never[:50]


def _sitreps(evs: list, epoch: float, roster: KeyRing) -> list[tuple[float, Sitrep]]:
    out = []
    for at, _, data, frame in evs:
        if data["type"] == "sitrep" and frame:
            out.append((at - epoch, decode(frame, roster).envelope.body))
    return sorted(out, key=lambda x: x[0])

"""A country of regions (`region:` per site): each region its own roster and mesh, run region by
region through the real runner with every site's real SQLite log, merged into one report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nsplink.scenario.generate import RegionSpec, generate
from nsplink.scenario.radiomap import radio_map
from nsplink.scenario.radiomap import render_text as render_map
from nsplink.scenario.report import collect
from nsplink.scenario.runner import RunResult, ScenarioRun
from nsplink.scenario.schema import ScenarioError, parse_scenario
from nsplink.store import Store
from nsplink.store import events as ev
from nsplink.texts import render_error

# Two regions 30 km apart with a 5 km horizon: each CP reaches its own NSPs, never the other's.
# Both CPs send a bulletin to their NSPs; an NSP in each region reports an emergency.
COUNTRY = """
name: Twee regio's
seed: 5
duration: 1h
drain: 30m
radio: {horizon_km: 5}
handling: {seen_after: 2m, meldkamer_after: 5m, closed_after: 20m}
sites:
  - {name: a-cp, role: cp, node: 0x1001, position: [0, 0], radio_role: ROUTER, region: A}
  - {name: a-nsp-1, role: nsp, node: 0x2001, position: [800, 300], region: A}
  - {name: a-nsp-2, role: nsp, node: 0x2002, position: [-600, 900], region: A}
  - {name: a-nsp-3, role: nsp, node: 0x2003, position: [300, -1000], region: A}
  - {name: b-cp, role: cp, node: 0x1101, position: [30000, 0], radio_role: ROUTER, region: B}
  - {name: b-nsp-1, role: nsp, node: 0x2101, position: [30700, 500], region: B}
  - {name: b-nsp-2, role: nsp, node: 0x2102, position: [29400, -800], region: B}
timeline:
  - at: 10m
    site: a-cp
    send: bulletin
    fields: {headline: Water, body: Water bij de hal, valid_until: 12h, topic: WATER, issuer: VR}
  - at: 12m
    site: b-cp
    send: bulletin
    fields: {headline: Opvang, body: Opvang in de kerk, valid_until: 12h, topic: OPVANG, issuer: VR}
  - at: 15m
    site: [a-nsp-1, b-nsp-1]
    send: emergency
    fields: {incident: MED, services: A, street: Kerkstraat, number: "3"}
"""


async def _log(result: RunResult, site: str, kind: str) -> list[Any]:
    async with await Store.open(result.store_paths[site]) as store:
        return [rec async for rec in store.iter_events(kinds=(kind,))]


async def _run(text: str, out: Path) -> RunResult:
    return await ScenarioRun(parse_scenario(text, "country.yaml"), out).run()


async def test_each_region_has_its_own_roster_and_its_bulletins_reach_only_its_nsps(
    tmp_path: Path,
) -> None:
    result = await _run(COUNTRY, tmp_path)
    keys = result.key_ids
    region = {s.name: s.region for s in result.scenario.sites}
    # A's bulletin: its CP's log waits for A's three NSPs, none of B's
    (made,) = [
        r for r in await _log(result, "a-cp", ev.MESSAGE_CREATED) if r.data["type"] == "bulletin"
    ]
    assert made.data["recipients"] == sorted(keys[n] for n in ("a-nsp-1", "a-nsp-2", "a-nsp-3"))
    for nsp in ("a-nsp-1", "a-nsp-2", "a-nsp-3"):
        got = {r.ref for r in await _log(result, nsp, ev.MESSAGE_RECEIVED)}
        assert made.ref in got
    # and B's to B's NSPs
    (b_made,) = [
        r for r in await _log(result, "b-cp", ev.MESSAGE_CREATED) if r.data["type"] == "bulletin"
    ]
    assert b_made.data["recipients"] == sorted(keys[n] for n in ("b-nsp-1", "b-nsp-2"))
    # every message any site made names only recipients of its own region: its roster
    by_key = {k: n for n, k in keys.items()}
    for site in keys:
        for rec in await _log(result, site, ev.MESSAGE_CREATED):
            assert {region[by_key[k]] for k in rec.data.get("recipients", ())} <= {region[site]}
    # so both bulletins count as delivered, nothing lost, and the regions' keys differ
    rep = await collect(result)
    assert rep["delivery"]["bulletin"] == {**rep["delivery"]["bulletin"], "sent": 2, "delivered": 2}
    assert rep["lost"] == 0 and len(set(keys.values())) == len(keys)
    assert rep["regions"]["A"]["nsps"] == 3 and rep["regions"]["B"]["nsps"] == 2
    assert rep["regions"]["A"]["lost"] == rep["regions"]["B"]["lost"] == 0
    assert rep["regions"]["A"]["emergency_to_cp_s"]["n"] == 1
    assert result.regions["A"]["tx"] + result.regions["B"]["tx"] == result.medium_stats["tx"]


# Region A's NSP reaches its CP only through a relay (1 km horizon); region B's CP is nearer to
# it (1.1 km) but out of range. With one roster for the country, B's CP would come first in the
# report's turn order and A's CP, never hearing it, would leave the report to the operator's call.
TURN = """
name: Beurt per regio
seed: 9
duration: 1h
drain: 30m
radio: {horizon_km: 1}
handling: {seen_after: 2m, meldkamer_after: 5m, closed_after: 20m}
sites:
  - {name: a-nsp, role: nsp, node: 0x2001, position: [0, 0], region: A}
  - {name: a-relais, role: relay, node: 0x3001, position: [900, 0], radio_role: ROUTER, region: A}
  - {name: a-cp, role: cp, node: 0x1001, position: [1800, 0], radio_role: ROUTER, region: A}
  - {name: b-cp, role: cp, node: 0x1101, position: [-1100, 0], radio_role: ROUTER, region: B}
  - {name: b-nsp, role: nsp, node: 0x2101, position: [-2000, 0], region: B}
timeline:
  - at: 10m
    site: a-nsp
    send: emergency
    fields: {incident: MED, services: A, street: Kerkstraat, number: "3"}
"""


async def test_the_cp_turn_order_is_the_regions_own(tmp_path: Path) -> None:
    result = await _run(TURN, tmp_path)
    (report,) = [
        r for r in await _log(result, "a-nsp", ev.MESSAGE_CREATED) if r.data["type"] == "emergency"
    ]
    triage = {
        r.data["state"]
        for r in await _log(result, "a-cp", ev.TRIAGE_CHANGED)
        if r.ref == report.ref
    }
    assert {"GEZ", "MKAMER", "AFG"} <= triage  # A's CP took it up on its own turn
    assert not await _log(result, "b-cp", ev.TRIAGE_CHANGED)
    assert (await collect(result))["ownership"]["unowned"] == 0


def test_a_country_run_is_the_same_in_every_process(tmp_path: Path) -> None:
    text = generate([RegionSpec(nsps=3, cps=1, relays=1, area_km2=40)] * 2, seed=4, hours=1)
    assert parse_scenario(text, "c.yaml").regions == ("r01", "r02")
    (tmp_path / "c.yaml").write_text(text, "utf-8")
    out: list[bytes] = []
    for run in ("a", "b"):  # two processes, as two exercise leads would run it
        args = ["scenario", "run", str(tmp_path / "c.yaml"), "--out", str(tmp_path / run)]
        done = subprocess.run(
            [sys.executable, "-m", "nsplink", *args, "--format", "json,md"],
            capture_output=True,
            text=True,
            env=dict(os.environ, NSPLINK_LANG="en"),
        )
        assert done.returncode == 0, done.stderr
        out.append((tmp_path / run / "report.json").read_bytes())
    assert out[0] == out[1]
    assert set(json.loads(out[0])["regions"]) == {"r01", "r02"}
    md = (tmp_path / "a" / "report.md").read_text("utf-8")
    assert "## Per region" in md and "| r02 | LONG_FAST | 3 |" in md
    assert "Airtime and queue per site" not in md  # per site: in report.json only


async def test_a_country_measured_for_cpu_reports_the_same(tmp_path: Path) -> None:
    """bench_scale asks where the CPU goes: the run and its report stay as they are, and the
    country's split comes back from its regions' networks."""
    sc = parse_scenario(COUNTRY, "country.yaml")
    plain = await ScenarioRun(sc, tmp_path / "plain").run()
    measured = await ScenarioRun(sc, tmp_path / "measured", measure_cpu=True).run()
    assert plain.cpu is None
    assert json.dumps(await collect(measured)) == json.dumps(await collect(plain))
    cpu = measured.cpu
    assert cpu is not None and 0 < cpu.simulator_s < cpu.medium_s and cpu.sites_s > 0


async def test_without_regions_a_scenario_is_one_region_as_before(tmp_path: Path) -> None:
    """A hand-written scenario without `region:` is one roster and one mesh, as it always was:
    A's bulletin waits for every NSP listed, and the report has no per-region table."""
    result = await _run(COUNTRY.replace(", region: A}", "}").replace(", region: B}", "}"), tmp_path)
    assert result.scenario.regions == ("",) and not result.regions
    (made,) = [
        r for r in await _log(result, "a-cp", ev.MESSAGE_CREATED) if r.data["type"] == "bulletin"
    ]
    nsps = [s.name for s in result.scenario.sites if s.role == "nsp"]
    assert made.data["recipients"] == sorted(result.key_ids[n] for n in nsps)
    assert "regions" not in await collect(result)


async def test_a_region_runs_its_own_preset(tmp_path: Path) -> None:
    """`regions: {B: {preset: MEDIUM_FAST}}`: B's medium runs MEDIUM_FAST (frames 3-5x shorter
    on air), A stays on the scenario's preset; the region table and the radio map say which."""
    text = COUNTRY.replace("sites:\n", "regions:\n  B: {preset: medium_fast}\nsites:\n")
    sc = parse_scenario(text, "country.yaml")
    assert (sc.preset_of("A"), sc.preset_of("B")) == ("LONG_FAST", "MEDIUM_FAST")
    result = await ScenarioRun(sc, tmp_path).run()
    per_tx = {n: r["airtime_ms"] / r["tx"] for n, r in result.regions.items()}
    assert 3 < per_tx["A"] / per_tx["B"] < 5
    rep = await collect(result)
    assert rep["regions"]["A"]["preset"] == "LONG_FAST"
    assert rep["regions"]["B"]["preset"] == "MEDIUM_FAST"
    assert rep["lost"] == 0 and rep["no_radio_path"] == 0
    # the map judges B's links at MEDIUM_FAST: the same signal, 5 dB less margin
    mixed, plain = radio_map(sc), radio_map(parse_scenario(COUNTRY, "country.yaml"))
    assert [(r, p) for r, p, _ in mixed.region_presets] == [
        ("A", "LONG_FAST"),
        ("B", "MEDIUM_FAST"),
    ]
    assert not plain.region_presets
    before = {(x.a, x.b): x for x in plain.links}
    for x in mixed.links:
        old = before[(x.a, x.b)]
        drop = 5.0 if x.a.startswith("b-") else 0.0
        assert x.rssi_dbm == old.rssi_dbm and round(old.margin_db - x.margin_db, 6) == drop
    text_en = render_map(mixed, "en")
    assert "each region on its own preset" in text_en and "region B: MEDIUM_FAST" in text_en


def test_one_named_region_on_its_own_preset_is_the_whole_mesh() -> None:
    """One region runs whole (not split), so its own preset is the scenario's."""
    one = """
name: Eén regio
duration: 1h
regions: {A: {preset: MEDIUM_FAST}}
sites:
  - {name: a-cp, role: cp, node: 0x1001, position: [0, 0], region: A}
  - {name: a-nsp, role: nsp, node: 0x2001, position: [800, 300], region: A}
timeline: []
"""
    sc = parse_scenario(one)
    assert sc.preset == sc.preset_of("A") == "MEDIUM_FAST"
    assert radio_map(sc).preset == "MEDIUM_FAST"


@pytest.mark.parametrize(
    ("change", "dutch", "english"),
    [
        ((", region: B}", "}"), "geef region bij elke post", "give a region for every site"),
        (
            ("sites:\n", "regions:\n  C: {preset: MEDIUM_FAST}\nsites:\n"),
            "regio 'C' heeft geen posten (regio's van de posten: 'A', 'B')",
            "region 'C' has no sites (the sites' regions: 'A', 'B')",
        ),
        (
            ("sites:\n", "regions:\n  B: {preset: MEDIUM}\nsites:\n"),
            "veld regions.B.preset: Onbekende modem-preset 'MEDIUM'",
            "field regions.B.preset: Unknown modem preset 'MEDIUM'",
        ),
        (
            ("sites:\n", "regions:\n  B: {preset: MEDIUM_FAST, hops: 3}\nsites:\n"),
            "veld regions.B.hops: onbekend veld (toegestaan: preset)",
            "field regions.B.hops: unknown field (allowed: preset)",
        ),
        (
            (
                "node: 0x1101, position: [30000, 0], radio_role: ROUTER, region: B",
                "node: 0x1101, position: [30000, 0], radio_role: ROUTER, region: A",
            ),
            "regio 'B' heeft geen cp",
            "region 'B' has no cp",
        ),
        (
            (
                "site: b-cp\n    send: bulletin\n",
                "site: b-cp\n    send: bulletin\n    to: a-nsp-1\n",
            ),
            "liggen in verschillende regio's",
            "are in different regions",
        ),
    ],
)
def test_regions_are_all_or_none_each_with_a_cp_and_nothing_crosses(
    change: tuple[str, str], dutch: str, english: str
) -> None:
    assert change[0] in COUNTRY
    with pytest.raises(ScenarioError) as err:
        parse_scenario(COUNTRY.replace(*change))
    assert dutch in render_error(err.value, "nl") and english in render_error(err.value, "en")

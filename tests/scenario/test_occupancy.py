"""Channel occupancy per area in the scenario report: a crowded area reads busier than a quiet
one, from the radios' own minute reports, and the report flags what is over the limits."""

from __future__ import annotations

from pathlib import Path

from nsplink.scenario.occupancy import ChannelLog, areas, occupancy
from nsplink.scenario.report import collect, render_markdown, write_json
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import parse_scenario

# Two CPs 60 km apart (beyond the 30 km horizon): five busy NSPs round cp-druk, one quiet NSP
# by cp-rustig; every NSP sends a sitrep every 10 minutes.
NSP = "visitors_per_hour: 20, staff_day: [2, 5], battery_h: 24"
TWO_AREAS = f"""\
name: Een druk en een rustig gebied
duration: 2h
drain: 30m
radio: {{horizon_km: 30}}
sites:
  - {{name: cp-druk, role: cp, node: 0x1001, position: [0, 0], radio_role: ROUTER}}
  - {{name: cp-rustig, role: cp, node: 0x1002, position: [60000, 0], radio_role: ROUTER}}
  - {{name: nsp-a, role: nsp, node: 0x2001, position: [900, 300], {NSP}}}
  - {{name: nsp-b, role: nsp, node: 0x2002, position: [-700, 800], {NSP}}}
  - {{name: nsp-c, role: nsp, node: 0x2003, position: [400, -1200], {NSP}}}
  - {{name: nsp-d, role: nsp, node: 0x2004, position: [-1500, -400], {NSP}}}
  - {{name: nsp-e, role: nsp, node: 0x2005, position: [1800, 1500], {NSP}}}
  - {{name: nsp-z, role: nsp, node: 0x2006, position: [61000, 500], {NSP}}}
sitreps: {{every: 10m, from: 5m}}
timeline: []
"""


async def test_a_crowded_area_reads_busier_than_a_quiet_one(tmp_path: Path) -> None:
    sc = parse_scenario(TWO_AREAS, "t.yaml")
    rep = await collect(await ScenarioRun(sc, tmp_path).run())
    occ = rep["occupancy"]["areas"]
    assert occ["cp-druk"]["sites"] == ["cp-druk", "nsp-a", "nsp-b", "nsp-c", "nsp-d", "nsp-e"]
    assert occ["cp-rustig"]["sites"] == ["cp-rustig", "nsp-z"]
    busy, quiet = occ["cp-druk"], occ["cp-rustig"]
    assert busy["mean_pct"] > quiet["mean_pct"] > 0
    assert busy["peak_hour_pct"] > quiet["peak_hour_pct"]
    assert len(busy["hourly_pct"]) == 3  # two hours and the drain, each from minute reports
    write_json(rep, tmp_path / "report.json")  # plain JSON as is
    nl, en = render_markdown(rep, "nl"), render_markdown(rep, "en")
    assert "## Kanaalbezetting per gebied" in nl and "## Channel occupancy per area" in en
    # the busiest area comes first in the table
    assert nl.index("| cp-druk |") < nl.index("| cp-rustig |")


def test_areas_go_to_the_nearest_relay_or_cp_and_hours_are_flagged_at_25_and_40() -> None:
    sc = parse_scenario(TWO_AREAS, "t.yaml")
    assert list(areas(sc.sites)) == ["cp-druk", "cp-rustig"]
    log = ChannelLog()
    for minute in range(180):  # cp-druk: 20 % in hour 0, 30 % in hour 1, 50 % in hour 2
        log.record("cp-druk", minute * 60.0, (20.0, 30.0, 50.0)[minute // 60])
        log.record("nsp-a", minute * 60.0, 10.0)
        log.record("nsp-z", minute * 60.0, 20.0)
    occ = occupancy(sc.sites, log)["areas"]
    druk = occ["cp-druk"]
    assert druk["hourly_pct"] == [15.0, 20.0, 30.0]  # pooled with nsp-a's reports
    assert (druk["peak_hour"], druk["peak_hour_pct"]) == (2, 30.0)
    assert (druk["hours_over_polite"], druk["hours_over_max"], druk["level"]) == (
        1,
        0,
        "over_polite",
    )
    assert occ["cp-rustig"]["level"] == "ok"  # cp-rustig sent no reports: only nsp-z's count
    for minute in range(120, 180):  # cp-rustig's own radio at 100 % in hour 2: 60 % pooled
        log.record("cp-rustig", minute * 60.0, 100.0)
    rustig = occupancy(sc.sites, log)["areas"]["cp-rustig"]
    assert rustig["hourly_pct"] == [20.0, 20.0, 60.0]
    assert (rustig["level"], rustig["hours_over_polite"], rustig["hours_over_max"]) == (
        "over_max",
        1,
        1,
    )

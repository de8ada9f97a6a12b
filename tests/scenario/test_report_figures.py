"""The report's figures against the order things happened, not the order logs are read."""

from __future__ import annotations

import json
from pathlib import Path

from nsplink.scenario import units
from nsplink.scenario.plots import down_intervals, partitions, render_png, site_colours
from nsplink.scenario.report import collect, render_markdown, write_json
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import parse_scenario
from nsplink.store import Store
from nsplink.store import events as ev

# Two CPs; the NSP is cut off from one CP at a time, so its first sitrep lands only in cp-z's log
# and its second only in cp-a's. The report reads cp-a's log first.
OUT_OF_ORDER = """\
name: Situatierapporten in omgekeerde volgorde
duration: 2h
drain: 1h
sites:
  - {name: cp-a, role: cp, node: 0x1001, position: [0, 0], radio_role: ROUTER}
  - {name: cp-z, role: cp, node: 0x1002, position: [600, 0], radio_role: ROUTER}
  - name: nsp-c
    role: nsp
    node: 0x2001
    position: [300, 400]
    visitors_per_hour: 20
    staff_day: [2, 5]
    generator: {fuel_l: 40, burn_l_per_h: 2}
sitreps: {every: 1h, from: 30m}
timeline:
  - {at: 0m, partition: [[nsp-c, cp-z], [cp-a]]}
  - {at: 1h, partition: [[nsp-c, cp-a], [cp-z]]}
"""


async def test_sitreps_delivered_out_of_order_are_reported_in_typed_order(tmp_path: Path) -> None:
    result = await ScenarioRun(parse_scenario(OUT_OF_ORDER, "t.yaml"), tmp_path).run()
    rep = await collect(result)
    points = rep["pilot"]["sitreps"]["nsp-c"]
    assert [round(p["t_h"], 1) for p in points] == [0.5, 1.5]
    # the precondition of this test: the later sitrep sits in the log that is read first
    first, second = points
    assert first["at_cp_h"] < 1.0 <= second["at_cp_h"]
    assert first["power_hours"] > second["power_hours"]  # fuel only goes down here
    assert await _sitrep_hours(result.store_paths["cp-a"], result.epoch) == [1.5]
    assert await _sitrep_hours(result.store_paths["cp-z"], result.epoch) == [0.5]
    md = render_markdown(rep, "en")
    rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in md.splitlines()]
    (cells,) = [r for r in rows if r[:2] == ["nsp-c", "1"] and len(r) == 7]
    assert cells[5] == str(second["power_hours"]) and cells[6] == str(second["fuel_l"])
    assert cells[2] == str(first["visitors"] + second["visitors"])


async def _sitrep_hours(path: Path, epoch: float) -> list[float]:
    async with await Store.open(path) as store:
        got = await store.events(kinds=(ev.MESSAGE_RECEIVED,))
    return [round((e.at - epoch) / 3600, 1) for e in got if e.data["type"] == "sitrep"]


def test_durations_take_the_unit_that_fits() -> None:
    assert units.duration(1.64, "en") == "1.6 s"
    assert units.duration(34.5, "en") == "34 s"
    assert units.duration(180, "nl") == "3,0 min"
    assert units.duration(61_202, "en") == "17.0 h"
    assert units.duration(3 * 86400, "en") == "3.0 d"
    assert units.duration(None) == "–"


def test_every_site_gets_its_own_colour_up_to_twenty() -> None:
    names = [f"nsp-{i:02d}" for i in range(20)]
    colours = site_colours(names)
    assert len({c for c, _ in colours.values()}) == 20
    # past twenty a colour comes back, but never with the same line style
    more = site_colours([*names, "nsp-20"])
    assert more["nsp-20"][0] == more["nsp-00"][0] and more["nsp-20"][1] != more["nsp-00"][1]


def test_outage_spans_from_the_outage_log() -> None:
    rep = {
        "duration_h": 10.0,
        "drain_h": 2.0,
        "outages": [
            {"at": 1800.0, "kind": "up", "site": "nsp-late"},  # opened at 0.5 h
            {"at": 3600.0, "kind": "down", "site": "relais", "reason": "power"},
            {"at": 7200.0, "kind": "partition", "groups": [["a"], ["b"]]},
            {"at": 9000.0, "kind": "up", "site": "relais"},
            {"at": 10800.0, "kind": "heal"},
            {"at": 30000.0, "kind": "down", "site": "nsp-dry", "reason": "dry"},
        ],
    }
    assert down_intervals(rep) == {
        "nsp-late": [(0.0, 0.5, "closed")],
        "relais": [(1.0, 2.5, "power")],
        "nsp-dry": [(30000 / 3600, 12.0, "dry")],
    }
    assert partitions(rep) == [(2.0, 3.0)]


async def test_plots_of_a_report_reloaded_from_json_are_the_same_files(tmp_path: Path) -> None:
    # colours follow role and name, not dict order, so report.json redraws the same figures
    result = await ScenarioRun(parse_scenario(OUT_OF_ORDER, "t.yaml"), tmp_path / "run").run()
    rep = await collect(result)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    names = render_png(rep, tmp_path / "a", "en")
    write_json(rep, tmp_path / "rep.json")
    again = render_png(json.loads((tmp_path / "rep.json").read_text("utf-8")), tmp_path / "b", "en")
    assert (
        names
        == again
        == ["duty.png", "queue.png", "occupancy.png", "emergencies.png", "power.png", "outages.png"]
    )
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name

"""The report's figures against the order things happened, not the order logs are read."""

from __future__ import annotations

from pathlib import Path

from nsplink.scenario import units
from nsplink.scenario.report import collect, render_markdown
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

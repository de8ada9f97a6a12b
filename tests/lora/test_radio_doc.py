"""The link-budget table of docs/radio.md §9 is what the simulator computes."""

from __future__ import annotations

import re
from pathlib import Path

from nsplink.lora.airtime import PRESETS
from nsplink.radio.sim.propagation import Propagation, noise_floor_dbm, sensitivity_dbm

DOC = Path(__file__).resolve().parents[2] / "docs" / "radio.md"
TX_DBM = 27.0  # EU_868 limit, 0 dBi antennas on both ends
MARGIN_DB = 9.9  # 1.645 sigma of 6 dB shadowing


def _rows() -> dict[str, list[float]]:
    section = DOC.read_text(encoding="utf-8").split("## 9. Link budget and range", 1)[1]
    rows: dict[str, list[float]] = {}
    for line in section.splitlines():
        cells = [c.strip().strip("*") for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0] in PRESETS:
            rows[cells[0]] = [float(c.replace("−", "-")) for c in cells[1:]]
    return rows


def test_link_budget_table_matches_the_model() -> None:
    rows = _rows()
    assert {"LONG_FAST", "SHORT_FAST", "LONG_SLOW"} <= set(rows), rows
    prop = Propagation()
    assert abs(1.645 * prop.shadowing_db - MARGIN_DB) < 0.05
    for name, (bw, sf, floor, sens, budget, median, safe) in rows.items():
        m = PRESETS[name]
        want_sens = sensitivity_dbm(m, prop.noise_figure_db)
        assert (bw, sf) == (m.bw_hz / 1000, m.sf), name
        assert floor == round(noise_floor_dbm(m, prop.noise_figure_db), 1), name
        assert sens == round(want_sens, 1), name
        assert budget == round(TX_DBM - want_sens, 1), name
        assert median == round(prop.range_m(TX_DBM - want_sens) / 1000, 1), name
        assert safe == round(prop.range_m(TX_DBM - want_sens - MARGIN_DB) / 1000, 1), name


def test_the_section_names_the_constants_it_uses() -> None:
    prop = Propagation()
    text = DOC.read_text(encoding="utf-8").split("## 9. Link budget and range", 1)[1]
    assert re.search(rf"n` = {prop.path_loss_exponent}\b", text)
    assert f"σ = {prop.shadowing_db:g} dB" in text
    assert f"{round(prop.reference_loss_db(), 1)} dB" in text

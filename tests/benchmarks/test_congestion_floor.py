"""The floor of transmissions per message (benchmarks/congestion_floor.py), worked by hand."""

from __future__ import annotations

import pytest

from benchmarks.congestion_floor import cover_transmitters, floor, hops_to_cp, strong
from nsplink.scenario.radiomap import Link, RadioMap


def _map() -> RadioMap:
    # cp - a - b in a line, c hears only a and only weakly, m (a quiet radio) hears the CP
    pairs = [("cp", "a", 10.0), ("a", "b", 10.0), ("a", "c", 1.0), ("cp", "m", 10.0)]
    links = []
    for x, y, margin in pairs:
        for s, r in ((x, y), (y, x)):
            links.append(Link(s, r, None, -120.0 + margin, margin, False))
    return RadioMap(
        scenario="line",
        preset="LONG_FAST",
        seed=1,
        sensitivity_dbm=-120.0,
        shadowing_db=0.0,
        fading_db=0.0,
        roles={"cp": "cp", "a": "nsp", "b": "nsp", "c": "nsp", "m": "nsp"},
        forwards={"cp": True, "a": True, "b": True, "c": True, "m": False},
        links=tuple(links),
    )


def test_hops_and_cover_follow_the_links() -> None:
    rmap = _map()
    assert hops_to_cp(rmap) == {"a": 1, "b": 2, "c": 2, "m": 1}
    assert cover_transmitters(rmap, "cp") == 2  # the CP, then a for b and c
    weak_gone = strong(rmap, 3.0)
    assert hops_to_cp(weak_gone)["c"] is None


def test_three_frames_per_report_over_its_hops_and_a_bulletin_its_cover_and_receipts() -> None:
    f = floor(_map(), reports=4, bulletins=1)
    assert f["mean_hops"] == pytest.approx(1.5)
    assert f["per_report"] == pytest.approx(4.5)
    assert f["per_bulletin"] == pytest.approx(2 + 6)
    assert f["per_message"] == pytest.approx((4 * 4.5 + 8) / 5)

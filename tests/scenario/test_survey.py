"""The generator's site survey: relays where the scattered ones leave NSPs on weak links.

Checked against the radio map, which measures the written scenario as the runner will build its
medium: so a relay whose shadowing the survey drew differently from the medium would show.
"""

from __future__ import annotations

import math

import yaml

from nsplink.scenario.generate import RegionSpec, generate
from nsplink.scenario.radiomap import GOOD_MARGIN_DB, radio_map
from nsplink.scenario.schema import parse_scenario
from nsplink.scenario.survey import widest


def _weakest_nsp_margins(text: str) -> dict[str, float]:
    sc = parse_scenario(text, "region.yaml")
    rmap = radio_map(sc, sc.seed)
    out = {}
    for s in sc.sites:
        if s.role == "nsp":
            best = rmap.best_path(s.name)
            out[s.name] = -math.inf if best is None else best[1]
    return out


def test_the_survey_connects_every_nsp_to_a_cp_with_a_good_margin() -> None:
    # seed 5: the scattered relays leave one NSP with no radio path at all, four on weak links
    kw = {"seed": 5, "hours": 2, "preset": "MEDIUM_FAST"}
    raw = generate([RegionSpec(nsps=30)], survey=False, **kw)
    surveyed = generate([RegionSpec(nsps=30)], **kw)
    before = _weakest_nsp_margins(raw)
    after = _weakest_nsp_margins(surveyed)
    assert min(before.values()) == -math.inf
    assert sum(m < GOOD_MARGIN_DB for m in before.values()) >= 3
    assert min(after.values()) >= GOOD_MARGIN_DB


def test_the_survey_only_adds_relays() -> None:
    kw = {"seed": 5, "hours": 8, "preset": "MEDIUM_FAST"}
    raw = yaml.safe_load(generate([RegionSpec(nsps=30)], survey=False, **kw))
    surveyed = yaml.safe_load(generate([RegionSpec(nsps=30)], **kw))
    added = [s for s in surveyed["sites"] if s not in raw["sites"]]
    assert 1 <= len(added) <= 3  # at most one per 10 NSPs
    assert all(s["role"] == "relay" and s["radio_role"] == "ROUTER" for s in added)
    assert [s["name"] for s in added] == [f"relais-{4 + k:02d}" for k in range(len(added))]
    assert [s for s in surveyed["sites"] if s not in added] == raw["sites"]
    assert {k: v for k, v in surveyed.items() if k != "sites"} == {
        k: v for k, v in raw.items() if k != "sites"
    }


def test_a_country_s_regions_are_surveyed_each_in_its_own_mesh() -> None:
    kw = {"seed": 5, "hours": 2, "preset": "MEDIUM_FAST"}
    raw = generate([RegionSpec(nsps=30)] * 3, survey=False, **kw)
    text = generate([RegionSpec(nsps=30)] * 3, **kw)
    assert min(_weakest_nsp_margins(raw).values()) < GOOD_MARGIN_DB
    assert min(_weakest_nsp_margins(text).values()) >= GOOD_MARGIN_DB
    relays = [s for s in yaml.safe_load(text)["sites"] if s["role"] == "relay"]
    assert len(relays) > 3 * 3
    for site in relays:
        assert site["name"].startswith(site["region"] + "-relais-")


def test_the_widest_chain_is_its_weakest_link_and_stops_at_a_quiet_radio() -> None:
    graph = {
        "cp": {"a": 12.0, "b": 3.0},
        "a": {"cp": 12.0, "c": 8.0},
        "b": {"cp": 3.0, "c": 20.0},
        "c": {"a": 8.0, "b": 20.0, "d": 9.0},
        "d": {"c": 9.0},
    }
    forwards = {"cp": True, "a": True, "b": True, "c": True, "d": True}
    assert widest(graph, ["cp"], forwards) == {
        "cp": math.inf, "a": 12.0, "b": 8.0, "c": 8.0, "d": 8.0,
    }  # fmt: skip
    forwards["c"] = False  # CLIENT_MUTE: hears, passes nothing on
    assert widest(graph, ["cp"], forwards) == {"cp": math.inf, "a": 12.0, "b": 3.0, "c": 8.0}

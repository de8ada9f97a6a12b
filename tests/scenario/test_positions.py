"""Positions on the map (WGS84, RD) or a local grid; the radio map before a run; and messages
that had no radio path kept apart from messages lost."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nsplink.scenario.generate import RegionSpec, generate
from nsplink.scenario.radiomap import radio_map, render_text, unreachable_nsps
from nsplink.scenario.regions import split
from nsplink.scenario.report import collect
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import ScenarioError, parse_scenario
from nsplink.texts import render_error

ROOT = Path(__file__).resolve().parents[2] / "scenarios"

MAP = """\
name: Kaart
duration: 1h
drain: 1h
sites:
  - {{name: cp-a, role: cp, node: 0x1001, position: {cp}}}
  - {{name: nsp-b, role: nsp, node: 0x2001, position: {nsp}, place: Winschoten}}
timeline:
  - at: 10m
    site: nsp-b
    send: emergency
    fields: {{incident: MED, services: A, street: Venne, number: "3"}}
"""


def scenario(cp: str, nsp: str) -> str:
    return MAP.format(cp=cp, nsp=nsp)


def refused(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "kaart.yaml")
    return info.value


def test_wgs84_and_rd_become_the_same_rd_metres() -> None:
    # the Onze Lieve Vrouwetoren in Amersfoort is the origin of RD: (155000, 463000)
    sc = parse_scenario(scenario("{lat: 52.15517, lon: 5.38721}", "{rd: [155000, 465000]}"))
    cp, nsp = sc.sites
    assert abs(cp.position[0] - 155_000) < 2 and abs(cp.position[1] - 463_000) < 2
    assert nsp.position == (155_000.0, 465_000.0)
    assert nsp.geo is not None and abs(nsp.geo[0] - 52.173) < 0.001


def test_a_local_grid_still_works() -> None:
    sc = parse_scenario(scenario("[0, 0]", "[1200, -800]"))
    assert sc.sites[1].position == (1200.0, -800.0) and sc.sites[1].geo is None


@pytest.mark.parametrize(
    ("nsp", "field", "en", "nl"),
    [
        ("[53.143, 7.034]", "position", "are degrees, not metres", "zijn graden, geen meters"),
        ("[7.034, 53.143]", "position", "{lat: 53.143, lon: 7.034}", "{lat: 53.143, lon: 7.034}"),
        ("{lat: 48.85, lon: 2.35}", "position", "outside the Netherlands", "buiten Nederland"),
        ("{lat: 7.03, lon: 53.14}", "position", "swapped", "verwisseld"),
        ("{rd: [900000, 1]}", "position.rd", "outside the RD grid", "buiten het RD-raster"),
        ("{lat: 53.1}", "position", "{lat: …, lon: …}", "{lat: …, lon: …}"),
        ("{lat: 95, lon: 7}", "position.lat", "between -90 and 90", "95"),
    ],
)
def test_implausible_positions_are_one_line_naming_the_field(
    nsp: str, field: str, en: str, nl: str
) -> None:
    cp = "{lat: 53.14, lon: 7.03}" if nsp.startswith("{") else "[0, 0]"
    err = refused(scenario(cp, nsp))
    assert err.field == f"sites[1].{field}" and err.line == 6
    for lang, words in (("en", en), ("nl", nl)):
        text = render_error(err, lang)
        assert "\n" not in text and words in text, text
    assert render_error(err, "nl").startswith("Scenario kaart.yaml, regel 6, veld sites[1].")


def test_grid_and_map_positions_do_not_mix() -> None:
    err = refused(scenario("{lat: 53.14, lon: 7.03}", "[1200, -800]"))
    assert err.field == "sites[1].position" and "cp-a" in render_error(err, "en")


TWO_REGIONS = generate([RegionSpec(nsps=8), RegionSpec(nsps=6)], seed=4, hours=1)


@pytest.mark.parametrize("text", [(ROOT / "smoke.yaml").read_text(), TWO_REGIONS])
def test_the_radio_map_is_the_runners_own_link_budget(tmp_path: Path, text: str) -> None:
    """The runner's links (from the medium's neighbour table) are the radio map's link budget
    over all pairs, in site order; two regions hear nothing of each other (each is run on its
    own medium with its own seed, and the map is built the same way)."""
    sc = parse_scenario(text)
    links: dict[str, list[str]] = {}
    for _name, part, seed in split(sc, sc.seed):  # the links the runner reports: its media's
        links |= _runner_links(ScenarioRun(part, tmp_path, seed=seed))
    rmap = radio_map(sc)
    for site in sc.sites:
        heard = [x.b for x in rmap.heard() if x.a == site.name]
        assert heard == links[site.name], site.name
    assert sum(map(len, links.values())) > len(sc.sites)
    if text == TWO_REGIONS:
        region = {s.name: s.name.split("-")[0] for s in sc.sites}
        assert {region[a] == region[b] for a, bs in links.items() for b in bs} == {True}
        assert len(set(region.values())) == 2
    rendered = render_text(rmap, "en")
    assert "Who hears whom:" in rendered and "shadowing σ 6.0 dB" in rendered
    if text != TWO_REGIONS:
        assert "nsp-bibliotheek: nsp-bibliotheek → " in rendered


def _runner_links(run: ScenarioRun) -> dict[str, list[str]]:
    for spec in run.sc.sites:  # what ScenarioRun._open does before the first event
        site = run.net.add_site(
            spec.name, spec.role, spec.node, position=spec.position, radio_role=spec.radio_role
        )
        if spec.antenna_dbi:
            site.node.antenna_gain_dbi = spec.antenna_dbi
            run.medium.set_position(spec.node, spec.position)
    return {n: v["direct"] for n, v in run._links().items()}


FAR = scenario("{lat: 53.143, lon: 7.034}", "{lat: 51.44, lon: 5.47}")  # Winschoten, Eindhoven


async def test_a_site_without_any_radio_path_is_not_counted_lost(tmp_path: Path) -> None:
    sc = parse_scenario(FAR, "ver.yaml")
    assert unreachable_nsps(radio_map(sc)) == ["nsp-b"]
    rep = await collect(await ScenarioRun(sc, tmp_path).run())
    assert rep["lost"] == 0
    assert rep["no_radio_path"] == 1 and rep["no_radio_path_sites"] == ["nsp-b"]


def test_scenario_check_prints_the_map_and_fails_on_a_site_without_a_path(tmp_path: Path) -> None:
    env = dict(os.environ, NSPLINK_LANG="en")

    def check(path: Path) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "nsplink", "scenario", "check", str(path)]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)

    ok = check(ROOT / "smoke.yaml")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("Scenario is valid: 4 sites")
    assert "cp-brandweer" in ok.stdout and " dB" in ok.stdout
    far = tmp_path / "ver.yaml"
    far.write_text(FAR, "utf-8")
    bad = check(far)
    assert bad.returncode == 1
    assert "nsp-b: NO RADIO LINK to any CP" in bad.stdout
    assert "1 NSP(s) without a radio link to any CP: nsp-b" in bad.stdout
    wrong = tmp_path / "graden.yaml"
    wrong.write_text(scenario("[0, 0]", "[53.143, 7.034]"), "utf-8")
    err = check(wrong)
    assert err.returncode == 2 and err.stderr.count("\n") == 1 and "degrees" in err.stderr


def test_kept_paths_and_reach_are_what_a_fresh_search_finds() -> None:
    """Two regions with quiet NSP radios (heard, but passing nothing on): the adjacency is the
    heard links, and every path and every pair's reachability, asked twice (the second answer
    is the kept one), is what the breadth-first search finds for that question alone."""
    text = generate([RegionSpec(nsps=12), RegionSpec(nsps=5)], seed=2, hours=1, mute_covered=True)
    rmap = radio_map(parse_scenario(text))
    assert not all(rmap.forwards.values())
    fresh: dict[str, list[str]] = {}
    for x in rmap.heard():
        fresh.setdefault(x.a, []).append(x.b)
    assert rmap._next == {a: sorted(bs) for a, bs in fresh.items()}
    names = list(rmap.roles)
    for _ in range(2):
        for src in names:
            assert rmap.path(src) == rmap._search(src, lambda n: rmap.roles[n] == "cp")
            for dst in names:
                found = rmap._search(src, lambda n, d=dst: n == d) is not None
                assert rmap.reachable(src, dst) == found, (src, dst)
    assert any(rmap.reachable(a, b) for a in names for b in names)
    assert not all(rmap.reachable(a, b) for a in names for b in names if a != b)

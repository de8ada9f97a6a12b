"""`nsplink scenario plan`: relays where they connect a cut-off NSP, and a preset that fits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nsplink.lora.airtime import preset
from nsplink.radio.sim.propagation import Propagation, distance_m, sensitivity_dbm
from nsplink.scenario.generate import RegionSpec, generate
from nsplink.scenario.plan import (
    CHANNEL_LIMIT_PCT,
    MUTE_MARGIN_DB,
    TX_POWER_DBM,
    mutable_nsps,
    plan,
    plan_regions,
    render_regions,
    render_text,
)
from nsplink.scenario.radiomap import radio_map
from nsplink.scenario.regions import region_scenario
from nsplink.scenario.schema import load_scenario, parse_scenario

ROOT = Path(__file__).resolve().parents[2] / "scenarios"

# a CP in Winschoten and an NSP in Veendam, 22 km apart over open country
FAR = """\
name: Ver weg
duration: 3h
sites:
  - {name: cp-a, role: cp, node: 0x1001, position: {lat: 53.143, lon: 7.034}}
  - {name: nsp-b, role: nsp, node: 0x2001, position: {lat: 53.02, lon: 6.75}}
sitreps: {every: 1h}
timeline:
  - {at: 1h, site: nsp-b, send: supply, fields: {category: WATER, quantity: 5, unit: L}}
"""


def with_relays(text: str, relays: list[tuple[float, float]]) -> str:
    lines = [
        f"  - {{name: relais-plan-{i}, role: relay, node: {0x3000 + i}, radio_role: ROUTER,"
        f" antenna_dbi: 9, position: {{lat: {lat}, lon: {lon}}}}}"
        for i, (lat, lon) in enumerate(relays, 1)
    ]
    head, tail = text.split("sitreps:", 1)
    return head + "\n".join(lines) + "\nsitreps:" + tail


def test_planned_relays_connect_the_cut_off_nsp_with_the_margin() -> None:
    sc = parse_scenario(FAR)
    mean_only = Propagation(shadowing_db=0.0)
    assert radio_map(sc, propagation=mean_only).path("nsp-b") is None
    p = plan(sc, target_db=10.0)
    assert p.still_cut_off == () and p.relays and p.relays[-1].connects == ("nsp-b",)
    # relays are planned for the preset the plan chose: the amended scenario uses it too
    amended_text = with_relays(FAR, [r.geo for r in p.relays if r.geo])
    amended = parse_scenario(amended_text.replace("duration:", f"preset: {p.preset}\nduration:"))
    rmap = radio_map(amended, propagation=mean_only)
    best = rmap.best_path("nsp-b")
    assert best is not None and best[1] >= 10.0
    assert set(best[0][1:-1]) <= {f"relais-plan-{i}" for i in range(1, len(p.relays) + 1)}


def test_the_preset_is_the_longest_range_the_traffic_fits() -> None:
    sc = load_scenario(ROOT / "long-power-outage.yaml")
    p = plan(sc)
    fits = [x.preset for x in p.loads if x.fits]
    assert p.preset == fits[0]
    assert all(x.channel_pct <= CHANNEL_LIMIT_PCT for x in p.loads if x.fits)
    slower = [x.channel_pct for x in p.loads]
    assert slower == sorted(slower, reverse=True)  # longer range costs more airtime
    text = render_text(sc, p, "nl")
    assert "schaduwwerking σ 6,0 dB" in text and "95 %" in text


def test_scenario_plan_on_the_command_line(tmp_path: Path) -> None:
    f = tmp_path / "ver.yaml"
    f.write_text(FAR, "utf-8")
    env = dict(os.environ, NSPLINK_LANG="en")
    cmd = [sys.executable, "-m", "nsplink", "scenario", "plan", str(f), "--margin", "10"]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    assert r.returncode == 0, r.stderr
    assert "Preset: " in r.stdout and "→ connects nsp-b" in r.stdout
    assert "position: {lat: " in r.stdout  # in the scenario's own coordinates, ready to paste
    bad = subprocess.run([*cmd[:-1], "99"], capture_output=True, text=True, env=env, check=False)
    assert bad.returncode == 2 and "--margin" in bad.stderr


# On a line, 0 dBi antennas, the preset the plan picks (LONG_MODERATE): 1.5 km to the CP is a
# strong link, 4 km about 11 dB of margin; nsp-far is 16 km from the CP (about -9 dB: beyond
# even a lucky link) and 12 km from nsp-mid (about -4 dB: within one σ of shadowing, so a link
# that may well carry its traffic).
LINE = """\
name: Op een lijn
duration: 3h
sites:
  - {name: cp-a, role: cp, node: 0x1001, position: [0, 0]}
  - {name: nsp-near, role: nsp, node: 0x2001, position: [1500, 0]}
  - {name: nsp-mid, role: nsp, node: 0x2002, position: [-4000, 0]}
  - {name: nsp-far, role: nsp, node: 0x2003, position: [-16000, 0]}
sitreps: {every: 20m}
timeline: []
"""


def test_an_nsp_goes_quiet_only_when_nobody_leans_on_it() -> None:
    sc = parse_scenario(LINE)
    # nsp-far can reach the CP only through nsp-mid, on a weak link: nsp-mid keeps forwarding
    assert mutable_nsps(sc) == ("nsp-near",)
    alone = parse_scenario("\n".join(x for x in LINE.splitlines() if "nsp-far" not in x))
    assert mutable_nsps(alone) == ("nsp-mid", "nsp-near")
    p = plan(sc)
    assert p.preset == "LONG_MODERATE"  # the distances above are for it (and the traffic)
    text = render_text(sc, p, "nl")
    assert "CLIENT_MUTE" in text and "1 van 3: nsp-near" in text


def test_generate_mute_covered_makes_exactly_the_planned_radios_quiet() -> None:
    spec = [RegionSpec(nsps=20)]
    plain = parse_scenario(generate(spec, seed=4, hours=3))
    quiet = parse_scenario(generate(spec, seed=4, hours=3, mute_covered=True))
    muted = {s.name for s in quiet.sites if s.radio_role == "CLIENT_MUTE"}
    assert muted and muted == set(mutable_nsps(plain, own_preset=True))
    assert [s.name for s in plain.sites] == [s.name for s in quiet.sites]
    assert all(s.role == "nsp" for s in quiet.sites if s.name in muted)


def test_quiet_radios_are_judged_at_the_preset_they_run() -> None:
    """The plan proposes the longest-range preset the traffic fits; radios generated on
    MEDIUM_FAST hear less far. Every radio that goes quiet keeps its margin to a relay or CP at
    MEDIUM_FAST, which judging at the plan's preset would not give."""
    spec = [RegionSpec(nsps=20)]
    quiet = parse_scenario(generate(spec, seed=4, hours=3, mute_covered=True, preset="MEDIUM_FAST"))
    assert plan(quiet).preset != "MEDIUM_FAST"
    prop = Propagation(shadowing_db=0.0)
    sens = sensitivity_dbm(preset("MEDIUM_FAST"), prop.noise_figure_db)
    routers = [s for s in quiet.sites if s.role in ("cp", "relay")]

    def margin(name: str) -> float:
        s = quiet.site(name)
        return max(
            TX_POWER_DBM
            + s.antenna_dbi
            + r.antenna_dbi
            - prop.path_loss_db(distance_m(s.position, r.position))
            - sens
            for r in routers
        )

    muted = {s.name for s in quiet.sites if s.radio_role == "CLIENT_MUTE"}
    assert muted and all(margin(n) >= MUTE_MARGIN_DB for n in muted)
    at_plan = set(mutable_nsps(quiet))  # what --mute-covered did before
    assert any(margin(n) < MUTE_MARGIN_DB for n in at_plan)


# three regions of 15 NSPs, 10 km apart (the plan's links know no horizon), the middle one on
# MEDIUM_FAST
COUNTRY = [RegionSpec(nsps=15)] * 3


def test_a_countrys_quiet_radios_are_its_regions_each_alone_at_its_own_preset() -> None:
    mixed = parse_scenario(
        generate(COUNTRY, seed=2, hours=2, horizon_km=10, region_presets={"r02": "MEDIUM_FAST"})
    )
    plain = parse_scenario(generate(COUNTRY, seed=2, hours=2, horizon_km=10))
    alone = {
        n: set(mutable_nsps(region_scenario(mixed, n), own_preset=True)) for n in mixed.regions
    }
    country = set(mutable_nsps(mixed, own_preset=True))
    assert country == set().union(*alone.values())
    assert all(alone.values())
    # r02's radios judged at MEDIUM_FAST, not at the scenario's LONG_FAST
    assert alone["r02"] != set(mutable_nsps(region_scenario(plain, "r02"), own_preset=True))
    # and --mute-covered makes exactly those quiet
    quiet = parse_scenario(
        generate(
            COUNTRY,
            seed=2,
            hours=2,
            horizon_km=10,
            region_presets={"r02": "MEDIUM_FAST"},
            mute_covered=True,
        )
    )
    assert {s.name for s in quiet.sites if s.radio_role == "CLIENT_MUTE"} == country


def test_scenario_plan_goes_region_by_region() -> None:
    sc = parse_scenario(
        generate(COUNTRY, seed=2, hours=2, horizon_km=10, region_presets={"r02": "MEDIUM_FAST"})
    )
    plans = plan_regions(sc)
    assert [name for name, _, _ in plans] == ["r01", "r02", "r03"]
    for name, part, p in plans:
        assert p == plan(region_scenario(sc, name)) and part.preset == sc.preset_of(name)
        assert {r for x in p.relays for r in x.connects} <= {s.name for s in part.sites}
    text = render_regions(plans, "en")
    assert text.count("## Region ") == 3
    r02 = text.split("## Region r02")[1].split("## Region r03")[0]
    assert "the scenario uses MEDIUM_FAST" in r02 and "r01-" not in r02

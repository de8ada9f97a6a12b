"""`nsplink scenario generate` and nsplink/scenario/generate.py: seed in, the same YAML out, which
the schema reads and the runner runs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nsplink.scenario.generate import GenerateError, RegionSpec, build, country, generate
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import parse_scenario


def test_same_seed_same_file_other_seed_other_file() -> None:
    a = generate([RegionSpec(nsps=30)], seed=5)
    assert a == generate([RegionSpec(nsps=30)], seed=5)
    assert a != generate([RegionSpec(nsps=30)], seed=6)


@pytest.mark.parametrize("nsps", [30, 60, 100, 200])
def test_generated_regions_load_and_validate(nsps: int) -> None:
    sc = parse_scenario(generate([RegionSpec(nsps=nsps)], seed=2), f"region-{nsps}.yaml")
    roles = [s.role for s in sc.sites]
    assert roles.count("nsp") == nsps and roles.count("cp") >= 1 and roles.count("relay") >= 1
    assert sc.duration == 72 * 3600 and sc.horizon_m is None
    kinds = {a.kind for a in sc.actions}
    assert {"send", "power_off", "power_on", "partition", "heal", "refuel"} <= kinds
    assert sc.emergency_rates and sc.sitrep_every == 3 * 3600
    half = RegionSpec(nsps=nsps).side_m() / 2
    assert all(abs(x) <= half and abs(y) <= half for x, y in (s.position for s in sc.sites))


def test_a_country_is_regions_side_by_side_out_of_each_others_range() -> None:
    data = build(country(25, nsps=60), seed=1)
    sc = parse_scenario(generate(country(25, nsps=60), seed=1), "country.yaml")
    assert len(data["sites"]) == 25 * (4 + 6 + 60)  # as asked; the survey adds relays
    assert len({s.node for s in sc.sites}) == len(sc.sites)
    assert 25 * (4 + 6 + 60) < len(sc.sites) <= 25 * (4 + 6 + 60 + 6)  # one per 10 NSPs at most
    horizon = data["radio"]["horizon_km"] * 1000
    assert sc.horizon_m == horizon
    by_region: dict[str, list[tuple[float, float]]] = {}
    for s in sc.sites:
        by_region.setdefault(s.name[:3], []).append(s.position)
    assert len(by_region) == 25
    boxes = [
        (min(x for x, _ in p), max(x for x, _ in p), min(y for _, y in p), max(y for _, y in p))
        for p in by_region.values()
    ]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            gap = max(b[0] - a[1], a[0] - b[1], b[2] - a[3], a[2] - b[3])
            assert gap > horizon  # no pair of sites in two regions is within the horizon
    (partition,) = [a for a in sc.actions if a.kind == "partition"]
    assert len(partition.groups) == 50


def test_impossible_parameters_are_refused() -> None:
    with pytest.raises(GenerateError) as too_wide:
        generate(country(36, nsps=60), seed=1)  # does not fit in +-200 km
    assert "passen niet in een vierkant" in too_wide.value.text("nl")
    assert "do not fit in" in too_wide.value.text("en") == str(too_wide.value)
    with pytest.raises(GenerateError):
        generate([RegionSpec(nsps=0)], seed=1)


def test_a_small_generated_region_runs_through_the_scenario_runner(tmp_path: Path) -> None:
    text = generate([RegionSpec(nsps=4, cps=1, relays=1, area_km2=60)], seed=3, hours=3)
    sc = parse_scenario(text, "small.yaml")
    result = asyncio.run(ScenarioRun(sc, tmp_path).run())
    assert result.events_processed > 0
    assert sorted(p.name for p in (tmp_path / "sites").iterdir()) == sorted(
        f"{s.name}.sqlite" for s in sc.sites
    )


def test_cli_writes_the_file_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "r.yaml"
    env = dict(os.environ, NSPLINK_LANG="en")
    args = [sys.executable, "-m", "nsplink", "scenario", "generate", "--nsps", "12", "--seed", "4"]
    r = subprocess.run([*args, "--out", str(out)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(f"Scenario written: {out} (15 sites in 1 regions)")
    assert out.read_text("utf-8") == generate([RegionSpec(nsps=12)], seed=4)
    nl = subprocess.run(
        [*args[:5], "--nsps", "200", "--regions", "36"],
        capture_output=True,
        text=True,
        env=dict(env, NSPLINK_LANG="nl"),
    )
    assert nl.returncode != 0 and "kan niet gemaakt worden" in nl.stdout + nl.stderr


def test_load_scales_emergencies_and_sitreps_and_nothing_else() -> None:
    one = build([RegionSpec(nsps=15)], seed=4, hours=8)
    two = build([RegionSpec(nsps=15)], seed=4, hours=8, load=2)
    assert [r["per_hour"] for r in two["emergencies"]["rates"]] == [
        round(r["per_hour"] * 2, 3) for r in one["emergencies"]["rates"]
    ]
    assert (one["sitreps"]["every"], two["sitreps"]["every"]) == ("3h", "1h30m")
    assert one["sites"] == two["sites"] and one["timeline"] == two["timeline"]
    # and the scenario the runner reads offers twice the traffic
    sc1 = parse_scenario(generate([RegionSpec(nsps=15)], seed=4, hours=8))
    sc2 = parse_scenario(generate([RegionSpec(nsps=15)], seed=4, hours=8, load=2))
    assert sc2.sitrep_every == sc1.sitrep_every / 2
    assert [w.per_hour for w in sc2.emergency_rates] == [
        pytest.approx(w.per_hour * 2) for w in sc1.emergency_rates
    ]
    with pytest.raises(GenerateError):
        build([RegionSpec(nsps=15)], load=0)


def test_a_preset_goes_into_the_file_and_onto_every_radio(tmp_path: Path) -> None:
    spec = [RegionSpec(nsps=4, cps=1, relays=1, area_km2=20)]
    default = generate(spec, seed=3, hours=1)
    assert "preset:" not in default  # older files stay byte for byte as they were
    fast = generate(spec, seed=3, hours=1, preset="medium_fast")
    assert parse_scenario(fast).preset == "MEDIUM_FAST"
    assert fast.replace("preset: MEDIUM_FAST\n", "") == default
    # the same traffic on air: a frame of MEDIUM_FAST takes about a quarter of LONG_FAST's time
    per_tx = []
    for name, text in (("long", default), ("medium", fast)):
        result = asyncio.run(ScenarioRun(parse_scenario(text), tmp_path / name).run())
        stats = result.medium_stats
        per_tx.append(stats["airtime_ms"] / max(1, stats["tx"]))
    assert 3 < per_tx[0] / per_tx[1] < 5
    with pytest.raises(GenerateError) as typo:
        generate(spec, seed=3, preset="FAST")
    assert "onbekende preset FAST" in typo.value.text("nl")
    assert "MEDIUM_FAST" in str(typo.value)


def test_a_named_region_goes_onto_its_own_preset() -> None:
    spec = [RegionSpec(nsps=4, cps=1, relays=1, area_km2=40)] * 3
    default = generate(spec, seed=3, hours=1)
    mixed = generate(spec, seed=3, hours=1, region_presets={"r02": "medium_fast"})
    assert "regions:" not in default  # older files stay byte for byte as they were
    assert mixed.replace("regions:\n  r02: {preset: MEDIUM_FAST}\n", "") == default
    sc = parse_scenario(mixed)
    assert [sc.preset_of(r) for r in sc.regions] == ["LONG_FAST", "MEDIUM_FAST", "LONG_FAST"]


@pytest.mark.parametrize(
    ("args", "dutch", "english"),
    [
        (
            ["--regions", "3", "--region-preset", "r04=MEDIUM_FAST"],
            "geen regio r04; de regio's heten r01 … r03",
            "no region r04; the regions are called r01 … r03",
        ),
        (
            ["--regions", "3", "--region-preset", "r02=FAST"],
            "onbekende preset FAST; kies uit LONG_FAST",
            "unknown preset FAST; choose from LONG_FAST",
        ),
        (
            ["--regions", "3", "--region-preset", "r02"],
            "verwacht REGIO=PRESET, zoals r02=MEDIUM_FAST, kreeg 'r02'",
            "expected REGION=PRESET, like r02=MEDIUM_FAST, got 'r02'",
        ),
        (
            ["--region-preset", "r01=MEDIUM_FAST"],
            "een enkele regio heeft geen naam: geef haar preset met --preset",
            "a single region has no name: give its preset with --preset",
        ),
    ],
)
def test_region_preset_mistakes_get_one_line_in_either_language(
    args: list[str], dutch: str, english: str
) -> None:
    cmd = [sys.executable, "-m", "nsplink", "scenario", "generate", "--nsps", "4", "--hours", "1"]
    for lang, words in (("nl", dutch), ("en", english)):
        r = subprocess.run(
            [*cmd, *args], capture_output=True, text=True, env=dict(os.environ, NSPLINK_LANG=lang)
        )
        assert r.returncode != 0 and words in r.stdout + r.stderr


def test_region_preset_on_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "c.yaml"
    cmd = [sys.executable, "-m", "nsplink", "scenario", "generate", "--nsps", "4", "--hours", "1"]
    more = [
        "--regions",
        "3",
        "--region-preset",
        "r03=SHORT_SLOW",
        "--region-preset",
        "r01=MEDIUM_FAST",
    ]
    r = subprocess.run([*cmd, *more, "--out", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    spec = [RegionSpec(nsps=4)] * 3
    presets = {"r03": "SHORT_SLOW", "r01": "MEDIUM_FAST"}
    assert out.read_text("utf-8") == generate(spec, seed=1, hours=1, region_presets=presets)
    assert (
        "regions:\n  r01: {preset: MEDIUM_FAST}\n  r03: {preset: SHORT_SLOW}\n" in out.read_text()
    )


def test_every_generated_radio_has_the_role_its_firmware_profile_gives_it() -> None:
    """A generated region simulated its CPs as ROUTERs, a role the CP profile's rules refuse
    (`nsplink radio provision` would never configure one): the exercise lead's figures were for
    radios nobody can field. Each site's radio role is now its shipped profile's; NSPs the plan
    finds covered may be quiet (CLIENT_MUTE), which the NSP profile's rules allow."""
    from nsplink.provision.profile import default_profiles_dir, load_profile
    from nsplink.provision.rules import ROLES_FOR_KIND

    profiles = {
        p.kind: p.values()["config.device.role"].value
        for p in map(load_profile, default_profiles_dir().glob("*.yaml"))
    }
    sc = parse_scenario(
        generate([RegionSpec(nsps=30, cps=2, relays=3)], seed=4, mute_covered=True), "r.yaml"
    )
    quiet = 0
    for site in sc.sites:
        assert site.radio_role in ROLES_FOR_KIND[site.role], site.name
        if site.radio_role != profiles[site.role]:
            assert (site.role, site.radio_role) == ("nsp", "CLIENT_MUTE"), site.name
            quiet += 1
    assert {s.role for s in sc.sites} == {"cp", "relay", "nsp"} and quiet > 0

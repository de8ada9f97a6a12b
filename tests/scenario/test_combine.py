"""`nsplink evaluation combine`: several regions' reports in one table, recounted from their
sites' logs, the same bytes every time, and nothing personal in it."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nsplink.scenario.combine import combine, labels_for, load_report, region_row, render_markdown
from nsplink.scenario.generate import RegionSpec, generate
from nsplink.scenario.regions import region_scenario, region_seed
from nsplink.scenario.report import collect, run_and_report, write_json
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import load_scenario

ROOT = Path(__file__).resolve().parents[2] / "scenarios"
ENV = dict(os.environ, NSPLINK_LANG="en")
REGIONS = {"Groningen": 7, "Drenthe": 8, "Friesland": 11}  # smoke.yaml under other seeds


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:

    base = tmp_path_factory.mktemp("regions")
    out = {}
    for region, seed in REGIONS.items():
        asyncio.run(
            run_and_report(ROOT / "smoke.yaml", base / region, seed=seed, formats=("json",))
        )
        out[region] = base / region
    return out


def nsplink(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "nsplink", *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, env=ENV, check=False)


def recount(region_dir: Path) -> dict[str, int]:
    """Straight from the SQLite files: what each site typed."""
    counts = {"emergencies": 0, "messages": 0}
    for db in sorted((region_dir / "sites").glob("*.sqlite")):
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        for (data,) in con.execute("SELECT data FROM events WHERE kind = 'message.created'"):
            kind = json.loads(data)["type"]
            counts["emergencies"] += kind == "emergency"
            counts["messages"] += kind in ("emergency", "sitrep", "supply", "bulletin")
        con.close()
    return counts


def test_combine_writes_table_csv_and_plot_that_match_the_logs(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    args = [f"{region}={d / 'report.json'}" for region, d in reports.items()]
    r = nsplink("evaluation", "combine", *args, "--out", "national", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("3 regions combined:")
    out = tmp_path / "national"
    rows = list(csv.DictReader(io.StringIO((out / "evaluation.csv").read_text("utf-8"))))
    assert rows[0]["region"] == "source" and rows[0]["lost"] == "measured"
    by_region = {row["region"]: row for row in rows[1:]}
    assert sorted(by_region) == sorted(REGIONS)
    for region, d in reports.items():
        want = recount(d)
        row = by_region[region]
        assert int(row["emergencies"]) == want["emergencies"], region
        assert int(row["messages"]) == want["messages"], region
        assert (row["nsps"], row["cps"], row["relays"]) == ("2", "1", "1")
        assert row["lost"] == "0"
    md = (out / "evaluation.md").read_text("utf-8")
    assert "| Drenthe |" in md and "(M+X)" in md
    for name in ("emergencies", "radio", "power", "staff"):
        png = f"evaluation-{name}.png"
        assert f"![{png}]({png})" in md
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_nothing_personal_or_identifying_in_the_national_files(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    args = [str(d / "report.json") for d in reports.values()]
    assert nsplink("evaluation", "combine", *args, "--out", "n", cwd=tmp_path).returncode == 0
    text = (tmp_path / "n" / "evaluation.md").read_text("utf-8")
    text += (tmp_path / "n" / "evaluation.csv").read_text("utf-8")
    forbidden = ["Dorpsstraat", "Kerkstraat", "Molenweg", "Hoofdweg", "Schoolstraat", "Zuidbroek"]
    forbidden += ["nsp-dorpshuis", "nsp-bibliotheek", "cp-brandweer", "relais-watertoren"]
    for d in reports.values():
        rep = json.loads((d / "report.json").read_text("utf-8"))
        forbidden += [p["ref"] for pts in rep["pilot"]["sitreps"].values() for p in pts]
    for word in forbidden:
        assert word not in text, word
    # one scenario under three seeds: the labels say which seed
    assert "(seed 8)" in text


def test_the_same_reports_give_the_same_bytes(reports: dict[str, Path], tmp_path: Path) -> None:
    args = [f"{region}={d / 'report.json'}" for region, d in reversed(reports.items())]
    for name in ("a", "b"):
        assert nsplink("evaluation", "combine", *args, "--out", name, cwd=tmp_path).returncode == 0
        args.reverse()  # the order on the command line does not matter either
    for f in ("evaluation.md", "evaluation.csv", "evaluation-radio.png", "evaluation-power.png"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes(), f


def test_national_totals_add_up(reports: dict[str, Path]) -> None:
    loaded = labels_for([(r, load_report(d / "report.json")) for r, d in reports.items()])
    comb = combine(loaded)
    rows = comb["regions"].values()
    assert comb["total"]["emergencies"] == sum(r["emergencies"] for r in rows)
    assert comb["total"]["nsps"] == 6
    md = render_markdown(comb, "nl")
    assert "alle regio's" in md and "getypt → CP p50 (G)" in md


def test_an_old_or_broken_report_is_one_clear_line(
    reports: dict[str, Path], tmp_path: Path
) -> None:
    rep = json.loads((reports["Drenthe"] / "report.json").read_text("utf-8"))
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**rep, "version": 1}), "utf-8")
    r = nsplink("evaluation", "combine", str(old), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "version 1 report" in r.stderr
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps({k: v for k, v in rep.items() if k != "nodes"}), "utf-8")
    r = nsplink("evaluation", "combine", str(cut), cwd=tmp_path)
    assert r.returncode == 2 and "not an nsplink exercise report" in r.stderr
    r = nsplink("evaluation", "combine", str(tmp_path / "missing.json"), cwd=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1


def test_a_country_run_gives_a_row_per_region_as_each_region_run_alone(tmp_path: Path) -> None:
    """One run of three regions (one on MEDIUM_FAST): `evaluation combine` makes one row per
    region from the country's report.json, each the row of that region's own report when it is
    run alone (its part of the country, with the seed the country gives it), and the total."""
    spec = [RegionSpec(nsps=6, cps=1, relays=1, area_km2=60)] * 3
    text = generate(spec, seed=6, hours=3, region_presets={"r02": "MEDIUM_FAST"})
    (tmp_path / "land.yaml").write_text(text, "utf-8")
    assert nsplink("scenario", "run", "land.yaml", "--out", "land", cwd=tmp_path).returncode == 0
    country = load_report(tmp_path / "land" / "report.json")
    sc = load_scenario(tmp_path / "land.yaml")
    alone = {}
    for i, name in enumerate(sc.regions):
        run = ScenarioRun(region_scenario(sc, name), tmp_path / name, seed=region_seed(6, i))
        write_json(asyncio.run(_report(run)), tmp_path / name / "report.json")
        alone[name] = region_row(load_report(tmp_path / name / "report.json"))
        assert alone[name]["emergencies"] and alone[name]["messages"]
        assert alone[name] == region_row(country, name), name
    r = nsplink("evaluation", "combine", "land/report.json", "--out", "national", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO((tmp_path / "national" / "evaluation.csv").read_text())))
    assert [row[0] for row in rows[2:]] == ["r01", "r02", "r03"]
    comb = combine(labels_for([("NL", country)]))
    assert list(comb["regions"]) == ["NL r01", "NL r02", "NL r03"]
    # each region's preset, from the country's report and from a region's own alike
    presets = [row["preset"] for row in comb["regions"].values()]
    assert presets == ["LONG_FAST", "MEDIUM_FAST", "LONG_FAST"]
    assert [alone[n]["preset"] for n in sc.regions] == presets
    col = rows[0].index("preset")
    assert [row[col] for row in rows[2:]] == presets
    assert "| MEDIUM_FAST |" in (tmp_path / "national" / "evaluation.md").read_text("utf-8")
    assert comb["total"]["messages"] == sum(r["messages"] for r in alone.values())
    assert comb["total"]["nsps"] == 18
    # a region's own report is still one row; the country's whole figures are not a row
    assert (
        len(combine(labels_for([(None, load_report(tmp_path / "r02" / "report.json"))]))["regions"])
        == 1
    )


async def _report(run: ScenarioRun) -> dict[str, Any]:
    return await collect(await run.run())

"""A scenario may give a site a radio role its technician's profile refuses (a what-if), but
the exercise lead is told, before the run and in the report: its figures are not those of the
network as provisioned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nsplink.scenario.radiomap import roles_off_profile
from nsplink.scenario.schema import load_scenario, parse_scenario
from tests.scenario.test_schema import BASE

ROOT = Path(__file__).resolve().parents[2] / "scenarios"

# the schema tests' two-site scenario, its CP radio a ROUTER
TRIAL = BASE.replace("position: [0, 0]}", "position: [0, 0], radio_role: ROUTER}")


def test_a_role_the_profile_refuses_is_named_with_what_the_profile_allows() -> None:
    sc = parse_scenario(TRIAL, "proef.yaml")
    assert roles_off_profile(sc) == ["cp-a (ROUTER; cp: CLIENT/CLIENT_MUTE)"]
    assert TRIAL != BASE and roles_off_profile(parse_scenario(BASE, "proef.yaml")) == []


@pytest.mark.parametrize("path", sorted(ROOT.glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_scenarios_use_the_roles_their_profiles_give(path: Path) -> None:
    assert roles_off_profile(load_scenario(path)) == []


def _nsplink(*args: str, lang: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NSPLINK_LANG=lang)
    cmd = [sys.executable, "-m", "nsplink", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, timeout=300)


def test_check_and_run_say_so_and_the_report_records_it(tmp_path: Path) -> None:
    trial = tmp_path / "proef.yaml"
    trial.write_text(TRIAL, "utf-8")
    check = _nsplink("scenario", "check", str(trial), lang="nl")
    assert check.returncode == 0, check.stderr  # allowed: a what-if
    line = "Let op: radiorol anders dan de profielen van de technicus: cp-a (ROUTER; cp:"
    assert line in check.stdout
    out = tmp_path / "uit"
    run = _nsplink(
        "scenario", "run", str(trial), "--out", str(out), "--format", "md,json", lang="en"
    )
    assert run.returncode == 0, run.stderr
    first = run.stdout.splitlines()[0]
    assert first.startswith("Warning: radio role other than the technician's profiles give: cp-a")
    rep = json.loads((out / "report.json").read_text("utf-8"))
    assert rep["radio_roles_off_profile"] == ["cp-a (ROUTER; cp: CLIENT/CLIENT_MUTE)"]
    md = next(out.glob("*.md")).read_text("utf-8")
    assert "Radio role other than the technician's profiles give" in md and "cp-a (ROUTER" in md

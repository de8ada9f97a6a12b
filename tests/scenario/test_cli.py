"""`nsplink scenario run` as an exercise lead runs it: a real subprocess, real files; and
`--live`, which queues one site's scripted messages into that site's real store."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pexpect

from nsplink.protocol import Bulletin, Emergency, MessageId, Supply
from nsplink.scenario.live import LiveItem, group_destination, plan_for_site, play
from nsplink.scenario.model import plan_emergencies
from nsplink.scenario.schema import load_scenario, parse_scenario
from nsplink.store import Store
from tests.app.daemon.sites import make_sites

ROOT = Path(__file__).resolve().parents[2] / "scenarios"
ENV = dict(os.environ, NSPLINK_LANG="en")


def nsplink(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nsplink", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=dict(ENV, **env),
        check=False,
    )


def test_run_writes_the_report_and_says_so_in_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = nsplink(
        "scenario",
        "run",
        str(ROOT / "smoke.yaml"),
        "--out",
        str(out),
        "--format",
        "json,md",
        "--seed",
        "7",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Done: 22 messages, 0 lost, 0 duplicates shown.")
    assert r.stderr == ""  # no progress bar without a terminal
    rep = json.loads((out / "report.json").read_text("utf-8"))
    assert rep["seed"] == 7 and rep["lost"] == 0
    assert (out / "report.md").exists() and not (out / "duty.png").exists()
    assert sorted(p.name for p in (out / "sites").iterdir()) == [
        "cp-brandweer.sqlite",
        "nsp-bibliotheek.sqlite",
        "nsp-dorpshuis.sqlite",
        "relais-watertoren.sqlite",
    ]


def test_png_plots_are_real_images(tmp_path: Path) -> None:
    r = nsplink(
        "scenario", "run", str(ROOT / "smoke.yaml"), "--out", "o", "--format", "png", cwd=tmp_path
    )
    assert r.returncode == 0, r.stderr
    for name in ("duty.png", "queue.png", "emergencies.png", "power.png", "outages.png"):
        data = (tmp_path / "o" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "nsplink",
            "scenario",
            "run",
            str(ROOT / "smoke.yaml"),
            "--out",
            str(tmp_path / "o"),
            "--format",
            "json",
        ],
        env=ENV,
        timeout=120,
        encoding="utf-8",
    )
    child.expect(r"\[#+\.*\]\s+\d+%")
    child.expect("Done: ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_a_bad_scenario_is_one_line_naming_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (ROOT / "smoke.yaml").read_text("utf-8").replace("seed: 7", "seed: zeven"), "utf-8"
    )
    r = nsplink("--lang", "nl", "scenario", "run", str(bad), cwd=tmp_path)
    assert r.returncode == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("Scenario bad.yaml, regel 6, veld seed:")
    assert "Traceback" not in r.stderr and r.stdout == ""


def test_bad_options_are_clear_errors(tmp_path: Path) -> None:
    smoke = str(ROOT / "smoke.yaml")
    r = nsplink("scenario", "run", smoke, "--format", "pdf", cwd=tmp_path)
    assert r.returncode == 2 and "Unknown report format pdf" in r.stderr
    r = nsplink("scenario", "run", smoke, "--live", cwd=tmp_path)
    assert r.returncode == 2 and "--live needs --site" in r.stderr
    r = nsplink("scenario", "run", str(tmp_path / "missing.yaml"), cwd=tmp_path)
    assert r.returncode == 2 and "cannot be read" in r.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    r = nsplink("scenario", "run", smoke, "--out", str(blocker / "out"), cwd=tmp_path)
    assert r.returncode == 2 and "Cannot write the report in" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


LIVE = """\
name: Drill
duration: 2h
sites:
  - {name: CP, role: cp, node: 0x1001, position: [0, 0]}
  - {name: NSP-A, role: nsp, node: 0x2001, position: [1000, 0], place: Zuidbroek,
     streets: [Dorpsstraat]}
  - {name: NSP-B, role: nsp, node: 0x2002, position: [2000, 0]}
timeline:
  - {at: 1m, site: NSP-A, send: supply, fields: {category: WATER, quantity: 20, unit: L}}
  - {at: 2m, site: NSP-A, send: supply, to: NSP-B, fields: {category: LICHT, quantity: 5, unit: ST}}
  - {at: 3m, site: CP, send: bulletin, id: b1,
     fields: {headline: Water, body: Bij de kerk, valid_until: 2h, issuer: VR01}}
  - {at: 4m, site: CP, send: bulletin, supersedes: b1,
     fields: {headline: Water, body: Bij de kerk en de school, valid_until: 3h, issuer: VR01}}
emergencies:
  sites: [NSP-A]
  rates: [{from: 0m, to: 2h, per_hour: 3, incidents: [MED, CO]}]
sitreps: {every: 30m}
"""


def test_live_plan_matches_the_simulation_of_the_same_seed() -> None:
    sc = parse_scenario(LIVE)
    items = plan_for_site(sc, "NSP-A", 5)
    sim = [p for p in plan_emergencies(sc, 5) if p.site == "NSP-A"]
    assert [i.body for i in items if isinstance(i.body, Emergency)] == [p.body for p in sim]
    assert sum(isinstance(i.body, Supply) for i in items) == 2
    assert [i.at for i in items] == sorted(i.at for i in items)
    assert plan_for_site(sc, "NSP-A", 5) == items


async def test_play_keeps_time_at_the_chosen_speed() -> None:
    now = [1000.0]
    waits: list[float] = []

    async def sleep(s: float) -> None:
        waits.append(round(s, 3))
        now[0] += s

    queued: list[tuple[float, object]] = []

    async def queue(body, dest, prio, at):  # type: ignore[no-untyped-def]
        queued.append((at, body))
        return MessageId.parse(f"0a0b0c-{len(queued)}")

    sc = parse_scenario(LIVE)
    items: list[LiveItem] = plan_for_site(sc, "CP", 1)
    n = await play(items, queue, group_destination, speed=60.0, clock=lambda: now[0], sleep=sleep)
    assert n == 2
    assert waits == [3.0, 1.0]  # 3 and 4 virtual minutes at 60x
    first, second = (b for _, b in queued)
    assert isinstance(first, Bulletin) and isinstance(second, Bulletin)
    assert second.supersedes == MessageId.parse("0a0b0c-1")
    assert first.valid_until > 0 and second.valid_until - first.valid_until == 60


def test_live_queues_into_the_sites_real_store(tmp_path: Path) -> None:
    homes = make_sites(tmp_path / "sites", [("CP", "cp"), ("NSP-A", "nsp"), ("NSP-B", "nsp")])
    scen = tmp_path / "drill.yaml"
    scen.write_text(LIVE, "utf-8")

    def live(site: str, *extra: str) -> subprocess.CompletedProcess[str]:
        home = str(homes["NSP-A"].root)
        args = ["--lang", "en", "--home", home, "scenario", "run", str(scen), "--live"]
        return nsplink(*args, "--site", site, *extra, cwd=tmp_path)

    r = live("NSP-A", "--speed", "2000")
    assert r.returncode == 0, r.stderr
    assert "Live done:" in r.stdout
    # playing another site's part from this home would sign with the wrong key
    wrong = live("NSP-B")
    assert wrong.returncode == 2 and "This site is NSP-A, not NSP-B" in wrong.stderr

    async def outbox() -> list:
        async with await Store.open(homes["NSP-A"].db_path) as store:
            return await store.outbox()

    items = asyncio.run(outbox())
    sc = load_scenario(scen)
    expected = plan_for_site(sc, "NSP-A", sc.seed)
    assert len(items) == len(expected) >= 6
    types = [i.type for i in items]
    assert types.count("supply") == 2 and types.count("sitrep") == 5
    named = [i for i in items if i.type == "supply" and i.destination not in ("cps",)]
    assert len(named) == 1  # the one addressed to NSP-B by name, resolved through the roster


def test_same_seed_same_json_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    outs = []
    for hash_seed in ("1", "4242"):
        out = tmp_path / f"run-{hash_seed}"
        r = nsplink(
            "scenario",
            "run",
            str(ROOT / "smoke.yaml"),
            "--out",
            str(out),
            "--format",
            "json",
            "--seed",
            "11",
            cwd=tmp_path,
            PYTHONHASHSEED=hash_seed,
        )
        assert r.returncode == 0, r.stderr
        outs.append((out / "report.json").read_bytes())
    assert outs[0] == outs[1]

"""README "Running a site", followed literally: every command of its first shell block is run
as a subprocess in a temporary directory, in order, so the README and the program cannot drift
apart. Only what the README leaves to the reader is filled in here: the placeholders (from the
output of the command that printed them), /srv (a temporary directory), and step 4's
"set radio = ..." (an emulated radio on 127.0.0.1). A command that fails, or a placeholder this
test does not know, fails the test."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

from nsplink.app.config import load_config, save_config
from nsplink.app.keys import load_identity
from nsplink.app.localdaemons import stop_all
from nsplink.app.roster import load_doc, load_trusted_roster, seal_key_path
from nsplink.app.site import SiteHome
from nsplink.protocol import seal_public_key
from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"<[^<>]+>")


def readme_commands() -> list[str]:
    """The lines of the first ```sh block under "## Running a site", comments removed."""
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Running a site", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    lines = [ln.split(" #", 1)[0].strip() for ln in block.splitlines()]
    return [ln for ln in lines if ln and not ln.startswith("#")]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NSPLINK_")}
    return dict(env, PYTHONUNBUFFERED="1")


def _argv(line: str, values: dict[str, str], srv: Path) -> list[str]:
    for name in PLACEHOLDER.findall(line):
        assert name in values, f"README placeholder {name} unknown to this test: {line}"
        line = line.replace(name, values[name])
    words = [w.replace("/srv/", f"{srv}/") for w in shlex.split(line)]
    assert words[0] == "nsplink", line
    return [sys.executable, "-m", "nsplink", *words[1:]]


def _home_of(argv: list[str]) -> SiteHome:
    return SiteHome(Path(argv[argv.index("--home") + 1]))


def _wait_running(argv: list[str], cwd: Path, proc: subprocess.Popen[str]) -> None:
    home = _home_of(argv)
    status = [sys.executable, "-m", "nsplink", "--home", str(home.root), "status"]
    end = time.monotonic() + 30
    while time.monotonic() < end:
        assert proc.poll() is None, f"daemon exited {proc.returncode}: {' '.join(argv)}"
        done = subprocess.run(status, cwd=cwd, env=_env(), capture_output=True, text=True)
        if "Achtergronddienst: actief" in done.stdout and "Radio: verbonden" in done.stdout:
            return
        time.sleep(0.3)
    raise AssertionError(f"daemon of {home.root} never reported a connected radio")


def test_running_a_site_as_the_readme_says(tmp_path: Path) -> None:
    commands = readme_commands()
    assert any("roster create" in c for c in commands)  # the section is what we think it is
    srv = tmp_path / "srv"
    values: dict[str, str] = {}
    daemons: list[subprocess.Popen[str]] = []
    outputs: list[str] = []
    with EmulatorThread(EmulatedMesh(2, speedup=4.0, seed=20)) as emu:
        ports = iter(dev.tcp_port for dev in emu.mesh.devices)
        try:
            for line in commands:
                argv = _argv(line, values, srv)
                if argv[-1] == "daemon":
                    home = _home_of(argv)  # step 4: "set radio = ... in each site.toml"
                    cfg = load_config(home)
                    cfg.radio = f"tcp://127.0.0.1:{next(ports)}"
                    save_config(home, cfg)
                    proc = subprocess.Popen(
                        argv, cwd=tmp_path, env=_env(), text=True,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                    )  # fmt: skip
                    daemons.append(proc)
                    _wait_running(argv, tmp_path, proc)
                    continue
                done = subprocess.run(
                    argv, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60
                )
                assert done.returncode == 0, f"{line}\n{done.stdout}{done.stderr}"
                assert "Traceback" not in done.stderr, done.stderr
                outputs.append(done.stdout)
                if " init " in f" {line} ":
                    site = re.search(r'--site "([^"]+)"', line)
                    said = r"Publieke sleutel \(voor de deelnemerslijst\): (\S+)"
                    key = re.search(said, done.stdout)
                    assert site and key, done.stdout
                    values[f"<public key of {site.group(1)}>"] = key.group(1)
                if "roster create" in line:
                    key = re.search(r"Publieke regiosleutel .*: ([0-9a-f]{64})", done.stdout)
                    assert key, done.stdout
                    values["<region public key>"] = key.group(1)
            assert len(daemons) == 2 and "Achtergronddienst: actief" in outputs[-1]
            # personal data is sealed: the roster names the key, the CP holds its secret
            nsp, cp = SiteHome(srv / "nsp-zuid"), SiteHome(srv / "cp-noord")
            seal = load_trusted_roster(nsp).seal_key
            assert seal is not None and seal == load_doc(tmp_path / "roster.json").seal_key
            held = seal_public_key(load_identity(seal_key_path(cp)).box_secret())
            assert held == seal and not seal_key_path(nsp).exists()
            report = subprocess.run(
                [sys.executable, "-m", "nsplink", "--home", str(nsp.root), "send", "emergency",
                 "--incident", "REA", "--services", "AB", "--people-involved", "1",
                 "--street", "Dorpsstraat", "--number", "7", "--place", "Bunnik", "--yes"],
                cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert report.returncode == 0, report.stdout + report.stderr
            assert "zodra er verbinding is" in report.stdout  # the daemon runs: no warning
            assert "leesbaar" not in report.stderr and "draait niet" not in report.stderr
        finally:
            stop_all(daemons)
    assert [p.returncode for p in daemons] == [0, 0], [p.stdout.read() for p in daemons if p.stdout]

"""Deeply nested input and unexpected errors (issue 18 D): every parser refuses nesting before it
recurses, and a bug of ours costs one line, exit 3 and a 0600 crash log inside the site directory
that never follows a planted link."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nsplink.app.config import ConfigInvalid, load_config
from nsplink.app.roster import RosterInvalid, load_roster
from nsplink.app.site import SiteHome
from nsplink.bounded import TooDeep, check_depth, check_indent
from nsplink.cli import app as cli_app
from nsplink.provision.errors import ProfileInvalid
from nsplink.provision.yamlsrc import load_located
from tests.cli.cli_sites import homes

SEND = ("send", "sitrep", "--json", "-")
NESTED = "[" * 100_000 + "]" * 100_000  # 200 kB


@pytest.mark.parametrize("body", [NESTED, '{"a":' * 33_000 + "1" + "}" * 33_000])
def test_send_with_200_kb_of_nested_json_is_one_line_exit_2(tmp_path: Path, body: str) -> None:
    nsp = homes(tmp_path)["nsp-houten"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NSPLINK_")}
    res = subprocess.run(  # on stdin: one argument may not exceed 128 kB
        [sys.executable, "-m", "nsplink", "--home", str(nsp.root), "--lang", "en", *SEND],
        input=body,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert res.returncode == 2, res.stderr[-500:]
    assert len(res.stderr.strip().splitlines()) == 1 and "nested more than" in res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def test_depth_scan_ignores_brackets_in_strings_and_counts_the_rest() -> None:
    check_depth('{"text": "' + "[" * 500 + '"}')
    check_depth('{"a": "\\"[[[["}')
    with pytest.raises(TooDeep):
        check_depth("[" * 65)
    check_depth("[" * 64)
    with pytest.raises(TooDeep):
        check_indent("a:\n" + " " * 200 + "b: 1\n")


def test_site_config_roster_and_profile_refuse_deep_nesting(tmp_path: Path) -> None:
    home = SiteHome(tmp_path)
    home.config_path.write_text('site = "x"\nextra = ' + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(ConfigInvalid):
        load_config(home)
    (tmp_path / "roster.json").write_text(NESTED)
    with pytest.raises(RosterInvalid):
        load_roster(tmp_path / "roster.json")
    for text in (
        "a: " + "[" * 5000 + "]" * 5000,
        "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 3000)),
    ):
        with pytest.raises(ProfileInvalid):
            load_located(text, "profile.yaml")


def _crash(monkeypatch: pytest.MonkeyPatch, home: Path) -> int:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kapot\u202e")

    monkeypatch.setattr(cli_app, "app", boom)
    monkeypatch.delenv("NSPLINK_CRASH_LOG", raising=False)
    with pytest.raises(SystemExit) as info:
        cli_app.main(["--home", str(home), "status"])
    return int(info.value.code or 0)


def test_an_unexpected_error_is_one_line_exit_3_and_a_private_crash_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _crash(monkeypatch, tmp_path) == 3
    err = capsys.readouterr().err
    log = tmp_path / "crash.log"
    assert len(err.strip().splitlines()) == 1 and str(log) in err and "\u202e" not in err
    assert "RuntimeError" in log.read_text() and "Traceback" not in err
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert _crash(monkeypatch, tmp_path) == 3  # appended, not replaced
    assert log.read_text().count("Traceback") == 2


def test_the_crash_log_never_follows_a_planted_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "victim"
    target.write_text("keep me\n")
    os.symlink(target, tmp_path / "crash.log")
    assert _crash(monkeypatch, tmp_path) == 3
    assert target.read_text() == "keep me\n"
    assert "Traceback" not in capsys.readouterr().err

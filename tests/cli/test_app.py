"""The entry points: python -m nsplink, --help, --version, and a polite failure mode."""

from __future__ import annotations

import subprocess
import sys

from nsplink import __version__


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nsplink", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_version() -> None:
    res = run("--version")
    assert res.returncode == 0
    assert res.stdout.strip() == f"nsplink {__version__}"


def test_help_lists_commands() -> None:
    env = {k: v for k, v in __import__("os").environ.items() if k != "NSPLINK_LANG"}
    res = run("--help", env=env)  # Dutch by default, Typer's own words too
    assert res.returncode == 0
    assert "Gebruik:" in res.stdout and "Commando's" in res.stdout and "send" in res.stdout
    res = run("--lang", "en", "--help", env=env)
    assert "Usage:" in res.stdout and "Commands" in res.stdout


def test_one_language_per_screen_whichever_way_it_was_chosen(tmp_path) -> None:
    """--lang beats NSPLINK_LANG beats the site's lang: the help texts, Typer's own words and the
    command's output all follow the same choice (they used to split: help in NSPLINK_LANG,
    output in the site's language)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "NSPLINK_LANG"}
    home = str(tmp_path / "post")
    made = run(
        "--home",
        home,
        "init",
        "--site",
        "NSP Zuid",
        "--role",
        "nsp",
        "--region",
        "VR01",
        "--lang",
        "nl",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    english = run("--home", home, "log", "verify", env={**env, "NSPLINK_LANG": "en"})
    assert "There is no log" in english.stderr, english.stderr  # the site says nl; env wins
    dutch = run("--home", home, "log", "verify", env=env)
    assert "Er is nog geen logboek" in dutch.stderr, dutch.stderr
    bad = run("--home", home, "log", "verify", "--bogus", env={**env, "NSPLINK_LANG": "en"})
    assert "No such option" in bad.stderr
    assert "Onbekende optie" in run("--home", home, "log", "verify", "--bogus", env=env).stderr


def test_unknown_command_is_one_clear_error_without_traceback() -> None:
    res = run("no-such-command")
    assert res.returncode != 0
    assert "Traceback" not in res.stderr


def test_help_is_in_the_language_asked_for() -> None:
    env = {k: v for k, v in __import__("os").environ.items() if k != "NSPLINK_LANG"}
    dutch = run("roster", "--help", env=env)
    english = run("--lang", "en", "roster", "--help", env=env)
    assert "Deelnemerslijst" in dutch.stdout
    assert "The region's roster" in english.stdout
    assert "Deelnemerslijst" not in english.stdout

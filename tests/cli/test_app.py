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

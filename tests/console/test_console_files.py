"""The console's files without a browser: operator accounts, the alert sound, the package data."""

from __future__ import annotations

import fnmatch
import stat
import tomllib
import wave
from pathlib import Path

import pytest

from nsplink.app.site import SiteHome
from nsplink.console.accounts import (
    BadOperatorName,
    ShortPassword,
    accounts_path,
    check_password,
    load_accounts,
    remove,
    set_password,
)
from nsplink.devtools.sound import TARGET, alert_wav

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "nsplink" / "console"


def test_accounts_hold_argon2id_hashes_only_owner_readable(tmp_path: Path) -> None:
    home = SiteHome(tmp_path)
    assert load_accounts(home) == {}
    assert set_password(home, "  Anna   de Vries ", "geheim-genoeg") == "Anna de Vries"
    set_password(home, "Piet", "ander-wachtwoord")
    raw = accounts_path(home).read_text()
    assert "geheim-genoeg" not in raw and "ander-wachtwoord" not in raw
    accounts = load_accounts(home)
    assert all(h.startswith("$argon2id$") for h in accounts.values())
    assert stat.S_IMODE(accounts_path(home).stat().st_mode) == 0o600
    assert check_password(accounts, "Anna de Vries", "geheim-genoeg")
    assert not check_password(accounts, "Anna de Vries", "ander-wachtwoord")
    assert not check_password(accounts, "Niemand", "geheim-genoeg")
    set_password(home, "Piet", "nieuw-wachtwoord")  # a new password replaces the old
    assert not check_password(load_accounts(home), "Piet", "ander-wachtwoord")
    remove(home, "Piet")
    assert list(load_accounts(home)) == ["Anna de Vries"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, "Jan\u202e", "Jan\x9b", "\u200b"])
def test_an_operator_name_is_printable_and_short(tmp_path: Path, name: str) -> None:
    with pytest.raises(BadOperatorName):
        set_password(SiteHome(tmp_path), name, "geheim-genoeg")


def test_a_short_password_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ShortPassword):
        set_password(SiteHome(tmp_path), "Anna", "kort")


def test_the_alert_is_the_committed_file_short_and_small() -> None:
    assert TARGET.read_bytes() == alert_wav()
    with wave.open(str(TARGET)) as w:
        assert 0.3 < w.getnframes() / w.getframerate() < 1.5
    assert TARGET.stat().st_size < 8000


def test_every_template_and_static_file_is_package_data() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = data["package-data"]["nsplink.console"]
    files = [p.relative_to(CONSOLE).as_posix() for p in CONSOLE.rglob("*")
             if p.is_file() and p.suffix != ".py" and "__pycache__" not in p.parts]  # fmt: skip
    assert files
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert missing == []

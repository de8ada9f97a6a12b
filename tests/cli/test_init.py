"""`nsplink init` as a volunteer runs it: a real subprocess, Dutch by default."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from nsplink.app.config import load_config
from nsplink.app.keys import load_identity
from nsplink.app.site import SiteHome


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NSPLINK_")}
    return subprocess.run(
        [sys.executable, "-m", "nsplink", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_init_writes_config_and_0600_key(tmp_path: Path) -> None:
    home = tmp_path / "site"
    res = run("init", "--site", "NSP Café ’t Hoekje", "--role", "nsp", "--region", "vr08",
              "--home", str(home))  # fmt: skip
    assert res.returncode == 0, res.stderr
    cfg = load_config(SiteHome(home))
    assert (cfg.site, cfg.role, cfg.region, cfg.lang) == ("NSP Café ’t Hoekje", "nsp", "VR08", "nl")
    key_path = SiteHome(home).key_path
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    ident = load_identity(key_path)
    assert str(ident.key_id) in res.stdout
    assert "Post ingericht" in res.stdout


def test_init_refuses_existing_key_unless_forced(tmp_path: Path) -> None:
    home = str(tmp_path / "site")
    args = ["init", "--site", "CP Oost", "--role", "cp", "--region", "VR05", "--home", home]
    assert run(*args).returncode == 0
    before = SiteHome(Path(home)).key_path.read_bytes()
    res = run(*args)
    assert res.returncode != 0
    assert "--force" in res.stderr and "Traceback" not in res.stderr
    assert SiteHome(Path(home)).key_path.read_bytes() == before
    res = run(*args, "--force")
    assert res.returncode == 0
    assert SiteHome(Path(home)).key_path.read_bytes() != before


def test_english_and_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    home = str(tmp_path / "site")
    cases = [
        (["--site", "X", "--role", "boss", "--region", "VR08"], "role"),
        (["--site", "", "--role", "nsp", "--region", "VR08"], "site name"),
        (["--site", "X", "--role", "nsp", "--region", "Gelderland Zuid!"], "region code"),
    ]
    for args, word in cases:
        res = run("--lang", "en", "init", *args, "--home", home)
        assert res.returncode == 2
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and word in lines[0], res.stderr
    assert not Path(home, "identity.key").exists()


def test_lang_option_on_init_sets_the_site_language(tmp_path: Path) -> None:
    home = tmp_path / "site"
    res = run("init", "--site", "Relay Toren", "--role", "relay", "--region", "VR08",
              "--home", str(home), "--lang", "en")  # fmt: skip
    assert res.returncode == 0 and "Site set up" in res.stdout
    assert load_config(SiteHome(home)).lang == "en"

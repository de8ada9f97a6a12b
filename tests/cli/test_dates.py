"""One date format on every screen a volunteer or operator reads (issue 20): 'wo 4 dec 21:15'
in Dutch, 'Wed 4 Dec 21:15' in English, from one formatter; run as real CLI processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from nsplink.app.site import SiteHome
from nsplink.cli.render.table import clock
from nsplink.protocol import (
    ALL_NSPS,
    Bulletin,
    Callback,
    Emergency,
    Incident,
    Services,
    minutes_since_epoch,
)
from tests.cli.cli_sites import homes, queue, receive, run

ROOT = Path(__file__).resolve().parents[2]
MONTHS = "jan|feb|mrt|apr|mei|jun|jul|aug|sep|okt|nov|dec"
NL = re.compile(rf"\b(ma|di|wo|do|vr|za|zo) \d{{1,2}} ({MONTHS}) \d\d:\d\d\b")
EN = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d\d:\d\d\b")
ISO = re.compile(r"\d{4}-\d\d-\d\d|\d\d-\d\d-\d{4}|\b\d\d-\d\d \d\d:\d\d")


def nsplink(home: SiteHome, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "NSPLINK_LANG"}
    done = subprocess.run(
        [sys.executable, "-m", "nsplink", "--home", str(home.root), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_formatter_speaks_both_languages_and_adds_the_year_only_when_needed() -> None:
    at = datetime(2026, 12, 2, 21, 15).timestamp()
    assert clock(at, "nl", now=at) == "wo 2 dec 21:15"
    assert clock(at, "en", now=at) == "Wed 2 Dec 21:15"
    assert clock(at, "nl", now=datetime(2027, 1, 1).timestamp()) == "wo 2 dec 2026 21:15"
    assert clock(None, "nl") == "—"


@pytest.fixture
def sites(tmp_path: Path) -> dict[str, SiteHome]:
    s = homes(tmp_path)
    report = Emergency(Incident.MED, Services.A, landmark="bij de kerk", callback=Callback.NSP)
    _, frame = run(queue(s["nsp-houten"], report))
    run(receive(s["cp-utrecht"], frame, "nsp-houten"))
    until = minutes_since_epoch(time.time() + 6 * 3600)
    bulletin = Bulletin("Water", "Bij de kazerne", until, "VRU")
    _, frame = run(queue(s["cp-utrecht"], bulletin, dest=ALL_NSPS))
    run(receive(s["nsp-houten"], frame, "cp-utrecht"))
    return s


@pytest.mark.parametrize(("lang", "pattern"), [("nl", NL), ("en", EN)])
def test_show_outbox_bulletins_status_handover_use_the_one_format(
    sites: dict[str, SiteHome], lang: str, pattern: re.Pattern[str]
) -> None:
    screens = {
        "show": nsplink(sites["cp-utrecht"], "--lang", lang, "show", "1"),
        "outbox": nsplink(sites["nsp-houten"], "--lang", lang, "outbox"),
        "bulletins": nsplink(sites["nsp-houten"], "--lang", lang, "bulletins"),
        "handover": nsplink(sites["cp-utrecht"], "--lang", lang, "handover"),
        "status": nsplink(sites["nsp-houten"], "--lang", lang, "status"),
    }
    for name, screen in screens.items():
        if name not in ("status", "outbox"):  # moments there only once the radio has worked
            assert pattern.search(screen), (name, screen)
        assert not ISO.search(screen), (name, screen)
    assert len(pattern.findall(screens["bulletins"])) >= 3  # as of, valid until, sent at

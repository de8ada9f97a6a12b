"""`make demo` runs the real round trip and exits 0, in Dutch by default and in English."""

from __future__ import annotations

import os
import subprocess
import sys


def _demo(lang: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NSPLINK_LANG": lang}
    return subprocess.run(
        [sys.executable, "-m", "nsplink.demo"], capture_output=True, text=True, timeout=120, env=env
    )


def test_demo_round_trip_in_both_languages() -> None:
    nl = _demo("nl")
    assert nl.returncode == 0, nl.stderr
    assert "handtekening klopt" in nl.stdout and "geweigerd" in nl.stdout
    # the receipt in words, not the store's state name (issue 20: "(status delivered)")
    assert "ontvangstbevestiging van de CP binnen" in nl.stdout
    assert "delivered" not in nl.stdout and "zaad" not in nl.stdout
    en = _demo("en")
    assert en.returncode == 0, en.stderr
    assert "signature verified" in en.stdout and "reassembled: yes" in en.stdout

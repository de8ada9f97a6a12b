"""What reaches the CP operator's terminal (issue 18 C, second line): rows that hold hostile
text anyway (written by an older release, or by a tamperer: a sender site name, an operator's
note, a report) are shown with every invisible character escaped. Read as raw screen bytes from
a real pseudo-terminal."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pexpect
import pytest

from nsplink.protocol import Bulletin, Emergency
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.cli.cli_sites import forged, homes, run
from tests.protocol.test_hostile_text import HOSTILE
from tests.scenario.helpers import emergency

ROOT = Path(__file__).resolve().parents[2]
RAW = [c for c in HOSTILE.values() if c != "\x1b"]  # ESC starts our own colour codes


def screen(home: Path, *args: str) -> str:
    env = dict(os.environ, PYTHONUNBUFFERED="1", NSPLINK_LANG="en", COLUMNS="200")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "nsplink", "--home", str(home), *args],
        cwd=str(ROOT),
        env=env,
        encoding="utf-8",
        codec_errors="surrogateescape",
        timeout=30,
        dimensions=(60, 250),
    )
    child.expect(pexpect.EOF)
    child.close()
    return child.before or ""


def test_hostile_text_in_stored_rows_is_escaped_on_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cp = homes(tmp_path)["cp-utrecht"]
    mark = "".join(RAW)
    with monkeypatch.context() as m:  # a frame from before the check existed
        for cls in (Bulletin, Emergency):  # validation off for signing only, not for decode
            m.setattr(cls, "validate", lambda self: None)
        frame = forged(emergency(f"Man onwel{mark} ademt zwaar"))
        hostile_bulletin = Bulletin(
            headline=f"Drinkwater{mark}", body="Sporthal", valid_until=2**24 - 2, issuer="VR"
        )
        bframe = forged(hostile_bulletin, seq=2)
    ref = "abcdef-1"

    async def rows() -> None:
        now = time.time()
        async with await Store.open(cp.db_path) as store:
            for r, type_, site, fr, seal in (
                (ref, "emergency", f"nsp{mark}houten", frame, True),
                ("abcdef-2", "bulletin", f"cp{mark}", bframe, False),
            ):
                got = {"sender": "abcdef", "seq": int(r[-1]), "sender_site": site}
                got |= {"type": type_, "priority": "P1"}
                await store.append_many(
                    [
                        Event(ev.MESSAGE_RECEIVED, now, "cp-utrecht", r, got, fr, seal_frame=seal),
                        Event(ev.MESSAGE_QUARANTINED, now, "cp-utrecht", r, {"code": f"x{mark}"}),
                    ]
                )
            data = {"state": "BEH", "operator": f"Jan{mark}", "note": f"bel{mark}terug"}
            await store.append(Event(ev.TRIAGE_CHANGED, now, "cp-utrecht", ref, data))

    run(rows())
    outputs = {
        "queue": screen(cp.root, "queue", "--all"),
        "show": screen(cp.root, "show", "1"),
        "log show": screen(cp.root, "log", "show"),
        "log export": screen(cp.root, "log", "export"),
        "bulletins": screen(cp.root, "bulletins"),
    }
    for name, text in outputs.items():
        for ch in RAW:
            assert ch not in text, f"{name} printed U+{ord(ch):04X} raw"
    assert "\\u202e" in outputs["queue"] and "\\u202e" in outputs["show"]
    assert "\\u202e" in outputs["log show"] and "\\u202e" in outputs["log export"]

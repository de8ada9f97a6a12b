"""CP operator commands against a real CP log: `queue` (and --watch in a pty), `handle`, `show`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from nsplink.app.nudge import bind
from nsplink.app.roster import seal_key_path
from nsplink.app.site import SiteHome
from nsplink.cli.app import app
from nsplink.protocol import (
    ALL_NSPS,
    Answer,
    Bulletin,
    Category,
    Emergency,
    Incident,
    NspState,
    Power,
    Services,
    Sitrep,
    Supply,
    Unit,
    Urgency,
    minutes_since_epoch,
)
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.cli.cli_sites import event_count, events, forged, homes, queue, receive, run

ROOT = Path(__file__).resolve().parents[2]
NOW = time.time()


@pytest.fixture
def cp_log(tmp_path: Path) -> dict[str, SiteHome]:
    """A CP that received, in this order: a routine sitrep (1), an urgent supply request (2), a
    life-threatening emergency (3), an unverified emergency (4), a bulletin copy (5)."""
    sites = homes(tmp_path)
    cp, houten, bunnik = sites["cp-utrecht"], sites["nsp-houten"], sites["nsp-bunnik"]

    async def fill() -> None:
        _, f1 = await queue(bunnik, Sitrep(NspState.OPEN, Power.AGG, 8, 1, 3, 40), at=NOW - 3000)
        await receive(cp, f1, "nsp-bunnik", at=NOW - 2990)
        supply = Supply(Category.WATER, 200, Unit.L, Urgency.DIRECT, item="flessen")
        _, f2 = await queue(bunnik, supply, at=NOW - 1200)
        await receive(cp, f2, "nsp-bunnik", at=NOW - 1190)
        emergency = Emergency(
            Incident.REA, Services.A, 1, life_threat=Answer.JA, street="Ĳsselkade",
            number="3", place="Wijk bij Duurstede", reporter="Zoë", text="ë é ĳ ’",
        )  # fmt: skip
        _, f3 = await queue(houten, emergency, at=NOW - 300)
        await receive(cp, f3, "nsp-houten", at=NOW - 290)
        fake = forged(Emergency(Incident.BRA, Services.B, 2, landmark="bij de molen"))
        await receive(cp, fake, "?", at=NOW - 200, trusted=False)
        bulletin = Bulletin("Kop", "Tekst", minutes_since_epoch(NOW + 3600), "VR")
        _, f5 = await queue(cp, bulletin, dest=ALL_NSPS)
        await receive(cp, f5, "cp-utrecht", at=NOW - 100)

    run(fill())
    return sites


def cli(home: SiteHome, *args: str, lang: str | None = None) -> tuple[int, str]:
    pre = ["--lang", lang] if lang else []
    result = CliRunner().invoke(app, [*pre, "--home", str(home.root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_queue_most_urgent_first_then_oldest_quarantine_apart(
    cp_log: dict[str, SiteHome],
) -> None:
    code, out = cli(cp_log["cp-utrecht"], "queue")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].startswith("Wachtrij cp-utrecht — 4 open, 0 afgehandeld")
    marker = next(i for i, line in enumerate(lines) if line.startswith("!! NIET GEVERIFIEERD"))
    verified = [line.split()[0] for line in lines[2:marker] if line.strip()]
    assert verified == ["3", "2", "1"]  # P1, P2, P3 whatever the arrival order
    assert "reanimatie — Ĳsselkade 3, Wijk bij Duurstede" in out
    assert "200 liter flessen" in out and "nsp-bunnik" in out
    quarantined = [line for line in lines[marker + 1 :] if line.strip()]
    assert quarantined[1].split()[0] == "4" and "quarantaine" in quarantined[1]
    assert "bij de molen" not in "\n".join(lines[:marker])  # never among the verified
    assert "Kop" not in out  # bulletins are not CP work items


def test_handle_records_triage_nudges_the_daemon_and_hides_closed_items(
    cp_log: dict[str, SiteHome],
) -> None:
    cp = cp_log["cp-utrecht"]
    daemon_socket = bind(cp)  # stands in for the daemon's end of the nudge
    try:
        code, out = cli(cp, "handle", "3", "--status", "gezien", "--note", "Ambulance onderweg, ë",
                        "--operator", "J. de Vries")  # fmt: skip
        assert code == 0, out
        assert "Nr 3" in out and "gezien" in out and "ontvangstbevestiging" in out
        assert daemon_socket.recv(16) == b"n"
    finally:
        daemon_socket.close()
    [rec] = run(events(cp, ev.TRIAGE_CHANGED))
    assert rec.data == {"state": "GEZ", "operator": "J. de Vries", "note": "Ambulance onderweg, ë"}
    code, out = cli(cp, "handle", "2", "-s", "afgehandeld")
    assert code == 0, out
    code, out = cli(cp, "queue")
    assert "3 open, 1 afgehandeld (verborgen; --all toont alles)" in out
    assert "gezien" in out and "200 liter" not in out
    code, out = cli(cp, "queue", "--all")
    assert "200 liter" in out and "afgehandeld" in out


def test_handle_by_message_number_and_english_state(cp_log: dict[str, SiteHome]) -> None:
    cp = cp_log["cp-utrecht"]

    async def ref_of(local_id: int) -> str:
        async with await Store.open(cp.db_path) as store:
            item = await store.inbox_item(local_id)
            assert item is not None
            return item.ref

    ref = run(ref_of(1))
    code, out = cli(cp, "handle", ref.upper(), "--status", "forwarded to dispatch", lang="en")
    assert code == 0, out
    assert "forwarded to dispatch" in out
    assert run(events(cp, ev.TRIAGE_CHANGED))[0].data["state"] == "MKAMER"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["handle", "99", "-s", "gezien"], "Geen melding met nummer 99"),
        (["handle", "abc-1", "-s", "gezien"], "Geen melding met nummer abc-1"),
        (["handle", "3", "-s", "misschien"], "Onbekende status 'misschien'. Kies een van: gezien"),
        (["handle", "3", "-s", "ONTV"], "Onbekende status 'ONTV'"),
        (["handle", "3", "-s", "BEH", "-n", "a\x1b[2Jb"], "stuurtekens"),
        (["handle", "3", "-s", "BEH", "-n", "x" * 501], "maximaal 500 tekens"),
        (["show", "0"], "Geen melding met nummer 0"),
        (["show", "99999999999999999999"], "Geen melding met nummer"),
    ],
)
def test_wrong_input_is_one_line_and_changes_nothing(
    cp_log: dict[str, SiteHome], args: list[str], message: str
) -> None:
    cp = cp_log["cp-utrecht"]
    before = run(event_count(cp))
    code, out = cli(cp, *args)
    assert code == 2, out
    assert message in out and len(out.strip().splitlines()) == 1
    assert run(event_count(cp)) == before


def test_show_reads_like_a_message_form(cp_log: dict[str, SiteHome]) -> None:
    code, out = cli(cp_log["cp-utrecht"], "show", "3")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "PRIORITEIT: P1 — LEVENSGEVAAR / DIRECT"  # the priority is said first
    assert lines[1].startswith("NOODHULPMELDING   nr 3, bericht ")
    labels = [line.split(":")[0].strip() for line in lines[3:]]
    order = ["Van post", "Gemeld om", "Ontvangen om", "Echtheid", "Afhandelstatus",
             "Locatie / adres", "Gespeld", "Herkenningspunt", "Wat is er gebeurd?",
             "Welke hulpdienst?", "Levensgevaar?", "Aanspreekbaar?", "Ademt normaal?",
             "Aantal betrokkenen", "Aantal gewonden", "Gevaar ter plaatse", "Bereikbaarheid",
             "Melder", "Terugbellen / bereikbaar via", "Toelichting"]  # fmt: skip
    assert labels == order
    assert "Ĳsselkade 3, Wijk bij Duurstede" in out
    spelled = next(line for line in lines if line.strip().startswith("Gespeld"))
    assert spelled.split(": ", 1)[1].startswith("IJmuiden Simon Simon Eduard Lodewijk Karel")
    assert "spatie drie spatie Willem IJmuiden Karel" in spelled  # IJ is one letter in Dutch
    assert "handtekening klopt" in out and "Zoë" in out and "ë é ĳ ’" in out


def test_show_marks_an_unverified_report(cp_log: dict[str, SiteHome]) -> None:
    code, out = cli(cp_log["cp-utrecht"], "show", "4", lang="en")
    assert code == 0, out
    assert "NOT VERIFIED — do not trust, check first" in out
    assert "quarantined" in out and "fire (BRA)" in out


def test_watch_redraws_in_place_and_shows_new_arrivals(cp_log: dict[str, SiteHome]) -> None:
    """In a real terminal: the first frame clears once, later frames only move the cursor home
    and overwrite; a report that arrives while watching appears in a later frame; --count
    ends the watch by itself."""
    cp = cp_log["cp-utrecht"]
    args = ["-m", "nsplink", "--home", str(cp.root), "queue", "--watch", "--interval", "0.2"]
    child = pexpect.spawn(
        sys.executable,
        [*args, "--count", "300"],  # at most 60 s; the arrival ends it far sooner (Ctrl-C)
        cwd=str(ROOT),
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        encoding="utf-8",
        timeout=30,
    )
    child.expect_exact("Bijgewerkt")
    screen = child.before + child.after
    sitrep = Sitrep(NspState.DICHT, Power.GEEN, 0, 0, 0, 0, text="Gesloten")
    _, frame = run(queue(cp_log["nsp-houten"], sitrep))
    run(receive(cp, frame, "nsp-houten"))
    child.expect_exact("dicht, geen stroom 0 uur")  # picked up by a later redraw
    screen += child.before + child.after
    child.expect_exact("Bijgewerkt")
    child.sendintr()
    child.expect(pexpect.EOF)
    screen += child.before
    child.close()
    assert child.exitstatus == 0
    assert screen.count("\x1b[2J") == 1  # one clear at the start, never between frames
    assert screen.count("\x1b[H") >= 2
    assert "dicht, geen stroom" not in screen.split("\x1b[H")[1]  # not in the first frame
    assert "\x1b[K" in screen and screen.endswith("\x1b[?25h")  # cursor given back


def test_watch_stops_after_count(cp_log: dict[str, SiteHome]) -> None:
    result = CliRunner().invoke(
        app,
        [
            "--home",
            str(cp_log["cp-utrecht"].root),
            "queue",
            "--watch",
            "--interval",
            "0.05",
            "--count",
            "3",
        ],
    )
    assert result.exit_code == 0
    assert result.output.count("\x1b[H") == 3 and result.output.count("Bijgewerkt") == 3


def test_queue_without_a_log_is_one_clear_line(tmp_path: Path) -> None:
    sites = homes(tmp_path)
    code, out = cli(sites["cp-utrecht"], "queue")
    assert code == 2 and len(out.strip().splitlines()) == 1 and "Traceback" not in out


def test_a_garbage_frame_in_the_log_is_shown_as_unreadable(tmp_path: Path) -> None:
    """A received row whose frame does not decode (truncated, random) never breaks the screen."""
    cp = homes(tmp_path)["cp-utrecht"]
    _, good = run(
        queue(homes(tmp_path / "b")["nsp-houten"], Sitrep(NspState.OPEN, Power.NET, 9, 0, 1, 2))
    )

    async def store_bad() -> None:
        async with await Store.open(cp.db_path) as store:
            for n, frame in enumerate((good[:20], os.urandom(200), b"")):
                ref = f"bad-{n}"
                data = {"sender": "abcdef", "seq": n, "sender_site": "nsp-x", "type": "sitrep",
                        "priority": "P3"}  # fmt: skip
                await store.append_many(
                    [
                        Event(ev.MESSAGE_RECEIVED, NOW, "cp", ref, data, frame or None),
                        Event(ev.MESSAGE_QUARANTINED, NOW, "cp", ref, {"code": "bad"}),
                    ]
                )

    run(store_bad())
    code, out = cli(cp, "queue")
    assert code == 0, out
    assert out.count("[onleesbaar]") == 3
    code, out = cli(cp, "show", "2")
    assert code == 0 and "[onleesbaar]" in out and "NIET GEVERIFIEERD" in out


def test_ctrl_c_ends_watch_cleanly(cp_log: dict[str, SiteHome]) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "nsplink", "--home", str(cp_log["cp-utrecht"].root), "queue", "--watch"],
        cwd=str(ROOT),
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
        encoding="utf-8",
        timeout=30,
    )
    child.expect_exact("Ctrl-C")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert child.before.endswith("\x1b[?25h") and "Traceback" not in child.before


def test_without_the_sealing_key_personal_fields_stay_sealed(cp_log: dict[str, SiteHome]) -> None:
    cp = cp_log["cp-utrecht"]
    seal_key_path(cp).unlink()
    code, out = cli(cp, "show", "3")
    assert code == 0, out
    assert "Persoonsgegevens             : versleuteld — alleen leesbaar op een CP" in out
    assert "Ĳsselkade" not in out and "Zoë" not in out
    assert "reanimatie (REA)" in out  # what is not personal stays readable


def test_a_roster_not_signed_by_the_region_is_refused(cp_log: dict[str, SiteHome]) -> None:
    cp = cp_log["cp-utrecht"]
    doc = json.loads(cp.roster_path.read_text("utf-8"))
    doc["sites"][0]["site"] = "indringer"
    cp.roster_path.write_text(json.dumps(doc), "utf-8")
    for args in (["queue"], ["show", "3"], ["status"], ["bulletins"], ["outbox"]):
        code, out = cli(cp, *args)
        assert code == 2 and len(out.strip().splitlines()) == 1, (args, out)
        assert "Traceback" not in out


def test_the_cp_may_change_the_priority_and_the_queue_follows(cp_log: dict[str, SiteHome]) -> None:
    cp = cp_log["cp-utrecht"]
    code, out = cli(cp, "handle", "1", "-s", "BEH", "--priority", "p1", "--note", "kwetsbaar")
    assert code == 0 and "Prioriteit nu: P1 Levensgevaar / direct." in out
    assert run(events(cp, ev.TRIAGE_CHANGED))[0].data["priority"] == "P1"
    code, out = cli(cp, "queue")
    lines = out.splitlines()
    marker = next(i for i, line in enumerate(lines) if line.startswith("!!"))
    rows = [line.split()[:2] for line in lines[2:marker] if line.strip()]
    assert rows == [["3", "P1"], ["1", "P1"], ["2", "P2"]]  # the new P1 before the one in hand
    assert cli(cp, "show", "1")[1].startswith("PRIORITEIT: P1")
    code, out = cli(cp, "handle", "1", "-s", "BEH", "--priority", "P0")
    assert code == 2 and "Onbekende prioriteit 'P0'. Kies een van: P1, P2, P3, P4." in out


def _watch_until_new_p1(cp_log: dict[str, SiteHome], **env: str) -> bytes:
    """The raw bytes of `queue --watch` in a real terminal while a new P1 arrives: after the
    first frame, a life-threatening REA report (nr 6) from nsp-houten."""
    cp = cp_log["cp-utrecht"]
    environ = {k: v for k, v in os.environ.items() if k not in ("NSPLINK_LANG", "NO_COLOR")}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "nsplink", "--home", str(cp.root), "queue", "--watch", "--interval", "0.2"],
        cwd=str(ROOT), env=dict(environ, PYTHONUNBUFFERED="1", TERM="xterm", **env),
        timeout=30, dimensions=(40, 220),
    )  # fmt: skip
    child.expect_exact(b"Bijgewerkt")
    screen = child.before + child.after
    report = Emergency(Incident.REA, Services.A | Services.B, 1, life_threat=Answer.JA,
                       landmark="bij de kerk")  # fmt: skip
    _, frame = run(queue(cp_log["nsp-houten"], report))
    run(receive(cp, frame, "nsp-houten"))
    for _ in range(3):  # the frame with the arrival, and two after it
        child.expect_exact(b"Bijgewerkt")
        screen += child.before + child.after
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    return screen + (child.before or b"")


def _rows(frame: bytes) -> list[bytes]:
    return [line for line in frame.split(b"\r\n") if re.match(rb"^(\x1b\[[\d;]*m)*\d+ ", line)]


def test_watch_new_p1_rings_once_stands_out_and_goes_before_the_seen_one(
    cp_log: dict[str, SiteHome],
) -> None:
    """Issue 20: colour and bold in a terminal, the bell (BEL) once for a new P1, which stands
    first among the P1s in reverse bold red; a life-threat and a services column."""
    cli(cp_log["cp-utrecht"], "handle", "3", "-s", "gezien", "--operator", "A")
    screen = _watch_until_new_p1(cp_log)
    frames = screen.split(b"\x1b[H")
    assert screen.count(b"\x07") == 1  # rung once, though three frames show it
    assert b"\x07" not in frames[1]  # ... when it arrived, not at the start
    header = next(x for x in frames[-1].split(b"\r\n") if b"Levensgevaar" in x)
    assert b"Hulpdienst" in header and header.startswith(b"\x1b[1m")
    rows = _rows(frames[-1])
    first, second = rows[0], rows[1]
    assert first.startswith(b"\x1b[1;7;31m6 ") and b"nieuw" in first  # reverse bold red
    assert b"JA" in first and b"ambulance, brandweer" in first
    assert second.startswith(b"\x1b[1;31m3 ") and b"gezien" in second  # seen: after the new
    assert rows[2].startswith(b"\x1b[1;33m2 ")  # P2 in yellow


def test_watch_without_colour_for_no_color_and_plain_off_a_terminal(
    cp_log: dict[str, SiteHome],
) -> None:
    screen = _watch_until_new_p1(cp_log, NO_COLOR="1")
    # nr 3, a P1 nobody has seen, rings at the start; the arrival once more; then quiet
    assert screen.count(b"\x07") == 2 and b"\x07" in screen.split(b"\x1b[H")[1]
    assert not re.search(rb"\x1b\[[\d;]*3\dm|\x1b\[[\d;]*;3\d", screen)  # no colour at all
    rows = _rows(screen.split(b"\x1b[H")[-1])
    assert rows[0].startswith(b"\x1b[1;7m3 ")  # both new P1s still stand out: bold, reverse
    assert rows[1].startswith(b"\x1b[1;7m6 ")  # ... oldest first among the new ones
    environ = {k: v for k, v in os.environ.items() if k != "NSPLINK_LANG"}
    piped = subprocess.run(
        [sys.executable, "-m", "nsplink", "--home", str(cp_log["cp-utrecht"].root), "queue"],
        cwd=ROOT, env=environ, capture_output=True, timeout=60,
    )  # fmt: skip
    assert piped.returncode == 0 and b"\x1b" not in piped.stdout and b"\x07" not in piped.stdout
    assert b"Levensgevaar" in piped.stdout


def test_handle_help_lists_the_states() -> None:
    environ = {k: v for k, v in os.environ.items() if k != "NSPLINK_LANG"}
    for lang, words in (("nl", ["gezien (GEZ)", "in behandeling (BEH)", "navraag (NAVR)"]),
                        ("en", ["seen (GEZ)", "in progress (BEH)", "done (AFG)"])):  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "nsplink", "--lang", lang, "handle", "--help"],
            cwd=ROOT, env=dict(environ, COLUMNS="200"), capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        flat = " ".join(done.stdout.split())
        for word in words:
            assert word in flat, (lang, word, done.stdout)

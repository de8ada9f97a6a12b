"""`nsplink log verify|rebuild|show|export` against real log files, in-process and as a process."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import re
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nsplink.cli.app import app
from nsplink.cli.log_cmd import SinceInvalid, parse_since
from nsplink.store import SCHEMA_VERSION, Event, Store
from nsplink.store import events as k

ROOT = Path(__file__).resolve().parents[2]
REPORTER = "Jöran van Dijk-Çelik"
CALLBACK = "06-11223344"
ADDRESS = "Kerkstraat 12, Houten"
TEXT = "Buurvrouw (82) onwel, ademt zwaar"


def seed_log(db: Path, extra: int = 0) -> None:
    async def go() -> None:
        async with await Store.open(db) as s:
            base = datetime(2026, 11, 23, 8, 0).astimezone().timestamp()
            await s.append_many(
                [
                    Event(k.DAEMON_STARTED, base, "nsp-houten", data={"version": "0.1"}),
                    Event(
                        k.MESSAGE_CREATED,
                        base + 60,
                        "nsp-houten",
                        "a1b2:1",
                        {
                            "type": "emergency",
                            "destination": "cp-utrecht",
                            "priority": "P1",
                            "sender": "a1b2",
                            "seq": 1,
                            "text": TEXT,
                        },
                        frame=b"\x08\x01signed",
                        seal_frame=True,
                        personal={"reporter": REPORTER, "callback": CALLBACK, "address": ADDRESS},
                    ),
                    Event(k.MESSAGE_QUEUED, base + 61, "nsp-houten", "a1b2:1"),
                    Event(
                        k.MESSAGE_SENT,
                        base + 3600,
                        "nsp-houten",
                        "a1b2:1",
                        {"attempt": 1, "packet_id": 99, "airtime_ms": 1130},
                    ),
                    Event(
                        k.RADIO_ERROR,
                        base + 7200,
                        "cp-utrecht",
                        data={"code": "radio.lost", "detail": "USB ontkoppeld"},
                    ),
                ]
            )
            filler = [
                Event(
                    k.MESSAGE_CREATED,
                    base + 8000 + i,
                    "nsp-houten",
                    f"a1b2:{i + 2}",
                    {
                        "type": "sitrep",
                        "destination": "cp-utrecht",
                        "priority": "P3",
                        "sender": "a1b2",
                        "seq": i + 2,
                    },
                )
                for i in range(extra)
            ]
            await s.append_many(filler)

    asyncio.run(go())


@pytest.fixture
def home(tmp_path: Path) -> Path:
    seed_log(tmp_path / "nsplink.db")
    return tmp_path


def cli(home: Path, *args: str, lang: str | None = None) -> tuple[int, str, str]:
    runner = CliRunner()
    root = ["--home", str(home)] + (["--lang", lang] if lang else [])
    res = runner.invoke(
        app, [*root, "log", *args], env={"NSPLINK_LANG": "", "TZ": os.environ.get("TZ", "")}
    )
    assert "Traceback" not in res.stdout + res.stderr, res.stdout + res.stderr
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    return res.exit_code, res.stdout, res.stderr


def tamper(db: Path, sql: str) -> None:
    raw = sqlite3.connect(db, isolation_level=None)
    raw.execute("DROP TRIGGER events_no_update")
    raw.execute("DROP TRIGGER events_no_delete")
    raw.execute(sql)
    raw.close()


def test_verify_good_log_in_dutch_and_english(home: Path) -> None:
    code, out, _ = cli(home, "verify")
    assert code == 0
    first, paper = out.strip().splitlines()
    assert first == "Logboek in orde: 5 gebeurtenissen, keten sluitend tot en met #5."
    assert re.fullmatch(r"Kop voor het papieren logboek: #5( [a-z]+){4}", paper)
    code, out, _ = cli(home, "verify", lang="en")
    first, paper = out.strip().splitlines()
    assert code == 0 and first == "Log is intact: 5 events, chain complete up to #5."
    assert re.fullmatch(r"Head for the paper log: #5( [a-z]+){4}", paper)


@pytest.mark.parametrize(
    ("sql", "row"),
    [
        ("UPDATE events SET data = '{}' WHERE id = 4", 4),
        ("DELETE FROM events WHERE id = 3", 3),
        ("DELETE FROM events WHERE id = 5", 5),
    ],
)
def test_verify_broken_log_names_the_first_bad_row(home: Path, sql: str, row: int) -> None:
    tamper(home / "nsplink.db", sql)
    code, out, err = cli(home, "verify")
    assert code == 1 and out == ""
    assert err.startswith(f"Logboek NIET in orde: eerste foute rij #{row}: ")
    assert len(err.strip().splitlines()) == 1


def test_verify_notices_removed_protection(home: Path) -> None:
    tamper(home / "nsplink.db", "SELECT 1")
    code, out, err = cli(home, "verify", lang="en")
    assert code == 1 and "intact" in out and "protection" in err


def test_missing_log_is_one_line_and_is_not_created(tmp_path: Path) -> None:
    for cmd in (["verify"], ["rebuild"], ["show"], ["export"]):
        code, out, err = cli(tmp_path, *cmd)
        assert code == 2 and out == ""
        assert "nsplink init" in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_newer_and_damaged_logs_are_refused_with_one_line(home: Path) -> None:
    db = home / "nsplink.db"
    raw = sqlite3.connect(db)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 3}")
    raw.close()
    code, _, err = cli(home, "verify", lang="en")
    assert code == 2 and "newer nsplink" in err and "Upgrade" in err
    with open(db, "r+b") as fh:
        fh.write(b"\x00" * 64)
    code, _, err = cli(home, "show")
    assert code == 2 and "beschadigd" in err and len(err.strip().splitlines()) == 1


def test_rebuild_repairs_views_damaged_behind_the_store(home: Path) -> None:
    db = home / "nsplink.db"
    raw = sqlite3.connect(db)
    raw.execute("UPDATE outbox SET state = 'delivered', attempts = 9")
    raw.commit()
    raw.close()
    code, out, _ = cli(home, "rebuild")
    assert code == 0 and out.strip() == "Overzichten opnieuw opgebouwd uit 5 gebeurtenissen."
    raw = sqlite3.connect(db)
    assert raw.execute("SELECT state, attempts FROM outbox").fetchall() == [("handed", 1)]
    raw.close()


def test_show_filters_by_kind_site_and_since(home: Path) -> None:
    code, out, _ = cli(home, "show")
    assert code == 0 and len(out.splitlines()) == 5
    assert REPORTER not in out and "[persoonsgegevens]" in out
    _, out, _ = cli(home, "show", "--kind", "message")
    assert [line.split()[0] for line in out.splitlines()] == ["#2", "#3", "#4"]
    _, out, _ = cli(home, "show", "--kind", "message.sent", "--kind", "radio.error")
    assert [line.split()[0] for line in out.splitlines()] == ["#4", "#5"]
    _, out, _ = cli(home, "show", "--site", "cp-utrecht")
    assert "USB ontkoppeld" in out and len(out.splitlines()) == 1
    _, out, _ = cli(home, "show", "--since", "2026-11-23T09:00")
    assert [line.split()[0] for line in out.splitlines()] == ["#4", "#5"]
    _, out, _ = cli(home, "show", "--since", "2030-01-01", lang="en")
    assert out.strip() == "No events found."


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["show", "--since", "gisteren"], "geen geldig tijdstip"),
        (["show", "--since", "99x"], "geen geldig tijdstip"),
        (["show", "--kind", "Message Sent!"], "geen soort gebeurtenis"),
        (["export", "--format", "xml"], "Kies jsonl of csv"),
    ],
)
def test_bad_options_are_one_clear_line(home: Path, args: list[str], fragment: str) -> None:
    code, out, err = cli(home, *args)
    assert code == 2 and out == "" and fragment in err
    assert len(err.strip().splitlines()) == 1


def test_parse_since_forms() -> None:
    now = datetime(2026, 11, 23, 12, 0).astimezone()
    assert parse_since("90m", now) == now.timestamp() - 5400
    assert parse_since("2d", now) == now.timestamp() - 2 * 86400
    assert parse_since("2026-11-23T12:00", now) == now.timestamp()
    assert (
        parse_since("2026-11-23T11:00+00:00", now)
        == datetime.fromisoformat("2026-11-23T11:00+00:00").timestamp()
    )
    for bad in ("", "morgen", "-5h", "10y", "2026-13-01"):
        with pytest.raises(SinceInvalid):
            parse_since(bad, now)


def test_export_jsonl_has_everything_and_redact_drops_personal_data(home: Path) -> None:
    code, out, _ = cli(home, "export", "--format", "jsonl")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[1]["personal"] == {"reporter": REPORTER, "callback": CALLBACK, "address": ADDRESS}
    assert rows[1]["frame"] == b"\x08\x01signed".hex() and rows[1]["data"]["text"] == TEXT
    assert rows[3]["data"] == {"attempt": 1, "packet_id": 99, "airtime_ms": 1130}
    code, out, _ = cli(home, "export", "--redact")
    assert code == 0
    for secret in (REPORTER, CALLBACK, ADDRESS, TEXT, b"signed".hex()):
        assert secret not in out
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5 and "personal" not in rows[1] and "frame" not in rows[1]
    assert rows[1]["data"]["type"] == "emergency" and rows[1]["data"]["priority"] == "P1"


def test_export_csv_keeps_diacritics_and_counts(home: Path) -> None:
    code, out, _ = cli(home, "export", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(rows) == 5
    assert json.loads(rows[1]["personal"])["reporter"] == REPORTER
    assert json.loads(rows[4]["data"])["detail"] == "USB ontkoppeld"
    code, out, _ = cli(home, "export", "--format", "csv", "--redact", "--kind", "message")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3 and "personal" not in rows[0] and REPORTER not in out


def test_export_to_a_file_is_whole_or_absent(home: Path) -> None:
    target = home / "export.jsonl"
    code, out, _ = cli(home, "export", "-o", str(target))
    assert code == 0 and "5 gebeurtenissen" in out
    assert len(target.read_text(encoding="utf-8").splitlines()) == 5
    code, _, err = cli(home, "export", "-o", str(target))
    assert code == 2 and "bestaat al" in err
    code, _, err = cli(home, "export", "-o", str(home / "no" / "dir.jsonl"))
    assert code == 2 and "Kan" in err
    assert not list(home.glob("*.part"))


# -- as a real process: faults the store cannot paper over ------------------------------------


def nsplink(
    home: Path, *args: str, rlimit_fsize: int | None = None, prefix: list[str] | None = None
) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if rlimit_fsize is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (rlimit_fsize, rlimit_fsize))

    return subprocess.run(
        [*(prefix or []), sys.executable, "-m", "nsplink", "--home", str(home), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=limit,
        env={**os.environ, "NSPLINK_LANG": "nl"},
    )


def test_full_disk_during_rebuild_is_one_line_and_keeps_the_log(tmp_path: Path) -> None:
    db = tmp_path / "nsplink.db"
    seed_log(db, extra=3000)
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    res = nsplink(tmp_path, "log", "rebuild", rlimit_fsize=64 * 1024)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "schijf is vol" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    ok = nsplink(tmp_path, "log", "verify")
    assert ok.returncode == 0 and "3005 gebeurtenissen" in ok.stdout


@pytest.fixture
def shared_home() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="nsplink-cli-ro-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        path.chmod(0o755)
        shutil.rmtree(path)


def test_read_only_directory_is_one_line_and_changes_nothing(shared_home: Path) -> None:
    seed_log(shared_home / "nsplink.db")
    raw = sqlite3.connect(shared_home / "nsplink.db")
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    for extra in ("-wal", "-shm"):
        (shared_home / f"nsplink.db{extra}").unlink(missing_ok=True)
    before = (shared_home / "nsplink.db").read_bytes()
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("root without setpriv: permission bits cannot be enforced")
        prefix = [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]
    shared_home.chmod(0o555)
    res = nsplink(shared_home, "log", "rebuild", prefix=prefix)
    shared_home.chmod(0o755)
    assert res.returncode == 2, res.stdout + res.stderr
    assert "rechten van de map" in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert (shared_home / "nsplink.db").read_bytes() == before

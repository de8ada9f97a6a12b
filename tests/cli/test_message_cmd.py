"""`nsplink send message --to SITE`: free text between a CP and one NSP, signed and receipted
like a report, readable (it belongs to no report, so nothing to seal), in Dutch and English."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from nsplink.app.roster import keyring, load_roster
from nsplink.cli.app import app
from nsplink.protocol import Note, NoteKind, decode
from nsplink.store import events as ev
from tests.cli.cli_sites import events, homes, run


def _send(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--home", str(home), *args])
    return result.exit_code, result.output


def test_a_free_message_to_one_nsp(tmp_path: Path) -> None:
    sites = homes(tmp_path)
    cp = sites["cp-utrecht"]
    code, out = _send(
        cp.root, "send", "message", "Kunnen jullie morgen om 9 uur water halen?",
        "--to", "nsp-houten", "--operator", "Anna",
    )  # fmt: skip
    assert code == 0, out
    assert "Bericht aan nsp-houten in de wachtrij als" in out
    (rec,) = run(events(cp, ev.MESSAGE_CREATED))
    ring = keyring(load_roster(cp.roster_path)[1])
    env = decode(rec.frame, ring).envelope
    assert isinstance(env.body, Note) and env.body.kind is NoteKind.MESSAGE
    assert env.body.text.startswith("Kunnen jullie") and env.body.operator == "Anna"
    assert env.body.about is None and not env.body.sealed
    houten = next(p for p in ring if p.site == "nsp-houten")
    assert env.destination.site == houten.key_id  # to that one NSP, not to all

    code, out = _send(
        cp.root, "--lang", "en", "send", "message", "Water at 9?", "--to", "nsp-bunnik",
        "--operator", "Anna",
    )  # fmt: skip
    assert code == 0 and "Message to nsp-bunnik queued as" in out, out


def test_a_message_to_an_unknown_site_is_one_line(tmp_path: Path) -> None:
    sites = homes(tmp_path)
    code, out = _send(sites["cp-utrecht"].root, "send", "message", "Hallo", "--to", "nsp-nergens")
    assert code == 2
    assert len(out.strip().splitlines()) == 1 and "nsp-nergens" in out

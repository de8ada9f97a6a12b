"""The guided forms as a volunteer meets them: `nsplink send` in a real pseudo-terminal.

Each test runs the real CLI process under pexpect, types wrong answers at the questions, and
then checks what the site's SQLite log holds: the signed frame decoded back, or, after Ctrl-C
or "nee", not one new event.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from nsplink.app.roster import keyring, load_roster
from nsplink.app.site import SiteHome
from nsplink.cli.app import app
from nsplink.protocol import (
    Answer,
    Callback,
    Emergency,
    Hazard,
    Incident,
    NspState,
    Power,
    Priority,
    Services,
    Sitrep,
    Supply,
    decode,
)
from nsplink.store import events as ev
from tests.cli.cli_sites import event_count, events, homes, queue, receive, run

ROOT = Path(__file__).resolve().parents[2]
REPORTER = "Zoë d’Hondt-Ĳzerman"
TEXT = "Buurvrouw ademt zwaar; café, ë é ĳ ’"


class Form:
    """Drive one `nsplink send` process question by question."""

    def __init__(self, home: SiteHome, *args: str) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", NSPLINK_CRASH_LOG=str(home.root / "crash"))
        env.pop("NSPLINK_LANG", None)
        self.child = pexpect.spawn(
            sys.executable,
            ["-m", "nsplink", "--home", str(home.root), *args],
            cwd=str(ROOT),
            env=env,
            encoding="utf-8",
            timeout=20,
            dimensions=(50, 200),
        )

    def at(self, label: str, answer: str) -> Form:
        self.child.expect_exact(label)
        self.child.expect_exact("> ")
        self.child.sendline(answer)
        return self

    def wrong(self, error: str, answer: str) -> Form:
        """The previous answer must be refused with `error`; then answer again."""
        self.child.expect_exact(error)
        self.child.expect_exact("> ")
        self.child.sendline(answer)
        return self

    def expect(self, text: str) -> Form:
        self.child.expect_exact(text)
        return self

    def finish(self) -> int:
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert "Traceback" not in (self.child.before or "")
        return int(self.child.exitstatus if self.child.exitstatus is not None else -1)


@pytest.fixture
def sites(tmp_path: Path) -> dict[str, SiteHome]:
    return homes(tmp_path)


def _stored(home: SiteHome) -> Emergency | Sitrep | Supply:
    """The one message the form stored, decoded and signature-checked against the roster."""
    records = run(events(home, ev.MESSAGE_CREATED))
    assert len(records) == 1
    ring = keyring(load_roster(home.roster_path)[1])
    body = decode(records[0].frame, ring).envelope.body
    assert isinstance(body, Emergency | Sitrep | Supply)
    return body


def _shown_at_cp(sites: dict[str, SiteHome], sender: str) -> str:
    """Deliver the stored frame to the CP as its daemon would, and print it with `show`
    (personal fields travel sealed; only the CP opens them)."""
    frame = run(events(sites[sender], ev.MESSAGE_CREATED))[0].frame
    run(receive(sites["cp-utrecht"], frame, sender))
    result = CliRunner().invoke(app, ["--home", str(sites["cp-utrecht"].root), "show", "1"])
    assert result.exit_code == 0, result.output
    return result.output


def test_emergency_form_refuses_wrong_answers_and_stores_diacritics(
    sites: dict[str, SiteHome],
) -> None:
    home = sites["nsp-houten"]
    f = Form(home, "send", "emergency")
    f.at("Straat", "K" * 61).wrong("te lang (61 tekens), maximaal 60", "IJsselkade")
    f.at("Huisnummer", "12345678901").wrong("te lang", "3a")
    f.at("Postcode", "3981 ABCD").wrong("maximaal 7", "3981 AB")
    f.at("Plaats", "Bunnik")
    f.at("Herkenningspunt", "")
    f.at("Wat is er gebeurd?", "XYZ").wrong("kies een van: MED, LET", "3")
    f.at("Welke hulpdienst?", "Q").wrong("kies minstens één hulpdienst", "a,b")
    f.at("Levensgevaar?", "misschien").wrong("antwoord ja, nee of weet ik niet", "ja")
    f.at("Aanspreekbaar?", "")
    f.at("Ademt normaal?", "nee")
    f.at("Aantal betrokkenen", "twee").wrong("vul een heel getal in", "300")
    f.wrong("moet een heel getal van 0 tot en met 255 zijn", "2")
    f.at("Aantal gewonden", "-1").wrong("van 0 tot en met 255", "")
    f.at("Gevaar ter plaatse", "VUUR,XX").wrong("kies een van: GEEN, VUUR", "rook")
    f.at("Bereikbaarheid", "")
    f.at("Melder", REPORTER)
    f.at("Terugbellen / bereikbaar via", "TEL")
    f.at("Telefoonnummer", "bel maar").wrong("vul een telefoonnummer in", "06-12345678")
    f.at("Toelichting", TEXT)
    f.at("Prioriteit", "P9").wrong("kies een van: P1, P2, P3, P4", "")
    f.expect("Controleer het bericht:").expect("IJsselkade 3a, 3981 AB Bunnik")
    f.expect("Past in één radiobericht")
    f.expect("Adres, melder, telefoon en toelichting gaan versleuteld: alleen een CP kan ze lezen.")
    f.expect("Versturen? (ja/nee) > ").child.sendline("misschien")
    f.expect("antwoord ja of nee").expect("Versturen? (ja/nee) > ").child.sendline("ja")
    f.expect("Bericht opgeslagen (nog niet verstuurd).")  # no daemon runs in this test
    f.expect("de achtergronddienst van deze post draait niet")
    assert f.finish() == 0

    body = _stored(home)
    assert isinstance(body, Emergency)
    shown = _shown_at_cp(sites, "nsp-houten")
    assert "IJsselkade 3a, 3981 AB Bunnik" in shown
    assert REPORTER in shown and TEXT in shown and "06-12345678" in shown
    assert body.incident is Incident.REA and body.services == Services.A | Services.B
    assert body.life_threat is Answer.JA and body.conscious is Answer.ONB
    assert body.breathing is Answer.NEE and body.people_involved == 2 and body.injured is None
    assert body.hazards == (Hazard.ROOK,)
    assert body.callback is Callback.TEL
    created = run(events(home, ev.MESSAGE_CREATED))[0]
    assert created.data["priority"] == Priority.P1.value  # REA: suggested P1, Enter kept it


def test_no_address_and_no_landmark_asks_the_address_again(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    f = Form(home, "send", "emergency", "--incident", "MED", "--services", "A")
    for label in ("Straat", "Huisnummer", "Postcode", "Plaats"):
        f.at(label, "")
    f.at("Herkenningspunt", "")
    f.expect("vul een adres (straat en huisnummer) of een herkenningspunt in")
    f.at("Straat", "")
    for label in ("Huisnummer", "Postcode", "Plaats"):
        f.at(label, "")
    f.at("Herkenningspunt", "bij de kerk")
    f.at("Levensgevaar?", "")
    f.at("Aanspreekbaar?", "")
    f.at("Ademt normaal?", "")
    f.at("Aantal betrokkenen", "1")
    for label in ("Aantal gewonden", "Gevaar ter plaatse", "Bereikbaarheid", "Melder"):
        f.at(label, "")
    f.at("Terugbellen / bereikbaar via", "")
    f.at("Toelichting", "")
    f.at("Prioriteit", "P3")
    f.expect("Versturen? (ja/nee) > ").child.sendline("j")
    f.expect("Berichtnummer:")
    assert f.finish() == 0
    assert isinstance(_stored(home), Emergency)
    assert "Herkenningspunt              : bij de kerk" in _shown_at_cp(sites, "nsp-houten")
    assert run(events(home, ev.MESSAGE_CREATED))[0].data["priority"] == "P3"


def test_ctrl_c_halfway_writes_nothing(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    run(queue(home, Sitrep(NspState.OPEN, Power.NET, 24, 1, 2, 10)))  # the log exists already
    before = run(event_count(home))
    f = Form(home, "send", "supply")
    f.at("Categorie", "water")
    f.at("Omschrijving", "flessen bronwater")
    f.at("Aantal", "nul").wrong("vul een heel getal in", "0")
    f.wrong("van 1 tot en met", "24")
    f.expect("Eenheid").expect("> ")
    f.child.sendintr()
    f.expect("Afgebroken; er is niets half opgeslagen.")
    assert f.finish() == 130
    assert run(event_count(home)) == before


def test_ctrl_c_at_the_confirmation_writes_nothing(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    f = Form(home, "send", "sitrep", "--nsp-state", "OPEN", "--power", "ACCU")
    f.at("Nog uren stroom", "4")
    for label in ("Bemensing: professionals", "Bemensing: vrijwilligers", "Bezoekers"):
        f.at(label, "3")
    for label in ("Wachtenden", "Meldingen doorgegeven", "Behoeften", "Signalen uit de wijk"):
        f.at(label, "")
    f.at("Toelichting", "Koud in de zaal")
    f.at("Prioriteit", "")
    f.expect("Versturen? (ja/nee) > ")
    f.child.sendintr()
    f.expect("Afgebroken")
    assert f.finish() == 130
    assert run(event_count(home)) == 0


def test_saying_no_stores_nothing(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    args = ["--category", "MEDI", "--quantity", "3", "--unit", "DOOS", "--urgency", "DIRECT"]
    f = Form(home, "send", "supply", *args)
    f.at("Omschrijving", "insuline (koelen!)")
    f.at("Voor hoeveel personen", "")
    f.at("Afleveren bij (adres)", "")
    f.at("Toelichting", "")
    f.at("Prioriteit", "")
    f.expect("P2 Spoed")  # DIRECT supply: suggested P2
    f.expect("Versturen? (ja/nee) > ").child.sendline("nee")
    f.expect("Niet verstuurd; er is niets opgeslagen.")
    assert f.finish() == 1
    assert run(event_count(home)) == 0


def test_english_form_with_lang_en(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    f = Form(home, "--lang", "en", "send", "sitrep", "--power", "AGG")
    f.at("NSP status", "closed?").wrong("choose one of: OPEN, BEPERKT", "open")
    f.at("Hours of power left", "1")
    f.at("Fuel (litres)", "20")  # asked only because the power is a generator
    for label in ("Staff: professionals", "Staff: volunteers", "Visitors since last report"):
        f.at(label, "0")
    for label in ("People waiting", "Reports passed on", "Needs", "Signals from the neighbourhood"):
        f.at(label, "")
    f.at("Details", "")
    f.at("Priority", "")
    f.expect("P2 Urgent")  # under 2 hours of power: urgent
    f.expect("Send? (yes/no) > ").child.sendline("yes")
    f.expect("Message saved (not sent yet).").expect("background service is not running")
    assert f.finish() == 0
    body = _stored(home)
    assert isinstance(body, Sitrep) and body.fuel_l == 20 and body.power_hours == 1


def test_bulletin_form_at_a_cp(sites: dict[str, SiteHome]) -> None:
    cp = sites["cp-utrecht"]
    f = Form(cp, "send", "bulletin")
    f.at("Kop", "").wrong("verplicht veld", "W" * 61).wrong(
        "maximaal 60", "Drinkwater bij de kazerne"
    )
    f.at("Tekst", "Neem eigen flessen mee; ook voor de buren’s kinderen.")
    f.expect("Geldig tot").at("Bijvoorbeeld 18:00", "morgenavond")  # the hint under the label
    f.wrong("vul een tijd in", "2020-01-01T10:00")
    f.wrong("dit tijdstip is al voorbij", "6h")
    f.at("Bron", "Veiligheidsregio Utrecht")
    f.at("Prioriteit", "").at("Onderwerp", "water").at("Alleen voor medewerkers", "misschien")
    f.wrong("antwoord ja of nee", "nee")
    f.at("Vervangt", "vorige").wrong("vul een berichtnummer in zoals a1b2c3-42", "")
    f.at("Prioriteit", "")
    f.expect("Aan").expect("alle noodsteunpunten (2)")
    f.expect("Versturen? (ja/nee) > ").child.sendline("ja")
    f.expect("Bericht opgeslagen")
    assert f.finish() == 0
    [rec] = run(events(cp, ev.MESSAGE_CREATED))
    assert rec.data["type"] == "bulletin" and len(rec.data["recipients"]) == 2

"""The guided forms as a volunteer meets them: `nsplink send` in a real pseudo-terminal.

Each test runs the real CLI process under pexpect, types wrong answers at the questions, and
then checks what the site's SQLite log holds: the signed frame decoded back, or, after Ctrl-C
or "nee", not one new event.
"""

from __future__ import annotations

import os
import subprocess
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
    Bulletin,
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
    minutes_since_epoch,
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
    f.at("Straat en huisnummer", "K" * 61).wrong("te lang (61 tekens), maximaal 60", "IJsselkade")
    f.at("Huisnummer", "12345678901").wrong("te lang", "3a")  # asked: the street had none
    f.at("Postcode", "3981 ABCD").wrong("vul een Nederlandse postcode in", "3981ab")
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
    f.at("Telefoonnummer", "bel maar").wrong("geen bestaand telefoonnummer", "06-1234")
    f.wrong("geen bestaand telefoonnummer", "06-12345678")
    f.at("Toelichting", TEXT)
    f.at("Prioriteit", "P9").wrong("kies een van: P1, P2, P3, P4", "")
    f.expect("Controleer het bericht:").expect("IJsselkade 3a, 3981 AB Bunnik")
    f.expect("Past in één radiobericht")
    f.expect("Adres, melder, telefoon en toelichting gaan versleuteld: alleen een CP kan ze lezen.")
    f.expect("Versturen? (ja/nee, of 1-16 om die regel te wijzigen) > ").child.sendline("nooit")
    f.expect("antwoord ja of nee, of typ het nummer (1-16)").expect("Versturen?")
    f.expect("> ").child.sendline("ja")
    f.expect("Bericht opgeslagen (nog niet verstuurd).")  # no daemon runs in this test
    f.expect("de achtergronddienst van deze post draait niet")
    assert f.finish() == 0

    body = _stored(home)
    assert isinstance(body, Emergency)
    shown = _shown_at_cp(sites, "nsp-houten")
    assert "IJsselkade 3a, 3981 AB Bunnik" in shown
    assert REPORTER in shown and TEXT in shown and "06 12345678" in shown  # normalised
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
    for label in ("Straat en huisnummer", "Postcode", "Plaats"):  # no number without a street
        f.at(label, "")
    f.at("Herkenningspunt", "")
    f.expect("vul een adres (straat en huisnummer) of een herkenningspunt in")
    for label in ("Straat en huisnummer", "Postcode", "Plaats"):
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
    f.expect("Versturen? (ja/nee").expect("> ").child.sendline("j")
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
    f.expect("Versturen? (ja/nee").expect("> ")
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
    f.expect("Versturen? (ja/nee").expect("> ").child.sendline("nee")
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
    f.expect("Send? (yes/no, or 1-13 to change that line) > ").child.sendline("yes")
    f.expect("Message saved (not sent yet).").expect("background service is not running")
    assert f.finish() == 0
    body = _stored(home)
    assert isinstance(body, Sitrep) and body.fuel_l == 20 and body.power_hours == 1


def test_bulletin_form_at_a_cp(sites: dict[str, SiteHome]) -> None:
    """Issue 20: the times its hint suggests are accepted (in Dutch words), Bron and Vervangt
    have hints, the priority is asked once, the preview shows only what was asked, and a line
    of the preview can be changed by its number."""
    cp = sites["cp-utrecht"]
    f = Form(cp, "send", "bulletin")
    f.at("Kop", "").wrong("verplicht veld", "W" * 61).wrong(
        "maximaal 60", "Drinkwater bij de kazerne"
    )
    f.at("Tekst", "Neem eigen flessen mee; ook voor de buren’s kinderen.")
    f.expect("Geldig tot").expect("morgen 09:00")  # the hint under the label
    f.at("6u, 90 min, 2 dagen", "morgenavond")
    f.wrong("vul een tijd in zoals 18:00, morgen 09:00", "2020-01-01T10:00")
    f.wrong("dit tijdstip is al voorbij", "morgen 09:00")
    f.expect("Bron").at("Wie de mededeling uitgeeft", "Veiligheidsregio Utrecht")
    f.at("Prioriteit", "").at("Onderwerp", "water").at("Alleen voor medewerkers", "misschien")
    f.wrong("antwoord ja of nee", "nee")
    f.expect("Vervangt").at("Het nummer van de mededeling die hiermee vervalt", "vorige")
    f.wrong("vul een berichtnummer in zoals a1b2c3-42", "")
    f.expect("Controleer het bericht:")
    assert "Prioriteit (" not in (f.child.before or "")  # no second priority question
    f.expect(" 3. Geldig tot").expect(" 09:00")
    f.expect(" 8. Vervangt")
    f.expect("Versturen? (ja/nee, of 1-8 om die regel te wijzigen) > ")
    assert "Doelgroep" not in (f.child.before or "")  # never asked, so not in the preview
    f.child.sendline("3")
    f.at("Geldig tot", "6u")
    f.expect("Controleer het bericht:").expect("Aan").expect("alle noodsteunpunten (2)")
    f.expect("Versturen? (ja/nee").expect("> ").child.sendline("ja")
    f.expect("Bericht opgeslagen")
    assert f.finish() == 0
    [rec] = run(events(cp, ev.MESSAGE_CREATED))
    assert rec.data["type"] == "bulletin" and len(rec.data["recipients"]) == 2
    ring = keyring(load_roster(cp.roster_path)[1])
    body = decode(rec.frame, ring).envelope.body
    assert isinstance(body, Bulletin)
    minutes_left = body.valid_until - minutes_since_epoch(rec.at)
    assert 6 * 60 - 2 <= minutes_left <= 6 * 60 + 1  # the corrected '6u', not 'morgen 09:00'


def test_back_one_question_and_correct_at_the_preview(sites: dict[str, SiteHome]) -> None:
    """Issue 20: '<' goes back one question; the preview changes any answer by its number and
    is shown again; street and number are asked once and shown once; the postcode is checked
    and normalised; life threat with P3 asks once whether P1 was meant, and 'nee' keeps P3."""
    home = sites["nsp-houten"]
    f = Form(home, "send", "emergency", "--incident", "MED", "--services", "A")
    f.at("Straat en huisnummer (mag leeg blijven)", "<").wrong("Verder terug kan niet.", "")
    f.at("Postcode (mag leeg blijven; < = vorige vraag)", "<")  # no number without a street
    f.at("Straat en huisnummer", "Kerkstraat 12a")
    f.at("Postcode", "9636 X").wrong("vul een Nederlandse postcode in", "9636ab")
    f.at("Plaats", "Zuidbroek").at("Herkenningspunt", "bij de molen")
    f.at("Levensgevaar?", "ja").at("Aanspreekbaar?", "").at("Ademt normaal?", "")
    f.at("Aantal betrokkenen", "1").at("Aantal gewonden", "<")
    f.at("Aantal betrokkenen", "2")  # the corrected answer
    for label in ("Aantal gewonden", "Gevaar ter plaatse", "Bereikbaarheid", "Melder"):
        f.at(label, "")
    f.at("Terugbellen / bereikbaar via", "").at("Toelichting", "")
    f.at("Prioriteit (Enter = P1; < = vorige vraag)", "P3")
    f.expect("Levensgevaar: ja, maar de prioriteit is P3 Normaal.")
    f.expect("Prioriteit P1 Levensgevaar / direct maken? (ja/nee) > ").child.sendline("nee")
    f.expect("Controleer het bericht:").expect(" 1. Prioriteit")
    f.expect(" 2. Locatie / adres").expect(": Kerkstraat 12a, 9636 AB Zuidbroek\r\n")
    f.expect(" 9. Aantal betrokkenen").expect(": 2")
    f.expect("Versturen? (ja/nee, of 1-15 om die regel te wijzigen) > ").child.sendline("2")
    f.at("Straat en huisnummer (mag leeg blijven; Enter = Kerkstraat 12a; - = leegmaken)", "<")
    f.wrong("Verder terug kan niet.", "Kerkstraat 14")  # not into answers not being changed
    f.at("Postcode (mag leeg blijven; Enter = 9636 AB; - = leegmaken; < = vorige", "")
    f.at("Plaats", "")
    f.expect("Controleer het bericht:")
    assert "Levensgevaar: ja" not in (f.child.before or "")  # asked once, not at every preview
    f.expect(": Kerkstraat 14, 9636 AB Zuidbroek\r\n").expect(" 3. Herkenningspunt").expect("molen")
    f.expect("Versturen? (ja/nee").expect("> ").child.sendline("3")
    f.at("Herkenningspunt (mag leeg blijven; Enter = bij de molen; - = leegmaken)", "-")
    f.expect(" 3. Herkenningspunt").expect(": —\r\n")
    f.expect("Versturen? (ja/nee").expect("> ").child.sendline("ja")
    f.expect("Berichtnummer:")
    assert f.finish() == 0
    body = _stored(home)
    assert isinstance(body, Emergency) and body.people_involved == 2
    assert "Kerkstraat 14, 9636 AB Zuidbroek" in _shown_at_cp(sites, "nsp-houten")
    assert run(events(home, ev.MESSAGE_CREATED))[0].data["priority"] == "P3"  # as chosen


def test_life_threat_with_a_lower_priority_becomes_p1_when_the_volunteer_says_so(
    sites: dict[str, SiteHome],
) -> None:
    home = sites["nsp-houten"]
    args = ["--incident", "MED", "--services", "A", "--landmark", "bij de kerk"]
    f = Form(home, "send", "emergency", *args, "--priority", "P2", "--callback", "TEL")
    for label in ("Straat en huisnummer", "Postcode", "Plaats"):
        f.at(label, "")
    f.at("Levensgevaar?", "ja").at("Aanspreekbaar?", "").at("Ademt normaal?", "")
    f.at("Aantal betrokkenen", "1")
    for label in ("Aantal gewonden", "Gevaar ter plaatse", "Bereikbaarheid", "Melder"):
        f.at(label, "")
    f.at("Telefoonnummer", "06-1234").wrong("geen bestaand telefoonnummer", "+31612345678")
    f.at("Toelichting", "")
    f.expect("Levensgevaar: ja, maar de prioriteit is P2 Spoed.")
    f.expect("maken? (ja/nee) > ").child.sendline("ja")
    f.expect(" 1. Prioriteit").expect(": P1 Levensgevaar / direct")
    f.expect("15. Telefoonnummer").expect(": 06 12345678")
    f.expect("Versturen? (ja/nee").expect("> ").child.sendline("ja")
    f.expect("Berichtnummer:")
    assert f.finish() == 0
    assert run(events(home, ev.MESSAGE_CREATED))[0].data["priority"] == "P1"


def test_scripted_send_checks_and_normalises_and_warns_without_asking(
    sites: dict[str, SiteHome],
) -> None:
    """With flags and --yes nobody can be asked: postcode and phone are still checked and
    normalised, and life threat with P3 is said on stderr and sent as given."""
    home = sites["nsp-houten"]
    base = [sys.executable, "-m", "nsplink", "--home", str(home.root), "send", "emergency"]
    args = ["--incident", "MED", "--services", "A", "--people-involved", "1"]
    args += ["--street", "Kerkstraat", "--number", "3"]
    env = {k: v for k, v in os.environ.items() if k != "NSPLINK_LANG"}

    def send(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*base, *args, *extra, "--yes"], cwd=ROOT, env=env, capture_output=True, text=True
        )

    bad = send("--postcode", "9636 X")
    assert bad.returncode == 2 and "vul een Nederlandse postcode in" in bad.stderr
    bad = send("--callback", "TEL", "--callback-number", "06-1234")
    assert bad.returncode == 2 and "geen bestaand telefoonnummer" in bad.stderr
    assert run(event_count(home)) == 0
    ok = send("--postcode", "9636ab", "--life-threat", "ja", "--priority", "P3")
    assert ok.returncode == 0, ok.stderr
    assert "levensgevaar ja, maar prioriteit P3 Normaal" in ok.stderr
    assert isinstance(_stored(home), Emergency)
    assert "Kerkstraat 3, 9636 AB" in _shown_at_cp(sites, "nsp-houten")  # sealed: at the CP
    assert run(events(home, ev.MESSAGE_CREATED))[0].data["priority"] == "P3"

"""`nsplink send` without questions: flags, --json, --from-file (JSON/YAML, '-' for stdin).

Run in-process with Typer's CliRunner against real site homes and SQLite logs; every refusal
is one line with exit code 2 and leaves the log without a new event.
"""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from nsplink.app.roster import keyring, load_roster
from nsplink.app.site import SiteHome
from nsplink.cli.app import app
from nsplink.cli.forms.spec import FORMS, ParseContext, parse_value
from nsplink.protocol import (
    Bulletin,
    Emergency,
    Hazard,
    Incident,
    MessageType,
    Services,
    Supply,
    ValidationError,
    decode,
)
from nsplink.store import events as ev
from nsplink.texts import render_error
from tests.cli.cli_sites import event_count, events, homes, receive, run

_R = random.Random(3)
_VISIBLE = [c for c in map(chr, range(0x100, 0x7FF)) if unicodedata.category(c) != "Cf"]
TOO_BIG = json.dumps(  # 8000 two-byte characters that do not compress: far over 4 KiB signed
    {"headline": "x", "issuer": "y", "valid_until": "6h",
     "body": "".join(_R.choice(_VISIBLE) for _ in range(8000))}
)  # fmt: skip
EMERGENCY = ["--incident", "REA", "--services", "AB", "--people-involved", "1"]
ADDRESS = ["--street", "Dorpsstraat", "--number", "7", "--place", "’s-Graveland"]


@pytest.fixture
def sites(tmp_path: Path) -> dict[str, SiteHome]:
    return homes(tmp_path)


def send(home: SiteHome, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--home", str(home.root), "send", *args], input=input)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def created(home: SiteHome) -> list[tuple[dict[str, object], object]]:
    ring = keyring(load_roster(home.roster_path)[1])
    return [(r.data, decode(r.frame, ring).envelope) for r in run(events(home, ev.MESSAGE_CREATED))]


def test_flags_queue_a_durable_emergency_with_the_suggested_priority(
    sites: dict[str, SiteHome],
) -> None:
    home = sites["nsp-houten"]
    code, out = send(home, "emergency", *EMERGENCY, *ADDRESS, "--hazards", "rook, gas")
    assert code == 0, out
    assert "Past in één radiobericht" in out
    assert "Bericht opgeslagen (nog niet verstuurd)." in out  # no daemon runs here
    assert "Start hem met: nsplink --home" in out
    [(data, env)] = created(home)
    assert data["priority"] == "P1" and data["destination"] == "cps"
    assert isinstance(env.body, Emergency)
    assert env.body.incident is Incident.REA and env.body.services == Services.A | Services.B
    assert env.body.hazards == (Hazard.ROOK, Hazard.GAS)
    assert str(env.id) in out  # the message number the volunteer can quote
    queued = run(events(home, ev.MESSAGE_QUEUED))
    assert [r.ref for r in queued] == [str(env.id)]


def test_json_argument_and_diacritics_reach_the_cp(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    form = {
        "incident": "onwel / ziek",  # the Dutch label is accepted as well as the code
        "services": "A",
        "people-involved": 1,
        "landmark": "Café ’t Hoekje, naast de ĳzerhandel",
        "reporter": "Zoë Ëlsink",
        "text": "Meneer (80) is duizelig; geen namen van anderen",
        "priority": "p2",
    }
    code, out = send(home, "emergency", "--json", json.dumps(form, ensure_ascii=False))
    assert code == 0, out
    [(data, _)] = created(home)
    assert data["priority"] == "P2"
    run(receive(sites["cp-utrecht"], run(events(home, ev.MESSAGE_CREATED))[0].frame, "nsp-houten"))
    shown = CliRunner().invoke(app, ["--home", str(sites["cp-utrecht"].root), "show", "1"])
    assert "Café ’t Hoekje, naast de ĳzerhandel" in shown.output
    assert "Zoë Ëlsink" in shown.output and "onwel / ziek (MED)" in shown.output


def test_yaml_file_with_lists_and_a_site_destination(
    sites: dict[str, SiteHome], tmp_path: Path
) -> None:
    path = tmp_path / "hulpvraag.yaml"
    path.write_text(
        "category: MEDI\nitem: insuline\nquantity: 4\nunit: DOOS\nurgency: DIRECT\n"
        "persons: 2\nto: CP-Utrecht\ntext: |\n  Koelkast werkt niet.\n  Graag vóór 18:00.\n",
        encoding="utf-8",
    )
    code, out = send(sites["nsp-houten"], "supply", "--from-file", str(path), "--quantity", "5")
    assert code == 0, out
    [(data, env)] = created(sites["nsp-houten"])
    assert isinstance(env.body, Supply)
    assert env.body.quantity == 5  # the flag wins over the file
    assert env.body.text == "Koelkast werkt niet.\nGraag vóór 18:00."  # trailing newline dropped
    assert data["priority"] == "P2"
    cp_key = str(
        keyring(load_roster(sites["cp-utrecht"].roster_path)[1]).__iter__().__next__().key_id
    )
    assert data["destination"] == cp_key


def test_json_from_stdin(sites: dict[str, SiteHome]) -> None:
    form = {"nsp_state": "BEPERKT", "power": "ACCU", "power_hours": 6, "staff_pro": 1,
            "staff_vol": 4, "visitors": 35,
            "observations": ["KOU", "kwetsbare mensen"]}  # fmt: skip
    code, out = send(sites["nsp-bunnik"], "sitrep", "--json", "-", input=json.dumps(form))
    assert code == 0, out
    [(data, env)] = created(sites["nsp-bunnik"])
    assert data["priority"] == "P3"
    assert [o.value for o in env.body.observations] == ["KOU", "KWETSBAAR"]  # type: ignore[union-attr]


def test_bulletin_from_a_cp_goes_to_every_nsp_and_says_when_it_needs_fragments(
    sites: dict[str, SiteHome],
) -> None:
    cp = sites["cp-utrecht"]
    base = ["--issuer", "Veiligheidsregio Utrecht", "--valid-until", "12h"]
    code, out = send(cp, "bulletin", "--headline", "Water bij de kazerne", "--body", "Kort.", *base)
    assert code == 0, out
    assert "Past in één radiobericht" in out and "alle noodsteunpunten (2)" in out
    words = random.Random(8).choices(["water", "kazerne", "brood", "stroom", "opvang", "tent"], k=9)
    long_body = " ".join(
        f"{random.Random(i).randrange(10**9):x} {words[i % 9]}" for i in range(400)
    )  # ~4 KiB that does not compress to one frame
    code, out = send(cp, "bulletin", "--headline", "Lang", "--body", long_body, *base)
    assert code == 0, out
    assert "Te groot voor één radiobericht: wordt verstuurd in" in out
    rows = created(cp)
    assert len(rows) == 2
    nsps = sorted(str(p.key_id) for p in keyring(load_roster(cp.roster_path)[1]) if p.role == "nsp")
    assert all(data["recipients"] == nsps and data["destination"] == "nsps" for data, _ in rows)
    assert isinstance(rows[1][1].body, Bulletin) and rows[1][1].body.body == long_body.strip("\n")


@pytest.mark.parametrize(
    ("site", "args", "stdin", "message"),
    [
        ("nsp-houten", ["emergency", "--incident", "XYZ"], None, "Veld 'Wat is er gebeurd?'"),
        ("nsp-houten", ["emergency", "--incident", "MED", "--services", "A"], None,
         "Veld 'Aantal betrokkenen' ontbreekt. Geef --people-involved op"),
        ("nsp-houten", ["emergency", *EMERGENCY], None, "Veld 'Locatie / adres'"),
        ("nsp-houten", ["emergency", *EMERGENCY, "--landmark", "x", "--callback", "TEL"], None,
         "Veld 'Telefoonnummer'"),
        ("nsp-houten", ["emergency", *EMERGENCY, "--street", "s" * 61, "--number", "1"], None,
         "te lang (61 tekens), maximaal 60"),
        ("nsp-houten", ["emergency", "--json", '{"kleur": "rood"}'], None,
         "dit veld bestaat niet in dit formulier"),
        ("nsp-houten", ["emergency", "--json", "[1, 2]"], None, "Kan de invoer uit --json"),
        ("nsp-houten", ["emergency", "--json", "{"], None, "Kan de invoer uit --json"),
        ("nsp-houten", ["emergency", "--json", '{"people_involved": true}'], None,
         "verkeerd soort waarde"),
        ("nsp-houten", ["emergency", "--json", '{"hazards": [["VUUR"]]}'], None,
         "verkeerd soort waarde"),
        ("nsp-houten", ["emergency", "--from-file", "/nonexistent/f.yaml"], None,
         "bestaat niet of is niet leesbaar"),
        ("nsp-houten", ["emergency", "--from-file", "-"], "a: [unclosed\n", "YAML"),
        ("nsp-houten", ["emergency", "--from-file", "-"], "x" * 300_000, "Kan de invoer uit stdin"),
        ("nsp-houten", ["sitrep", "--power-hours", "1000"], None, "van 0 tot en met 255"),
        ("cp-utrecht", ["bulletin", "--from-file", "-"], TOO_BIG,
         "Veld 'Tekst': het bericht wordt"),
        ("nsp-houten", ["supply", "--category", "WATER", "--quantity", "0"], None,
         "van 1 tot en met"),
        ("nsp-houten", ["emergency", *EMERGENCY, "--landmark", "x", "--priority", "P7"], None,
         "Veld 'Prioriteit'"),
        ("nsp-houten", ["emergency", *EMERGENCY, "--landmark", "x", "--to", "cp-amersfoort"],
         None, "staat niet op de deelnemerslijst"),
        ("nsp-houten", ["bulletin", "--headline", "x"], None, "Dit kan alleen op een coörd"),
        ("cp-utrecht", ["emergency", *EMERGENCY], None, "Dit kan alleen op een noodsteunpunt"),
        ("cp-utrecht", ["bulletin", "--headline", "x", "--body", "y", "--issuer", "z",
                        "--valid-until", "2020-01-01T10:00"], None, "al voorbij"),
        ("cp-utrecht", ["bulletin", "--headline", "x", "--body", "y", "--issuer", "z",
                        "--valid-until", "morgen"], None, "vul een tijd in zoals 18:00"),
    ],
)  # fmt: skip
def test_wrong_input_is_one_line_exit_2_and_nothing_stored(
    sites: dict[str, SiteHome], site: str, args: list[str], stdin: str | None, message: str
) -> None:
    code, out = send(sites[site], *args, input=stdin)
    assert code == 2, out
    assert message in out
    assert len(out.strip().splitlines()) == 1, out
    assert "Traceback" not in out
    assert run(event_count(sites[site])) == 0


def test_english_errors_with_lang_en(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    result = CliRunner().invoke(
        app, ["--lang", "en", "--home", str(home.root), "send", "emergency", "--incident", "??"]
    )
    assert result.exit_code == 2
    assert "Field 'What happened?': choose one of: MED" in result.output


def test_unset_site_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--home", str(tmp_path / "nergens"), "send", "sitrep"])
    assert result.exit_code == 2
    assert "nsplink init" in result.output and "Traceback" not in result.output


_CTX = ParseContext(now=1_800_000_000.0, sites={})


@settings(max_examples=300, deadline=None)
@given(
    mtype=st.sampled_from(list(FORMS)),
    index=st.integers(min_value=0, max_value=20),
    raw=st.one_of(
        st.text(max_size=80),
        st.integers(),
        st.booleans(),
        st.none(),
        st.floats(allow_nan=True),
        st.lists(
            st.one_of(st.text(max_size=5), st.integers(), st.lists(st.integers())), max_size=4
        ),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    ),
)
def test_any_value_for_any_field_parses_or_raises_validation_error(
    mtype: MessageType, index: int, raw: object
) -> None:
    fields = FORMS[mtype]
    field = fields[index % len(fields)]
    try:
        parse_value(mtype, field, raw, _CTX)
    except ValidationError as err:
        assert err.field == f"{mtype.value}.{field.name}"
        assert render_error(err, "nl") and render_error(err, "en")


def test_language_from_site_settings(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    cfg = home.config_path.read_text("utf-8").replace('lang = "nl"', 'lang = "en"')
    home.config_path.write_text(cfg, "utf-8")
    code, out = send(home, "supply", "--category", "nope")
    assert code == 2 and "Field 'Category': choose one of: WATER" in out


def test_help_lists_the_forms() -> None:
    result = CliRunner().invoke(app, ["send", "--help"])
    assert result.exit_code == 0
    for name in ("emergency", "sitrep", "supply", "bulletin"):
        assert name in result.output
    result = CliRunner().invoke(app, ["send", "emergency", "--help"])
    assert "--people-involved" in result.output and "--from-file" in result.output


def test_a_form_too_big_for_the_radio_asks_the_longest_text_again() -> None:
    """guided.fill with scripted answers: the size check runs on the finished form and sends
    the volunteer back to the field that made it too big."""
    from nsplink.cli.forms import guided

    answers = iter(["Kop", "x" * 5000, "6u", "VR Utrecht", "", "", "", "", "Korte tekst."])
    said: list[str] = []

    def too_big(body: object) -> None:
        if isinstance(body, Bulletin) and len(body.body) > 1000:
            raise ValidationError("bulletin.body", "form.hint.too_big", size=5100, max=4096)

    body = guided.fill(
        MessageType.BULLETIN, {}, _CTX, "nl", lambda _: next(answers), said.append, extra=too_big
    )
    assert isinstance(body, Bulletin) and body.body == "Korte tekst."
    assert any("Veld 'Tekst': het bericht wordt 5100 bytes" in line for line in said)
    assert said.count("Tekst (verplicht; < = vorige vraag)") == 2


def test_one_send_seals_and_signs_once_and_reads_the_roster_once(
    sites: dict[str, SiteHome], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview's message is the one queued: no second sealing, signing or roster check."""
    import nsplink.app.roster as roster_mod
    import nsplink.cli.sitefiles as sitefiles_mod

    calls = {"roster": 0, "seal": 0, "encode": 0}

    def counted(name: str, fn: Any) -> Any:
        def wrapper(*a: Any, **kw: Any) -> Any:
            calls[name] += 1
            return fn(*a, **kw)

        return wrapper

    monkeypatch.setattr(
        sitefiles_mod, "load_trusted_roster", counted("roster", roster_mod.load_trusted_roster)
    )
    monkeypatch.setattr(
        roster_mod, "load_trusted_roster", counted("roster", roster_mod.load_trusted_roster)
    )
    from nsplink.protocol import encode, seal

    monkeypatch.setattr("nsplink.protocol.build.seal", counted("seal", seal))
    monkeypatch.setattr("nsplink.protocol.build.encode", counted("encode", encode))
    code, out = send(sites["nsp-houten"], "emergency", *EMERGENCY, *ADDRESS, "--yes")
    assert code == 0, out
    assert calls == {"roster": 1, "seal": 1, "encode": 1}
    ((_data, env),) = created(sites["nsp-houten"])
    assert isinstance(env.body, Emergency) and env.body.sealed_personal

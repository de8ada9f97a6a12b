"""The scenario file: both shipped scenarios load; every mistake names its line and field."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nsplink.protocol import Bulletin, Emergency, Hazard, Incident, Services, Supply
from nsplink.scenario.schema import (
    ScenarioError,
    ScenarioUnreadable,
    load_scenario,
    parse_scenario,
)
from nsplink.texts import render_error

ROOT = Path(__file__).resolve().parents[2] / "scenarios"

BASE = """\
name: Proef
duration: 2h
sites:
  - {name: cp-a, role: cp, node: 0x1001, position: [0, 0]}
  - {name: nsp-b, role: nsp, node: 0x2001, position: [1000, 0], place: Zuidbroek}
timeline:
  - at: 10m
    site: nsp-b
    send: emergency
    fields: {incident: MED, services: AB, street: Dorpsweg, number: "12", text: Eén bewoner benauwd}
"""


def error_of(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, "proef.yaml")
    return info.value


def test_the_long_outage_scenario_has_the_required_shape() -> None:
    sc = load_scenario(ROOT / "long-power-outage.yaml")
    roles = [s.role for s in sc.sites]
    assert (roles.count("cp"), roles.count("nsp"), roles.count("relay")) == (2, 8, 2)
    assert sc.duration == 72 * 3600
    kinds = {a.kind for a in sc.actions}
    assert {"send", "power_off", "power_on", "partition", "heal", "refuel"} <= kinds
    bodies = [a.body for a in sc.actions if a.kind == "send"]
    assert any(isinstance(b, Supply) for b in bodies)
    assert sum(1 for a in sc.actions if a.supersedes) >= 2
    assert all(a.at <= sc.duration for a in sc.actions)
    assert sc.emergency_rates and sc.sitrep_every == 3 * 3600
    assert any(s.closed for s in sc.sites) and any(s.generator for s in sc.sites)


def test_smoke_scenario_loads_and_bodies_are_real_protocol_messages() -> None:
    sc = load_scenario(ROOT / "smoke.yaml")
    bulletins = [a for a in sc.actions if isinstance(a.body, Bulletin)]
    assert len(bulletins) == 2 and bulletins[1].supersedes == bulletins[0].ref == "water-1"
    assert bulletins[0].body is not None and bulletins[0].body.valid_until == 12 * 60


def test_fields_become_typed_codes_and_keep_dutch_text() -> None:
    sc = parse_scenario(BASE)
    (action,) = sc.actions
    body = action.body
    assert isinstance(body, Emergency)
    assert body.incident is Incident.MED
    assert body.services == Services.A | Services.B
    assert body.number == "12" and body.text == "Eén bewoner benauwd"
    assert action.at == 600 and action.line == 9


def test_list_fields_take_one_code_or_a_list() -> None:
    one = parse_scenario(BASE.replace("incident: MED,", "incident: MED, hazards: CO,"))
    two = parse_scenario(BASE.replace("incident: MED,", "incident: MED, hazards: [CO, ROOK],"))
    assert one.actions[0].body.hazards == (Hazard.CO,)  # type: ignore[union-attr]
    assert two.actions[0].body.hazards == (Hazard.CO, Hazard.ROOK)  # type: ignore[union-attr]
    err = error_of(BASE.replace("incident: MED,", "incident: MED, hazards: [CO, RAMP],"))
    assert err.field == "timeline[0].fields.hazards" and "RAMP" in err.problem


def test_every_expands_a_repeating_entry() -> None:
    text = BASE.replace("  - at: 10m\n", "  - at: 10m\n    every: 30m\n    until: 2h\n")
    sc = parse_scenario(text)
    assert [a.at for a in sc.actions] == [600, 2400, 4200, 6000]


@pytest.mark.parametrize(
    ("change", "line", "field", "words"),
    [
        (("duration: 2h", "duration: twee uur"), 2, "duration", "duration like"),
        (("place: Zuidbroek}", "place: Zuidbroek, colour: red}"), 5, "sites[1].colour", "unknown"),
        (("role: nsp,", "role: burgemeester,"), 5, "sites[1].role", "not one of"),
        (("incident: MED", "incident: BRAND"), 10, "timeline[0].fields.incident", "BRAND"),
        (("site: nsp-b", "site: nsp-x"), 8, "timeline[0].site", "no site called"),
        (("at: 10m", "at: 5h"), 7, "timeline[0].at", "after the end"),
        (("services: AB", "services: AZ"), 10, "timeline[0].fields.services", "'Z'"),
        (("node: 0x2001", "node: 0x1001"), 5, "sites.node", "used twice"),
        (("send: emergency", "send: brief"), 9, "timeline[0].send", "not one of"),
        (("position: [1000, 0]", "position: [1000]"), 5, "sites[1].position", "[x, y]"),
    ],
)
def test_a_mistake_names_line_and_field(
    change: tuple[str, str], line: int, field: str, words: str
) -> None:
    err = error_of(BASE.replace(*change))
    assert (err.line, err.field) == (line, field)
    assert words in err.problem
    assert render_error(err, "en").startswith(f"Scenario proef.yaml, line {line}, field {field}:")
    assert render_error(err, "nl").startswith(f"Scenario proef.yaml, regel {line}, veld {field}:")


def test_a_missing_required_field_is_named() -> None:
    err = error_of(BASE.replace("duration: 2h\n", ""))
    assert err.field == "duration" and "required" in err.problem


def test_a_missing_body_field_is_named() -> None:
    err = error_of(BASE.replace("incident: MED, ", ""))
    assert err.field == "timeline[0].fields.incident"


def test_protocol_validation_is_reported_with_the_field() -> None:
    err = error_of(BASE.replace("incident: MED,", "incident: MED, people_involved: 300,"))
    assert err.field == "timeline[0].fields.people_involved" and err.line == 10


def test_supersedes_must_name_an_earlier_message() -> None:
    extra = """\
  - at: 20m
    site: cp-a
    send: bulletin
    supersedes: water-9
    fields: {headline: Water, body: Bij de kerk, valid_until: 1h, issuer: VR01}
"""
    err = error_of(BASE + extra)
    assert err.field == "supersedes" and err.line == 13 and "water-9" in err.problem


def test_a_bulletin_expired_before_it_is_sent_is_refused() -> None:
    """`valid_until` counts from the start, as `at` does: the shipped exercise had three
    bulletins valid "24h" sent at 26 h and later, which every NSP showed as expired on arrival."""
    extra = """\
  - at: 1h30m
    site: cp-a
    send: bulletin
    fields: {headline: Water, body: Bij de kerk, valid_until: 1h, issuer: VR01}
"""
    err = error_of(BASE + extra)
    assert err.field == "timeline[1].fields.valid_until" and err.line == 14
    assert "valid until 1h, sent at 1h30m" in err.problem
    assert "geldig tot 1h, verstuurd om 1h30m" in render_error(err, "nl")
    later = extra.replace("valid_until: 1h,", "valid_until: 1h31m,")
    assert parse_scenario(BASE + later).actions[-1].body is not None


def test_broken_yaml_names_the_line() -> None:
    err = error_of(BASE + "  - at: [unclosed\n")
    assert err.line >= 11 and "not valid YAML" in err.problem


def test_aliases_are_refused() -> None:
    text = BASE + "  - &a {at: 20m, heal: true}\n  - *a\n"
    assert "aliases" in error_of(text).problem


@pytest.mark.parametrize("text", ["", "- 1\n- 2\n", "name: x\n", "42"])
def test_wrong_top_level_shapes(text: str) -> None:
    error_of(text)


def test_truncated_file_is_an_error_not_a_crash() -> None:
    for cut in range(0, len(BASE), 37):
        with contextlib.suppress(ScenarioError):
            parse_scenario(BASE[:cut])


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_random_text_gives_a_scenario_error_or_a_scenario(text: str) -> None:
    try:
        parse_scenario(text)
    except ScenarioError as err:
        assert err.line >= 1 and render_error(err, "nl")


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ScenarioUnreadable):
        load_scenario(tmp_path / "missing.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(BASE.replace("Proef", "Coördinatie").encode("latin-1"))
    with pytest.raises(ScenarioUnreadable, match="UTF-8"):
        load_scenario(bad)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * 2_000_001)
    with pytest.raises(ScenarioUnreadable, match="larger"):
        load_scenario(big)


def test_an_unknown_preset_is_refused_when_the_file_is_read() -> None:
    """Not at the first run's medium: the line, the field and the presets EU_868 keeps, in
    both languages; the case of a known one does not matter."""
    err = error_of(BASE.replace("duration: 2h\n", "duration: 2h\npreset: LONG_FASTER\n"))
    assert (err.line, err.field) == (3, "preset")
    nl, en = render_error(err, "nl"), render_error(err, "en")
    assert nl.startswith("Scenario proef.yaml, regel 3, veld preset: Onbekende modem-preset")
    assert en.startswith("Scenario proef.yaml, line 3, field preset: Unknown modem preset")
    assert "'LONG_FASTER'" in en and "MEDIUM_FAST" in en and "LONG_MODERATE" in nl
    # SHORT_TURBO exists in the firmware, but not in EU_868
    assert error_of(BASE + "preset: SHORT_TURBO\n").field == "preset"
    assert parse_scenario(BASE + "preset: medium_fast\n").preset == "MEDIUM_FAST"

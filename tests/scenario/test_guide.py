"""The scenario guides (Dutch and English) keep up with the code, and every scenario error
speaks both languages."""

from __future__ import annotations

import re

import pytest

from nsplink.i18n import keys, t
from nsplink.scenario.guide import BEGIN, END, GUIDES, field_reference, render_guide
from nsplink.scenario.schema import ScenarioError, parse_scenario
from nsplink.texts import render_error
from tests.scenario.test_schema import BASE


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_generated_field_codes_in_the_guide_are_current(lang: str) -> None:
    text = GUIDES[lang].read_text("utf-8")  # type: ignore[index]
    assert render_guide(text, lang) == text, (  # type: ignore[arg-type]
        f"{GUIDES[lang]} is stale: run python -m nsplink.scenario.guide"  # type: ignore[index]
    )


def test_the_reference_lists_every_code_a_scenario_accepts() -> None:
    en = field_reference("en")
    for code in ("`MED`", "`BRST`", "`JC`", "`SPOED`", "`STROOM`", "`A` ambulance", "`INSTORT`"):
        assert code in en
    assert "`sealed_personal`" not in en and "`supersedes`" not in en  # not settable
    assert "| `valid_until` | yes | duration from the start" in en
    assert "onwel / ziek" in field_reference("nl")


def test_a_stale_guide_is_noticed() -> None:
    text = GUIDES["nl"].read_text("utf-8")
    stale = text.replace("`JC` jerrycans", "`JC` jerrycan")
    assert stale != text and render_guide(stale, "nl") == text
    assert text.count(BEGIN) == text.count(END) == 1


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_error_example_in_the_guide_is_what_nsplink_prints(lang: str) -> None:
    text = GUIDES[lang].read_text("utf-8")  # type: ignore[index]
    (example,) = re.findall(r"^Scenario \S+, .*$", text, re.MULTILINE)
    file = example.split()[1].rstrip(",")
    line = int(re.search(r"(?:regel|line) (\d+)", example).group(1))  # type: ignore[union-attr]
    body = ["name: x", "duration: 1h", "timeline: []", "sites:"]
    body += [f"  - {{name: s{i}, role: cp, node: {i + 1}, position: [0, {i}]}}" for i in range(3)]
    body += ["  - {name: s3, role: nsp, node: 9, position: [53.16, 6.97]}"]
    # comment lines first, so the wrong position sits on the line the guide names
    doc = "\n".join(["# oefening"] * (line - len(body)) + body) + "\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, file)
    assert render_error(info.value, lang) == example  # type: ignore[arg-type]


def test_every_scenario_problem_is_in_dutch_and_english() -> None:
    problems = [k for k in keys() if k.startswith("scenario.problem.")]
    assert len(problems) > 40
    for key in problems:
        nl, en = t(key, "nl"), t(key, "en")
        if key != "scenario.problem.protocol":  # a protocol error, rendered in either language
            assert nl != en, key


@pytest.mark.parametrize(
    "change",
    [
        ("duration: 2h\n", ""),
        ("role: nsp,", "role: burgemeester,"),
        ("incident: MED", "incident: BRAND"),
        ("site: nsp-b", "site: nsp-x"),
        ("at: 10m", "at: 5h"),
        ("node: 0x2001", "node: 0x1001"),
        ("place: Zuidbroek}", "place: Zuidbroek, colour: red}"),
        ("incident: MED,", "incident: MED, people_involved: 300,"),
    ],
)
def test_the_dutch_error_is_dutch(change: tuple[str, str]) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(BASE.replace(*change), "proef.yaml")
    nl, en = render_error(info.value, "nl"), render_error(info.value, "en")
    assert nl.startswith("Scenario proef.yaml, regel") and en.startswith(
        "Scenario proef.yaml, line"
    )
    assert nl.split(": ", 1)[1] != en.split(": ", 1)[1]  # the problem itself is translated

"""The gettext catalog of Typer's and click's own words is complete, compiled and used."""

from __future__ import annotations

import gettext

import pytest

from nsplink.cli import clicktext
from nsplink.devtools import clicatalog


def test_catalog_translates_every_word_and_its_mo_is_current() -> None:
    """Fails when a Typer upgrade marks a new string, when BUNDLED_CLICK gains a literal
    without a Dutch text, or when the .po was edited without compiling the .mo."""
    assert clicatalog.problems() == []


def test_the_wanted_ids_include_typers_own_gettext_strings() -> None:
    ids = clicatalog.wanted_ids()
    # extracted by Babel from typer.rich_utils / typer.core, not listed by us
    assert "[default: {}]" in ids and "Missing command." in ids
    assert "Show this message and exit." in ids  # a literal of the bundled click, listed by us


def test_the_committed_mo_loads_with_the_standard_library() -> None:
    """An installed nsplink reads the catalog with plain gettext: no Babel, no build step."""
    path = clicatalog.po_path("nl").with_suffix(".mo")
    with path.open("rb") as fh:
        nl = gettext.GNUTranslations(fh)
    assert nl.gettext("Show this message and exit.") == "Toon deze hulp en stop."
    assert isinstance(clicktext.catalog("en"), gettext.NullTranslations)


@pytest.mark.parametrize(
    ("english", "dutch"),
    [
        ("Missing argument 'ID'.", "'ID' ontbreekt."),
        ("Missing option '--status' / '-s'.", "Optie '--status' / '-s' ontbreekt."),
        ("No such option: --bogus", "Onbekende optie: --bogus"),
        (
            "Invalid value for '--count': Input should be greater than or equal to 0",
            "Ongeldige waarde voor '--count': Geef minstens 0.",
        ),
        ("Got unexpected extra argument(s) (a b)", "Te veel opgegeven: a b"),
        ("Something Typer says that we never saw.", "Something Typer says that we never saw."),
    ],
)
def test_messages_are_matched_against_the_templates(english: str, dutch: str) -> None:
    before = clicktext.bound_lang  # the CLI tests in this worker keep their language
    try:
        clicktext.bind("nl")
        assert clicktext.translate_message(english) == dutch
        clicktext.bind("en")
        assert clicktext.translate_message(english) == english
    finally:
        clicktext.bind(before)

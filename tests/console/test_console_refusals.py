"""The console's refusal of a triage step says which rule refused it (issue 23): another CP owns
the report; it is another CP's turn until a given time; or another CP's turn with no end by
itself. Each in its own words, in Dutch and English, the terminal's --take-over named as the
console's checkbox."""

from __future__ import annotations

from nsplink.cli.ownership_words import NotYourTurn, OtherCpFirst, OwnedElsewhere
from nsplink.console.web import refusal
from nsplink.errors import NsplinkError
from nsplink.i18n import LANGS

REFUSED: dict[str, NsplinkError] = {
    "owned": OwnedElsewhere("nsp-1#7", id=3, cp="cp-noord"),
    "until": NotYourTurn("nsp-1#7", id=3, cps="cp-noord", until="za 5 dec 01:30"),
    "first": OtherCpFirst("nsp-1#7", id=3, cps="cp-noord"),
}
CHECKBOX = {"nl": "'Overnemen'", "en": "'Take over'"}


def test_each_refusal_has_its_own_words_in_each_language() -> None:
    said = {(kind, lang): refusal(err, lang) for kind, err in REFUSED.items() for lang in LANGS}
    assert len(set(said.values())) == len(said)  # no two refusals, nor languages, share a text
    for (kind, lang), text in said.items():
        assert "3" in text and "cp-noord" in text and "--take-over" not in text
        assert (CHECKBOX[lang] in text) is (kind != "owned")  # an owned report is not taken over
    assert "01:30" in said["until", "nl"] and "01:30" in said["until", "en"]
    assert "01:30" not in said["first", "nl"]  # no end by itself: the operator's call

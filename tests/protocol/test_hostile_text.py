"""Text that changes what an operator sees is refused at both ends (issue 18 C): bidi overrides
and isolates, C1 controls, zero-width and other format characters, and U+2028/2029, in every text
field, when composing and when a received frame is decoded (decode validates), and inside the
sealed personal fields once a CP opens them."""

from __future__ import annotations

import dataclasses

import pytest

from nsplink.protocol import (
    EVERYONE,
    Bulletin,
    DecodeError,
    Draft,
    Emergency,
    Identity,
    PeerKey,
    Priority,
    ValidationError,
    build_message,
    decode,
)
from tests.scenario.helpers import bulletin, emergency

HOSTILE = {
    "RLO": "\u202e",
    "LRI": "\u2066",
    "PDI": "\u2069",
    "LRM": "\u200e",
    "NEL (C1)": "\x85",
    "CSI (C1)": "\x9b",
    "ZWSP": "\u200b",
    "ZWJ": "\u200d",
    "BOM": "\ufeff",
    "LINE SEPARATOR": "\u2028",
    "PARAGRAPH SEPARATOR": "\u2029",
    "ESC (C0)": "\x1b",
}


def test_plain_text_with_accents_newlines_and_nbsp_still_passes() -> None:
    emergency("Buurvrouw (82) ademt zwaar;\ncafé ë é ĳ ’ – 2\u00a0km\tnoord").validate()


@pytest.mark.parametrize("char", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("field", ["street", "place", "reporter", "text"])
def test_composing_refuses_each_class_in_each_field(field: str, char: str) -> None:
    body = dataclasses.replace(emergency(), **{field: f"Dorps{char}straat"})
    with pytest.raises(ValidationError) as info:
        body.validate()
    assert info.value.field == f"emergency.{field}"


NEW = {k: v for k, v in HOSTILE.items() if "C0" not in k}  # C0 was refused before issue 18


@pytest.mark.parametrize("char", NEW.values(), ids=NEW.keys())
def test_a_received_frame_with_it_is_refused_by_decode(
    char: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ident = Identity(bytes(range(32)))
    me = PeerKey("CP Noord", "cp", ident.public_key)
    hostile = dataclasses.replace(bulletin(10_000), headline=f"Drinkwater{char} bij de sporthal")
    with monkeypatch.context() as m:  # a sender whose software skips the check
        for cls in (Bulletin, Emergency):  # validation off for signing only, not for decode
            m.setattr(cls, "validate", lambda self: None)
        msg = build_message(Draft(hostile, EVERYONE, Priority.P3), ident, 1, 1.8e9, me)

    class Keys:
        def lookup(self, key_id: object) -> PeerKey | None:
            return me

    with pytest.raises(DecodeError):
        decode(msg.frame, Keys())  # type: ignore[arg-type]

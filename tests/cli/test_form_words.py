"""What the form hints promise is what the parsers take: times in Dutch and English words, a
street with its house number, postcodes and phone numbers (issue 20). The clock is the caller's."""

from __future__ import annotations

from datetime import datetime

import pytest

from nsplink.cli.forms.checks import phone, postcode
from nsplink.cli.forms.guided import split_street
from nsplink.cli.forms.spec import parse_time
from nsplink.protocol import ValidationError

NOW = datetime(2026, 12, 4, 21, 15).timestamp()  # a Friday evening, local time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("morgen 09:00", datetime(2026, 12, 5, 9, 0)),
        ("tomorrow 9:00", datetime(2026, 12, 5, 9, 0)),
        ("morgen om 9.00 uur", datetime(2026, 12, 5, 9, 0)),
        ("overmorgen 18:00", datetime(2026, 12, 6, 18, 0)),
        ("vandaag 23:00", datetime(2026, 12, 4, 23, 0)),
        ("6u", datetime(2026, 12, 5, 3, 15)),
        ("over 6 uur", datetime(2026, 12, 5, 3, 15)),
        ("6h", datetime(2026, 12, 5, 3, 15)),
        ("in 90 min", datetime(2026, 12, 4, 22, 45)),
        ("2 dagen", datetime(2026, 12, 6, 21, 15)),
        ("2 days", datetime(2026, 12, 6, 21, 15)),
        ("18:00", datetime(2026, 12, 5, 18, 0)),  # passed today: tomorrow
        ("24-12 10:00", datetime(2026, 12, 24, 10, 0)),
        ("2026-12-05T09:00", datetime(2026, 12, 5, 9, 0)),
    ],
)
def test_times_the_hint_suggests_are_taken(text: str, expected: datetime) -> None:
    assert parse_time(text, NOW) == expected.timestamp()


@pytest.mark.parametrize("text", ["morgenavond", "morgen", "31-02 10:00", "25:00", "6x", "over"])
def test_other_times_are_not(text: str) -> None:
    assert parse_time(text, NOW) is None


@pytest.mark.parametrize(
    ("text", "street", "number"),
    [
        ("Kerkstraat 12a", "Kerkstraat", "12a"),
        ("Kerkstraat 12 A", "Kerkstraat", "12 A"),
        ("Van der Duijn van Maasdamweg 8-2", "Van der Duijn van Maasdamweg", "8-2"),
        ("Brinkstraat 14 hs", "Brinkstraat", "14 hs"),
        ("Plein 1944 3", "Plein 1944", "3"),
        ("Kerkstraat", "Kerkstraat", ""),
        ("12", "12", ""),  # a number alone is no street: the house number is asked
    ],
)
def test_street_and_number_are_split(text: str, street: str, number: str) -> None:
    assert split_street(text) == (street, number)


def test_postcodes_and_phone_numbers_are_checked_and_normalised() -> None:
    assert postcode("p", "9636ab") == "9636 AB"
    assert postcode("p", " 9636  ab ") == "9636 AB"
    for bad in ("9636 X", "0636 AB", "9636 SS", "96361AB", "AB 9636"):
        with pytest.raises(ValidationError):
            postcode("p", bad)
    assert phone("t", "0612345678") == "06 12345678"
    assert phone("t", "+31 30 123 4567") == "030 123 4567"
    assert phone("t", "+32470123456") == "+32 470 12 34 56"
    for bad in ("06-1234", "bel maar", "112", "0612"):
        with pytest.raises(ValidationError):
            phone("t", bad)

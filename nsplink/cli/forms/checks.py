"""The friendlier checks on what a person types, before the core's own validation.

The core (`nsplink.protocol.messages`) stays the authority on what goes on air, and it checks
shape only (lengths, no control characters, a phone number of digits): a receiver must never
drop an emergency report because a postcode has a typo, and the sans-IO core must not carry a
48 MB numbering-plan library. Here, where a volunteer types, a Dutch postcode must be one
(`9636AB` becomes `9636 AB`), and a phone number must exist in the numbering plan
(Google's libphonenumber, as the `phonenumbers` package): `06-1234` is refused and
`0612345678` is written `06 12345678`, the way a 112 call-taker reads it back.
"""

from __future__ import annotations

import re

from nsplink.i18n import register
from nsplink.protocol import ValidationError

register(
    {
        "form.hint.postcode": (
            "vul een Nederlandse postcode in: 4 cijfers en 2 letters, zoals 9636 AB.",
            "enter a Dutch postcode: 4 digits and 2 letters, such as 9636 AB.",
        ),
        "form.hint.phone_nl": (
            "dit is geen bestaand telefoonnummer; vul het hele nummer in, zoals 06 12345678 "
            "of 030 1234567 (buitenland met +, zoals +32 470 12 34 56).",
            "this is not a phone number that exists; enter the whole number, such as "
            "06 12345678 or 030 1234567 (abroad with +, such as +32 470 12 34 56).",
        ),
    }
)

# 1000-9999, two letters; SA, SD and SS are never used (PostNL)
_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*([A-Z]{2})$")
_NEVER = {"SA", "SD", "SS"}


def postcode(name: str, text: str) -> str:
    """'9636ab' -> '9636 AB'; anything that is not a Dutch postcode: ValidationError."""
    m = _POSTCODE.match(text.strip().upper())
    if m is None or m.group(2) in _NEVER:
        raise ValidationError(name, "form.hint.postcode")
    return f"{m.group(1)} {m.group(2)}"


def phone(name: str, text: str) -> str:
    """A number that exists, written as it is said: Dutch numbers nationally ('06 12345678',
    '030 123 4567'), others internationally ('+32 470 12 34 56')."""
    import phonenumbers  # 20 ms to import: only when a number is typed

    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(name, "form.hint.phone_nl") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(name, "form.hint.phone_nl")
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 31
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))

"""A message body as a form: every field in the fixed order of its form, labelled, in words.

Used for the preview before sending and for `nsplink show` at the CP. With `spell`, names a
radio operator must pass on letter by letter (street, place, landmark) are spelled with the
Dutch (or, in English, the international) spelling alphabet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nsplink.cli.forms.spec import FORMS, LOCATION, Field, active, label
from nsplink.cli.render.table import clock
from nsplink.i18n import Lang, register, t
from nsplink.protocol import Code, KeyId, Message, MessageId, Services, unix_from_minutes
from nsplink.texts import code_label
from nsplink.texts.safe import shown

register(
    {
        "render.empty": ("—", "—"),
        "render.spelled": ("Gespeld", "Spelled"),
        "render.space": ("spatie", "space"),
        "render.dash": ("streepje", "dash"),
    }
)

# Dutch spelling alphabet as used by Dutch emergency services; IJ has its own word.
_NL = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            "Anton",
            "Bernard",
            "Cornelis",
            "Dirk",
            "Eduard",
            "Ferdinand",
            "Gerard",
            "Hendrik",
            "Izaak",
            "Johannes",
            "Karel",
            "Lodewijk",
            "Maria",
            "Nico",
            "Otto",
            "Pieter",
            "Quirinus",
            "Richard",
            "Simon",
            "Theodoor",
            "Utrecht",
            "Victor",
            "Willem",
            "Xantippe",
            "Ypsilon",
            "Zaandam",
        ],
        strict=True,
    )
)
_EN = dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        [
            "Alfa",
            "Bravo",
            "Charlie",
            "Delta",
            "Echo",
            "Foxtrot",
            "Golf",
            "Hotel",
            "India",
            "Juliett",
            "Kilo",
            "Lima",
            "Mike",
            "November",
            "Oscar",
            "Papa",
            "Quebec",
            "Romeo",
            "Sierra",
            "Tango",
            "Uniform",
            "Victor",
            "Whiskey",
            "X-ray",
            "Yankee",
            "Zulu",
        ],
        strict=True,
    )
)
_DIGITS_NL = ["nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen"]
_DIGITS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_PLAIN = str.maketrans("ÀÁÂÄÃÅÈÉÊËÌÍÎÏÒÓÔÖÕÙÚÛÜÇÑÝ", "AAAAAAEEEEIIIIOOOOOUUUUCNY")


def spell(text: str, lang: Lang | None = None) -> str:
    """'Kerkstraat 12' -> 'Karel Eduard ... spatie één twee'. Accented letters are spelled as
    their base letter with the accent named by the character itself (é stays visible)."""
    words = _EN if lang == "en" else _NL
    digits = _DIGITS_EN if lang == "en" else _DIGITS_NL
    out: list[str] = []
    upper = text.upper()
    i = 0
    while i < len(upper):
        ch = upper[i]
        if (lang != "en" and upper.startswith("IJ", i)) or ch == "Ĳ":
            out.append("IJmuiden")
            i += 1 if ch == "Ĳ" else 2
            continue
        base = ch.translate(_PLAIN)
        if base in words:
            out.append(words[base] + (f" ({text[i]})" if base != ch else ""))
        elif ch.isdecimal():
            out.append(digits[int(ch)])
        elif ch.isspace():
            out.append(t("render.space", lang))
        elif ch == "-":
            out.append(t("render.dash", lang))
        elif ch in ",.;:":
            pass  # punctuation is not spelled; the words around it are
        else:
            out.append(ch)
        i += 1
    return " ".join(out)


def value_text(
    f: Field, value: Any, lang: Lang | None, site_name: Callable[[KeyId], str] = str
) -> str:
    """One value in words a volunteer reads (codes as their label with the code after it)."""
    empty = t("render.empty", lang)
    if value is None or value == "" or value == ():
        return empty
    if isinstance(value, bool):
        return t("form.yes" if value else "form.no", lang)
    if isinstance(value, Services):
        names = [t(f"code.Services.{s.name}", lang) for s in Services if s and s in value]
        return f"{', '.join(names)} ({value.codes()})"
    if isinstance(value, Code):
        return f"{code_label(value, lang)} ({value.value})"
    if isinstance(value, tuple):
        return ", ".join(value_text(f, v, lang, site_name) for v in value)
    if isinstance(value, KeyId):
        return site_name(value)
    if isinstance(value, MessageId):
        return str(value)
    if f.kind == "time" and isinstance(value, int):
        return clock(unix_from_minutes(value), lang)
    if f.kind == "municipality":
        return f"GM{int(value):04d}"
    return str(value)


def address_line(body: Message) -> str:
    """'Kerkstraat 12, 3991 AB Houten' from an emergency's address fields."""
    street = " ".join(x for x in (getattr(body, "street", ""), getattr(body, "number", "")) if x)
    town = " ".join(x for x in (getattr(body, "postcode", ""), getattr(body, "place", "")) if x)
    return ", ".join(x for x in (street, town) if x)


def form_entries(
    body: Message,
    lang: Lang | None = None,
    *,
    site_name: Callable[[KeyId], str] = str,
    spell_names: bool = False,
) -> list[tuple[str, str, tuple[str, ...]]]:
    """(label, value, the form fields it shows) in the form's order. The address is one line
    (street, number, postcode, place), spelled if asked; a field the form never asks for
    (e.g. a bulletin's audience, set by flag or file) only when it has a value."""
    mtype = body.TYPE
    values = {f.name: getattr(body, f.name, None) for f in FORMS[mtype]}
    empty = t("render.empty", lang)
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for f in active(mtype, values):
        if f.name in LOCATION:
            if f.name == "street":
                addr = address_line(body)
                where = ("street", "number", "postcode", "place")
                out.append((t("field.emergency.location", lang), addr or empty, where))
                if spell_names and addr:
                    out.append(("  " + t("render.spelled", lang), spell(addr, lang), ()))
            elif f.name == "landmark":
                mark = str(values["landmark"] or "")
                out.append((label(mtype, f, lang), value_text(f, mark, lang), ("landmark",)))
                if spell_names and mark:
                    out.append(("  " + t("render.spelled", lang), spell(mark, lang), ()))
            continue
        value = values[f.name]
        if not f.ask and (value is None or value == "" or value == ()):
            continue
        out.append((label(mtype, f, lang), value_text(f, value, lang, site_name), (f.name,)))
    return out


def form_lines(
    body: Message,
    lang: Lang | None = None,
    *,
    site_name: Callable[[KeyId], str] = str,
    spell_names: bool = False,
) -> list[tuple[str, str]]:
    """(label, value) in the form's order: `form_entries` without the field names."""
    entries = form_entries(body, lang, site_name=site_name, spell_names=spell_names)
    return [(lbl, value) for lbl, value, _ in entries]


def format_lines(lines: list[tuple[str, str]]) -> str:
    """Labels in one column, multi-line values indented under their first line. Values came
    over the air: anything invisible in them is shown as an escape (`texts.safe.shown`)."""
    width = max((len(lbl) for lbl, _ in lines), default=0)
    out: list[str] = []
    for lbl, value in lines:
        first, *rest = shown(value, multiline=True).split("\n") or [""]
        out.append(f"{lbl.ljust(width)} : {first}")
        out.extend(" " * (width + 3) + line for line in rest)
    return "\n".join(out)

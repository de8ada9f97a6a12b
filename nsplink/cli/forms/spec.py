"""The fields of each form a person fills in, in the order a 112 call-taker or CP asks them.

One list per message type drives everything: the guided prompts, the command-line flags, the
keys of a JSON/YAML file and the fixed-order printout. Parsing turns typed text (or a JSON value)
into the body's type and raises the protocol's `ValidationError` naming the field, so every
wrong answer gets the same one-line "Veld 'X': ..." sentence wherever it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nsplink.cli.forms import checks
from nsplink.i18n import Lang, register, t
from nsplink.protocol import (
    Answer,
    Bulletin,
    Callback,
    Category,
    Code,
    Emergency,
    Hazard,
    Incident,
    KeyId,
    Message,
    MessageId,
    MessageType,
    NspState,
    Observation,
    Power,
    Services,
    Sitrep,
    Supply,
    Topic,
    Unit,
    Urgency,
    Urgent,
    ValidationError,
    minutes_since_epoch,
)
from nsplink.texts import code_label

register(
    {
        "form.hint.int": ("vul een heel getal in, zoals 3.", "enter a whole number, such as 3."),
        "form.hint.yesno": ("antwoord ja of nee.", "answer yes or no."),
        "form.hint.answer": (
            "antwoord ja, nee of weet ik niet.",
            "answer yes, no or unknown.",
        ),
        "form.hint.time": (
            "vul een tijd in zoals 18:00, morgen 09:00, 24-11 09:00, of over hoe lang: "
            "6u, 90 min, 2 dagen.",
            "enter a time such as 18:00, tomorrow 09:00, 24-11 09:00, or how long from now: "
            "6h, 90 min, 2 days.",
        ),
        "form.hint.past": (
            "dit tijdstip is al voorbij; kies een moment in de toekomst.",
            "this moment has passed; choose a time in the future.",
        ),
        "form.hint.msgid": (
            "vul een berichtnummer in zoals a1b2c3-42.",
            "enter a message number such as a1b2c3-42.",
        ),
        "form.hint.site": (
            "onbekende post; kies een van: {choices}.",
            "unknown site; choose one of: {choices}.",
        ),
        "form.hint.municipality": (
            "vul een CBS-gemeentecode in, zoals GM0363 of 363.",
            "enter a CBS municipality code, such as GM0363 or 363.",
        ),
        "form.hint.unknown_field": (
            "dit veld bestaat niet in dit formulier; bekende velden: {choices}.",
            "this field does not exist on this form; known fields: {choices}.",
        ),
        "form.hint.type": (
            "verkeerd soort waarde; vul tekst of een getal in.",
            "wrong kind of value; enter text or a number.",
        ),
        "form.yes": ("ja", "yes"),
        "form.no": ("nee", "no"),
    }
)

# how long from now, in Dutch or English words: 6u, over 6 uur, 6h, in 90 min, 2 dagen, +2d
_RELATIVE = re.compile(
    r"^(?:over|in|\+)?\s*(\d{1,5})\s*"
    r"(m|min|mins|minuut|minuten|minute|minutes|u|uur|uren|h|hr|hrs|hour|hours|"
    r"d|dag|dagen|day|days)$"
)
_UNIT_SECONDS = {"m": 60, "u": 3600, "h": 3600, "d": 86400}
_CLOCK = re.compile(r"^(\d{1,2})[:.](\d{2})(?:\s*(?:uur|u|h))?$")
# a day word or a day-month, then (optionally 'om'/'at') a clock time: morgen 09:00, 24-11 9:00
_DAY_WORDS = {"vandaag": 0, "today": 0, "morgen": 1, "tomorrow": 1, "overmorgen": 2}
_DAY_CLOCK = re.compile(
    r"^(vandaag|today|morgen|tomorrow|overmorgen|(\d{1,2})[-/](\d{1,2})(?:[-/](\d{4}))?)"
    r"\s+(?:om\s+|at\s+)?(\d{1,2})[:.](\d{2})(?:\s*(?:uur|u|h))?$"
)
_GM = re.compile(r"^(?:gm)?0*(\d{1,4})$")
_YES = {"j", "ja", "y", "yes", "true", "1", "waar"}
_NO = {"n", "nee", "no", "false", "0", "onwaar"}
_UNKNOWN = {"?", "onb", "onbekend", "weet ik niet", "weetikniet", "unknown", "u", "w"}


@dataclass(frozen=True)
class ParseContext:
    """What parsing needs from outside: the clock (for times) and the roster (for site names)."""

    now: float
    sites: Mapping[str, KeyId]  # site name (casefolded) and key id text -> key id


@dataclass(frozen=True)
class Field:
    name: str  # body attribute, flag (--name-with-dashes), file key
    kind: str  # text | longtext | int | code | codes | services | answer | bool | time |
    #            msgid | site | sites | municipality | postcode | phone
    enum: type[Code] | None = None
    required: bool = False
    default: Any = None  # taken when the answer is empty (None: leave the body's default)
    lo: int = 0
    hi: int = 2**32 - 1
    when: Callable[[Mapping[str, Any]], bool] | None = None  # asked only if this holds
    ask: bool = True  # asked in the guided form (else: flag or file only)
    hint: str = ""  # i18n key of a hint shown with the question

    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


LOCATION = ("street", "number", "postcode", "place", "landmark")


def _tel(values: Mapping[str, Any]) -> bool:
    return values.get("callback") is Callback.TEL


def _generator(values: Mapping[str, Any]) -> bool:
    return values.get("power") is Power.AGG


register(
    {
        "form.hint.location": (
            "Bijvoorbeeld Kerkstraat 12a. Leeg laten als er geen adres is: dan een "
            "herkenningspunt.",
            "For example Kerkstraat 12a. Leave empty when there is no address: then a landmark.",
        ),
        "form.hint.number": (
            "Alleen het huisnummer bij {street}, zoals 12a.",
            "Only the house number in {street}, such as 12a.",
        ),
        "form.hint.issuer": (
            "Wie de mededeling uitgeeft, zoals Gemeente Houten of Veiligheidsregio Utrecht.",
            "Who issues the bulletin, such as Gemeente Houten or Veiligheidsregio Utrecht.",
        ),
        "form.hint.supersedes": (
            "Het nummer van de mededeling die hiermee vervalt (zie nsplink bulletins), zoals "
            "a1b2c3-42. Leeg laten als er geen is.",
            "The number of the bulletin this one replaces (see nsplink bulletins), such as "
            "a1b2c3-42. Leave empty if there is none.",
        ),
        "form.hint.privacy": ("Geen namen van anderen noemen.", "Do not name other people."),
        "form.hint.when": (
            "Bijvoorbeeld 18:00 (vandaag of morgen), morgen 09:00, 24-11 09:00, of over hoe "
            "lang: 6u, 90 min, 2 dagen.",
            "For example 18:00 (today or tomorrow), tomorrow 09:00, 24-11 09:00, or how long "
            "from now: 6h, 90 min, 2 days.",
        ),
        "form.hint.deliver": (
            "Leeg laten = afleveren bij deze post.",
            "Leave empty = deliver to this site.",
        ),
    }
)

FORMS: dict[MessageType, tuple[Field, ...]] = {
    MessageType.EMERGENCY: (
        Field("street", "text", hint="form.hint.location"),  # asked as "street and number"
        Field("number", "text", hint="form.hint.number"),  # asked only if the street had none
        Field("postcode", "postcode"),
        Field("place", "text"),
        Field("landmark", "text"),
        Field("incident", "code", Incident, required=True),
        Field("services", "services", required=True),
        Field("life_threat", "answer", Answer, required=True, default=Answer.ONB),
        Field("conscious", "answer", Answer, default=Answer.ONB),
        Field("breathing", "answer", Answer, default=Answer.ONB),
        Field("people_involved", "int", required=True, lo=0, hi=255),
        Field("injured", "int", lo=0, hi=255),
        Field("hazards", "codes", Hazard),
        Field("access", "text"),
        Field("reporter", "text", hint="form.hint.privacy"),
        Field("callback", "code", Callback, required=True, default=Callback.NSP),
        Field("callback_number", "phone", required=True, when=_tel),
        Field("text", "longtext", hint="form.hint.privacy"),
    ),
    MessageType.SITREP: (
        Field("nsp_state", "code", NspState, required=True),
        Field("power", "code", Power, required=True),
        Field("power_hours", "int", required=True, lo=0, hi=255),
        Field("fuel_l", "int", lo=0, hi=100_000, when=_generator),
        Field("staff_pro", "int", required=True, lo=0, hi=1000),
        Field("staff_vol", "int", required=True, lo=0, hi=1000),
        Field("visitors", "int", required=True, lo=0, hi=1_000_000),
        Field("queue", "int", lo=0, hi=100_000),
        Field("reports_sent", "int", lo=0, hi=100_000),
        Field("needs", "codes", Category),
        Field("observations", "codes", Observation),
        Field("text", "longtext", hint="form.hint.privacy"),
    ),
    MessageType.SUPPLY: (
        Field("category", "code", Category, required=True),
        Field("item", "text"),
        Field("quantity", "int", required=True, lo=1, hi=1_000_000),
        Field("unit", "code", Unit, required=True, default=Unit.ST),
        Field("persons", "int", lo=1, hi=1_000_000),
        Field("urgency", "code", Urgency, required=True, default=Urgency.VANDAAG),
        Field("deliver_to_address", "text", hint="form.hint.deliver"),
        Field("deliver_to_site", "site", ask=False),
        Field("text", "longtext", hint="form.hint.privacy"),
    ),
    MessageType.BULLETIN: (
        Field("headline", "text", required=True),
        Field("body", "longtext", required=True),
        Field("valid_until", "time", required=True, hint="form.hint.when"),
        Field("issuer", "text", required=True, hint="form.hint.issuer"),
        Field("urgent", "code", Urgent, required=True, default=Urgent.NORMAAL),
        Field("topic", "code", Topic, default=Topic.ALG),
        Field("internal", "bool", default=False),
        Field("supersedes", "msgid", hint="form.hint.supersedes"),
        Field("municipality", "municipality", ask=False),
        Field("sites", "sites", ask=False),
    ),
}

BODIES: dict[MessageType, type[Message]] = {
    MessageType.EMERGENCY: Emergency,
    MessageType.SITREP: Sitrep,
    MessageType.SUPPLY: Supply,
    MessageType.BULLETIN: Bulletin,
}

# Valid stand-ins for fields not answered yet, so checking one answer never trips over another.
_STANDIN: dict[MessageType, dict[str, Any]] = {
    MessageType.EMERGENCY: {
        "incident": Incident.OVR,
        "services": Services.A,
        "people_involved": 1,
        "landmark": "x",
        "callback_number": "112",
    },
    MessageType.SITREP: {
        "nsp_state": NspState.OPEN,
        "power": Power.NET,
        "power_hours": 10,
        "staff_pro": 0,
        "staff_vol": 0,
        "visitors": 0,
    },
    MessageType.SUPPLY: {"category": Category.OVR, "quantity": 1, "unit": Unit.ST},
    MessageType.BULLETIN: {"headline": "x", "body": "x", "valid_until": 1, "issuer": "x"},
}


def label(mtype: MessageType, f: Field, lang: Lang | None = None) -> str:
    return t(f"field.{mtype.value}.{f.name}", lang)


def field_named(mtype: MessageType, name: str) -> Field:
    for f in FORMS[mtype]:
        if f.name == name:
            return f
    choices = ", ".join(f.name for f in FORMS[mtype])
    raise ValidationError(f"{mtype.value}.{name}", "form.hint.unknown_field", choices=choices)


def choices_text(f: Field, lang: Lang | None = None) -> str:
    """'1 MED onwel / ziek, 2 LET ...' for codes; the letters for services."""
    if f.kind == "services":
        return ", ".join(f"{s.name} {t(f'code.Services.{s.name}', lang)}" for s in Services if s)
    if f.enum is None:
        return ""
    return ", ".join(f"{i} {c.value} {code_label(c, lang)}" for i, c in enumerate(f.enum, 1))


def active(mtype: MessageType, values: Mapping[str, Any]) -> list[Field]:
    """The fields that apply given the answers so far (e.g. a phone number only for TEL)."""
    return [f for f in FORMS[mtype] if f.when is None or f.when(values)]


def parse_value(mtype: MessageType, f: Field, raw: Any, ctx: ParseContext) -> Any:
    """Typed text or a JSON value -> the body's value; None means 'left empty'."""
    name = f"{mtype.value}.{f.name}"
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) and f.kind != "bool":
        raise ValidationError(name, "form.hint.type")
    if f.kind in ("text", "longtext", "postcode", "phone"):
        if not isinstance(raw, str):
            raise ValidationError(name, "form.hint.type")
        if f.kind == "postcode":
            return checks.postcode(name, raw)
        if f.kind == "phone":
            return checks.phone(name, raw)
        return raw.strip() if f.kind == "text" else raw.strip("\n")
    if isinstance(raw, list | tuple):
        if f.kind not in ("codes", "sites"):
            raise ValidationError(name, "form.hint.type")
        if not all(isinstance(x, int | str) and not isinstance(x, bool) for x in raw):
            raise ValidationError(name, "form.hint.type")  # nested lists: refuse, never str() them
        items = [str(x) for x in raw]
    elif isinstance(raw, int | str):
        items = [p for p in re.split(r"[,\s]+", str(raw).strip()) if p]
    else:
        raise ValidationError(name, "form.hint.type")
    text = str(raw).strip() if not isinstance(raw, list | tuple) else ""
    parser = _PARSERS[f.kind]
    return parser(name, f, text, items, ctx)


def _int(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise ValidationError(name, "form.hint.int") from exc
    if not f.lo <= value <= f.hi:
        raise ValidationError(name, "hint.range", lo=f.lo, hi=f.hi)
    return value


def _one_code(name: str, enum: type[Code], text: str) -> Code:
    members = list(enum)
    word = text.strip()
    if word.isdecimal() and 1 <= int(word) <= len(members):
        return members[int(word) - 1]
    for c in members:
        if word.upper() == c.value.upper() or word.casefold() in (
            code_label(c, "nl").casefold(),
            code_label(c, "en").casefold(),
        ):
            return c
    raise ValidationError(name, "hint.choice", choices=", ".join(c.value for c in members))


def _code(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> Code:
    assert f.enum is not None
    return _one_code(name, f.enum, text)


def _codes(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> tuple[Code, ...]:
    assert f.enum is not None
    enum = f.enum
    out: list[Code] = []
    for item in items:
        code = _one_code(name, enum, item)
        if code not in out:
            out.append(code)
    return tuple(out)


def _answer(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> Answer:
    word = text.casefold()
    if word in _YES:
        return Answer.JA
    if word in _NO:
        return Answer.NEE
    if word in _UNKNOWN:
        return Answer.ONB
    raise ValidationError(name, "form.hint.answer")


def _bool(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> bool:
    word = text.casefold()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise ValidationError(name, "form.hint.yesno")


def _services(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> Services:
    try:
        value = Services.parse(text)
    except ValueError as exc:
        raise ValidationError(name, "hint.services") from exc
    if not value:
        raise ValidationError(name, "hint.services")
    return value


def parse_time(text: str, now: float) -> float | None:
    """What the hint suggests, in Dutch or English: '18:00' (today, or tomorrow if passed),
    'morgen 09:00' / 'tomorrow 9:00', '24-11 09:00' (this year), how long from now ('6u',
    'over 6 uur', '6h', '90 min', '2 dagen'), or an ISO date-time (local unless zoned).
    `now` comes from the caller (the CLI's clock). Returns Unix seconds, or None."""
    word = " ".join(text.strip().lower().split())
    rel = _RELATIVE.match(word)
    if rel:
        return now + int(rel.group(1)) * _UNIT_SECONDS[rel.group(2)[0]]
    base = datetime.fromtimestamp(now).astimezone()
    day = _DAY_CLOCK.match(word)
    if day:
        return _on_day(base, day)
    clock = _CLOCK.match(word)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2))
        if hour > 23 or minute > 59:
            return None
        moment = base.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if moment.timestamp() <= now:
            moment += timedelta(days=1)
        return moment.timestamp()
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.astimezone()
    return parsed.timestamp()


def _on_day(base: datetime, m: re.Match[str]) -> float | None:
    hour, minute = int(m.group(5)), int(m.group(6))
    if hour > 23 or minute > 59:
        return None
    try:
        if m.group(1) in _DAY_WORDS:
            date = base.date() + timedelta(days=_DAY_WORDS[m.group(1)])
        else:
            year = int(m.group(4)) if m.group(4) else base.year
            date = base.date().replace(year=year, month=int(m.group(3)), day=int(m.group(2)))
    except ValueError:
        return None
    moment = datetime(date.year, date.month, date.day, hour, minute).astimezone()
    return moment.timestamp()


def _time(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> int:
    at = parse_time(text, ctx.now)
    if at is None:
        raise ValidationError(name, "form.hint.time")
    if at <= ctx.now:
        raise ValidationError(name, "form.hint.past")
    return minutes_since_epoch(at)


def _msgid(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> MessageId:
    try:
        return MessageId.parse(text)
    except ValueError as exc:
        raise ValidationError(name, "form.hint.msgid") from exc


def _site_key(name: str, word: str, ctx: ParseContext) -> KeyId:
    key = ctx.sites.get(word.strip().casefold())
    if key is None:
        names = sorted({k for k in ctx.sites if not re.fullmatch(r"[0-9a-f]{6}", k)})
        raise ValidationError(name, "form.hint.site", choices=", ".join(names))
    return key


def _site(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> KeyId:
    return _site_key(name, text, ctx)


def _sites(
    name: str, f: Field, text: str, items: list[str], ctx: ParseContext
) -> tuple[KeyId, ...]:
    return tuple(dict.fromkeys(_site_key(name, w, ctx) for w in items))


def _municipality(name: str, f: Field, text: str, items: list[str], ctx: ParseContext) -> int:
    m = _GM.match(text.strip().lower())
    if m is None or not 1 <= int(m.group(1)) <= 9999:
        raise ValidationError(name, "form.hint.municipality")
    return int(m.group(1))


_PARSERS: dict[str, Callable[[str, Field, str, list[str], ParseContext], Any]] = {
    "int": _int,
    "code": _code,
    "codes": _codes,
    "answer": _answer,
    "bool": _bool,
    "services": _services,
    "time": _time,
    "msgid": _msgid,
    "site": _site,
    "sites": _sites,
    "municipality": _municipality,
}


def effective(f: Field, values: Mapping[str, Any]) -> Any:
    """The answer, else the field's default (None: the body's own default applies)."""
    value = values.get(f.name)
    return f.default if value is None else value


def build(mtype: MessageType, values: Mapping[str, Any], *, standins: bool = False) -> Message:
    """The body from parsed answers (`values[name] = None`: answered empty). With `standins`,
    fields not answered yet get valid stand-ins, to check one answer on its own; without, a
    missing required field is an error."""
    kwargs: dict[str, Any] = {}
    for f in active(mtype, values):
        value = effective(f, values)
        if value is None and standins and f.name not in values:
            value = _STANDIN[mtype].get(f.name)
        if value is None:
            if f.required:
                raise ValidationError(f"{mtype.value}.{f.name}", "hint.required")
            continue
        kwargs[f.name] = value
    return BODIES[mtype](**kwargs)


def check(mtype: MessageType, values: Mapping[str, Any]) -> Message:
    """The finished body, validated; raises ValidationError naming the first wrong field."""
    body = build(mtype, values)
    body.validate()
    return body


def fields_of_error(mtype: MessageType, err: ValidationError) -> tuple[str, ...]:
    """Which form fields to ask again for an error ('emergency.location' -> the address)."""
    name = err.field.split(".", 1)[-1]
    if name == "location":
        return LOCATION
    return (name,) if any(f.name == name for f in FORMS[mtype]) else ()


def blame(mtype: MessageType, answered: Mapping[str, Any], current: str) -> ValidationError | None:
    """Check the answers so far, with stand-ins for the rest: the error if it is about the
    `current` answer (or completes a joint check such as the address), else None."""
    try:
        build(mtype, answered, standins=True).validate()
    except ValidationError as err:
        fields = fields_of_error(mtype, err)
        if fields == (current,) or (current in fields and all(n in answered for n in fields)):
            return err
    return None


def yes_no(lang: Lang | None) -> str:
    return f"{t('form.yes', lang)}/{t('form.no', lang)}"

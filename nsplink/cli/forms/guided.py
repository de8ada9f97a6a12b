"""The guided form: one question per missing field, each answer checked before the next.

A wrong answer gets one line saying what to type and the same question again. Nothing is
written anywhere while the form runs, so Ctrl-C (KeyboardInterrupt) or end of input at any
question leaves no trace; the caller turns those into "Afgebroken".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from nsplink.cli.forms.spec import (
    FORMS,
    Field,
    ParseContext,
    blame,
    check,
    choices_text,
    fields_of_error,
    label,
    parse_value,
    yes_no,
)
from nsplink.cli.render.message import value_text
from nsplink.i18n import Lang, register, t
from nsplink.protocol import Message, MessageType, Priority, ValidationError
from nsplink.texts import code_label, render_error

register(
    {
        "form.required": ("verplicht", "required"),
        "form.optional": ("mag leeg blijven", "may be left empty"),
        "form.default": ("Enter = {value}", "Enter = {value}"),
        "form.back": ("< = vorige vraag", "< = previous question"),
        "form.first": ("Verder terug kan niet.", "You cannot go back further."),
        "form.clear": ("- = leegmaken", "- = clear"),
        "form.choose": ("Kies een nummer of code:", "Choose a number or code:"),
        "form.several": (
            "(meerdere mogelijk, met komma's ertussen)",
            "(several allowed, separated by commas)",
        ),
        "form.title": ("Nieuwe melding: {kind}", "New message: {kind}"),
        "form.priority": ("Prioriteit", "Priority"),
        "form.ask.street": ("Straat en huisnummer", "Street and house number"),
        "form.confirm_or_change": (
            "{yesno}, of 1-{last} om die regel te wijzigen",
            "{yesno}, or 1-{last} to change that line",
        ),
        "form.hint.yesno_or_line": (
            "antwoord ja of nee, of typ het nummer (1-{last}) van de regel die u wilt wijzigen.",
            "answer yes or no, or type the number (1-{last}) of the line you want to change.",
        ),
    }
)

Ask = Callable[[str], str]
Say = Callable[[str], None]
BACK = "<"  # no answer to any question is just this: a street, a name or a code never is
CLEAR = "-"  # at a correction, where Enter keeps the old answer: make it empty
# a house number at the end of "street and number": 12, 12a, 12-2, 12 A, 14 hs, 20 II, 41 bis
_HOUSE_NUMBER = re.compile(
    r"^(?P<street>.*?\S)\s+(?P<number>\d{1,5}(?:-?[a-zA-Z0-9]{1,3}|\s[a-zA-Z]{1,2})?"
    r"(?:\s+(?:hs|bis|[IVX]{1,4}))?)$"
)


class Back(Exception):
    """The person typed `<`: go back one question."""


def split_street(text: str) -> tuple[str, str]:
    """'Kerkstraat 12a' -> ('Kerkstraat', '12a'); 'Kerkstraat' -> ('Kerkstraat', '')."""
    m = _HOUSE_NUMBER.match(text.strip())
    if m is None or not any(ch.isalpha() for ch in m.group("street")):
        return text.strip(), ""
    return m.group("street").strip(), m.group("number").strip()


def _question(
    mtype: MessageType,
    f: Field,
    values: dict[str, Any],
    lang: Lang,
    say: Say,
    back: bool,
    keep: Any = None,
) -> None:
    """Print the label, whether it is required, the choices, the default (or at a correction,
    the answer Enter keeps) and how to go back."""
    parts = [t("form.required" if f.required else "form.optional", lang)]
    if keep is not None:
        parts.append(t("form.default", lang, value=value_text(f, keep, lang)))
        if not f.required:
            parts.append(t("form.clear", lang))
    elif f.default is not None:
        parts.append(t("form.default", lang, value=value_text(f, f.default, lang)))
    if back:
        parts.append(t("form.back", lang))
    title = label(mtype, f, lang)
    if mtype is MessageType.EMERGENCY and f.name == "street":
        title = t("form.ask.street", lang)
    say(f"{title} ({'; '.join(parts)})")
    if f.hint:
        say("  " + t(f.hint, lang, street=values.get("street") or ""))
    if f.kind in ("answer", "bool"):
        say(
            "  "
            + (
                t("code.Answer.JA", lang)
                + " / "
                + t("code.Answer.NEE", lang)
                + (" / " + t("code.Answer.ONB", lang) if f.kind == "answer" else "")
            )
        )
    elif f.kind in ("code", "codes", "services"):
        say(
            "  "
            + t("form.choose", lang)
            + (" " + t("form.several", lang) if f.kind in ("codes", "services") else "")
        )
        for choice in choices_text(f, lang).split(", "):
            say("    " + choice)


class Session:
    """One person filling in one form: the answers so far and the order they were given in,
    so `<` can take back the last one (and whatever that answer filled in with it)."""

    def __init__(
        self,
        mtype: MessageType,
        values: dict[str, Any],
        pctx: ParseContext,
        lang: Lang,
        ask: Ask,
        say: Say,
    ) -> None:
        self.mtype, self.values, self.pctx = mtype, values, pctx
        self.lang, self.ask, self.say = lang, ask, say
        self.history: list[tuple[str, ...]] = []  # per question asked: the fields it set
        self.keep: dict[str, Any] = {}  # at a correction: the answers Enter keeps
        self.floor = 0  # at a correction, `<` goes back no further than its first question

    def _ask_one(self, f: Field) -> tuple[str, ...]:
        """Ask until the answer is accepted; returns the fields to ask again when the answer
        completes a joint check that fails (no address and no landmark: the address again).
        Raises Back on `<`."""
        mtype, values, lang = self.mtype, self.values, self.lang
        keep = self.keep.get(f.name)
        can_go_back = len(self.history) > self.floor
        _question(mtype, f, values, lang, self.say, back=can_go_back, keep=keep)
        while True:
            raw = self.ask("> ")
            if raw.strip() == CLEAR and keep is not None and not f.required:
                raw = ""  # at a correction: empty this answer (Enter would keep it)
            elif not raw.strip() and keep is not None:
                raw = keep if isinstance(keep, str) else ""
                if not isinstance(keep, str):
                    values[f.name] = keep
                    self.history.append((f.name,))
                    return ()
            if raw.strip() == BACK:
                if can_go_back:
                    raise Back
                self.say(t("form.first", lang))
                continue
            try:
                value = parse_value(mtype, f, raw, self.pctx)
                if value is None and f.required and f.default is None:
                    raise ValidationError(f"{mtype.value}.{f.name}", "hint.required")
                answer = {f.name: value}
                if mtype is MessageType.EMERGENCY and f.name == "street" and value:
                    street, number = split_street(value)
                    if number and "number" not in values:
                        answer = {"street": street, "number": number}
                answered = {**values, **answer}
                if mtype is MessageType.EMERGENCY and not answered.get("street"):
                    answered.setdefault("number", None)  # not asked without a street
                err = blame(mtype, answered, f.name)
                if err is not None:
                    raise err
            except ValidationError as err:
                self.say(render_error(err, lang))
                group = fields_of_error(mtype, err)
                if len(group) > 1:
                    return group
                continue
            values.update(answer)
            self.history.append(tuple(answer))
            return ()

    def _skip(self, f: Field) -> bool:
        """The house number is asked only after a street that came without one."""
        if self.mtype is MessageType.EMERGENCY and f.name == "number":
            return not self.values.get("street")
        return False

    def ask_missing(self, only: Iterable[str] | None = None) -> None:
        wanted = set(only) if only is not None else None
        restart = True
        while restart:
            restart = False
            for f in FORMS[self.mtype]:
                if f.name in self.values or not f.ask:
                    continue
                if wanted is not None and f.name not in wanted:
                    continue
                if (f.when is not None and not f.when(self.values)) or self._skip(f):
                    continue
                try:
                    again = self._ask_one(f)
                except Back:
                    for name in self.history.pop():
                        self.values.pop(name, None)
                        if wanted is not None:
                            wanted.add(name)
                    restart = True
                    break
                if again:
                    for name in again:
                        self.values.pop(name, None)
                    if wanted is not None:
                        wanted.update(again)
                    restart = True
                    break

    def fill(self, extra: Callable[[Message], None] | None = None) -> Message:
        """Ask every missing field, then check the whole form (and `extra`, e.g. its size); a
        joint problem (no address nor landmark, text too long altogether) asks the fields
        involved again."""
        mtype = self.mtype
        self.ask_missing()
        while True:
            try:
                body = check(mtype, self.values)
                if extra is not None:
                    extra(body)
                return body
            except ValidationError as err:
                names = [
                    n
                    for n in fields_of_error(mtype, err)
                    if any(f.name == n and f.ask for f in FORMS[mtype])
                ]
                if not names:
                    raise
                self.say(render_error(err, self.lang))
                for n in names:
                    self.values.pop(n, None)
                self.ask_missing(names)

    def again(
        self, names: Iterable[str], extra: Callable[[Message], None] | None = None
    ) -> Message:
        """Correct the answers to `names` (chosen at the preview), then check the form again."""
        names = list(names)
        self.keep = {n: self.values[n] for n in names if self.values.get(n) not in (None, "", ())}
        if self.mtype is MessageType.EMERGENCY and "street" in self.keep:
            number = self.values.get("number") or ""
            self.keep["street"] = f"{self.keep['street']} {number}".strip()
            self.keep.pop("number", None)
        for n in names:
            self.values.pop(n, None)
        self.floor = len(self.history)
        try:
            self.ask_missing(names)
            return self.fill(extra)
        finally:
            self.keep, self.floor = {}, 0


def fill(
    mtype: MessageType,
    given: dict[str, Any],
    pctx: ParseContext,
    lang: Lang,
    ask: Ask,
    say: Say,
    extra: Callable[[Message], None] | None = None,
) -> Message:
    """The form in one go (a Session without corrections at the preview)."""
    say(t("form.title", lang, kind=code_label(mtype, lang)))
    return Session(mtype, dict(given), pctx, lang, ask, say).fill(extra)


def ask_priority(
    suggested: Priority, lang: Lang, ask: Ask, say: Say, *, back: bool = False
) -> Priority:
    """P1..P4, Enter keeps `suggested`; with `back`, `<` raises Back (to the last question)."""
    choices = ", ".join(f"{p.value} {code_label(p, lang)}" for p in Priority)
    parts = [t("form.default", lang, value=suggested.value)]
    if back:
        parts.append(t("form.back", lang))
    say(f"{t('form.priority', lang)} ({'; '.join(parts)})")
    say("  " + choices)
    while True:
        word = ask("> ").strip().upper()
        if not word:
            return suggested
        if word == BACK and back:
            raise Back
        if word in Priority.__members__:
            return Priority(word)
        codes = ", ".join(p.value for p in Priority)
        wrong = ValidationError("envelope.priority", "hint.choice", choices=codes)
        say(render_error(wrong, lang))


def confirm(question: str, lang: Lang, ask: Ask, say: Say) -> bool:
    """Ja/nee; anything else asks again."""
    while True:
        word = ask(f"{question} ({yes_no(lang)}) > ").strip().casefold()
        if word in ("j", "ja", "y", "yes"):
            return True
        if word in ("n", "nee", "no"):
            return False
        say(t("form.hint.yesno", lang))


def confirm_or_change(question: str, lines: int, lang: Lang, ask: Ask, say: Say) -> bool | int:
    """Ja/nee, or the number (1..`lines`) of a preview line to change; else asks again."""
    while True:
        prompt = t("form.confirm_or_change", lang, yesno=yes_no(lang), last=lines)
        word = ask(f"{question} ({prompt}) > ").strip().casefold()
        if word in ("j", "ja", "y", "yes"):
            return True
        if word in ("n", "nee", "no"):
            return False
        if word.isdecimal() and 1 <= int(word) <= lines:
            return int(word)
        say(t("form.hint.yesno_or_line", lang, last=lines))

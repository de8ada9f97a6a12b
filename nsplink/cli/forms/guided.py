"""The guided form: one question per missing field, each answer checked before the next.

A wrong answer gets one line saying what to type and the same question again. Nothing is
written anywhere while the form runs, so Ctrl-C (KeyboardInterrupt) or end of input at any
question leaves no trace; the caller turns those into "Afgebroken".
"""

from __future__ import annotations

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
        "form.choose": ("Kies een nummer of code:", "Choose a number or code:"),
        "form.several": (
            "(meerdere mogelijk, met komma's ertussen)",
            "(several allowed, separated by commas)",
        ),
        "form.title": ("Nieuwe melding: {kind}", "New message: {kind}"),
        "form.priority": ("Prioriteit", "Priority"),
    }
)

Ask = Callable[[str], str]
Say = Callable[[str], None]


def _question(mtype: MessageType, f: Field, lang: Lang, say: Say) -> None:
    """Print the label, whether it is required, the choices and the default."""
    parts = [t("form.required" if f.required else "form.optional", lang)]
    if f.default is not None:
        parts.append(t("form.default", lang, value=value_text(f, f.default, lang)))
    say(f"{label(mtype, f, lang)} ({'; '.join(parts)})")
    if f.hint:
        say("  " + t(f.hint, lang))
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


def _ask_one(
    mtype: MessageType,
    f: Field,
    values: dict[str, Any],
    pctx: ParseContext,
    lang: Lang,
    ask: Ask,
    say: Say,
) -> tuple[str, ...]:
    """Ask until the answer is accepted; returns the fields to ask again when the answer
    completes a joint check that fails (no address and no landmark: the address again)."""
    _question(mtype, f, lang, say)
    while True:
        raw = ask("> ")
        try:
            value = parse_value(mtype, f, raw, pctx)
            if value is None and f.required and f.default is None:
                raise ValidationError(f"{mtype.value}.{f.name}", "hint.required")
            err = blame(mtype, {**values, f.name: value}, f.name)
            if err is not None:
                raise err
        except ValidationError as err:
            say(render_error(err, lang))
            group = fields_of_error(mtype, err)
            if len(group) > 1:
                return group
            continue
        values[f.name] = value
        return ()


def _ask_missing(
    mtype: MessageType,
    values: dict[str, Any],
    only: Iterable[str] | None,
    pctx: ParseContext,
    lang: Lang,
    ask: Ask,
    say: Say,
) -> None:
    wanted = set(only) if only is not None else None
    restart = True
    while restart:
        restart = False
        for f in FORMS[mtype]:
            if f.name in values or not f.ask or (wanted is not None and f.name not in wanted):
                continue
            if f.when is not None and not f.when(values):
                continue
            again = _ask_one(mtype, f, values, pctx, lang, ask, say)
            if again:
                for name in again:
                    values.pop(name, None)
                if wanted is not None:
                    wanted.update(again)
                restart = True
                break


def fill(
    mtype: MessageType,
    given: dict[str, Any],
    pctx: ParseContext,
    lang: Lang,
    ask: Ask,
    say: Say,
    extra: Callable[[Message], None] | None = None,
) -> Message:
    """Ask every missing field, then check the whole form (and `extra`, e.g. its size); a joint
    problem (no address nor landmark, text too long altogether) asks the fields involved again."""
    values = dict(given)
    say(t("form.title", lang, kind=code_label(mtype, lang)))
    _ask_missing(mtype, values, None, pctx, lang, ask, say)
    while True:
        try:
            body = check(mtype, values)
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
            say(render_error(err, lang))
            for n in names:
                values.pop(n, None)
            _ask_missing(mtype, values, names, pctx, lang, ask, say)


def ask_priority(suggested: Priority, lang: Lang, ask: Ask, say: Say) -> Priority:
    choices = ", ".join(f"{p.value} {code_label(p, lang)}" for p in Priority)
    say(f"{t('form.priority', lang)} ({t('form.default', lang, value=suggested.value)})")
    say("  " + choices)
    while True:
        word = ask("> ").strip().upper()
        if not word:
            return suggested
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

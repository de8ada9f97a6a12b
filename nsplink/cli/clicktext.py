"""Typer's and its bundled click's own words in the reader's language, from a gettext catalog.

Typer prints words of its own around our help texts and errors: "Usage:", "Options",
"Show this message and exit.", "[default: 2]", "No such option: --x", "Missing argument 'ID'.".
Typer marks its words with gettext (`typer.core`, `typer.rich_utils`); the click it bundles
(`typer._click`) writes them as plain literals. Both come from one gettext catalog, domain
`cli`, in `nsplink/locale/<lang>/LC_MESSAGES/cli.po` (maintained with Babel; the compiled
`cli.mo` is committed so a fresh install needs no build step:
`python -m nsplink.devtools.clicatalog` extracts, updates and compiles it).

`bind(lang)` runs once when the CLI starts, before the command tree is built:
  - Typer's gettext-marked modules get the catalog's `gettext` as their `_`;
  - the few literals of the bundled click are looked up in the same catalog where they are
    produced: the help option, the "Usage:" prefix, the usage pieces, error messages
    (matched against the catalog's `{placeholder}` templates, see `BUNDLED_CLICK`);
  - plain on/off flags lose their `<bool>` type marker; other type markers are translated.
English needs no catalog: `gettext.NullTranslations` leaves every word as Typer wrote it.
"""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nsplink.i18n import Lang

DOMAIN = "cli"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

# Literals of the bundled click (and of Typer's unmarked code) that nsplink shows, as
# gettext msgids. `{name}` placeholders are templates: an English message is matched against
# them and its parts put into the Dutch text; a `{message}` part is translated in turn.
BUNDLED_CLICK: tuple[str, ...] = (
    "Show this message and exit.",
    "Usage: ",
    "[OPTIONS]",
    "COMMAND [ARGS]...",
    "Got unexpected extra argument(s) ({args})",
    "No such option: {name}",
    "No such option: {name} (Possible options: {possibilities})",
    "No such option: {name} Did you mean {possibility}?",
    "Missing argument {hint}.",
    "Missing option {hint}.",
    "Missing parameter {hint}.",
    "Missing argument {hint}. {message}",
    "Missing option {hint}. {message}",
    "Missing parameter {hint}. {message}",
    "Missing parameter: {name}",
    "Invalid value for {hint}: {message}",
    "Invalid value: {message}",
    "Value {value} is not a valid {label}.",
    "{value} is not one of {choices}.",
    "Option {name} requires an argument.",
    "Option {name} requires {count} arguments.",
    "Option {name} does not take a value.",
    "Argument {name} takes {count} values.",
    "Value must be an iterable.",
    "{label} {value} does not exist.",
    "{label} {value} is a file.",
    "{label} {value} is a directory.",
    "{label} {value} is not readable.",
    "{label} {value} is not writable.",
    "{message}. Did you mean {suggestions}?",
    "Choose from:\n\t{choices}",
    # Typer checks values with pydantic; its most common words for a wrong number or switch
    "Input should be a valid integer, unable to parse string as an integer",
    "Input should be a valid number, unable to parse string as a number",
    "Input should be a valid boolean, unable to interpret input",
    "Input should be greater than or equal to {limit}",
    "Input should be less than or equal to {limit}",
    "Input should be greater than {limit}",
    "Input should be less than {limit}",
    # type markers of options that take a value: `<str>`, `<int>`, ...
    "str",
    "int",
    "float",
    "bool",
    "path",
    "file",
    "directory",
    "text",
    "integer",
    "int range",
    "float range",
    "list[str]",
    "list[Path]",
    "list[int]",
)

# rich_utils computes these from gettext when it is imported, before a catalog can be bound.
_RICH_CONSTANTS: dict[str, str] = {
    "DEPRECATED_STRING": "(deprecated) ",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]",
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "ERRORS_PANEL_TITLE": "Error",
    "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}

# How much of a message a placeholder may take: option names and hints are one word or
# quoted; everything else is free text (matched lazily, the template must match in full).
_PART = {
    "name": r"\S+",
    "hint": r"'[^']*'(?: / '[^']*')*",
    "possibility": r"\S+",
}

_translations: gettext.NullTranslations = gettext.NullTranslations()
_patched = False
bound_lang: Lang = "en"  # what Typer itself writes


def catalog(lang: Lang) -> gettext.NullTranslations:
    """The compiled catalog for `lang`; English (or a missing catalog) changes nothing."""
    return gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[lang], fallback=True)


def tr(msgid: str) -> str:
    """A Typer/click word in the bound language."""
    return _translations.gettext(msgid)


@functools.cache
def _template(msgid: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", msgid)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_PART.get(part, '.+?')})"
        for i, part in enumerate(parts)
    )
    return re.compile(pattern, re.S)


_TEMPLATES = sorted((m for m in BUNDLED_CLICK if "{" in m), key=lambda m: (-m.count("{"), -len(m)))


def translate_message(text: str) -> str:
    """An English message of Typer/click in the bound language (unchanged when unknown)."""
    direct = tr(text)
    if direct != text:
        return direct
    for msgid in _TEMPLATES:
        match = _template(msgid).fullmatch(text)
        if match is None:
            continue
        target = tr(msgid)
        if target == msgid:
            return text
        values = match.groupdict()
        for key in ("message", "label"):
            if key in values:
                values[key] = translate_message(values[key])
        return target.format(**values)
    return text


def _type_marker(marker: str | None) -> str | None:
    """`<int>` -> `<getal>`; a repeated value keeps its `...`."""
    if marker is None:
        return None
    core, dots = (marker[:-3], "...") if marker.endswith("...") else (marker, "")
    if not (core.startswith("<") and core.endswith(">")):
        return marker
    return f"<{tr(core[1:-1])}>{dots}"


def bind(lang: Lang) -> None:
    """Use the catalog of `lang` for every word Typer and its click print from now on."""
    global _translations, bound_lang
    _translations = catalog(lang)
    bound_lang = lang
    from typer import core, rich_utils

    for module in (core, rich_utils):  # both did `from gettext import gettext as _`
        vars(module)["_"] = tr
    for name, msgid in _RICH_CONSTANTS.items():
        if hasattr(rich_utils, name):  # a Typer without one of them keeps its English
            setattr(rich_utils, name, tr(msgid))
    # The help page colours the usage prefix, found by its text.
    rich_utils.OptionHighlighter.highlights = [
        h for h in rich_utils.OptionHighlighter.highlights if "(?P<usage>" not in h
    ] + [f"(?P<usage>{re.escape(tr('Usage: '))})"]
    _patch_bundled_click()


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = owner.__dict__.get(name)
    if original is not None:
        setattr(owner, name, make(original))


def _patch_bundled_click() -> None:
    """Look the bundled click's literals up in the catalog where they are produced (once)."""
    global _patched
    if _patched:
        return
    _patched = True
    from typer import _click, core

    def help_option(original: Callable[..., Any]) -> Callable[..., Any]:
        def get_help_option(self: Any, ctx: Any) -> Any:
            opt = original(self, ctx)
            if opt is not None and opt.help == "Show this message and exit.":
                opt.help = tr(opt.help)
            return opt

        return get_help_option

    _wrap(_click.core.Command, "get_help_option", help_option)

    def write_usage(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, prog: str, args: str = "", prefix: str | None = None) -> Any:
            return original(self, prog, args, tr("Usage: ") if prefix is None else prefix)

        return wrapped

    _wrap(_click.formatting.HelpFormatter, "write_usage", write_usage)

    def usage_pieces(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(self: Any, ctx: Any) -> list[str]:
            return [tr(piece) for piece in original(self, ctx)]

        return wrapped

    for cls in (_click.core.Command, core.TyperCommand, core.TyperGroup):
        _wrap(cls, "collect_usage_pieces", usage_pieces)

    def message(original: Callable[..., Any]) -> Callable[..., Any]:
        def format_message(self: Any) -> str:
            return translate_message(original(self))

        return format_message

    seen: set[type] = set()
    for cls in vars(_click.exceptions).values():
        if isinstance(cls, type) and issubclass(cls, _click.exceptions.ClickException):
            for base in cls.__mro__:  # the base that formats may live outside the module
                if base not in seen:
                    seen.add(base)
                    _wrap(base, "format_message", message)

    def flag_marker(original: Callable[..., Any]) -> Callable[..., Any]:
        def display_type_rich(self: Any, ctx: Any) -> str | None:
            if getattr(self, "is_flag", False) and not getattr(self, "count", False):
                return None  # an on/off switch takes no value: no `<bool>` beside it
            return _type_marker(original(self, ctx))

        return display_type_rich

    for param_cls in (core._TyperParameter, core.TyperOption, core.TyperArgument):
        _wrap(param_cls, "display_type_rich", flag_marker)

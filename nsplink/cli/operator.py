"""Who is at the keyboard (issue 19): every triage step and note names its operator.

In order: `--operator`, `operator = ` in site.toml, the name given earlier in this shell, or a
question once per shell (remembered in the site home under the shell's process id). Never the
Unix user: on a shared NSP laptop that is "root" or "nsp" and says nothing about who did it.
"""

from __future__ import annotations

import os
import sys

import typer

from nsplink.app.site import SiteHome
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts

register_texts(
    {
        "operator.ask": ("Uw naam of initialen", "Your name or initials"),
        "operator.unknown": ("(onbekend)", "(unknown)"),
        "opt.operator": ("Naam of initialen van de operator.", "Operator name or initials."),
    }
)
OPERATOR_MAX = 60


def _shell_file(home: SiteHome) -> str:
    return str(home.root / f".operator-{os.getppid()}")


def _clean(name: str) -> str:
    return " ".join(name.split())[:OPERATOR_MAX]


def resolve_operator(home: SiteHome, configured: str, given: str | None, lang: Lang) -> str:
    """The operator's name, asking once per shell when nothing names one; "" if nobody can be
    asked (a script without --operator)."""
    for name in (given, configured):
        if name and _clean(name):
            return _clean(name)
    path = _shell_file(home)
    try:
        with open(path, encoding="utf-8") as fh:
            remembered = _clean(fh.read())
        if remembered:
            return remembered
    except OSError:
        pass
    if not sys.stdin.isatty():
        return ""
    name = _clean(typer.prompt(t("operator.ask", lang)))
    if name:
        try:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(name)
        except OSError:
            pass  # asked again next time: not worth failing a triage step for
    return name


def operator_words(name: str | None, lang: Lang) -> str:
    return name or t("operator.unknown", lang)

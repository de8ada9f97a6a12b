"""Console entry point. Picks the language before the commands are built, so `--help` texts
are in the reader's language too (Typer renders them when the command modules load)."""

from __future__ import annotations

import os
import sys

from nsplink.cli.argv import home_from_argv as _home_from_argv
from nsplink.cli.argv import lang_from_argv as _lang_from_argv


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    from nsplink.i18n import parse_lang

    lang = _lang_from_argv(args)
    if lang is not None:
        os.environ["NSPLINK_LANG"] = parse_lang(lang)
    elif "NSPLINK_LANG" not in os.environ:
        from nsplink.app.config import configured_lang
        from nsplink.app.site import resolve_home

        configured = configured_lang(resolve_home(_home_from_argv(args)))
        if configured is not None:
            os.environ["NSPLINK_LANG"] = configured
    from nsplink.cli.app import main as app_main

    app_main(argv)

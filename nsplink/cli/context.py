"""State shared by every command: which site home, which language, and how to fail politely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

import typer

from nsplink.app.site import SiteHome
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.texts import render_error


@dataclass
class CliContext:
    home: SiteHome
    lang: Lang

    def fail(self, err: NsplinkError, exit_code: int = 2) -> NoReturn:
        """One clear line on stderr and a non-zero exit; never a stack trace."""
        typer.echo(render_error(err, self.lang), err=True)
        raise typer.Exit(exit_code)

    def say(self, key: str, **params: object) -> None:
        typer.echo(t(key, self.lang, **params))


def get_ctx(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    if not isinstance(obj, CliContext):  # a sub-command invoked without the root callback
        from nsplink.app.site import resolve_home
        from nsplink.i18n import current_lang

        obj = CliContext(home=resolve_home(None), lang=current_lang())
        ctx.find_root().obj = obj
    return obj

"""`nsplink` command line: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime
from typing import Annotated

import typer

from nsplink import __version__
from nsplink.app.site import resolve_home
from nsplink.cli import command_modules
from nsplink.cli.argv import home_from_argv
from nsplink.cli.clicktext import bind as bind_cli_words
from nsplink.cli.context import CliContext
from nsplink.errors import NsplinkError
from nsplink.i18n import current_lang, parse_lang, register, t
from nsplink.texts import render_error
from nsplink.texts.safe import shown

# Option and argument help texts.
register(
    {
        "app.opt.home": (
            "Map van de post (standaard $NSPLINK_HOME).",
            "Site directory (default $NSPLINK_HOME).",
        ),
        "app.opt.lang": ("nl (standaard) of en.", "nl (default) or en."),
        "app.opt.version": ("Toon het versienummer.", "Show the version."),
    }
)

register(
    {
        "cli.help": (
            "nsplink: berichten tussen noodsteunpunten en coördinatiepunten via LoRa.",
            "nsplink: messages between emergency support points and coordination points over LoRa.",
        ),
        "cli.unexpected": (
            "Onverwachte fout ({kind}): {detail}. Details staan in {where}.",
            "Unexpected error ({kind}): {detail}. Details are in {where}.",
        ),
        "cli.interrupted": (
            "Afgebroken; er is niets half opgeslagen.",
            "Cancelled; nothing was half-saved.",
        ),
    }
)

# Typer's and click's own words ("Usage:", "Options", "Show this message and exit.", their
# errors) come from a gettext catalog of the reader's language: see nsplink.cli.clicktext.
bind_cli_words(current_lang())

app = typer.Typer(
    name="nsplink",
    help=t("cli.help"),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"nsplink {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: Annotated[str | None, typer.Option("--home", help=t("app.opt.home"))] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=t("app.opt.lang"))] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help=t("app.opt.version"))
    ] = False,
) -> None:
    site = resolve_home(home)
    chosen = parse_lang(lang) if lang else None
    if chosen is None and "NSPLINK_LANG" in os.environ:
        chosen = current_lang()  # as the entry point chose it: help, Typer's words and output agree
    if chosen is None:
        from nsplink.app.config import configured_lang

        chosen = configured_lang(site) or current_lang()
    os.environ["NSPLINK_LANG"] = chosen  # so error texts rendered deeper down match
    ctx.obj = CliContext(home=site, lang=chosen)


for _module in command_modules():
    _module.register(app)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: typed errors become one line; anything else is logged, not dumped.

    Typer/Click handle usage errors, --help and Ctrl-C themselves (standalone mode)."""
    try:
        app(args=argv)
    except NsplinkError as err:
        print(shown(render_error(err, current_lang())), file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print(t("cli.interrupted", current_lang()), file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # last line of defence: no stack trace for a volunteer
        where = _write_crash_log(argv)
        kind = type(exc).__name__
        detail = shown(str(exc))[:200]
        print(
            t("cli.unexpected", current_lang(), kind=kind, detail=detail, where=where),
            file=sys.stderr,
        )
        sys.exit(EXIT_UNEXPECTED)


EXIT_UNEXPECTED = 3  # 1: a check failed, 2: bad input or a store fault, 3: a bug of ours
CRASH_LOG = "crash.log"


def _write_crash_log(argv: list[str] | None) -> str:
    """Append the traceback to crash.log in the site directory (not a fixed name in the shared
    temp dir, where anyone can plant a symlink): never following a link, created 0600."""
    explicit = os.environ.get("NSPLINK_CRASH_LOG")
    path = explicit or str(
        resolve_home(home_from_argv(sys.argv[1:] if argv is None else argv)).root / CRASH_LOG
    )
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except OSError:  # a link planted there, or no site directory: say so, print no traceback
        return f"- ({path})"
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(f"--- nsplink {__version__} {datetime.now().isoformat(timespec='seconds')}\n")
        traceback.print_exc(file=fh)
    return path

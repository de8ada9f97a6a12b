"""`nsplink console`: the CP console in the browser (issue 22); `console user add|remove|list`.

On 127.0.0.1 (the default) the console asks only for the operator's name when no account exists:
whoever sits at the CP laptop can read the site's files anyway. `--listen` opens it to the CP's
LAN, and only when operator accounts exist, so every change carries a proven name.
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Annotated

import typer

from nsplink.cli.context import get_ctx
from nsplink.cli.sitefiles import require_role, site_or_fail
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_texts
from nsplink.i18n import t

register_texts(
    {
        "console.help": (
            "De CP-console in de browser, voor meerdere operators tegelijk.",
            "The CP console in the browser, for several operators at once.",
        ),
        "console.opt.listen": (
            "Adres om op te luisteren, bijv. 0.0.0.0 voor het LAN (alleen met operatoraccounts).",
            "Address to listen on, e.g. 0.0.0.0 for the LAN (only with operator accounts).",
        ),
        "console.opt.port": ("Poort.", "Port."),
        "console.stopped": ("CP-console gestopt.", "CP console stopped."),
        "console.user.help": ("Operatoraccounts van de console.", "Operator accounts."),
        "console.user.add.help": (
            "Operator toevoegen of wachtwoord wijzigen.",
            "Add an operator or change their password.",
        ),
        "console.user.remove.help": ("Operator verwijderen.", "Remove an operator."),
        "console.user.list.help": ("Operators tonen.", "List the operators."),
        "console.user.arg.name": ("Naam of initialen.", "Name or initials."),
        "console.user.opt.stdin": (
            "Lees het wachtwoord van stdin (voor scripts).",
            "Read the password from stdin (for scripts).",
        ),
        "console.user.password": ("Wachtwoord", "Password"),
        "console.user.added": (
            "Operator '{name}' kan zich aanmelden.",
            "Operator '{name}' can log in.",
        ),
        "console.user.removed": ("Operator '{name}' verwijderd.", "Operator '{name}' removed."),
        "console.user.none": ("Nog geen operatoraccounts.", "No operator accounts yet."),
    }
)

DEFAULT_PORT = 8622

console_app = typer.Typer(help=t("console.help"), no_args_is_help=False)
user_app = typer.Typer(help=t("console.user.help"), no_args_is_help=True)
console_app.add_typer(user_app, name="user")


class ListenNeedsAccounts(NsplinkError):
    code = "console.listen_needs_accounts"
    key = "console.listen_needs_accounts"


@console_app.callback(invoke_without_command=True)
def console(
    ctx: typer.Context,
    listen: Annotated[str, typer.Option("--listen", help=t("console.opt.listen"))] = "",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help=t("console.opt.port"))] = (
        DEFAULT_PORT
    ),
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from nsplink.console.accounts import load_accounts
    from nsplink.console.web import Console

    c = get_ctx(ctx)
    site = site_or_fail(c)
    try:
        require_role(site, "cp", c.lang)
        accounts = load_accounts(site.home)
        if listen and not accounts:
            raise ListenNeedsAccounts(listen)
    except NsplinkError as err:
        c.fail(err)
    host = listen or "127.0.0.1"
    console = Console(site, lang=c.lang, passwords=bool(accounts))

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            console.stopping()  # open event streams end, so the stop is clean and quick
            super().handle_exit(sig, frame)

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn raises the signal again after its clean stop (exit status -15); a
            # stopped console, like the daemon, exits 0 and says so
            old = {s: signal.signal(s, self.handle_exit) for s in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for s, handler in old.items():
                    signal.signal(s, handler)

    config = uvicorn.Config(
        console.app(), host=host, port=port, log_level="warning", lifespan="on",
        timeout_graceful_shutdown=5,
    )  # fmt: skip
    c.say("console.serving", url=f"http://{host}:{port}/")
    sys.stdout.flush()
    Server(config).run()
    c.say("console.stopped")


@user_app.command("add", help=t("console.user.add.help"))
def user_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help=t("console.user.arg.name"))],
    stdin: Annotated[bool, typer.Option("--password-stdin", help=t("console.user.opt.stdin"))] = (
        False
    ),
) -> None:
    from nsplink.console.accounts import set_password

    c = get_ctx(ctx)
    site = site_or_fail(c)
    if stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt(
            t("console.user.password", c.lang), hide_input=True, confirmation_prompt=True
        )
    try:
        who = set_password(site.home, name, password)
    except NsplinkError as err:
        c.fail(err)
    c.say("console.user.added", name=who)


@user_app.command("remove", help=t("console.user.remove.help"))
def user_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help=t("console.user.arg.name"))]
) -> None:
    from nsplink.console.accounts import remove

    c = get_ctx(ctx)
    site = site_or_fail(c)
    try:
        remove(site.home, name)
    except NsplinkError as err:
        c.fail(err)
    c.say("console.user.removed", name=name)


@user_app.command("list", help=t("console.user.list.help"))
def user_list(ctx: typer.Context) -> None:
    from nsplink.console.accounts import load_accounts

    c = get_ctx(ctx)
    names = sorted(load_accounts(site_or_fail(c).home))
    typer.echo("\n".join(names) if names else t("console.user.none", c.lang))


def register(app: typer.Typer) -> None:
    app.add_typer(console_app, name="console")

"""`nsplink daemon`: run this site's daemon in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging

import typer

from nsplink.cli.context import get_ctx
from nsplink.i18n import register as register_text
from nsplink.i18n import t

# Option and argument help texts.
register_text(
    {
        "daemon.opt.verbose": ("Schrijf elke gebeurtenis in het logboek.", "Log every event."),
    }
)

register_text(
    {
        "daemon.help": (
            "Start de dienst van deze post: berichten versturen, ontvangen en bevestigen.",
            "Run this site's daemon: send, receive and confirm messages.",
        ),
        "daemon.started": (
            "nsplink-dienst gestart voor {site} ({role}); stoppen met Ctrl-C.",
            "nsplink daemon started for {site} ({role}); stop with Ctrl-C.",
        ),
        "daemon.stopped": ("nsplink-dienst gestopt.", "nsplink daemon stopped."),
    }
)


def register(app: typer.Typer) -> None:
    @app.command("daemon", help=t("daemon.help"))
    def daemon_command(
        ctx: typer.Context,
        verbose: bool = typer.Option(False, "--verbose", "-v", help=t("daemon.opt.verbose")),
    ) -> None:
        from nsplink.app.daemon import Daemon

        cli = get_ctx(ctx)
        logging.basicConfig(
            level=logging.INFO if verbose else logging.WARNING,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )
        daemon = Daemon(cli.home)

        def ready() -> None:
            typer.echo(t("daemon.started", cli.lang, site=daemon.cfg.site, role=daemon.cfg.role))

        # a second daemon for this site raises DaemonRunning: one line, exit 2 (cli/app.py)
        asyncio.run(daemon.run(on_ready=ready))
        typer.echo(t("daemon.stopped", cli.lang))

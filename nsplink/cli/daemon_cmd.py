"""`nsplink daemon`: run this site's daemon in the foreground until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging

import typer

from nsplink.app.roster import cp_key_matches, seal_key_path
from nsplink.app.site import SiteHome
from nsplink.cli.context import get_ctx
from nsplink.errors import NsplinkError
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
        "daemon.no_cp_key": (
            "LET OP: deze CP heeft niet de CP-sleutel voor persoonsgegevens van deze"
            " deelnemerslijst ({path}); adressen en telefoonnummers in meldingen blijven"
            " onleesbaar. Installeer hem: 'nsplink roster install roster.json --region-public"
            " ... --cp-key cp-seal.key'.",
            "NOTE: this CP does not hold the CP key for personal data of this roster ({path});"
            " addresses and phone numbers in reports stay unreadable. Install it: 'nsplink"
            " roster install roster.json --region-public ... --cp-key cp-seal.key'.",
        ),
    }
)


def _holds_cp_key(home: SiteHome, seal: bytes) -> bool:
    """Whether this CP can open what NSPs seal to `seal` (its cp-seal.key, readable and 0600)."""
    try:
        return cp_key_matches(seal_key_path(home), seal)
    except NsplinkError:
        return False


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
            seal = daemon.roster.seal_key
            if daemon.cfg.role == "cp" and seal is not None and not _holds_cp_key(cli.home, seal):
                path = seal_key_path(cli.home)
                typer.echo(t("daemon.no_cp_key", cli.lang, path=path), err=True)

        # a second daemon for this site raises DaemonRunning: one line, exit 2 (cli/app.py)
        asyncio.run(daemon.run(on_ready=ready))
        typer.echo(t("daemon.stopped", cli.lang))

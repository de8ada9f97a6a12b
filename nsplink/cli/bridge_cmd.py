"""`nsplink bridge`: connect this CP to its region's MQTT broker (issue 23, app/bridge.py).

Runs in the foreground beside the daemon until SIGTERM or Ctrl-C. The password is read from a
file (`--password-file`), never typed on the command line; TLS is on with `--tls-ca`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Annotated, Any

import typer

from nsplink.cli.context import get_ctx
from nsplink.cli.sitefiles import require_role, site_or_fail
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_text
from nsplink.i18n import t

register_text(
    {
        "bridge.help": (
            "Verbind deze CP met de MQTT-broker van de regio: ondertekende berichten naar de "
            "andere CP's en terug. LoRa blijft de terugval.",
            "Connect this CP to the region's MQTT broker: signed messages to the other CPs and "
            "back. LoRa stays the fallback.",
        ),
        "bridge.opt.broker": ("Broker als host of host:poort.", "Broker as host or host:port."),
        "bridge.opt.tls_ca": (
            "CA-bestand: TLS aan, het certificaat van de broker wordt gecontroleerd.",
            "CA file: TLS on, the broker's certificate is checked.",
        ),
        "bridge.opt.tls_cert": ("Clientcertificaat van deze CP.", "This CP's client certificate."),
        "bridge.opt.tls_key": (
            "Sleutel bij het clientcertificaat.",
            "Key of the client certificate.",
        ),
        "bridge.opt.username": ("Gebruikersnaam van deze CP.", "This CP's user name."),
        "bridge.opt.password_file": (
            "Bestand met het wachtwoord van deze CP.",
            "File holding this CP's password.",
        ),
        "bridge.opt.client_id": (
            "Client-id (standaard nsplink-<regio>-<sleutel-id>).",
            "Client id (default nsplink-<region>-<key id>).",
        ),
        "bridge.opt.backoff_max": (
            "Langste wachttijd tussen verbindpogingen, in seconden.",
            "Longest wait between connection attempts, in seconds.",
        ),
        "bridge.opt.feed": (
            "Zet ook de feed voor de crisisorganisatie op de broker: mededelingen als CAP 1.2, "
            "situatierapporten en hulpvragen als JSON (nsplink/feed/v1/<regio>/...).",
            "Also put the crisis organisation's feed on the broker: bulletins as CAP 1.2, "
            "situation reports and supply requests as JSON (nsplink/feed/v1/<region>/...).",
        ),
        "bridge.bad_broker": (
            "Broker '{value}' niet begrepen; geef host of host:poort.",
            "Broker '{value}' not understood; give host or host:port.",
        ),
        "bridge.stopped": ("Brug gestopt.", "Bridge stopped."),
    }
)


class BadBroker(NsplinkError):
    code = "cli.bridge.bad_broker"
    key = "bridge.bad_broker"


def parse_broker(value: str) -> tuple[str, int]:
    host, sep, port = value.strip().rpartition(":")
    if not sep:
        host, port = value.strip(), "1883"
    if not host or not port.isdecimal() or not 0 < int(port) < 65536:
        raise BadBroker(value, value=value)
    return host, int(port)


def register(app: typer.Typer) -> None:
    @app.command("bridge", help=t("bridge.help"))
    def bridge_command(
        ctx: typer.Context,
        broker: Annotated[str, typer.Option("--broker", help=t("bridge.opt.broker"))],
        tls_ca: Annotated[
            Path | None, typer.Option("--tls-ca", help=t("bridge.opt.tls_ca"))
        ] = None,
        tls_cert: Annotated[
            Path | None, typer.Option("--tls-cert", help=t("bridge.opt.tls_cert"))
        ] = None,
        tls_key: Annotated[
            Path | None, typer.Option("--tls-key", help=t("bridge.opt.tls_key"))
        ] = None,
        username: Annotated[
            str | None, typer.Option("--username", help=t("bridge.opt.username"))
        ] = None,
        password_file: Annotated[
            Path | None, typer.Option("--password-file", help=t("bridge.opt.password_file"))
        ] = None,
        client_id: Annotated[
            str | None, typer.Option("--client-id", help=t("bridge.opt.client_id"))
        ] = None,
        backoff_max: Annotated[
            float, typer.Option("--backoff-max", min=0.1, help=t("bridge.opt.backoff_max"))
        ] = 30.0,
        feed: Annotated[bool, typer.Option("--feed/--no-feed", help=t("bridge.opt.feed"))] = True,
    ) -> None:
        from nsplink.app.bridge import Bridge, BridgeOptions

        c = get_ctx(ctx)
        site = site_or_fail(c)
        try:
            require_role(site, "cp", c.lang)
            host, port = parse_broker(broker)
            me = site.key_of(site.config.site)
            options = BridgeOptions(
                host, port, tls_ca, tls_cert, tls_key, username, password_file, client_id,
                backoff_max_s=backoff_max,
            )  # fmt: skip
            options.password()  # an unreadable password file is one line now, not later
        except NsplinkError as err:
            c.fail(err)
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")

        def say(key: str, kw: dict[str, Any]) -> None:
            typer.echo(t(key, c.lang, **kw))

        bridge = Bridge(
            site.home, site.config.site, site.config.region, me, options, say=say,
            feed_keys=site.ring if feed else None,
        )  # fmt: skip

        async def go() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, bridge.request_stop)
            await bridge.run()

        try:
            asyncio.run(go())
        except NsplinkError as err:
            c.fail(err)
        typer.echo(t("bridge.stopped", c.lang))

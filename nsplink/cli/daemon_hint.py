"""After a command queued something: say so, and say plainly when no daemon is there to send it.

The message is durable in the site's log either way (compose.queue_message); without a running
daemon nothing goes on air, and a volunteer must not read "wordt verstuurd" and walk away.
"""

from __future__ import annotations

import shlex

import typer

from nsplink.app.nudge import nudge
from nsplink.app.site import SiteHome
from nsplink.cli.context import CliContext
from nsplink.i18n import register, t

register(
    {
        "daemon.not_running": (
            "LET OP: de achtergronddienst van deze post draait niet, dus er gaat niets de lucht"
            " in. Het bericht blijft bewaard en gaat weg zodra de dienst draait. Start hem met:"
            " {command}",
            "NOTE: this site's background service is not running, so nothing goes on air. The"
            " message is kept and goes out once the service runs. Start it with: {command}",
        ),
        "send.saved_offline": (
            "Bericht opgeslagen (nog niet verstuurd).",
            "Message saved (not sent yet).",
        ),
    }
)


def start_command(home: SiteHome) -> str:
    """The command that starts this site's daemon, with its --home."""
    return f"nsplink --home {shlex.quote(str(home.root))} daemon"


def say_queued(c: CliContext, home: SiteHome, key: str, **params: object) -> bool:
    """`key` when a daemon took the nudge; otherwise that nothing is sent yet, and how to start
    the daemon (stderr). True when a daemon runs."""
    if nudge(home):
        c.say(key, **params)
        return True
    c.say("send.saved_offline" if key == "send.saved" else key, **params)
    typer.echo(t("daemon.not_running", c.lang, command=start_command(home)), err=True)
    return False

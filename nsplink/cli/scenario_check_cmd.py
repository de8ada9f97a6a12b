"""`nsplink scenario check FILE`: the scenario file checked, and who hears whom with what margin,
before hours of replay show that a post never had a radio path to a CP.

Its own module, so `scenario run`/`generate` work in scenario_cmd.py does not collide with it;
the command hangs on the same `scenario` group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nsplink.cli.context import get_ctx
from nsplink.cli.scenario_cmd import scenario_app
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_text
from nsplink.i18n import t

# The name of a value in the usage line, in the reader's language.
register_text(
    {
        "metavar.file": ("BESTAND", "FILE"),
    }
)

register_text(
    {
        "scenario.check_help": (
            "Controleer een scenario en toon wie wie hoort, met de marge per verbinding.",
            "Check a scenario and show who hears whom, with the margin of each link.",
        ),
        "scenario.plan_help": (
            "Plan relais en preset: waar relais elk NSP met marge aan een CP koppelen, en welke"
            " preset het verkeer nodig heeft.",
            "Plan relays and preset: where relays would connect every NSP to a CP with a margin,"
            " and which preset the traffic needs.",
        ),
        "scenario.opt.margin": (
            "Gewenste marge per verbinding in dB (standaard 10: ongeveer 95 % zeker).",
            "Wanted margin per link in dB (default 10: about 95 % sure).",
        ),
        "scenario.bad_margin": (
            "--margin moet tussen 0 en 40 dB liggen.",
            "--margin must be between 0 and 40 dB.",
        ),
        "scenario.check_ok": (
            "Scenario in orde: {sites} posten, {actions} acties.",
            "Scenario is valid: {sites} sites, {actions} actions.",
        ),
        "scenario.check_unreachable": (
            "Let op: {count} NSP('s) zonder radioverbinding met een CP: {names}. Hun berichten"
            " kunnen niet aankomen; zet een relais neer of verplaats de post.",
            "Warning: {count} NSP(s) without a radio link to any CP: {names}. Their messages"
            " cannot arrive; place a relay or move the site.",
        ),
    }
)


@scenario_app.command("check", help=t("scenario.check_help"))
def check_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar=t("metavar.file"), help=t("scenario.arg.file"))],
    seed: Annotated[int | None, typer.Option("--seed", help=t("scenario.opt.seed"))] = None,
) -> None:
    cli = get_ctx(ctx)
    try:
        from nsplink.scenario.radiomap import (
            radio_map,
            render_text,
            roles_off_profile,
            unreachable_nsps,
        )
        from nsplink.scenario.schema import load_scenario

        sc = load_scenario(file)
        cli.say("scenario.check_ok", sites=len(sc.sites), actions=len(sc.actions))
        off = roles_off_profile(sc)
        if off:  # allowed (a what-if), but said
            cli.say("scenario.roles_off_profile", sites=", ".join(off))
        rmap = radio_map(sc, seed)
        typer.echo(render_text(rmap, cli.lang), nl=False)
        missing = unreachable_nsps(rmap)
        if missing:
            cli.say("scenario.check_unreachable", count=len(missing), names=", ".join(missing))
            raise typer.Exit(1)
    except NsplinkError as err:
        cli.fail(err)


@scenario_app.command("plan", help=t("scenario.plan_help"))
def plan_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar=t("metavar.file"), help=t("scenario.arg.file"))],
    margin: Annotated[float, typer.Option("--margin", help=t("scenario.opt.margin"))] = 10.0,
) -> None:
    cli = get_ctx(ctx)
    try:
        from nsplink.scenario.plan import plan_regions, render_regions
        from nsplink.scenario.schema import load_scenario

        if not 0 <= margin <= 40:
            raise BadMargin(str(margin))
        sc = load_scenario(file)
        typer.echo(render_regions(plan_regions(sc, target_db=margin), cli.lang), nl=False)
    except NsplinkError as err:
        cli.fail(err)


class BadMargin(NsplinkError):
    code = "scenario.bad_margin"
    key = "scenario.bad_margin"


def register(app: typer.Typer) -> None:
    """The command is on the `scenario` group already (registered by scenario_cmd)."""

"""`nsplink evaluation combine REPORT.json...`: the regions' exercise reports side by side for the
national evaluation, as Markdown, CSV and PNG, with nothing personal in them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from nsplink.cli.context import get_ctx
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_text
from nsplink.i18n import t

# The name of a value in the usage line, in the reader's language.
register_text(
    {
        "metavar.reports": ("VERSLAGEN", "REPORTS"),
    }
)

register_text(
    {
        "evaluation.help": (
            "Landelijke evaluatie: oefenverslagen van regio's samenvoegen.",
            "National evaluation: combine the regions' exercise reports.",
        ),
        "evaluation.combine_help": (
            "Voeg report.json-bestanden van regio's samen tot één tabel en grafieken."
            " Geef een naam mee als REGIO=PAD, anders geldt de naam van het scenario.",
            "Combine regions' report.json files into one table and plots."
            " Name a region as REGION=PATH, otherwise the scenario's name is used.",
        ),
        "evaluation.arg.reports": (
            "Oefenverslagen (report.json), eventueel als REGIO=PAD.",
            "Exercise reports (report.json), optionally as REGION=PATH.",
        ),
        "evaluation.opt.out": ("Map voor de uitvoer.", "Output directory."),
        "evaluation.done": (
            "{count} regio's samengevoegd: {files}",
            "{count} regions combined: {files}",
        ),
    }
)

evaluation_app = typer.Typer(help=t("evaluation.help"), no_args_is_help=True)


def _split(arg: str) -> tuple[str | None, Path]:
    """REGION=PATH, unless the whole argument is itself an existing file."""
    if "=" in arg and not Path(arg).exists():
        label, path = arg.split("=", 1)
        return label.strip() or None, Path(path)
    return None, Path(arg)


@evaluation_app.command("combine", help=t("evaluation.combine_help"))
def combine_command(
    ctx: typer.Context,
    reports: Annotated[
        list[str], typer.Argument(metavar=t("metavar.reports"), help=t("evaluation.arg.reports"))
    ],
    out: Annotated[Path, typer.Option("--out", help=t("evaluation.opt.out"))] = Path(
        "evaluation-out"
    ),
) -> None:
    cli = get_ctx(ctx)
    try:
        from nsplink.scenario import combine as cb

        loaded = [(label, cb.load_report(path)) for label, path in map(_split, reports)]
        comb = cb.combine(cb.labels_for(loaded))
        files = cb.write(comb, out, cli.lang)
        cli.say("evaluation.done", count=len(comb["regions"]), files=", ".join(map(str, files)))
    except NsplinkError as err:
        cli.fail(err)


def register(app: typer.Typer) -> None:
    app.add_typer(evaluation_app, name="evaluation")

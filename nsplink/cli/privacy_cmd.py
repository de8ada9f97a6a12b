"""`nsplink privacy erase`: destroy personal data after the retention term (AVG bewaartermijn).

The term is `retention_days` in site.toml (set by the controller), or `--days`; `--all` erases
everything up to now, e.g. after an exercise. Only the per-message keys are destroyed: the
hash-chained log, its counts and its timings stay and still verify.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer

from nsplink.app.config import load_config
from nsplink.cli.context import get_ctx
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_texts
from nsplink.i18n import t
from nsplink.store import Store

register_texts(
    {
        "privacy.help": (
            "Persoonsgegevens: vernietigen na de bewaartermijn.",
            "Personal data: destroy it after the retention term.",
        ),
        "privacy.erase_help": (
            "Vernietig persoonsgegevens ouder dan de bewaartermijn (retention_days).",
            "Destroy personal data older than the retention term (retention_days).",
        ),
        "privacy.erased": (
            "Persoonsgegevens van {count} berichten vernietigd (ouder dan {days} dagen)."
            " Aantallen en tijden blijven bewaard.",
            "Personal data of {count} messages destroyed (older than {days} days)."
            " Counts and times are kept.",
        ),
        "privacy.opt_days": (
            "Bewaartermijn in dagen (standaard: retention_days in site.toml).",
            "Retention term in days (default: retention_days in site.toml).",
        ),
        "privacy.opt_all": (
            "Alles tot nu (na een oefening).",
            "Everything up to now (after an exercise).",
        ),
        "privacy.bad_days": (
            "Ongeldige bewaartermijn {value}: geef 0 of meer dagen.",
            "Invalid retention term {value}: give 0 or more days.",
        ),
    }
)


class BadRetention(NsplinkError):
    code = "privacy.bad_days"
    key = "privacy.bad_days"


privacy_app = typer.Typer(help=t("privacy.help"), no_args_is_help=True)


@privacy_app.command("erase", help=t("privacy.erase_help"))
def erase(
    ctx: typer.Context,
    days: Annotated[float | None, typer.Option("--days", help=t("privacy.opt_days"))] = None,
    all_: Annotated[bool, typer.Option("--all", help=t("privacy.opt_all"))] = False,
) -> None:
    cli = get_ctx(ctx)
    try:
        cfg = load_config(cli.home)
        term = 0.0 if all_ else float(cfg.retention_days if days is None else days)
        if not term >= 0:
            raise BadRetention(str(term), value=term)
        now = time.time()

        async def run() -> int:
            async with await Store.open(cli.home.db_path) as store:
                return await store.erase_personal(now - term * 86400, at=now, site=cfg.site)

        count = asyncio.run(run())
    except NsplinkError as err:
        cli.fail(err)
    cli.say("privacy.erased", count=count, days=f"{term:g}")


def register(app: typer.Typer) -> None:
    app.add_typer(privacy_app, name="privacy")

"""`nsplink export --cap DIR / --json FILE`: the site's picture for the crisis organisation, on a
USB stick when there is no link (issue 23, app/export.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from nsplink.cli.context import get_ctx
from nsplink.cli.sitefiles import run_or_fail, site_or_fail
from nsplink.i18n import register as register_text
from nsplink.i18n import t
from nsplink.store import Store

register_text(
    {
        "export.help": (
            "Exporteer voor de crisisorganisatie: mededelingen als CAP 1.2 (XML), alles als JSON. "
            "Persoonsgegevens alleen versleuteld, of niet; open alleen als het exportbeleid van "
            "de regio dat toestaat voor de meldkamer-liaison.",
            "Export for the crisis organisation: bulletins as CAP 1.2 (XML), everything as JSON. "
            "Personal data only sealed, or not at all; opened only where the region's export "
            "policy allows it for the meldkamer liaison.",
        ),
        "export.opt.cap": (
            "Map voor de CAP-bestanden (één per mededeling).",
            "Directory for the CAP files (one per bulletin).",
        ),
        "export.opt.json": ("JSON-bestand.", "JSON file."),
        "export.nothing": (
            "Geef --cap MAP en/of --json BESTAND.",
            "Give --cap DIR and/or --json FILE.",
        ),
        "export.cap_done": (
            "{n} mededeling(en) als CAP 1.2 in {dir}.",
            "{n} bulletin(s) as CAP 1.2 in {dir}.",
        ),
        "export.json_done": (
            "{n} bericht(en) als JSON in {file} (persoonsgegevens: {personal}).",
            "{n} message(s) as JSON in {file} (personal data: {personal}).",
        ),
        "export.json_done_open": (
            "{n} bericht(en) als JSON in {file}; persoonsgegevens OPEN, alleen voor {liaison}.",
            "{n} message(s) as JSON in {file}; personal data OPEN, for {liaison} only.",
        ),
    }
)


def register(app: typer.Typer) -> None:
    @app.command("export", help=t("export.help"))
    def export_command(
        ctx: typer.Context,
        cap: Annotated[Path | None, typer.Option("--cap", help=t("export.opt.cap"))] = None,
        json_file: Annotated[Path | None, typer.Option("--json", help=t("export.opt.json"))] = None,
    ) -> None:
        from nsplink.app.export import (
            cap_files,
            json_feed,
            load_policy,
            site_opener,
            verified_messages,
            write_json,
        )

        c = get_ctx(ctx)
        site = site_or_fail(c)
        if cap is None and json_file is None:
            typer.echo(t("export.nothing", c.lang), err=True)
            raise typer.Exit(2)

        async def go() -> None:
            policy = load_policy(site.home)
            async with await Store.open(site.home.db_path, create=False, readonly=True) as store:
                msgs = await verified_messages(store, site.ring)
            region = site.config.region
            if cap is not None:
                cap.mkdir(parents=True, exist_ok=True)
                files = cap_files(msgs, region)
                for name, data in files.items():
                    (cap / name).write_bytes(data)
                typer.echo(t("export.cap_done", c.lang, n=len(files), dir=cap))
            if json_file is not None:
                opener = site_opener(site.home) if policy.personal == "open" else None
                feed = json_feed(msgs, region, site.config.site, time.time(), policy, opener)
                write_json(json_file, feed)
                n = len(feed["items"])
                if policy.liaison is not None:
                    done = t("export.json_done_open", c.lang, n=n, file=json_file,
                             liaison=policy.liaison)  # fmt: skip
                else:
                    done = t("export.json_done", c.lang, n=n, file=json_file,
                             personal=policy.personal)  # fmt: skip
                typer.echo(done)

        run_or_fail(c, go)

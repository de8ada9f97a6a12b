"""`nsplink scenario run FILE`: the exercise in virtual time with its report, or `--live` into
this site's daemon for a drill with real radios."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from nsplink.cli.context import get_ctx
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_text
from nsplink.i18n import t
from nsplink.lora.airtime import DEFAULT_PRESET

# Option and argument help texts.
# The name of a value in the usage line, in the reader's language.
register_text(
    {
        "metavar.file": ("BESTAND", "FILE"),
    }
)

register_text(
    {
        "scenario.arg.file": ("Scenariobestand (YAML).", "Scenario YAML file."),
        "scenario.opt.seed": (
            "Gebruik deze startwaarde (seed) in plaats van die uit het scenario.",
            "Override the scenario's seed.",
        ),
        "scenario.opt.out": ("Map voor de uitvoer.", "Output directory."),
        "scenario.opt.format": (
            "Uitvoerformaten, bijvoorbeeld md,json,png (html: één afdrukbare pagina).",
            "Output formats, e.g. md,json,png (html: one printable page).",
        ),
        "scenario.opt.live": (
            "Zet de berichten van één post echt in de wachtrij.",
            "Queue one site's messages for real.",
        ),
        "scenario.opt.site": (
            "Met --live: de post die gespeeld wordt.",
            "With --live: the site to play.",
        ),
        "scenario.opt.speed": ("Met --live: tijdfactor.", "With --live: time factor."),
    }
)

register_text(
    {
        "scenario.help": (
            "Oefenscenario's: het hele netwerk nagespeeld, met verslag.",
            "Exercise scenarios: the whole network simulated, with a report.",
        ),
        "scenario.run_help": (
            "Speel een scenario na in virtuele tijd (of met --live echt) en schrijf het verslag.",
            "Run a scenario in virtual time (or for real with --live) and write the report.",
        ),
        "scenario.bad_format": (
            "Onbekend verslagformaat {value}; kies uit md, json, png, html.",
            "Unknown report format {value}; choose from md, json, png, html.",
        ),
        "scenario.bad_speed": (
            "--speed moet tussen 0.01 en 10000 liggen.",
            "--speed must be between 0.01 and 10000.",
        ),
        "scenario.live_needs_site": (
            "--live heeft --site NAAM nodig: welke post speelt u?",
            "--live needs --site NAME: which site are you playing?",
        ),
        "scenario.live_wrong_home": (
            "Deze post is {home}, niet {site}: geef --home van {site} op, zodat de berichten"
            " met de sleutel van {site} worden ondertekend.",
            "This site is {home}, not {site}: give the --home of {site}, so the messages are"
            " signed with {site}'s key.",
        ),
        "scenario.done": (
            "Klaar: {sent} berichten, {lost} verloren, {dups} dubbel getoond. Verslag: {where}",
            "Done: {sent} messages, {lost} lost, {dups} duplicates shown. Report: {where}",
        ),
        "scenario.roles_off_profile": (
            "Let op: radiorol anders dan de profielen van de technicus: {sites}. De cijfers"
            " gelden voor deze proef, niet voor het netwerk zoals het wordt ingericht.",
            "Warning: radio role other than the technician's profiles give: {sites}. The figures"
            " hold for this trial, not for the network as it is provisioned.",
        ),
        "scenario.done_no_path": (
            "{count} berichten hadden geen radioverbinding (geen pad; zie nsplink scenario check).",
            "{count} messages had no radio link (no path; see nsplink scenario check).",
        ),
        "scenario.live_start": (
            "Live: {count} berichten van {site} in {minutes} minuten (snelheid {speed}x).",
            "Live: {count} messages from {site} over {minutes} minutes (speed {speed}x).",
        ),
        "scenario.live_item": ("{at} {kind} -> {dest}: {ref}", "{at} {kind} -> {dest}: {ref}"),
        "scenario.live_done": (
            "Live klaar: {count} berichten in de wachtrij.",
            "Live done: {count} messages queued.",
        ),
    }
)


register_text(
    {
        "scenario.generate_help": (
            "Maak een oefenscenario voor een regio (of een land van regio's) uit een paar"
            " getallen.",
            "Generate an exercise scenario for a region (or a country of regions) from a few"
            " numbers.",
        ),
        "scenario.gen.out": (
            "Schrijf het scenario naar dit bestand (standaard: naar het scherm).",
            "Write the scenario to this file (default: standard output).",
        ),
        "scenario.gen.nsps": ("Aantal noodsteunpunten per regio.", "NSPs per region."),
        "scenario.gen.cps": (
            "Aantal coördinatiepunten per regio (standaard: 1 per 15 NSP's).",
            "CPs per region (default: 1 per 15 NSPs).",
        ),
        "scenario.gen.relays": (
            "Aantal relais per regio (standaard: 1 per 10 NSP's).",
            "Relays per region (default: 1 per 10 NSPs).",
        ),
        "scenario.gen.area": (
            "Oppervlakte per regio in km² (standaard: uit --density).",
            "Area per region in km² (default: from --density).",
        ),
        "scenario.gen.density": ("NSP's per 100 km².", "NSPs per 100 km²."),
        "scenario.gen.regions": (
            "Aantal regio's naast elkaar, elk een eigen mesh (25: het land).",
            "Regions side by side, each its own mesh (25: the country).",
        ),
        "scenario.gen.hours": ("Duur van de oefening in uren.", "Length of the exercise in hours."),
        "scenario.gen.horizon": (
            "Radiohorizon in km, ook de ruimte tussen de regio's.",
            "Radio horizon in km, also the gap between the regions.",
        ),
        "scenario.gen.seed": ("Startwaarde (seed).", "Seed."),
        "scenario.gen.load": (
            "Belasting: 2 is twee keer zoveel noodhulpmeldingen en situatierapporten.",
            "Load: 2 is twice as many emergency reports and sitreps.",
        ),
        "scenario.gen.preset": (
            "Modem-preset van alle radio's (standaard LONG_FAST; zie scenario plan).",
            "Modem preset of every radio (default LONG_FAST; see scenario plan).",
        ),
        "scenario.gen.region_preset": (
            "Een regio op een eigen preset, als REGIO=PRESET (r01, r02, …; herhaalbaar), zoals"
            " r02=MEDIUM_FAST voor een drukke regio; de andere blijven op --preset.",
            "A region on a preset of its own, as REGION=PRESET (r01, r02, …; repeatable), like"
            " r02=MEDIUM_FAST for a busy region; the others stay on --preset.",
        ),
        "scenario.gen.mute": (
            "Zet de NSP-radio's die niets hoeven te herhalen op CLIENT_MUTE (zie scenario plan).",
            "Set the NSP radios that need not repeat anything to CLIENT_MUTE (see scenario plan).",
        ),
        "scenario.gen.survey": (
            "Zet relais bij waar de meting (het radiomodel met zijn schaduwwerking) NSP's alleen"
            " over zwakke verbindingen (onder 6 dB marge) met een CP verbindt, zoals een technicus"
            " na een locatiemeting zou doen; met --no-survey blijven die gaten.",
            "Add relays where the measured links (the radio model with its shadowing) leave NSPs"
            " only weak links (below 6 dB margin) to a CP, as a technician would after a site"
            " survey; with --no-survey those gaps stay.",
        ),
        "scenario.generated": (
            "Scenario geschreven: {where} ({sites} posten in {regions} regio's).",
            "Scenario written: {where} ({sites} sites in {regions} regions).",
        ),
        "scenario.bad_generate": (
            "Dit scenario kan niet gemaakt worden: {detail}",
            "This scenario cannot be generated: {detail}",
        ),
    }
)


class BadGenerate(NsplinkError):
    code = "scenario.bad_generate"
    key = "scenario.bad_generate"


class BadOption(NsplinkError):
    code = "scenario.bad_option"
    key = "scenario.bad_format"


class BadSpeed(NsplinkError):
    code = "scenario.bad_speed"
    key = "scenario.bad_speed"


class LiveNeedsSite(NsplinkError):
    code = "scenario.live_needs_site"
    key = "scenario.live_needs_site"


class LiveWrongHome(NsplinkError):
    code = "scenario.live_wrong_home"
    key = "scenario.live_wrong_home"


scenario_app = typer.Typer(help=t("scenario.help"), no_args_is_help=True)


def _formats(value: str) -> tuple[str, ...]:
    out = tuple(v.strip().lower() for v in value.split(",") if v.strip())
    for v in out:
        if v not in ("md", "json", "png", "html"):
            raise BadOption(v, value=v)
    return out or ("md",)


class _Bar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()
        self.last = -1

    def __call__(self, fraction: float) -> None:
        pct = int(fraction * 100)
        if not self.on or pct == self.last:
            return
        self.last = pct
        filled = pct * 30 // 100
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {pct:3d}%")
        sys.stderr.flush()

    def close(self) -> None:
        if self.on and self.last >= 0:
            sys.stderr.write("\n")


@scenario_app.command("run", help=t("scenario.run_help"))
def run_command(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar=t("metavar.file"), help=t("scenario.arg.file"))],
    seed: Annotated[int | None, typer.Option("--seed", help=t("scenario.opt.seed"))] = None,
    out: Annotated[Path | None, typer.Option("--out", help=t("scenario.opt.out"))] = None,
    fmt: Annotated[str, typer.Option("--format", help=t("scenario.opt.format"))] = "md,json,png",
    live: Annotated[bool, typer.Option("--live", help=t("scenario.opt.live"))] = False,
    site: Annotated[str | None, typer.Option("--site", help=t("scenario.opt.site"))] = None,
    speed: Annotated[float, typer.Option("--speed", help=t("scenario.opt.speed"))] = 1.0,
) -> None:
    cli = get_ctx(ctx)
    try:
        if live:
            _live(cli, file, site, speed, seed)
            return
        formats = _formats(fmt)
        from nsplink.scenario.radiomap import roles_off_profile
        from nsplink.scenario.report import run_and_report
        from nsplink.scenario.schema import load_scenario

        sc = load_scenario(file)  # once: the warning comes before hours of replay
        off = roles_off_profile(sc)
        if off:
            cli.say("scenario.roles_off_profile", sites=", ".join(off))

        out_dir = out or Path("scenario-out") / file.stem
        bar = _Bar()
        try:
            rep, written = asyncio.run(
                run_and_report(sc, out_dir, seed=seed, formats=formats, lang=cli.lang, progress=bar)
            )
        finally:
            bar.close()
        sent = sum(r["sent"] for r in rep["delivery"].values())
        where = written[-1] if written else out_dir
        cli.say(
            "scenario.done", sent=sent, lost=rep["lost"], dups=rep["duplicates_shown"], where=where
        )
        if rep["no_radio_path"]:  # not lost: they never had a radio path (see scenario check)
            cli.say("scenario.done_no_path", count=rep["no_radio_path"])
        if rep["lost"] or rep["duplicates_shown"]:
            raise typer.Exit(1)
    except NsplinkError as err:
        cli.fail(err)


@scenario_app.command("generate", help=t("scenario.generate_help"))
def generate_command(
    ctx: typer.Context,
    nsps: Annotated[int, typer.Option("--nsps", help=t("scenario.gen.nsps"))] = 30,
    cps: Annotated[int | None, typer.Option("--cps", help=t("scenario.gen.cps"))] = None,
    relays: Annotated[int | None, typer.Option("--relays", help=t("scenario.gen.relays"))] = None,
    area: Annotated[float | None, typer.Option("--area", help=t("scenario.gen.area"))] = None,
    density: Annotated[float, typer.Option("--density", help=t("scenario.gen.density"))] = 4.0,
    regions: Annotated[int, typer.Option("--regions", help=t("scenario.gen.regions"))] = 1,
    hours: Annotated[float, typer.Option("--hours", help=t("scenario.gen.hours"))] = 72.0,
    horizon: Annotated[
        float | None, typer.Option("--horizon-km", help=t("scenario.gen.horizon"))
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help=t("scenario.gen.seed"))] = 1,
    out: Annotated[Path | None, typer.Option("--out", help=t("scenario.gen.out"))] = None,
    mute: Annotated[bool, typer.Option("--mute-covered", help=t("scenario.gen.mute"))] = False,
    survey: Annotated[
        bool, typer.Option("--survey/--no-survey", help=t("scenario.gen.survey"))
    ] = True,
    load: Annotated[float, typer.Option("--load", help=t("scenario.gen.load"))] = 1.0,
    preset: Annotated[
        str, typer.Option("--preset", help=t("scenario.gen.preset"))
    ] = DEFAULT_PRESET,
    region_preset: Annotated[
        list[str] | None, typer.Option("--region-preset", help=t("scenario.gen.region_preset"))
    ] = None,
) -> None:
    cli = get_ctx(ctx)
    from nsplink.scenario.generate import (
        GenerateError,
        RegionSpec,
        dump,
        generate_data,
        parse_region_presets,
    )

    try:
        try:
            if density <= 0 or (area is not None and area <= 0):
                raise GenerateError("positive")
            spec = RegionSpec(nsps=nsps, cps=cps, relays=relays, area_km2=area, density=density)
            data = generate_data(
                [spec] * max(1, regions),
                seed=seed,
                hours=hours,
                horizon_km=horizon,
                mute_covered=mute,
                survey=survey,
                load=load,
                preset=preset,
                region_presets=parse_region_presets(region_preset or []),
            )
        except GenerateError as exc:
            raise BadGenerate(exc.text(cli.lang)) from None
        text = dump(data)
        if out is None:
            sys.stdout.write(text)
            return
        out.write_text(text, encoding="utf-8")
        sites = len(data["sites"])  # with the relays the survey added
        cli.say("scenario.generated", where=out, sites=sites, regions=regions)
    except NsplinkError as err:
        cli.fail(err)


def _live(cli: object, file: Path, site: str | None, speed: float, seed: int | None) -> None:
    from nsplink.cli.context import CliContext

    assert isinstance(cli, CliContext)
    if not site:
        raise LiveNeedsSite()
    if not 0.01 <= speed <= 10_000:
        raise BadSpeed(str(speed))
    from nsplink.app.config import load_config
    from nsplink.scenario.live import plan_for_site
    from nsplink.scenario.schema import load_scenario

    here = load_config(cli.home).site
    if here != site:
        raise LiveWrongHome(site, home=here, site=site)

    scenario = load_scenario(file)
    items = plan_for_site(scenario, site, scenario.seed if seed is None else seed)
    minutes = round((items[-1].at if items else 0) / speed / 60, 1)
    cli.say("scenario.live_start", count=len(items), site=site, minutes=minutes, speed=speed)
    count = asyncio.run(_live_queue(cli, items, speed))
    cli.say("scenario.live_done", count=count)


async def _live_queue(cli: object, items: list, speed: float) -> int:  # type: ignore[type-arg]
    from nsplink.app.compose import queue_message
    from nsplink.app.config import load_config
    from nsplink.app.keys import load_identity
    from nsplink.app.roster import load_roster
    from nsplink.cli.context import CliContext
    from nsplink.protocol import Destination, PeerKey
    from nsplink.scenario.live import group_destination, play
    from nsplink.store import Store

    assert isinstance(cli, CliContext)
    home = cli.home
    cfg = load_config(home)
    identity = load_identity(home.key_path)
    _, entries = load_roster(home.roster_path)
    keys = {e.site: PeerKey(e.site, e.role, e.public_key).key_id for e in entries}

    def resolve(name: str) -> Destination | None:
        group = group_destination(name)
        if group is not None:
            return group
        if name not in keys:
            cli.say("scenario.live_no_peer", site=name)
            return None
        return Destination.to_site(keys[name])

    async with await Store.open(home.db_path) as store:

        async def queue(body, dest, prio, now):  # type: ignore[no-untyped-def]
            mid, _ = await queue_message(
                store, identity, cfg.site, body, dest, prio, now, home=home
            )
            return mid

        def echo(item, mid):  # type: ignore[no-untyped-def]
            at = f"{item.at / 3600:6.2f}h"
            cli.say(
                "scenario.live_item",
                at=at,
                kind=item.body.TYPE.value,
                dest=item.destination,
                ref=mid or "-",
            )

        return await play(items, queue, resolve, speed=speed, echo=echo)


def register(app: typer.Typer) -> None:
    app.add_typer(scenario_app, name="scenario")

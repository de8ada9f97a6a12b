"""`nsplink roster create|seal-key|add|revoke|sign|show|install|push`: the region's signed roster.

The region's coordinator keeps the region key on an offline laptop and edits a draft there:
create (region key 0600 and the CPs' sealing key 0600, which every CP receives and installs with
`install --cp-key`), add and revoke sites, sign (the version goes up by one), then hands the
signed file to every site, where `install` checks it against the region's public key and pins
that key. A roster without a sealing key is signed only when the region says so with
`--no-sealing`, which the roster then records (signed) for every site to see. `push` at a CP
sends the installed roster over the air, and every daemon applies it if the region signed it
and it is newer. Any edit after signing
drops the signature: a draft is never mistaken for the signed roster.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from nsplink.app.compose import push_roster
from nsplink.app.config import ROLES, load_config
from nsplink.app.keys import generate_seed, load_identity, save_identity
from nsplink.app.roster import (
    RosterInvalid,
    check_cp_key,
    install_cp_key,
    install_roster,
    load_doc,
    load_pin,
    load_trusted_roster,
    pin_path,
    require_sealing,
    save_doc,
    save_pin,
    sign_roster,
    verify_doc,
)
from nsplink.cli.context import CliContext, get_ctx
from nsplink.cli.daemon_hint import say_queued
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_texts
from nsplink.i18n import t
from nsplink.protocol import KeyId, RosterDoc, SiteEntry, seal_public_key
from nsplink.store import Store

# The name of a value in the usage line, in the reader's language.
register_texts(
    {
        "metavar.file": ("BESTAND", "FILE"),
    }
)

register_texts(
    {
        "roster.help": (
            "Deelnemerslijst van de regio: aanmaken, posten toevoegen of intrekken, ondertekenen,"
            " tonen en installeren.",
            "The region's roster: create, add or revoke sites, sign, show and install.",
        ),
        "roster.created": (
            "Deelnemerslijst {path} aangemaakt voor regio {region}.\n"
            "Regiosleutel (geheim, rechten 600, bewaar offline): {key_file}\n"
            "Publieke regiosleutel (voor 'roster install' op elke post): {public}",
            "Roster {path} created for region {region}.\n"
            "Region key (secret, mode 600, keep offline): {key_file}\n"
            "Public region key (for 'roster install' at every site): {public}",
        ),
        "roster.cp_key": (
            "CP-sleutel voor persoonsgegevens (geheim, rechten 600): {path}\n"
            "Breng dit bestand op een USB-stick naar elke CP en installeer het daar samen met de"
            " lijst: 'nsplink roster install roster.json --region-public ... --cp-key {path}'."
            " Alleen CP's krijgen het; wis de stick daarna.",
            "CP key for personal data (secret, mode 600): {path}\n"
            "Take this file on a USB stick to every CP and install it there with the roster:"
            " 'nsplink roster install roster.json --region-public ... --cp-key {path}'. Only CPs"
            " get it; wipe the stick afterwards.",
        ),
        "roster.no_sealing_chosen": (
            "LET OP: gekozen voor GEEN versleuteling: persoonsgegevens in noodhulpmeldingen gaan"
            " leesbaar over de radio. Dit staat ondertekend in de lijst.",
            "NOTE: chosen NOT to seal: personal data in emergency reports goes over the radio"
            " readable. This is signed into the roster.",
        ),
        "roster.seal_state_key": (
            "Persoonsgegevens: versleuteld voor de CP's (CP-sleutel {key_id})",
            "Personal data: sealed to the CPs (CP key {key_id})",
        ),
        "roster.seal_state_none": (
            "Persoonsgegevens: NIET versleuteld (bewuste keuze van de regio, --no-sealing)",
            "Personal data: NOT sealed (the region's choice, --no-sealing)",
        ),
        "roster.seal_state_missing": (
            "Persoonsgegevens: geen CP-sleutel en geen keuze — 'roster sign' weigert deze lijst",
            "Personal data: no CP key and no choice — 'roster sign' refuses this roster",
        ),
        "roster.seal_both": (
            "Kies één: een CP-sleutel (--cp-key-out) of bewust geen versleuteling (--no-sealing).",
            "Choose one: a CP key (--cp-key-out) or no sealing on purpose (--no-sealing).",
        ),
        "roster.seal_has_key": (
            "De lijst {path} heeft een CP-sleutel; --no-sealing zou die weggooien. Laat"
            " --no-sealing weg.",
            "The roster {path} has a CP key; --no-sealing would drop it. Leave out --no-sealing.",
        ),
        "roster.seal_key_set": (
            "Nieuwe CP-sleutel in de lijst {roster}; onderteken de lijst en geef {path} aan elke"
            " CP.",
            "New CP key in the roster {roster}; sign the roster and give {path} to every CP.",
        ),
        "roster.cp_key_installed": (
            "CP-sleutel voor persoonsgegevens geïnstalleerd: {path}",
            "CP key for personal data installed: {path}",
        ),
        "roster.added": (
            "{site} ({role}) toegevoegd, sleutel-id {key_id}.",
            "{site} ({role}) added, key id {key_id}.",
        ),
        "roster.revoked": (
            "Sleutel van {site} ingetrokken; onderteken de lijst en verspreid hem.",
            "Key of {site} revoked; sign the roster and distribute it.",
        ),
        "roster.signed": (
            "Deelnemerslijst ondertekend: versie {version}, {sites} posten, {revoked} ingetrokken."
            " Bestand: {path}",
            "Roster signed: version {version}, {sites} sites, {revoked} revoked. File: {path}",
        ),
        "roster.installed": (
            "Deelnemerslijst versie {version} van regio {region} geïnstalleerd ({sites} posten).",
            "Roster version {version} of region {region} installed ({sites} sites).",
        ),
        "roster.state_signed": (
            "ondertekend door regiosleutel {key_id}",
            "signed by region key {key_id}",
        ),
        "roster.state_signed_unchecked": (
            "ondertekend (niet gecontroleerd: geen regiosleutel vastgelegd)",
            "signed (not checked: no region key pinned)",
        ),
        "roster.state_draft": ("NIET ondertekend (concept)", "NOT signed (draft)"),
        "roster.header": (
            "Regio {region}, versie {version}, {state}",
            "Region {region}, version {version}, {state}",
        ),
        "roster.revoked_header": ("Ingetrokken:", "Revoked:"),
        "roster.opt_roster": ("Bestand van de deelnemerslijst.", "Roster file."),
        "roster.opt_region": ("Regiocode, bijvoorbeeld VR01.", "Region code, e.g. VR01."),
        "roster.opt_key_out": (
            "Te schrijven bestand voor de regiosleutel (rechten 600).",
            "Region key file to write (mode 600).",
        ),
        "roster.opt_cp_key_out": (
            "Te schrijven bestand voor de CP-sleutel voor persoonsgegevens (rechten 600).",
            "File to write the CPs' key for personal data to (mode 600).",
        ),
        "roster.opt_no_sealing": (
            "Bewust GEEN versleuteling van persoonsgegevens (komt ondertekend in de lijst).",
            "Choose NOT to seal personal data (signed into the roster).",
        ),
        "roster.opt_cp_key": (
            "Alleen op een CP: de CP-sleutel voor persoonsgegevens van de regio (cp-seal.key).",
            "At a CP only: the region's CP key for personal data (cp-seal.key).",
        ),
        "roster.cmd_seal_key": (
            "Maak een nieuwe CP-sleutel voor persoonsgegevens in de lijst (of vervang hem).",
            "Make a new CP key for personal data in the roster (or replace it).",
        ),
        "roster.opt_site": ("Naam van de post.", "Site name."),
        "roster.opt_role": ("nsp, cp of relay.", "nsp, cp or relay."),
        "roster.opt_public_key": (
            "Publieke sleutel die 'nsplink init' toonde.",
            "Public key that 'nsplink init' showed.",
        ),
        "roster.opt_node": ("Nodenummer van de radio.", "Radio node number."),
        "roster.opt_position": (
            "Waar de post staat, voor de kaart van de CP-console: 'lat,lon' (WGS84) of 'x,y' "
            "(RD-meters).",
            "Where the site stands, for the CP console's map: 'lat,lon' (WGS84) or 'x,y' "
            "(RD metres).",
        ),
        "roster.bad_position": (
            "Positie '{value}' niet begrepen of niet in Nederland: geef 'lat,lon' of 'x,y' in "
            "RD-meters.",
            "Position '{value}' not understood or not in the Netherlands: give 'lat,lon' or "
            "'x,y' in RD metres.",
        ),
        "roster.opt_revoke_site": (
            "Post waarvan de sleutel wordt ingetrokken.",
            "Site whose key is revoked.",
        ),
        "roster.opt_region_key": ("Bestand met de regiosleutel.", "The region key file."),
        "roster.opt_out": (
            "Schrijf de ondertekende lijst hierheen (standaard: zelfde bestand).",
            "Write the signed roster here (default: in place).",
        ),
        "roster.opt_show_roster": (
            "Bestand van de lijst (standaard: die van deze post).",
            "Roster file (default: this site's).",
        ),
        "roster.opt_check_key": (
            "Controleer met dit bestand met de regiosleutel.",
            "Check against this region key file.",
        ),
        "roster.opt_source": (
            "De ondertekende lijst van de regio.",
            "The signed roster from the region.",
        ),
        "roster.opt_region_public": (
            "Publieke regiosleutel (64 hex-tekens).",
            "The region's public key (64 hex digits).",
        ),
        "roster.cmd_create": (
            "Maak een nieuwe deelnemerslijst en regiosleutel.",
            "Create a new roster and region key.",
        ),
        "roster.cmd_add": ("Voeg een post toe aan de lijst.", "Add a site to the roster."),
        "roster.cmd_revoke": ("Trek de sleutel van een post in.", "Revoke a site's key."),
        "roster.cmd_sign": (
            "Onderteken de lijst met de regiosleutel (versie + 1).",
            "Sign the roster with the region key (version + 1).",
        ),
        "roster.cmd_show": (
            "Toon de lijst en of de handtekening klopt.",
            "Show the roster and whether its signature holds.",
        ),
        "roster.cmd_install": (
            "Installeer een ondertekende lijst op deze post.",
            "Install a signed roster at this site.",
        ),
        "roster.cmd_push": (
            "Verstuur de lijst van deze post via de radio naar alle posten.",
            "Send this site's roster to every site over the radio.",
        ),
        "roster.pushed": (
            "Deelnemerslijst versie {version} opgeslagen als bericht {ref}; de dienst verstuurt"
            " hem naar alle posten zodra er verbinding is.",
            "Roster version {version} saved as message {ref}; the daemon sends it to every site"
            " as soon as there is a link.",
        ),
        "roster.bad_key": (
            "Ongeldige publieke sleutel '{value}': geef de 64 hex-tekens of de base64-tekst die"
            " 'nsplink init' toonde.",
            "Invalid public key '{value}': give the 64 hex digits or the base64 text that"
            " 'nsplink init' showed.",
        ),
        "roster.bad_role": (
            "Ongeldige rol '{value}': kies nsp, cp of relay.",
            "Invalid role '{value}': choose nsp, cp or relay.",
        ),
        "roster.bad_site": (
            "Ongeldige postnaam '{value}': gebruik 1 tot 40 gewone tekens.",
            "Invalid site name '{value}': use 1 to 40 ordinary characters.",
        ),
        "roster.exists": (
            "{path} bestaat al; kies een andere naam.",
            "{path} already exists; choose another name.",
        ),
        "roster.no_site": (
            "Post '{value}' staat niet op de lijst.",
            "Site '{value}' is not on the roster.",
        ),
        "roster.duplicate": (
            "Post '{value}' of deze sleutel staat al op de lijst.",
            "Site '{value}' or this key is already on the roster.",
        ),
    }
)


class RosterInputError(NsplinkError):
    code = "roster.input"


class BadPublicKey(RosterInputError):
    code = "roster.bad_key"
    key = "roster.bad_key"


class BadRosterRole(RosterInputError):
    code = "roster.bad_role"
    key = "roster.bad_role"


class BadRosterSite(RosterInputError):
    code = "roster.bad_site"
    key = "roster.bad_site"


class FileExists(RosterInputError):
    code = "roster.exists"
    key = "roster.exists"


class NoSuchSite(RosterInputError):
    code = "roster.no_site"
    key = "roster.no_site"


class DuplicateSite(RosterInputError):
    code = "roster.duplicate"
    key = "roster.duplicate"


class SealBoth(RosterInputError):
    code = "roster.seal_both"
    key = "roster.seal_both"


class SealHasKey(RosterInputError):
    code = "roster.seal_has_key"
    key = "roster.seal_has_key"


roster_app = typer.Typer(help=t("roster.help"), no_args_is_help=True)

RosterOpt = Annotated[Path, typer.Option("--roster", help=t("roster.opt_roster"))]
NoSealingOpt = Annotated[bool, typer.Option("--no-sealing", help=t("roster.opt_no_sealing"))]
DEFAULT_ROSTER = Path("roster.json")
DEFAULT_CP_KEY = Path("cp-seal.key")


def parse_public_key(text: str) -> bytes:
    """64 hex digits, or the base64 form `nsplink init` prints."""
    value = text.strip()
    raw = b""
    try:
        raw = bytes.fromhex(value) if len(value) == 64 else base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        raw = b""
    if len(raw) != 32:
        raise BadPublicKey(value, value=value[:80])
    return raw


def _unsigned(doc: RosterDoc, **changes: object) -> RosterDoc:
    return dataclasses.replace(doc, signature=b"", **changes)  # type: ignore[arg-type]


def _run(ctx: typer.Context, fn: Callable[[], None]) -> None:
    cli = get_ctx(ctx)
    try:
        fn()
    except NsplinkError as err:
        cli.fail(err)
    except OSError as exc:
        cli.fail(RosterInvalid(exc.strerror or str(exc), path=getattr(exc, "filename", "")))


@roster_app.command("create", help=t("roster.cmd_create"))
def create(
    ctx: typer.Context,
    region: Annotated[str, typer.Option("--region", help=t("roster.opt_region"))],
    key_out: Annotated[Path, typer.Option("--key-out", help=t("roster.opt_key_out"))],
    roster: RosterOpt = DEFAULT_ROSTER,
    cp_key_out: Annotated[
        Path | None,
        typer.Option("--cp-key-out", help=t("roster.opt_cp_key_out")),
    ] = None,
    no_sealing: NoSealingOpt = False,
) -> None:
    cli = get_ctx(ctx)

    def go() -> None:
        if no_sealing and cp_key_out is not None:
            raise SealBoth()
        if roster.exists():
            raise FileExists(str(roster), path=roster)
        cp_out = None if no_sealing else (cp_key_out or DEFAULT_CP_KEY)
        for path in (key_out, cp_out):
            if path is not None and path.exists():
                raise FileExists(str(path), path=path)
        code = region.strip().upper()
        if not code or len(code) > 12 or not code.replace("-", "").isalnum():
            raise BadRosterSite(region, value=region)
        key = save_identity(key_out, generate_seed(), site=f"region {code} (roster signing)")
        seal = None
        if cp_out is not None:
            cp = save_identity(cp_out, generate_seed(), site=f"CPs of {code} (personal data)")
            seal = seal_public_key(cp.box_secret())
        save_doc(roster, RosterDoc(code, 0, 0, seal_key=seal, no_sealing=no_sealing))
        cli.say(
            "roster.created",
            path=roster,
            region=code,
            key_file=key_out,
            public=key.public_key.hex(),
        )
        if cp_out is not None:
            cli.say("roster.cp_key", path=cp_out)
        else:
            cli.say("roster.no_sealing_chosen")

    _run(ctx, go)


@roster_app.command("seal-key", help=t("roster.cmd_seal_key"))
def seal_key(
    ctx: typer.Context,
    cp_key_out: Annotated[
        Path, typer.Option("--cp-key-out", help=t("roster.opt_cp_key_out"))
    ] = DEFAULT_CP_KEY,
    roster: RosterOpt = DEFAULT_ROSTER,
) -> None:
    cli = get_ctx(ctx)

    def go() -> None:
        doc = load_doc(roster)
        if cp_key_out.exists():
            raise FileExists(str(cp_key_out), path=cp_key_out)
        cp = save_identity(cp_key_out, generate_seed(), site=f"CPs of {doc.region} (personal data)")
        new = _unsigned(doc, seal_key=seal_public_key(cp.box_secret()), no_sealing=False)
        save_doc(roster, new)
        cli.say("roster.seal_key_set", roster=roster, path=cp_key_out)

    _run(ctx, go)


class BadPosition(NsplinkError):
    code = "cli.roster.bad_position"
    key = "roster.bad_position"


def parse_position(text: str) -> tuple[int, int]:
    """'52.03,5.17' (degrees, WGS84) or '136000,456000' (RD metres) -> RD New metres."""
    from nsplink.protocol import RD_X_RANGE, RD_Y_RANGE
    from nsplink.scenario.geo import in_nl, wgs84_to_rd

    try:
        a, b = (float(v) for v in text.replace(";", ",").split(","))
    except ValueError:
        raise BadPosition(text, value=text) from None
    if in_nl(a, b):
        x, y = wgs84_to_rd(a, b)
    else:
        x, y = a, b
    rd = (round(x), round(y))
    if not (RD_X_RANGE[0] <= rd[0] <= RD_X_RANGE[1] and RD_Y_RANGE[0] <= rd[1] <= RD_Y_RANGE[1]):
        raise BadPosition(text, value=text)
    return rd


@roster_app.command("add", help=t("roster.cmd_add"))
def add(
    ctx: typer.Context,
    site: Annotated[str, typer.Option("--site", help=t("roster.opt_site"))],
    role: Annotated[str, typer.Option("--role", help=t("roster.opt_role"))],
    public_key: Annotated[str, typer.Option("--public-key", help=t("roster.opt_public_key"))],
    node: Annotated[int | None, typer.Option("--node", help=t("roster.opt_node"))] = None,
    position: Annotated[
        str | None, typer.Option("--position", help=t("roster.opt_position"))
    ] = None,
    roster: RosterOpt = DEFAULT_ROSTER,
) -> None:
    cli = get_ctx(ctx)

    def go() -> None:
        name = site.strip()
        if not name or len(name) > 40 or any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise BadRosterSite(site, value=site)
        if role.strip().lower() not in ROLES:
            raise BadRosterRole(role, value=role)
        key = parse_public_key(public_key)
        if node is not None and not 0 < node < 0xFFFFFFFF:
            raise RosterInvalid("node must be a radio node number", path=roster)
        doc = load_doc(roster)
        if any(e.site == name or e.public_key == key for e in doc.sites + doc.revoked):
            raise DuplicateSite(name, value=name)
        rd = parse_position(position) if position else None
        entry = SiteEntry(name, role.strip().lower(), key, node, rd)
        new = _unsigned(doc, sites=(*doc.sites, entry))
        new.check()
        save_doc(roster, new)
        cli.say("roster.added", site=name, role=entry.role, key_id=entry.key_id)

    _run(ctx, go)


@roster_app.command("revoke", help=t("roster.cmd_revoke"))
def revoke(
    ctx: typer.Context,
    site: Annotated[str, typer.Option("--site", help=t("roster.opt_revoke_site"))],
    roster: RosterOpt = DEFAULT_ROSTER,
) -> None:
    cli = get_ctx(ctx)

    def go() -> None:
        doc = load_doc(roster)
        hit = [e for e in doc.sites if e.site == site.strip()]
        if not hit:
            raise NoSuchSite(site, value=site)
        keep = tuple(e for e in doc.sites if e is not hit[0])
        save_doc(roster, _unsigned(doc, sites=keep, revoked=(*doc.revoked, hit[0])))
        cli.say("roster.revoked", site=hit[0].site)

    _run(ctx, go)


@roster_app.command("sign", help=t("roster.cmd_sign"))
def sign(
    ctx: typer.Context,
    region_key: Annotated[Path, typer.Option("--region-key", help=t("roster.opt_region_key"))],
    roster: RosterOpt = DEFAULT_ROSTER,
    out: Annotated[Path | None, typer.Option("--out", help=t("roster.opt_out"))] = None,
    no_sealing: NoSealingOpt = False,
) -> None:
    cli = get_ctx(ctx)

    def go() -> None:
        doc = load_doc(roster)
        if no_sealing:
            if doc.seal_key is not None:
                raise SealHasKey(str(roster), path=roster)
            doc = dataclasses.replace(doc, no_sealing=True)
        signed = sign_roster(doc, region_key, time.time(), roster)
        target = out or roster
        save_doc(target, signed)
        cli.say(
            "roster.signed",
            version=signed.version,
            sites=len(signed.sites),
            revoked=len(signed.revoked),
            path=target,
        )
        if signed.no_sealing:
            cli.say("roster.no_sealing_chosen")

    _run(ctx, go)


@roster_app.command("show", help=t("roster.cmd_show"))
def show(
    ctx: typer.Context,
    roster: Annotated[
        Path | None, typer.Option("--roster", help=t("roster.opt_show_roster"))
    ] = None,
    region_key: Annotated[
        Path | None, typer.Option("--region-key", help=t("roster.opt_check_key"))
    ] = None,
) -> None:
    cli = get_ctx(ctx)

    def go() -> None:
        path = roster or cli.home.roster_path
        doc = load_doc(path)
        if not doc.signature:
            state = t("roster.state_draft", cli.lang)
        else:
            public = load_identity(region_key).public_key if region_key else None
            if public is None and roster is None:
                public = load_pin(cli.home)
            if public is None:
                state = t("roster.state_signed_unchecked", cli.lang)
            else:
                verify_doc(doc, public, path)  # a forged file fails here, with its one line
                state = t("roster.state_signed", cli.lang, key_id=KeyId.of(public))
        cli.say("roster.header", region=doc.region, version=doc.version, state=state)
        if doc.seal_key is not None:
            cli.say("roster.seal_state_key", key_id=KeyId.of(doc.seal_key))
        else:
            cli.say("roster.seal_state_none" if doc.no_sealing else "roster.seal_state_missing")
        for e in doc.sites:
            node = f"  node {e.node}" if e.node is not None else ""
            rd = f"  RD {e.rd[0]},{e.rd[1]}" if e.rd is not None else ""
            typer.echo(f"  {e.key_id}  {e.role:<5}  {e.site}{node}{rd}")
        if doc.revoked:
            cli.say("roster.revoked_header")
            for e in doc.revoked:
                typer.echo(f"  {e.key_id}  {e.role:<5}  {e.site}")

    _run(ctx, go)


def _role(cli: CliContext) -> str:
    """This site's role, or "" when `nsplink init` has not run here yet."""
    try:
        return load_config(cli.home).role
    except NsplinkError:
        return ""


@roster_app.command("install", help=t("roster.cmd_install"))
def install(
    ctx: typer.Context,
    source: Annotated[Path, typer.Argument(metavar=t("metavar.file"), help=t("roster.opt_source"))],
    region_public: Annotated[
        str, typer.Option("--region-public", help=t("roster.opt_region_public"))
    ],
    cp_key: Annotated[Path | None, typer.Option("--cp-key", help=t("roster.opt_cp_key"))] = None,
) -> None:
    cli = get_ctx(ctx)

    def go() -> None:
        public = parse_public_key(region_public)
        copy_key = False
        if _role(cli) == "cp":  # checked before anything is written
            if pin_path(cli.home).exists():
                save_pin(cli.home, public)  # another region key: that error first
            draft = verify_doc(load_doc(source), public, source)
            require_sealing(draft, source)
            copy_key = check_cp_key(cp_key, cli.home, draft, source)
        doc = install_roster(cli.home, source, public)
        cli.say("roster.installed", version=doc.version, region=doc.region, sites=len(doc.sites))
        if copy_key and cp_key is not None:
            cli.say("roster.cp_key_installed", path=install_cp_key(cli.home, cp_key))
        if doc.no_sealing:
            cli.say("roster.no_sealing_chosen")

    _run(ctx, go)


@roster_app.command("push", help=t("roster.cmd_push"))
def push(ctx: typer.Context) -> None:
    cli = get_ctx(ctx)

    def go() -> None:
        cfg = load_config(cli.home)
        identity = load_identity(cli.home.key_path)

        async def queue() -> str:
            async with await Store.open(cli.home.db_path) as store:
                mid = await push_roster(store, identity, cfg.site, cli.home, time.time())
            return str(mid)

        ref = asyncio.run(queue())
        version = load_trusted_roster(cli.home).version
        say_queued(cli, cli.home, "roster.pushed", version=version, ref=ref)

    _run(ctx, go)


def register(app: typer.Typer) -> None:
    app.add_typer(roster_app, name="roster")

"""`nsplink radio provision|check|profiles|export`: radios from versioned firmware profiles.

Exit codes: 0 done / matches; 1 drift found, or provisioning failed with the radio left as it
was; 2 bad input (profile, key file, address, unreachable radio); 3 the radio is left partly
configured (only when even restoring its old settings failed).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated

import typer

from nsplink.cli.context import CliContext, get_ctx
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_texts
from nsplink.i18n import t
from nsplink.provision.device import DEFAULT_TIMEOUT_S, RadioLink, parse_radio_url
from nsplink.provision.errors import ProfileInvalid, ProvisionError, PskExists, PskInvalid
from nsplink.provision.export import export_profile, guess_kind, write_new_file
from nsplink.provision.mark import marked, read_mark
from nsplink.provision.profile import (
    Profile,
    default_profiles_dir,
    find_profile,
    load_profile,
    profile_files,
)
from nsplink.provision.provisioner import Provisioner, ProvisionResult, check
from nsplink.provision.rules import ROLES_FOR_KIND
from nsplink.provision.secret import generate_psk, read_psk
from nsplink.provision.settings import (
    Drift,
    RadioSettings,
    Target,
    check_names,
    derive_short_name,
    wanted,
)
from nsplink.texts import render_error

# Option and argument help texts.
# The name of a value in the usage line, in the reader's language.
register_texts(
    {
        "metavar.files": ("BESTANDEN", "FILES"),
    }
)

register_texts(
    {
        "prov.opt.profile": (
            "Profielnaam (nsp, cp, relay) of pad naar een .yaml-bestand.",
            "Profile name (nsp, cp, relay) or path to a .yaml file.",
        ),
        "prov.opt.radio": (
            "tcp://HOST:POORT of serial:///dev/ttyUSB0.",
            "tcp://HOST:PORT or serial:///dev/ttyUSB0.",
        ),
        "prov.opt.psk_file": (
            "Bestand met de kanaalsleutel van de regio (base64, rechten 0600).",
            "File with the region's channel key (base64, mode 0600).",
        ),
        "prov.opt.profiles_dir": (
            "Map met profielen (standaard: firmware-profiles/).",
            "Folder with profiles (default: firmware-profiles/).",
        ),
        "prov.opt.timeout": (
            "Seconden wachten op de radio per stap.",
            "Seconds to wait for the radio per step.",
        ),
        "prov.opt.name": (
            'Naam van de radio, bijvoorbeeld "NSP Zuid".',
            'The radio\'s name, e.g. "NSP Zuid".',
        ),
        "prov.opt.short_name": (
            "Korte naam van 4 tekens (standaard: afgeleid van --name).",
            "4-character name (default: from --name).",
        ),
        "prov.opt.new_psk": (
            "Maak een nieuwe kanaalsleutel (eenmalig, voor een nieuwe regio).",
            "Create a new channel key (once, for a new region).",
        ),
        "prov.opt.check_name": (
            "Controleer ook de naam van de radio.",
            "Also check the radio's name.",
        ),
        "prov.arg.files": ("Profielbestanden (standaard: alle).", "Profile files (default: all)."),
        "prov.opt.out": (
            "Profielbestand om te schrijven (de bestandsnaam is de profielnaam).",
            "Profile file to write (its name is the profile's).",
        ),
        "prov.opt.kind": (
            "nsp, cp of relay (standaard: volgens de rol van de radio).",
            "nsp, cp or relay (default: from the radio's role).",
        ),
        "prov.opt.force": ("Vervang een bestaand bestand.", "Replace an existing file."),
    }
)

register_texts(
    {
        "provision.ev_already": (
            "De radio voldoet al aan het profiel; er is niets geschreven.",
            "The radio already matches the profile; nothing was written.",
        ),
        "provision.ev_attempt": ("Poging {n} van {of}...", "Attempt {n} of {of}..."),
        "provision.ev_writing": (
            "{count} onderdelen schrijven in één transactie...",
            "Writing {count} parts in one transaction...",
        ),
        "provision.ev_restart": (
            "Vastgelegd; wachten tot de radio herstart...",
            "Committed; waiting for the radio to restart...",
        ),
        "provision.ev_verifying": (
            "Opnieuw verbinden en alles teruglezen...",
            "Reconnecting and reading everything back...",
        ),
        "provision.ev_failed": ("Poging {n} mislukt: {reason}", "Attempt {n} failed: {reason}"),
        "provision.ev_drift": (
            "Poging {n}: de radio nam {count} instelling(en) niet over.",
            "Attempt {n}: the radio did not take {count} setting(s).",
        ),
        "provision.ev_restoring": (
            "Alle pogingen mislukt; de oude instellingen van de radio terugzetten...",
            "Every attempt failed; putting the radio's old settings back...",
        ),
        "provision.psk_generated": (
            "Nieuwe kanaalsleutel gemaakt in {file} (alleen voor u leesbaar). Gebruik dit bestand "
            "met --psk-file voor alle andere radio's van deze regio.",
            "New channel key created in {file} (readable by you only). Use this file with "
            "--psk-file for every other radio of this region.",
        ),
        "provision.done": (
            "Radio {url} ({node}) is ingericht met profiel {profile}.",
            "Radio {url} ({node}) is configured with profile {profile}.",
        ),
        "provision.already": (
            "Radio {url} ({node}) voldoet al aan profiel {profile}.",
            "Radio {url} ({node}) already matches profile {profile}.",
        ),
        "provision.changed_head": (
            "Gewijzigd en na opnieuw verbinden teruggelezen:",
            "Changed, and read back after reconnecting:",
        ),
        "provision.verified": (
            "Gecontroleerd: alle {count} instellingen van het profiel staan goed op de radio.",
            "Verified: all {count} settings of the profile are right on the radio.",
        ),
        "provision.untouched": (
            "MISLUKT: radio {url} is niet ingericht en ongewijzigd gebleven.",
            "FAILED: radio {url} is not configured and was left unchanged.",
        ),
        "provision.restored": (
            "MISLUKT: radio {url} is niet ingericht; de oude instellingen zijn teruggezet en "
            "gecontroleerd.",
            "FAILED: radio {url} is not configured; its old settings were put back and verified.",
        ),
        "provision.partial": (
            "LET OP: radio {url} is maar gedeeltelijk ingericht en kon niet worden teruggezet. "
            "Gebruik hem niet; voer dit commando opnieuw uit.",
            "WARNING: radio {url} is only partly configured and could not be restored. Do not "
            "use it; run this command again.",
        ),
        "provision.partial_unknown": (
            "De toestand van de radio is onbekend (geen verbinding).",
            "The radio's state is unknown (no connection).",
        ),
        "provision.not_taken": (
            "Niet overgenomen door de radio:",
            "Not taken by the radio:",
        ),
        "provision.drift_line": (
            "  {path}: radio {have}, profiel {want}",
            "  {path}: radio {have}, profile {want}",
        ),
        "provision.check_ok": (
            "Radio {url} ({node}) voldoet aan profiel {profile} ({count} instellingen).",
            "Radio {url} ({node}) matches profile {profile} ({count} settings).",
        ),
        "provision.check_drift": (
            "Radio {url} ({node}) wijkt af van profiel {profile} op {count} punt(en):",
            "Radio {url} ({node}) differs from profile {profile} in {count} place(s):",
        ),
        "provision.check_no_psk": (
            "(Kanaalsleutel alleen gecontroleerd op 'privé'; "
            "geef --psk-file om hem te vergelijken.)",
            "(Channel key only checked to be private; give --psk-file to compare it.)",
        ),
        "provision.check_mark_head": (
            "FOUT PROFIEL: radio {url} ({node}) is met een ander profiel ingericht:",
            "WRONG PROFILE: radio {url} ({node}) was provisioned with another profile:",
        ),
        "provision.check_other_profile": (
            "de radio is ingericht met profiel {mark}, niet met {profile}. Is dit de goede"
            " radio? Zo ja: 'nsplink radio provision --profile {profile} ...'.",
            "the radio was provisioned with profile {mark}, not {profile}. Is this the right"
            " radio? If so: 'nsplink radio provision --profile {profile} ...'.",
        ),
        "provision.check_other_version": (
            "de radio is ingericht met {mark}; het profiel is nu {profile}. Richt hem opnieuw"
            " in met 'nsplink radio provision'.",
            "the radio was provisioned with {mark}; the profile is now {profile}. Provision it"
            " again with 'nsplink radio provision'.",
        ),
        "provision.check_no_mark": (
            "(De radio draagt geen profielmerk in zijn naam, zoals '[{profile}]': hij is niet"
            " met 'nsplink radio provision' ingericht. Alleen de instellingen zijn vergeleken.)",
            "(The radio's name carries no profile mark such as '[{profile}]': it was not set"
            " up with 'nsplink radio provision'. Only the settings were compared.)",
        ),
        "provision.profiles_none": (
            "Geen profielen gevonden in {dir}.",
            "No profiles found in {dir}.",
        ),
        "provision.profiles_ok": (
            "  OK    {name:<10} v{version}  {kind:<5} rol {role:<8} {power} dBm  {preset}  "
            "kanaal {channel}",
            "  OK    {name:<10} v{version}  {kind:<5} role {role:<8} {power} dBm  {preset}  "
            "channel {channel}",
        ),
        "provision.profiles_bad": ("  FOUT  {name}", "  ERROR {name}"),
        "provision.profiles_two_meshes": (
            "Deze profielen maken radio's die elkaar niet horen: {what}. Alle radio's van een "
            "regio horen dezelfde preset en hetzelfde kanaal te hebben (een regio op een andere "
            "preset krijgt een eigen map met profielen).",
            "These profiles make radios that cannot hear each other: {what}. Every radio of a "
            "region needs the same preset and the same channel (a region on another preset gets "
            "its own folder of profiles).",
        ),
        "provision.profiles_summary": (
            "{ok} van {total} profielen in orde.",
            "{ok} of {total} profiles valid.",
        ),
        "provision.exported": (
            "Instellingen van radio {url} ({node}) geschreven naar {file} "
            "(zonder sleutels en namen).",
            "Settings of radio {url} ({node}) written to {file} (without keys and names).",
        ),
        "provision.export_exists": (
            "{file} bestaat al; kies een andere naam of geef --force.",
            "{file} already exists; choose another name or give --force.",
        ),
        "provision.export_invalid": (
            "Let op: deze instellingen voldoen niet aan de nsplink-regels:",
            "Note: these settings do not meet the nsplink rules:",
        ),
        "provision.help_provision": (
            "Zet een profiel in één transactie op een radio, lees alles terug en toon het "
            "gecontroleerde verschil.",
            "Apply a profile to a radio in one transaction, read it back and print a verified "
            "diff.",
        ),
        "provision.help_check": (
            "Vergelijk een radio met zijn profiel; bij afwijkingen exitcode 1 met de lijst.",
            "Compare a radio with its profile; exit 1 and list every difference on drift.",
        ),
        "provision.help_profiles": (
            "Toon en controleer de profielen; exitcode 1 als er één ongeldig is.",
            "List the profiles and validate them; exit 1 if any is invalid.",
        ),
        "provision.help_export": (
            "Schrijf de instellingen van een radio als profiel (zonder sleutels en namen).",
            "Write a radio's settings as a profile (channel key, radio keys and names left out).",
        ),
        "provision.kind_bad": (
            "Onbekende soort '{kind}'; kies uit {choices}.",
            "Unknown kind '{kind}'; choose from {choices}.",
        ),
    }
)

DEFAULT_PSK_NAME = "channel-psk.key"

ProfileOpt = Annotated[str, typer.Option("--profile", help=t("prov.opt.profile"))]
RadioOpt = Annotated[str, typer.Option("--radio", help=t("prov.opt.radio"))]
PskOpt = Annotated[
    Path | None,
    typer.Option("--psk-file", help=t("prov.opt.psk_file")),
]
DirOpt = Annotated[
    Path | None,
    typer.Option("--profiles-dir", help=t("prov.opt.profiles_dir")),
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=1.0, help=t("prov.opt.timeout"))]


def _quiet_libraries() -> None:
    """Progress and failures reach the technician as our own translated lines; without a
    configured logging handler, Python would also print the library's English warnings."""
    for name in ("meshtastic", "nsplink.provision"):
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def _profile(c: CliContext, name: str, directory: Path | None) -> Profile:
    try:
        return load_profile(find_profile(name, directory))
    except ProvisionError as err:
        c.fail(err)


def _node(settings: RadioSettings) -> str:
    return f"!{settings.node_num:08x}"


def _v(value: str) -> str:
    return value if value else '""'  # an empty name must be visible as such


def _drift_lines(c: CliContext, drifts: list[Drift] | tuple[Drift, ...], err: bool = False) -> None:
    for d in drifts:
        want = t(d.want[1:], c.lang) if d.want.startswith("@") else d.want
        line = t("provision.drift_line", c.lang, path=d.path, have=_v(d.have), want=_v(want))
        typer.echo(line, err=err)


def provision_cmd(
    ctx: typer.Context,
    profile: ProfileOpt,
    radio: RadioOpt,
    name: Annotated[str, typer.Option("--name", help=t("prov.opt.name"))],
    short_name: Annotated[
        str | None, typer.Option("--short-name", help=t("prov.opt.short_name"))
    ] = None,
    psk_file: PskOpt = None,
    new_psk: Annotated[
        bool,
        typer.Option("--new-psk", help=t("prov.opt.new_psk")),
    ] = False,
    profiles_dir: DirOpt = None,
    attempts: Annotated[int, typer.Option("--attempts", min=1, max=10)] = 3,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
) -> None:
    """Apply a profile to a radio in one transaction, read it back and print a verified diff."""
    c = get_ctx(ctx)
    _quiet_libraries()
    prof = _profile(c, profile, profiles_dir)
    try:
        addr = parse_radio_url(radio)
        plain = name.strip()
        short = short_name if short_name is not None else derive_short_name(plain)
        check_names(plain, short)
        long_name = marked(plain, prof.name, prof.version)  # the profile, kept on the radio
        check_names(long_name, short)
        psk = _psk_for_provision(c, psk_file, new_psk)
        runner = Provisioner(
            addr,
            Target(prof, psk, long_name, short),
            attempts=attempts,
            timeout=timeout,
            notify=lambda key, params: _progress(c, key, params),
        )
        result = runner.run()
    except ProvisionError as err:
        c.fail(err)
    raise typer.Exit(_report(c, radio, prof, result))


def _progress(c: CliContext, key: str, params: dict[str, object]) -> None:
    """One progress line on stderr, with any error in it in the reader's language."""
    shown = {
        k: render_error(v, c.lang) if isinstance(v, NsplinkError) else v for k, v in params.items()
    }
    typer.echo(t(key, c.lang, **shown), err=True)


def _psk_for_provision(c: CliContext, psk_file: Path | None, new_psk: bool) -> bytes:
    """The region's key. A new one only on request: a key made silently for the second radio
    of a region would cut that radio off from all the others without a word."""
    path = psk_file.expanduser() if psk_file is not None else c.home.root / DEFAULT_PSK_NAME
    if not new_psk:
        return read_psk(path)
    try:
        key = generate_psk(path)
    except FileExistsError as exc:
        raise PskExists(file=path) from exc
    except OSError as exc:
        raise PskInvalid(exc.strerror or str(exc), file=path) from exc
    typer.echo(t("provision.psk_generated", c.lang, file=path), err=True)
    return key


def _report(c: CliContext, url: str, prof: Profile, r: ProvisionResult) -> int:
    node = _node(r.final or r.original)
    if r.outcome == "already":
        c.say("provision.already", url=url, node=node, profile=prof.label)
        c.say("provision.verified", count=r.governed)
        return 0
    if r.outcome == "configured":
        c.say("provision.done", url=url, node=node, profile=prof.label)
        c.say("provision.changed_head")
        for ch in r.changed:
            typer.echo(f"  {ch.path}: {_v(ch.before)} -> {_v(ch.after)}")
        c.say("provision.verified", count=r.governed)
        return 0
    last_drift = next((a.drift for a in reversed(r.attempts) if a.drift), ())
    if last_drift:
        typer.echo(t("provision.not_taken", c.lang), err=True)
        _drift_lines(c, last_drift, err=True)
    if r.outcome == "untouched":
        typer.echo(t("provision.untouched", c.lang, url=url), err=True)
        return 1
    if r.outcome == "restored":
        typer.echo(t("provision.restored", c.lang, url=url), err=True)
        return 1
    typer.echo(t("provision.partial", c.lang, url=url), err=True)
    if r.final is None:
        typer.echo(t("provision.partial_unknown", c.lang), err=True)
    for ch in r.changed:
        typer.echo(f"  {ch.path}: {_v(ch.before)} -> {_v(ch.after)}", err=True)
    return 3


def check_cmd(
    ctx: typer.Context,
    profile: ProfileOpt,
    radio: RadioOpt,
    psk_file: PskOpt = None,
    name: Annotated[str | None, typer.Option("--name", help=t("prov.opt.check_name"))] = None,
    profiles_dir: DirOpt = None,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
) -> None:
    """Compare a radio with its profile; exit 1 and list every difference on drift."""
    c = get_ctx(ctx)
    _quiet_libraries()
    prof = _profile(c, profile, profiles_dir)
    try:
        addr = parse_radio_url(radio)
        psk = read_psk(psk_file.expanduser()) if psk_file is not None else _default_psk(c)
        long_name = marked(name.strip(), prof.name, prof.version) if name else None
        target = Target(prof, psk, long_name)
        settings, drifts = check(addr, target, timeout)
    except ProvisionError as err:
        c.fail(err)
    node = _node(settings)
    wrong = _mark_lines(c, settings, prof)
    if wrong:
        c.say("provision.check_mark_head", url=radio, node=node)
        for line in wrong:
            typer.echo("  " + line)
    if not drifts and not wrong:
        c.say(
            "provision.check_ok",
            url=radio,
            node=node,
            profile=prof.label,
            count=len(wanted(target)),
        )
    elif drifts:
        c.say("provision.check_drift", url=radio, node=node, profile=prof.label, count=len(drifts))
        _drift_lines(c, drifts)
    if psk is None:
        c.say("provision.check_no_psk")
    raise typer.Exit(1 if drifts or wrong else 0)


def _mark_lines(c: CliContext, settings: RadioSettings, prof: Profile) -> list[str]:
    """What the radio's profile mark says against the profile checked: a line per problem (a
    different profile, another version); a radio without a mark gets a note, not a failure."""
    mark = read_mark(settings.long_name)
    if mark is None:
        c.say("provision.check_no_mark", profile=prof.label)
        return []
    if mark.profile != prof.name:
        return [t("provision.check_other_profile", c.lang, mark=mark.label, profile=prof.name)]
    if mark.version != prof.version:
        return [t("provision.check_other_version", c.lang, mark=mark.label, profile=prof.label)]
    return []


def _default_psk(c: CliContext) -> bytes | None:
    path = c.home.root / DEFAULT_PSK_NAME
    return read_psk(path) if path.exists() else None


def profiles_cmd(
    ctx: typer.Context,
    files: Annotated[
        list[Path] | None, typer.Argument(metavar=t("metavar.files"), help=t("prov.arg.files"))
    ] = None,
    profiles_dir: DirOpt = None,
) -> None:
    """List the profiles and validate them; exit 1 if any is invalid."""
    c = get_ctx(ctx)
    directory = profiles_dir or default_profiles_dir()
    paths = list(files) if files else profile_files(directory)
    if not paths:
        c.say("provision.profiles_none", dir=directory)
        raise typer.Exit(1)
    ok = 0
    meshes: dict[tuple[str, str], list[str]] = {}  # (preset, channel) -> profiles
    for path in paths:
        try:
            p = load_profile(path)
        except ProfileInvalid as err:
            typer.echo(t("provision.profiles_bad", c.lang, name=path))
            for i in err.issues:
                typer.echo("        " + i.render(c.lang))
            continue
        except ProvisionError as err:
            typer.echo(t("provision.profiles_bad", c.lang, name=path))
            typer.echo("        " + render_error(err, c.lang))
            continue
        ok += 1
        v = p.values()
        mesh = (str(v["config.lora.modem_preset"].value), p.channel_name)
        meshes.setdefault(mesh, []).append(p.name)
        typer.echo(
            t(
                "provision.profiles_ok",
                c.lang,
                name=p.name,
                version=p.version,
                kind=p.kind,
                role=v["config.device.role"].value,
                power=v["config.lora.tx_power"].value,
                preset=v["config.lora.modem_preset"].value,
                channel=p.channel_name,
            )
        )
    c.say("provision.profiles_summary", ok=ok, total=len(paths))
    if len(meshes) > 1:  # a region split in two meshes without a word is worse than a typo
        what = "; ".join(
            f"{', '.join(names)}: {preset_name} / {channel}"
            for (preset_name, channel), names in sorted(meshes.items())
        )
        c.say("provision.profiles_two_meshes", what=what)
    raise typer.Exit(0 if ok == len(paths) and len(meshes) <= 1 else 1)


def export_cmd(
    ctx: typer.Context,
    radio: RadioOpt,
    out: Annotated[Path, typer.Option("--out", help=t("prov.opt.out"))],
    kind: Annotated[
        str | None,
        typer.Option("--kind", help=t("prov.opt.kind")),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help=t("prov.opt.force"))] = False,
    timeout: TimeoutOpt = DEFAULT_TIMEOUT_S,
) -> None:
    """Write a radio's settings as a profile (channel key, radio keys and names left out)."""
    c = get_ctx(ctx)
    _quiet_libraries()
    if kind is not None and kind not in ROLES_FOR_KIND:
        typer.echo(
            t("provision.kind_bad", c.lang, kind=kind, choices=", ".join(ROLES_FOR_KIND)), err=True
        )
        raise typer.Exit(2)
    if out.exists() and not force:
        typer.echo(t("provision.export_exists", c.lang, file=out), err=True)
        raise typer.Exit(2)
    try:
        addr = parse_radio_url(radio)
        link = RadioLink.open(addr, timeout)
        try:
            settings = link.read()
        finally:
            link.close()
    except ProvisionError as err:
        c.fail(err)
    day = time.strftime("%d-%m-%Y")
    text = export_profile(settings, out.stem, kind or guess_kind(settings), lang=c.lang, date=day)
    write_new_file(out, text, overwrite=force)
    c.say("provision.exported", url=radio, node=_node(settings), file=out)
    try:
        load_profile(out)
    except ProfileInvalid as err:
        c.say("provision.export_invalid")
        for i in err.issues:
            typer.echo("  " + i.render(c.lang))


def register(radio_app: typer.Typer) -> None:
    radio_app.command("provision", help=t("provision.help_provision"))(provision_cmd)
    radio_app.command("check", help=t("provision.help_check"))(check_cmd)
    radio_app.command("profiles", help=t("provision.help_profiles"))(profiles_cmd)
    radio_app.command("export", help=t("provision.help_export"))(export_cmd)

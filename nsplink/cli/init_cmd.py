"""`nsplink init`: set up this site (settings file and identity key)."""

from __future__ import annotations

import base64
import re
from typing import Annotated

import typer

from nsplink.app.config import ROLES, SiteConfig, save_config
from nsplink.app.keys import generate_seed, save_identity
from nsplink.app.site import resolve_home
from nsplink.cli.context import CliContext, get_ctx
from nsplink.errors import NsplinkError
from nsplink.i18n import parse_lang, t
from nsplink.i18n import register as register_text

# Option and argument help texts.
register_text(
    {
        "init.opt.site": ("Naam van deze post.", "Name of this site."),
        "init.opt.role": ("nsp, cp of relay.", "nsp, cp or relay."),
        "init.opt.region": ("Regiocode, bijvoorbeeld VR08.", "Region code, e.g. VR08."),
        "init.opt.home": ("Map van de post.", "Site directory."),
        "init.opt.lang": ("nl (standaard) of en.", "nl (default) or en."),
        "init.opt.force": ("Bestaande sleutel vervangen.", "Replace an existing key."),
    }
)

register_text(
    {
        "init.help": (
            "Richt deze post in: naam, rol, regio en een nieuwe eigen sleutel.",
            "Set up this site: name, role, region and a new identity key.",
        ),
        "init.done": (
            "Post ingericht: {site} ({role}, regio {region}).\n"
            "Sleutel-id: {key_id}\n"
            "Publieke sleutel (voor de deelnemerslijst): {public}\n"
            "Instellingen: {config}\n"
            "Sleutel (geheim, rechten 600): {key_path}",
            "Site set up: {site} ({role}, region {region}).\n"
            "Key id: {key_id}\n"
            "Public key (for the roster): {public}\n"
            "Settings: {config}\n"
            "Key (secret, mode 600): {key_path}",
        ),
        "init.bad_site": (
            "Ongeldige postnaam '{value}': gebruik 1 tot 40 gewone tekens.",
            "Invalid site name '{value}': use 1 to 40 ordinary characters.",
        ),
        "init.bad_role": (
            "Ongeldige rol '{value}': kies nsp, cp of relay.",
            "Invalid role '{value}': choose nsp, cp or relay.",
        ),
        "init.bad_region": (
            "Ongeldige regiocode '{value}': gebruik 2 tot 12 letters, cijfers of '-' (zoals VR08).",
            "Invalid region code '{value}': use 2 to 12 letters, digits or '-' (like VR08).",
        ),
    }
)

_REGION = re.compile(r"^[A-Za-z0-9-]{2,12}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class InitInputError(NsplinkError):
    code = "init.input"


class BadSiteName(InitInputError):
    code = "init.bad_site"
    key = "init.bad_site"


class BadRole(InitInputError):
    code = "init.bad_role"
    key = "init.bad_role"


class BadRegion(InitInputError):
    code = "init.bad_region"
    key = "init.bad_region"


def _check(site: str, role: str, region: str) -> None:
    if not site.strip() or len(site) > 40 or _CONTROL.search(site):
        raise BadSiteName(site, value=site)
    if role not in ROLES:
        raise BadRole(role, value=role)
    if not _REGION.match(region):
        raise BadRegion(region, value=region)


def init(
    ctx: typer.Context,
    site: Annotated[str, typer.Option("--site", help=t("init.opt.site"))],
    role: Annotated[str, typer.Option("--role", help=t("init.opt.role"))],
    region: Annotated[str, typer.Option("--region", help=t("init.opt.region"))],
    home: Annotated[str | None, typer.Option("--home", help=t("init.opt.home"))] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=t("init.opt.lang"))] = None,
    force: Annotated[bool, typer.Option("--force", help=t("init.opt.force"))] = False,
) -> None:
    root = get_ctx(ctx)
    chosen = parse_lang(lang) if lang else root.lang
    cli = CliContext(home=resolve_home(home) if home else root.home, lang=chosen)
    role = role.strip().lower()
    try:
        _check(site, role, region)
        ident = save_identity(cli.home.key_path, generate_seed(), site=site, force=force)
        cfg = SiteConfig(site=site.strip(), role=role, region=region.upper(), lang=chosen)
        save_config(cli.home, cfg)
    except NsplinkError as err:
        cli.fail(err)
    except OSError as exc:
        cli.fail(NsplinkError(exc.strerror or str(exc)))
    cli.say(
        "init.done",
        site=cfg.site,
        role=role,
        region=cfg.region,
        key_id=ident.key_id,
        public=base64.b64encode(ident.public_key).decode(),
        config=cli.home.config_path,
        key_path=cli.home.key_path,
    )


def register(app: typer.Typer) -> None:
    app.command("init", help=t("init.help"))(init)

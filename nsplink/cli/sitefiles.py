"""The files of the local site the message commands need: settings, our key, the roster."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from nsplink.app.config import SiteConfig, load_config
from nsplink.app.keys import load_identity
from nsplink.app.roster import load_trusted_roster
from nsplink.app.site import SiteHome
from nsplink.cli.context import CliContext
from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.protocol import Identity, KeyId, RegionRoster

T = TypeVar("T")

register(
    {
        "site.wrong_role": (
            "Dit kan alleen op een {needed}; deze post ({site}) is een {role}.",
            "This can only be done at a {needed}; this site ({site}) is a {role}.",
        ),
        "site.unknown_site": (
            "Post '{name}' staat niet op de deelnemerslijst. Bekende posten: {known}.",
            "Site '{name}' is not on the roster. Known sites: {known}.",
        ),
        "role.nsp": ("noodsteunpunt (NSP)", "support point (NSP)"),
        "role.cp": ("coördinatiepunt (CP)", "coordination point (CP)"),
        "role.relay": ("doorgeefpunt", "relay"),
    }
)


class WrongRole(NsplinkError):
    code = "cli.wrong_role"
    key = "site.wrong_role"


class UnknownSite(NsplinkError):
    code = "cli.unknown_site"
    key = "site.unknown_site"


@dataclass(frozen=True)
class LocalSite:
    home: SiteHome
    config: SiteConfig
    ring: RegionRoster  # only a roster the pinned region key signed

    def site_name(self, key_id: str) -> str:
        """Site name of a key id; the key id itself if the roster does not know it."""
        try:
            peer = self.ring.lookup(KeyId.parse(key_id))
        except ValueError:
            return key_id
        return peer.site if peer else key_id

    def key_of(self, name: str) -> KeyId:
        """Key id of a site named on the roster (case-insensitive), or of a key id typed as is."""
        wanted = name.strip().casefold()
        for peer in self.ring:
            if peer.site.casefold() == wanted or str(peer.key_id) == wanted:
                return peer.key_id
        known = ", ".join(sorted(p.site for p in self.ring))
        raise UnknownSite(name, name=name, known=known)

    def keys_with_role(self, role: str) -> list[KeyId]:
        return sorted(p.key_id for p in self.ring if p.role == role)


def load_site(home: SiteHome) -> LocalSite:
    """Settings and the region-signed roster (as the daemon trusts it); raises the typed error
    of whichever file is missing, broken or not signed by the pinned region key."""
    cfg = load_config(home)
    return LocalSite(home, cfg, load_trusted_roster(home, cfg.region))


def load_own_identity(site: LocalSite) -> Identity:
    return load_identity(site.home.key_path)


def require_role(site: LocalSite, role: str, lang: str | None = None) -> None:
    from nsplink.i18n import parse_lang, t

    if site.config.role != role:
        lg = parse_lang(lang)
        raise WrongRole(
            role,
            needed=t(f"role.{role}", lg),
            site=site.config.site,
            role=t(f"role.{site.config.role}", lg),
        )


def site_or_fail(c: CliContext) -> LocalSite:
    """The local site, or one clear line and exit code 2."""
    try:
        return load_site(c.home)
    except NsplinkError as err:
        c.fail(err)


def run_or_fail(c: CliContext, body: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine; a typed error (store missing, damaged, busy...) is one line, exit 2."""
    try:
        return asyncio.run(body())
    except NsplinkError as err:
        c.fail(err)

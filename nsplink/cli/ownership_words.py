"""How the CLI says who handles a report when a region has several CPs (issue 23).

The owner is the protocol's rule over the claims in the site's log (`Store.ownership`); this
module only turns it into words, Dutch first: "in behandeling bij CP Noord".
"""

from __future__ import annotations

from nsplink.cli.sitefiles import LocalSite
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import Ownership

register_texts(
    {
        "owner.at": ("in behandeling bij {cp}", "handled by {cp}"),
        "owner.me": ("bij deze CP", "by this CP"),
        "owner.label": ("Afgehandeld door", "Handled by"),
        "owner.conflict_owner": (
            "ook genomen door {others}; de melding blijft bij u (eerste claim)",
            "also taken by {others}; the report stays with you (first claim)",
        ),
        "owner.conflict_lost": (
            "LET OP: {owner} nam deze melding eerder; stop uw afhandeling, {owner} doet het",
            "NOTE: {owner} took this report first; stop handling it, {owner} does",
        ),
        "owner.conflict_label": ("Dubbele claim", "Double claim"),
        "owner.taken": (
            "Melding {id} is al in behandeling bij {cp} (eerste claim). Niet dubbel afhandelen; "
            "overleg met {cp}.",
            "Report {id} is already handled by {cp} (first claim). Do not handle it twice; "
            "talk to {cp}.",
        ),
    }
)


class OwnedElsewhere(NsplinkError):
    code = "cli.queue.owned_elsewhere"
    key = "owner.taken"


def cp_name(site: LocalSite, key_id: str) -> str:
    return site.site_name(key_id)


def owner_cell(own: Ownership | None, site: LocalSite, me: str, lang: Lang) -> str | None:
    """The queue's state cell when another CP handles the report (None: ours or nobody's)."""
    if own is None or own.owner is None:
        return None
    owner = str(own.owner.cp)
    if owner != me:
        lost = me in {str(k) for k in own.contenders}
        text = t("owner.at", lang, cp=cp_name(site, owner))
        return f"! {text}" if lost else text
    return None


def owner_lines(
    own: Ownership | None, site: LocalSite, me: str, lang: Lang
) -> list[tuple[str, str]]:
    """The `show` form's lines about ownership, and the conflict in words for this operator."""
    if own is None or own.owner is None:
        return []
    owner = str(own.owner.cp)
    who = t("owner.me", lang) if owner == me else cp_name(site, owner)
    lines = [(t("owner.label", lang), who)]
    others = [str(k) for k in own.contenders]
    if not others:
        return lines
    if owner == me:
        names = ", ".join(cp_name(site, k) for k in others)
        lines.append(
            (t("owner.conflict_label", lang), t("owner.conflict_owner", lang, others=names))
        )
    elif me in others:
        text = t("owner.conflict_lost", lang, owner=cp_name(site, owner))
        lines.append((t("owner.conflict_label", lang), text))
    return lines

"""Composing a bulletin in the browser: the CLI's own parsing, checks, signing and size (send_cmd),
a preview exactly as it will go on air, then the same queue_message as `nsplink send bulletin`;
and each bulletin's delivery per NSP from the outbox (only a signed receipt counts)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from nsplink.app.compose import queue_message
from nsplink.cli.render.message import form_lines, format_lines
from nsplink.cli.send_cmd import (
    check_complete,
    destination_of,
    given_values,
    parse_context,
    refuse_too_big,
    signed_message,
    size_line,
)
from nsplink.cli.sitefiles import LocalSite, load_own_identity
from nsplink.cli.status_cmd import delivery_words
from nsplink.i18n import Lang, register, t
from nsplink.protocol import Bulletin, MessageType, Priority, decode_unverified, suggested_priority
from nsplink.store import Store
from nsplink.store import events as ev
from nsplink.texts import code_label

register(
    {
        "bulletin.title": ("Mededeling aan alle NSP's", "Bulletin to every NSP"),
        "bulletin.headline": ("Kop", "Headline"),
        "bulletin.body": ("Tekst", "Text"),
        "bulletin.valid_until": (
            "Geldig tot (bijv. 18:00 of 6h)",
            "Valid until (e.g. 18:00 or 6h)",
        ),
        "bulletin.issuer": ("Afzender (bijv. Gemeente Houten)", "Issuer (e.g. Gemeente Houten)"),
        "bulletin.urgent": ("Spoed", "Urgency"),
        "bulletin.topic": ("Onderwerp", "Topic"),
        "bulletin.preview": ("Voorbeeld bekijken", "Preview"),
        "bulletin.sites": (
            "Alleen voor deze posten (niets aangevinkt: alle NSP's)",
            "Only for these sites (none ticked: every NSP)",
        ),
        "bulletin.send": ("Versturen", "Send"),
        "bulletin.edit": ("Aanpassen", "Edit"),
        "bulletin.preview_title": ("Zo gaat de mededeling de lucht in", "This is what goes on air"),
        "bulletin.sent": ("Opgeslagen en in de wachtrij: {ref}.", "Stored and queued: {ref}."),
        "bulletin.recent": ("Verstuurde mededelingen", "Bulletins sent"),
        "bulletin.none": ("Nog geen mededelingen verstuurd.", "No bulletins sent yet."),
        "bulletin.per_nsp": ("Per NSP", "Per NSP"),
        "bulletin.delivered": ("ontvangen", "received"),
        "bulletin.pending": ("nog niet bevestigd", "not confirmed yet"),
    }
)

FIELDS = ("headline", "body", "valid_until", "issuer", "urgent", "topic", "sites")


@dataclass(frozen=True)
class Composed:
    body: Bulletin
    priority: Priority
    preview: list[str]
    size: str
    to_words: str


async def compose(store: Store, site: LocalSite, form: dict[str, str], lang: Lang) -> Composed:
    """The form's values as the CLI reads its flags; raises the same typed errors."""
    now = time.time()
    flags = {k: form[k].strip() for k in FIELDS if form.get(k, "").strip()}
    values, _ = given_values(MessageType.BULLETIN, flags, None, None, parse_context(site, now))
    body = check_complete(MessageType.BULLETIN, values, lang)
    assert isinstance(body, Bulletin)
    priority = suggested_priority(body)
    dest, _, to_words = destination_of(MessageType.BULLETIN, body, None, site, lang)
    identity = load_own_identity(site)
    seq = await store.next_seq(str(identity.key_id))
    msg = signed_message(site, identity, seq, now, body, priority, dest)
    refuse_too_big(body, len(msg.frame))
    lines = [
        (t("form.priority", lang), f"{priority.value} {code_label(priority, lang)}"),
        (t("send.to", lang), to_words),
        *form_lines(body, lang, site_name=lambda k: site.site_name(str(k))),
    ]
    return Composed(body, priority, format_lines(lines).splitlines(), size_line(msg.frame, lang),
                    to_words)  # fmt: skip


async def send(store: Store, site: LocalSite, composed: Composed) -> str:
    dest, recipients, _ = destination_of(MessageType.BULLETIN, composed.body, None, site, "nl")
    mid, _ = await queue_message(
        store,
        load_own_identity(site),
        site.config.site,
        composed.body,
        dest,
        composed.priority,
        time.time(),
        recipients=recipients,
        home=site.home,
    )  # fmt: skip  (queue_message nudges the daemon)
    return str(mid)


@dataclass(frozen=True)
class Sent:
    ref: str
    headline: str
    at: float
    state: str
    per_nsp: list[tuple[str, bool]]


async def sent_bulletins(store: Store, site: LocalSite, lang: Lang, limit: int = 20) -> list[Sent]:
    items = [o for o in await store.outbox() if o.type == MessageType.BULLETIN.value]
    items.sort(key=lambda o: o.created_at, reverse=True)
    frames: dict[str, bytes] = {}
    async for rec in store.iter_events(kinds=(ev.MESSAGE_CREATED,)):
        if rec.frame and rec.data.get("type") == MessageType.BULLETIN.value:
            frames[rec.ref] = rec.frame
    out = []
    for item in items[:limit]:
        recipients = await store.recipients(item.ref)
        headline = ""
        if item.ref in frames:
            body = decode_unverified(frames[item.ref]).body
            headline = body.headline if isinstance(body, Bulletin) else ""
        out.append(
            Sent(
                ref=item.ref,
                headline=headline,
                at=item.created_at,
                state=delivery_words(item, recipients, site, lang),
                per_nsp=[(site.site_name(k), v == "delivered") for k, v in recipients.items()],
            )
        )
    return out

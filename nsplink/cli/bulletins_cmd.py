"""`nsplink bulletins`: the official bulletins (mededelingen), newest first, to read aloud or print.

At an NSP they are the verified bulletins received from a CP; at a CP, the ones it sent. A
bulletin named in another's `supersedes` is marked "Vervallen"; one past its `valid_until` is
"Verlopen" and shown dimmed on a terminal. Unverified bulletins are never shown: an official
notice that may be forged must not be read to residents. `--html FILE` writes a printable page.
"""

from __future__ import annotations

import asyncio
import html
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from nsplink.cli.context import get_ctx
from nsplink.cli.received import load_received
from nsplink.cli.render.table import clock
from nsplink.cli.sitefiles import LocalSite, load_site
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import (
    Bulletin,
    DecodeError,
    Envelope,
    KeyId,
    MessageId,
    MessageType,
    Urgent,
    decode,
    minutes_since_epoch,
    unix_from_minutes,
)
from nsplink.store import Store
from nsplink.store import events as ev
from nsplink.texts import code_label
from nsplink.texts.safe import shown as safe

register_texts(
    {
        "bulletins.help": (
            "Officiële mededelingen, nieuwste eerst, om voor te lezen of af te drukken.",
            "Official bulletins, newest first, to read aloud or print.",
        ),
        "bulletins.title": ("MEDEDELINGEN", "BULLETINS"),
        "bulletins.counts": (
            "{valid} geldig, {old} vervallen of verlopen — bijgewerkt {time}",
            "{valid} valid, {old} superseded or expired — updated {time}",
        ),
        "bulletins.none": ("Er zijn nog geen mededelingen.", "There are no bulletins yet."),
        "bulletins.superseded": ("VERVALLEN", "SUPERSEDED"),
        "bulletins.superseded_by": ("vervangen door {ref}", "replaced by {ref}"),
        "bulletins.expired": ("VERLOPEN", "EXPIRED"),
        "bulletins.urgent": ("SPOED", "URGENT"),
        "bulletins.internal": ("Alleen voor medewerkers", "Staff only"),
        "bulletins.valid_until": ("Geldig tot", "Valid until"),
        "bulletins.issuer": ("Bron", "Issuer"),
        "bulletins.topic": ("Onderwerp", "Topic"),
        "bulletins.number": ("nr", "no"),
        "bulletins.written": ("Afdrukpagina geschreven: {path}", "Printable page written: {path}"),
        "bulletins.write_bad": (
            "Kan {path} niet schrijven ({detail}).",
            "Cannot write {path} ({detail}).",
        ),
        "opt.current": (
            "Alleen geldige mededelingen (geen vervallen of verlopen).",
            "Only valid bulletins (no superseded or expired ones).",
        ),
        "opt.html": (
            "Schrijf ook een afdrukbare HTML-pagina.",
            "Also write a printable HTML page.",
        ),
    }
)


class HtmlUnwritable(NsplinkError):
    code = "cli.bulletins.write"
    key = "bulletins.write_bad"


@dataclass(frozen=True)
class Shown:
    ref: str
    env: Envelope
    body: Bulletin
    superseded_by: str | None
    expired: bool

    @property
    def current(self) -> bool:
        return self.superseded_by is None and not self.expired


async def _ours(store: Store, site: LocalSite) -> list[tuple[str, Envelope]]:
    out = []
    for item in await store.outbox():
        if item.type != MessageType.BULLETIN.value:
            continue
        for rec in await store.events(ref=item.ref, kinds=(ev.MESSAGE_CREATED,)):
            if rec.frame is None:
                continue
            try:
                out.append((item.ref, decode(rec.frame, site.ring).envelope))
            except DecodeError:
                continue
    return out


async def _received(store: Store, site: LocalSite) -> list[tuple[str, Envelope]]:
    out = []
    for item in await store.inbox(trust=("verified",)):
        if item.type != MessageType.BULLETIN.value:
            continue
        rec = await load_received(store, item.ref, site.ring, site.home)
        if rec.envelope is not None and rec.verified:
            out.append((item.ref, rec.envelope))
    return out


def _own_key(site: LocalSite) -> KeyId | None:
    try:
        return site.key_of(site.config.site)
    except NsplinkError:
        return None


def _meant_for(env: Envelope, me: KeyId | None, site: LocalSite) -> bool:
    """A bulletin that names its sites is shown only at those sites (and at the CP that sent
    it); one without a list is for every NSP."""
    body = env.body
    if not isinstance(body, Bulletin) or not body.sites or env.sender == me:
        return True
    return me in body.sites


async def collect(store: Store, site: LocalSite, now: float) -> list[Shown]:
    """All bulletins this site knows, newest first, with their superseded/expired marks."""
    found = dict(await _received(store, site))
    found.update(await _ours(store, site))
    replaced: dict[MessageId, str] = {}
    for ref, env in found.items():
        body = env.body
        if isinstance(body, Bulletin) and body.supersedes is not None:
            replaced.setdefault(body.supersedes, ref)
    minute = minutes_since_epoch(now)
    me = _own_key(site)
    shown = [
        Shown(ref, env, env.body, replaced.get(env.id), env.body.valid_until < minute)
        for ref, env in found.items()
        if isinstance(env.body, Bulletin) and _meant_for(env, me, site)
    ]
    shown.sort(key=lambda s: (s.env.created, s.env.seq), reverse=True)
    return shown


def _when(minutes: int, lang: Lang) -> str:
    return clock(unix_from_minutes(minutes), lang)


def _marks(s: Shown, lang: Lang) -> list[str]:
    marks = []
    if s.superseded_by:
        marks.append(
            t("bulletins.superseded", lang)
            + f" ({t('bulletins.superseded_by', lang, ref=s.superseded_by)})"
        )
    if s.expired:
        marks.append(t("bulletins.expired", lang))
    if s.body.urgent is Urgent.SPOED:
        marks.append(t("bulletins.urgent", lang))
    if s.body.internal:
        marks.append(t("bulletins.internal", lang))
    return marks


def _meta(s: Shown, lang: Lang) -> str:
    b = s.body
    return " · ".join(
        [
            f"{t('bulletins.valid_until', lang)}: {_when(b.valid_until, lang)}",
            f"{t('bulletins.issuer', lang)}: {b.issuer}",
            f"{t('bulletins.topic', lang)}: {code_label(b.topic, lang)}",
            f"{t('bulletins.number', lang)} {s.ref} ({_when(s.env.created, lang)})",
        ]
    )


def plain_text(shown: list[Shown], lang: Lang, now: float, dim: bool) -> str:
    """Plain text in reading order; with `dim`, old ones are greyed with ANSI faint."""
    stamp = clock(now, lang, now=now)
    valid = sum(1 for s in shown if s.current)
    lines = [
        t("bulletins.title", lang),
        t("bulletins.counts", lang, valid=valid, old=len(shown) - valid, time=stamp),
        "",
    ]
    for s in shown:
        marks = _marks(s, lang)
        block = [
            (f"[{' | '.join(marks)}] " if marks else "") + safe(s.body.headline),
            *("  " + line for line in safe(s.body.body, multiline=True).split("\n")),
            "  " + safe(_meta(s, lang)),
            "",
        ]
        if dim and not s.current:
            block = [f"\x1b[2m{line}\x1b[0m" if line else line for line in block]
        lines.extend(block)
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font-family: sans-serif; font-size: 14pt; max-width: 48em; margin: 1em auto; }
article { border-top: 2px solid #000; padding: .5em 0 1em; page-break-inside: avoid; }
article.old { color: #777; }
article.old h2 { text-decoration: line-through; }
.mark { font-weight: bold; border: 1px solid; padding: 0 .3em; margin-right: .3em; }
.meta { font-size: 11pt; }
p { white-space: pre-wrap; }
@media print { body { margin: 0; } }
"""


def html_page(shown: list[Shown], lang: Lang, now: float) -> str:
    """A self-contained printable page; every bulletin text is escaped (HTML, and anything
    invisible made visible first)."""

    def e(text: str) -> str:
        return html.escape(safe(text, multiline=True))

    stamp = clock(now, lang, now=now)
    valid = sum(1 for s in shown if s.current)
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">',
        f"<title>{e(t('bulletins.title', lang))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(t('bulletins.title', lang))}</h1>",
        f"<p>{e(t('bulletins.counts', lang, valid=valid, old=len(shown) - valid, time=stamp))}</p>",
    ]
    if not shown:
        parts.append(f"<p>{e(t('bulletins.none', lang))}</p>")
    for s in shown:
        marks = "".join(f'<span class="mark">{e(m)}</span>' for m in _marks(s, lang))
        cls = "" if s.current else ' class="old"'
        parts.append(
            f"<article{cls}><h2>{marks}{e(s.body.headline)}</h2>"
            f'<p>{e(s.body.body)}</p><div class="meta">{e(_meta(s, lang))}</div></article>'
        )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        raise HtmlUnwritable(exc.strerror or str(exc), path=path) from exc


def bulletins(
    ctx: typer.Context,
    current: Annotated[bool, typer.Option("--current", help=t("opt.current"))] = False,
    html_file: Annotated[Path | None, typer.Option("--html", help=t("opt.html"))] = None,
) -> None:
    c = get_ctx(ctx)
    now = time.time()
    try:
        site = load_site(c.home)
        if site.home.db_path.exists():

            async def go() -> list[Shown]:
                async with await Store.open(
                    site.home.db_path, create=False, readonly=True
                ) as store:
                    return await collect(store, site, now)

            shown = asyncio.run(go())
        else:
            shown = []
        if current:
            shown = [s for s in shown if s.current]
        if html_file is not None:
            _write(html_file, html_page(shown, c.lang, now))
    except NsplinkError as err:
        c.fail(err)
    if not shown:
        c.say("bulletins.none")
    else:
        typer.echo(plain_text(shown, c.lang, now, dim=sys.stdout.isatty()), nl=False)
    if html_file is not None:
        c.say("bulletins.written", path=html_file)


def register(app: typer.Typer) -> None:
    app.command("bulletins", help=t("bulletins.help"))(bulletins)

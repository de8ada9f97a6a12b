"""`nsplink send emergency|sitrep|supply|bulletin`: fill in a form, preview, confirm, queue.

Fields come from flags (`--incident MED`), a file (`--from-file melding.yaml`), JSON
(`--json '{...}'` or `--json -` for stdin) and, for whatever is still missing when a person sits
at a terminal, guided questions. Nothing is written until the message is confirmed; then
`compose.queue_message` makes it durable in one transaction before we say so.

Exit codes: 0 queued; 1 not sent because the person said no; 2 wrong input, wrong site or a
store fault (one line); 130 cancelled with Ctrl-C or end of input (nothing stored).
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
from collections.abc import Callable
from typing import Any

import typer

from nsplink.app.compose import queue_message
from nsplink.app.roster import seal_key_for
from nsplink.cli.context import CliContext, get_ctx
from nsplink.cli.forms import guided
from nsplink.cli.forms.sources import ENVELOPE_KEYS, load_file, load_json
from nsplink.cli.forms.spec import FORMS, ParseContext, check, field_named, parse_value
from nsplink.cli.render.message import form_lines, format_lines
from nsplink.cli.sitefiles import LocalSite, load_own_identity, load_site, require_role
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    MAX_FRAME,
    Destination,
    Emergency,
    Envelope,
    Identity,
    KeyId,
    Message,
    MessageType,
    Priority,
    ValidationError,
    encode,
    minutes_since_epoch,
    suggested_priority,
    to_frames,
)
from nsplink.protocol.sealing import has_personal, seal
from nsplink.store import Store
from nsplink.store.events import MAX_FRAME as MAX_STORED_FRAME
from nsplink.texts import code_label

register_texts(
    {
        "send.help": (
            "Nieuwe melding versturen: noodhulpmelding, situatierapport, hulpvraag of mededeling.",
            "Send a new message: emergency report, situation report, supply request or bulletin.",
        ),
        "send.help.emergency": ("Noodhulpmelding (richting 112).", "Emergency report (to 112)."),
        "send.help.sitrep": ("Situatierapport van deze post.", "Situation report of this site."),
        "send.help.supply": ("Hulpvraag: middelen aanvragen.", "Supply request."),
        "send.help.bulletin": (
            "Mededeling voor alle noodsteunpunten (alleen op een CP).",
            "Bulletin for all support points (CP sites only).",
        ),
        "send.opt.from_file": (
            "Velden uit een JSON- of YAML-bestand ('-' = standaardinvoer).",
            "Fields from a JSON or YAML file ('-' = standard input).",
        ),
        "send.opt.json": (
            "Velden als JSON-tekst ('-' = standaardinvoer).",
            "Fields as JSON text ('-' = standard input).",
        ),
        "send.opt.yes": ("Niet om bevestiging vragen.", "Do not ask for confirmation."),
        "send.opt.interactive": (
            "Ontbrekende velden vragen (standaard: alleen op een terminal).",
            "Ask for missing fields (default: only at a terminal).",
        ),
        "send.opt.priority": ("P1, P2, P3 of P4 (standaard: voorgesteld).", "P1..P4."),
        "send.opt.to": (
            "Naar één post (naam); standaard alle CP's.",
            "To one site (name); default all CPs.",
        ),
        "send.preview": ("Controleer het bericht:", "Check the message:"),
        "send.to": ("Aan", "To"),
        "send.to_cps": ("alle coördinatiepunten", "all coordination points"),
        "send.to_nsps": ("alle noodsteunpunten ({count})", "all support points ({count})"),
        "send.fits": (
            "Past in één radiobericht ({size} van {max} bytes).",
            "Fits in one radio message ({size} of {max} bytes).",
        ),
        "send.fragments": (
            "Te groot voor één radiobericht: wordt verstuurd in {count} delen ({size} bytes).",
            "Too large for one radio message: will be sent in {count} parts ({size} bytes).",
        ),
        "send.confirm": ("Versturen?", "Send?"),
        "form.hint.too_big": (
            "het bericht wordt {size} bytes, meer dan de {max} die een bericht mag zijn; "
            "maak deze tekst korter.",
            "the message would be {size} bytes, more than the {max} a message may be; "
            "shorten this text.",
        ),
        "send.sealed": (
            "Adres, melder, telefoon en toelichting gaan versleuteld: alleen een CP kan ze lezen.",
            "Address, reporter, phone and details are sealed: only a CP can read them.",
        ),
        "send.not_sealed": (
            "Let op: de deelnemerslijst heeft geen CP-sleutel; persoonsgegevens gaan leesbaar "
            "over de radio.",
            "Note: the roster has no CP key; personal data goes over the radio unsealed.",
        ),
        "send.declined": (
            "Niet verstuurd; er is niets opgeslagen.",
            "Not sent; nothing was saved.",
        ),
        "send.saved": (
            "Bericht opgeslagen — wordt verstuurd zodra er verbinding is.",
            "Message saved — it will be sent as soon as there is a connection.",
        ),
        "send.number": ("Berichtnummer: {ref}", "Message number: {ref}"),
        "send.missing": (
            "Veld '{label}' ontbreekt. Geef --{flag} op, of start zonder invoerbestand op een "
            "terminal om de vragen te krijgen.",
            "Field '{label}' is missing. Give --{flag}, or run at a terminal without an input "
            "file to be asked.",
        ),
    }
)


class FieldMissing(NsplinkError):
    code = "cli.send.missing"
    key = "send.missing"


def _parse_context(site: LocalSite, now: float) -> ParseContext:
    names: dict[str, KeyId] = {}
    for peer in site.ring:
        names[peer.site.casefold()] = peer.key_id
        names[str(peer.key_id)] = peer.key_id
    return ParseContext(now=now, sites=names)


def _given(
    mtype: MessageType,
    flags: dict[str, Any],
    from_file: str | None,
    json_text: str | None,
    pctx: ParseContext,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parsed field values, raw envelope keys). Flags win over JSON, JSON over the file."""
    raw: dict[str, Any] = {}
    if from_file:
        raw.update(load_file(from_file))
    if json_text:
        raw.update(load_json(json_text))
    raw.update({k: v for k, v in flags.items() if v is not None})
    envelope = {k: raw.pop(k) for k in ENVELOPE_KEYS if k in raw}
    values: dict[str, Any] = {}
    for name, value in raw.items():
        f = field_named(mtype, name)
        values[name] = parse_value(mtype, f, value, pctx)
    return values, envelope


def _priority(raw: Any) -> Priority:
    word = str(raw).strip().upper()
    if word not in Priority.__members__:
        raise ValidationError(
            "envelope.priority", "hint.choice", choices=", ".join(p.value for p in Priority)
        )
    return Priority(word)


def _destination(
    mtype: MessageType, body: Message, to: Any, site: LocalSite, lang: Lang
) -> tuple[Destination, list[KeyId], str]:
    """Where it goes, who must each confirm it (bulletins), and the words for the preview."""
    if mtype is MessageType.BULLETIN:
        recipients = list(getattr(body, "sites", ())) or site.keys_with_role("nsp")
        return ALL_NSPS, recipients, t("send.to_nsps", lang, count=len(recipients))
    if to:
        key = site.key_of(str(to))
        return Destination.to_site(key), [], site.site_name(str(key))
    return ALL_CPS, [], t("send.to_cps", lang)


def _next_seq_hint(site: LocalSite, identity: Identity) -> int:
    """The sequence number the message will probably get, so the preview size is exact."""
    if not site.home.db_path.exists():
        return 1

    async def go() -> int:
        async with await Store.open(site.home.db_path, create=False) as store:
            return await store.next_seq(str(identity.key_id))

    return asyncio.run(go())


def _as_sent(env: Envelope, identity: Identity, site: LocalSite) -> Envelope:
    """The envelope as queue_message will sign it: an emergency report's personal fields
    sealed to the CPs (issue 11), which changes its size."""
    if not isinstance(env.body, Emergency):
        return env
    key = seal_key_for(site.home)
    return seal(env, identity, key) if key is not None else env


def _size_line(env: Envelope, identity: Identity, lang: Lang) -> str:
    frame = encode(env, identity)
    if len(frame) <= MAX_FRAME:
        return t("send.fits", lang, size=len(frame), max=MAX_FRAME)
    return t("send.fragments", lang, count=len(to_frames(frame)), size=len(frame))


def _ask(prompt: str) -> str:
    return input(prompt)


def _say(line: str) -> None:
    typer.echo(line)


def run_send(
    c: CliContext,
    mtype: MessageType,
    flags: dict[str, Any],
    *,
    from_file: str | None,
    json_text: str | None,
    yes: bool,
    interactive: bool | None,
) -> None:
    lang = c.lang
    now = time.time()
    try:
        site = load_site(c.home)
        require_role(site, "cp" if mtype is MessageType.BULLETIN else "nsp", lang)
        identity = load_own_identity(site)
        pctx = _parse_context(site, now)
        values, envelope = _given(mtype, flags, from_file, json_text, pctx)
        priority = _priority(envelope["priority"]) if "priority" in envelope else None
    except NsplinkError as err:
        c.fail(err)
    ask_people = sys.stdin.isatty() if interactive is None else interactive
    try:
        seq = _next_seq_hint(site, identity)
        fits = _size_check(site, identity, seq, now)
        if ask_people:
            body = guided.fill(mtype, values, pctx, lang, _ask, _say, extra=fits)
            if priority is None:
                priority = guided.ask_priority(suggested_priority(body), lang, _ask, _say)
        else:
            body = _check_complete(mtype, values, lang)
            fits(body)
        priority = priority or suggested_priority(body)
        dest, recipients, to_words = _destination(mtype, body, envelope.get("to"), site, lang)
        env = Envelope(identity.key_id, seq, minutes_since_epoch(now), body, priority, dest)
        if ask_people or not yes:
            _preview(c, site, env, identity, to_words)
        else:  # scripted with --yes: still say whether it fits one radio message
            typer.echo(_size_line(_as_sent(env, identity, site), identity, lang))
        if ask_people and not yes and not guided.confirm(t("send.confirm", lang), lang, _ask, _say):
            c.say("send.declined")
            raise typer.Exit(1)
        ref = _queue(c, site, identity, body, dest, priority, recipients)
    except (KeyboardInterrupt, EOFError):
        typer.echo("", err=True)
        typer.echo(t("cli.interrupted", lang), err=True)
        raise typer.Exit(130) from None
    except NsplinkError as err:
        c.fail(err)
    c.say("send.saved")
    c.say("send.number", ref=ref)


def _size_check(
    site: LocalSite, identity: Identity, seq: int, now: float
) -> Callable[[Message], None]:
    """A check that the signed message stays within what the log keeps per frame (and so far
    within the radio's fragment limit); too big names the longest text field to shorten."""

    def check_size(body: Message) -> None:
        env = Envelope(identity.key_id, seq, minutes_since_epoch(now), body, Priority.P1, ALL_NSPS)
        size = len(encode(_as_sent(env, identity, site), identity))
        if size <= MAX_STORED_FRAME:
            return
        sizes = {name: len(str(getattr(body, name)).encode()) for name in body.TEXT_FIELDS}
        longest = max(sizes, key=lambda n: sizes[n])
        raise ValidationError(
            f"{body.TYPE.value}.{longest}", "form.hint.too_big", size=size, max=MAX_STORED_FRAME
        )

    return check_size


def _check_complete(mtype: MessageType, values: dict[str, Any], lang: Lang) -> Message:
    try:
        return check(mtype, values)
    except ValidationError as err:
        if err.hint_key == "hint.required":
            name = err.field.split(".", 1)[1]
            f = field_named(mtype, name)
            raise FieldMissing(
                name, label=t(f"field.{err.field}", lang), flag=f.flag().lstrip("-")
            ) from err
        raise


def _preview(
    c: CliContext, site: LocalSite, env: Envelope, identity: Identity, to_words: str
) -> None:
    lang = c.lang
    c.say("send.preview")
    lines = [
        (t("form.priority", lang), f"{env.priority.value} {code_label(env.priority, lang)}"),
        (t("send.to", lang), to_words),
        *form_lines(env.body, lang, site_name=lambda k: site.site_name(str(k))),
    ]
    typer.echo(format_lines(lines))
    sent = _as_sent(env, identity, site)
    typer.echo(_size_line(sent, identity, lang))
    typed = env.body
    if isinstance(sent.body, Emergency) and isinstance(typed, Emergency) and has_personal(typed):
        c.say("send.sealed" if sent.body.sealed_personal else "send.not_sealed")


def _queue(
    c: CliContext,
    site: LocalSite,
    identity: Identity,
    body: Message,
    dest: Destination,
    priority: Priority,
    recipients: list[KeyId],
) -> str:
    async def go() -> str:
        async with await Store.open(site.home.db_path) as store:
            mid, _ = await queue_message(
                store,
                identity,
                site.config.site,
                body,
                dest,
                priority,
                time.time(),
                recipients=recipients,
                home=site.home,
            )
        return str(mid)

    return asyncio.run(go())


def _make_command(mtype: MessageType) -> Callable[..., None]:
    """A Typer command whose options are the form's fields (built from the form, so the flags
    can never drift from the questions)."""

    def command(ctx: typer.Context, **kwargs: Any) -> None:
        flags = {f.name: kwargs.pop(f.name) for f in FORMS[mtype]}
        for key in ENVELOPE_KEYS:
            if kwargs.get(key) is not None:
                flags[key] = kwargs[key]
        run_send(
            get_ctx(ctx),
            mtype,
            flags,
            from_file=kwargs["from_file"],
            json_text=kwargs["json_text"],
            yes=kwargs["yes"],
            interactive=kwargs["interactive"],
        )

    kw = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context)
    ]
    for f in FORMS[mtype]:
        params.append(
            inspect.Parameter(
                f.name,
                kw,
                annotation=str | None,
                default=typer.Option(None, f.flag(), help=t(f"field.{mtype.value}.{f.name}")),
            )
        )
    extra: list[tuple[str, Any, Any]] = [
        ("priority", str | None, typer.Option(None, "--priority", help=t("send.opt.priority"))),
        ("from_file", str | None, typer.Option(None, "--from-file", help=t("send.opt.from_file"))),
        ("json_text", str | None, typer.Option(None, "--json", help=t("send.opt.json"))),
        ("yes", bool, typer.Option(False, "--yes", "-y", help=t("send.opt.yes"))),
        (
            "interactive",
            bool | None,
            typer.Option(None, "--interactive/--no-interactive", help=t("send.opt.interactive")),
        ),
    ]
    if mtype is not MessageType.BULLETIN:
        extra.append(("to", str | None, typer.Option(None, "--to", help=t("send.opt.to"))))
    for name, annotation, default in extra:
        params.append(inspect.Parameter(name, kw, annotation=annotation, default=default))
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {p.name: p.annotation for p in params}
    command.__name__ = f"send_{mtype.value}"
    command.__doc__ = t(f"send.help.{mtype.value}")
    return command


def register(app: typer.Typer) -> None:
    send_app = typer.Typer(help=t("send.help"), no_args_is_help=True)
    for mtype in FORMS:
        send_app.command(mtype.value, help=t(f"send.help.{mtype.value}"))(_make_command(mtype))
    app.add_typer(send_app, name="send")

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

from nsplink.app.compose import own_key, queue_message
from nsplink.cli.context import CliContext, get_ctx
from nsplink.cli.daemon_hint import say_queued
from nsplink.cli.forms import guided
from nsplink.cli.forms.sources import ENVELOPE_KEYS, load_file, load_json
from nsplink.cli.forms.spec import FORMS, ParseContext, check, field_named, parse_value
from nsplink.cli.render.message import form_entries, format_lines
from nsplink.cli.sitefiles import LocalSite, load_own_identity, load_site, require_role
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    MAX_FRAME,
    Answer,
    Bulletin,
    Destination,
    Draft,
    Emergency,
    Identity,
    KeyId,
    Message,
    MessageType,
    Priority,
    SignedMessage,
    ValidationError,
    build_message,
    has_personal,
    suggested_priority,
    to_frames,
)
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
        "send.life_threat": (
            "Levensgevaar: ja, maar de prioriteit is {priority}.",
            "Life threatening: yes, but the priority is {priority}.",
        ),
        "send.make_p1": ("Prioriteit {p1} maken?", "Make the priority {p1}?"),
        "send.life_threat_scripted": (
            "Let op: levensgevaar ja, maar prioriteit {priority}; verstuurd zoals opgegeven "
            "(--priority P1 als dat bedoeld was).",
            "Note: life threatening yes, but priority {priority}; sent as given "
            "(--priority P1 if that was meant).",
        ),
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


def parse_context(site: LocalSite, now: float) -> ParseContext:
    names: dict[str, KeyId] = {}
    for peer in site.ring:
        names[peer.site.casefold()] = peer.key_id
        names[str(peer.key_id)] = peer.key_id
    return ParseContext(now=now, sites=names)


def given_values(
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


def destination_of(
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


def signed_message(
    site: LocalSite,
    identity: Identity,
    seq: int,
    now: float,
    body: Message,
    priority: Priority,
    dest: Destination,
) -> SignedMessage:
    """The message as it will be queued: an emergency report's personal fields sealed to the
    CPs' key on the (already loaded) roster, then signed. Its size is what goes on air."""
    draft = Draft(body, dest, priority, site.ring.seal_key)
    signer = own_key(identity, site.config.site, site.config.role)
    return build_message(draft, identity, seq, now, signer)


def size_line(frame: bytes, lang: Lang) -> str:
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
        pctx = parse_context(site, now)
        values, envelope = given_values(mtype, flags, from_file, json_text, pctx)
        priority = _priority(envelope["priority"]) if "priority" in envelope else None
    except NsplinkError as err:
        c.fail(err)
    ask_people = sys.stdin.isatty() if interactive is None else interactive
    try:
        seq = _next_seq_hint(site, identity)
        flagged = priority  # the envelope priority given by flag or file, if any
        if ask_people:
            fits = _size_check(site, identity, seq, now)
            session = guided.Session(mtype, values, pctx, lang, _ask, _say)
            _say(t("form.title", lang, kind=code_label(mtype, lang)))
            body = session.fill(fits)
            if priority is None and mtype is not MessageType.BULLETIN:  # a bulletin: its own
                priority, body = _ask_priority(session, body, fits)
        else:
            body = check_complete(mtype, values, lang)
        priority = priority or suggested_priority(body)
        declined: set[Priority] = set()
        if ask_people:
            priority = _life_threat(body, priority, declined, lang)
        else:
            _warn_life_threat(body, priority, lang)
        while True:
            dest, recipients, to_words = destination_of(mtype, body, envelope.get("to"), site, lang)
            msg = signed_message(site, identity, seq, time.time(), body, priority, dest)
            refuse_too_big(body, len(msg.frame))
            if not ask_people and yes:  # scripted with --yes: still say whether it fits
                typer.echo(size_line(msg.frame, lang))
                _warn_unsealed(msg, body, lang)  # no preview: personal data readable, said
                break
            entries = _preview(c, site, msg, body, to_words, numbered=ask_people and not yes)
            if not ask_people or yes:
                break
            answer = guided.confirm_or_change(
                t("send.confirm", lang), len(entries), lang, _ask, _say
            )
            if answer is False:
                c.say("send.declined")
                raise typer.Exit(1)
            if answer is True:
                break
            fields = entries[answer - 1]
            if fields == ("priority",):
                priority = guided.ask_priority(priority, lang, _ask, _say)
                declined.discard(priority)
            else:
                body = session.again(fields, fits)
                if mtype is MessageType.BULLETIN and flagged is None:
                    priority = suggested_priority(body)
            priority = _life_threat(body, priority, declined, lang)
        ref = _queue(site, identity, msg, body, recipients)
    except (KeyboardInterrupt, EOFError):
        typer.echo("", err=True)
        typer.echo(t("cli.interrupted", lang), err=True)
        raise typer.Exit(130) from None
    except NsplinkError as err:
        c.fail(err)
    say_queued(c, site.home, "send.saved")
    c.say("send.number", ref=ref)


def _warn_unsealed(msg: SignedMessage, typed: Message, lang: Lang) -> None:
    """Without a preview, still say on stderr when personal data goes out readable."""
    sent = msg.envelope.body
    personal = isinstance(typed, Emergency) and has_personal(typed)
    if personal and isinstance(sent, Emergency) and not sent.sealed_personal:
        typer.echo(t("send.not_sealed", lang), err=True)


def _size_check(
    site: LocalSite, identity: Identity, seq: int, now: float
) -> Callable[[Message], None]:
    """For the guided form: a check, while answers are typed, that the signed message stays
    within what the log keeps per frame (and so within the radio's fragment limit)."""

    def check_size(body: Message) -> None:
        size = len(signed_message(site, identity, seq, now, body, Priority.P1, ALL_NSPS).frame)
        refuse_too_big(body, size)

    return check_size


def refuse_too_big(body: Message, size: int) -> None:
    """Too big names the longest text field to shorten."""
    if size <= MAX_STORED_FRAME:
        return
    sizes = {name: len(str(getattr(body, name)).encode()) for name in body.TEXT_FIELDS}
    longest = max(sizes, key=lambda n: sizes[n])
    raise ValidationError(
        f"{body.TYPE.value}.{longest}", "form.hint.too_big", size=size, max=MAX_STORED_FRAME
    )


def check_complete(mtype: MessageType, values: dict[str, Any], lang: Lang) -> Message:
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


def _ask_priority(
    session: guided.Session, body: Message, fits: Callable[[Message], None]
) -> tuple[Priority, Message]:
    """The priority question after the form; `<` there takes back the form's last answer."""
    while True:
        try:
            back = bool(session.history)
            suggested = suggested_priority(body)
            return guided.ask_priority(suggested, session.lang, _ask, _say, back=back), body
        except guided.Back:
            body = session.back(fits)


def _life_threat(
    body: Message, priority: Priority, declined: set[Priority], lang: Lang
) -> Priority:
    """Life threat with P2-P4: ask once whether P1 was meant; never change it unasked."""
    if not _disagrees(body, priority) or priority in declined:
        return priority
    _say(t("send.life_threat", lang, priority=f"{priority.value} {code_label(priority, lang)}"))
    p1 = f"{Priority.P1.value} {code_label(Priority.P1, lang)}"
    if guided.confirm(t("send.make_p1", lang, p1=p1), lang, _ask, _say):
        return Priority.P1
    declined.add(priority)
    return priority


def _warn_life_threat(body: Message, priority: Priority, lang: Lang) -> None:
    """Scripted: nobody to ask, so say it on stderr and send as given."""
    if _disagrees(body, priority):
        words = f"{priority.value} {code_label(priority, lang)}"
        typer.echo(t("send.life_threat_scripted", lang, priority=words), err=True)


def _disagrees(body: Message, priority: Priority) -> bool:
    return (
        isinstance(body, Emergency)
        and body.life_threat is Answer.JA
        and priority is not Priority.P1
    )


def _preview(
    c: CliContext,
    site: LocalSite,
    msg: SignedMessage,
    typed: Message,
    to_words: str,
    *,
    numbered: bool = False,
) -> list[tuple[str, ...]]:
    """The form as typed (never the sealed copy), the destination, and what goes on air. With
    `numbered`, each line a person can change has a number; returns the fields per number."""
    lang = c.lang
    priority = msg.envelope.priority
    c.say("send.preview")
    entries: list[tuple[str, str, tuple[str, ...]]] = []
    if not (isinstance(typed, Bulletin) and priority is suggested_priority(typed)):
        # a bulletin's priority follows from its own "Prioriteit" (normaal/spoed): once
        words = f"{priority.value} {code_label(priority, lang)}"
        entries.append((t("form.priority", lang), words, ("priority",)))
    entries.append((t("send.to", lang), to_words, ()))
    entries += form_entries(typed, lang, site_name=lambda k: site.site_name(str(k)))
    changeable: list[tuple[str, ...]] = []
    lines: list[tuple[str, str]] = []
    for lbl, value, fields in entries:
        if numbered and fields:
            changeable.append(fields)
            lbl = f"{len(changeable):>2}. {lbl}"
        elif numbered:
            lbl = "    " + lbl
        lines.append((lbl, value))
    typer.echo(format_lines(lines))
    typer.echo(size_line(msg.frame, lang))
    sent = msg.envelope.body
    if isinstance(sent, Emergency) and isinstance(typed, Emergency) and has_personal(typed):
        c.say("send.sealed" if sent.sealed_personal else "send.not_sealed")
    return changeable


def _queue(
    site: LocalSite,
    identity: Identity,
    msg: SignedMessage,
    typed: Message,
    recipients: list[KeyId],
) -> str:
    """Make the previewed message durable (signed again only if its number was taken)."""
    env = msg.envelope

    async def go() -> str:
        async with await Store.open(site.home.db_path) as store:
            mid, _ = await queue_message(
                store,
                identity,
                site.config.site,
                typed,
                env.destination,
                env.priority,
                time.time(),
                recipients=recipients,
                home=site.home,
                seal_to=site.ring.seal_key,
                previewed=msg,
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
    from nsplink.cli.thread_cmd import register_send  # a report's conversation: issue 19

    register_send(send_app)
    app.add_typer(send_app, name="send")

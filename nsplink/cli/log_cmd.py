"""`nsplink log verify|rebuild|show|export`: read, check and repair the site's event log.

Exit codes: 0 done (verify: the chain is intact); 1 verify found a broken chain (the first bad
row is named); 2 bad input or a store fault (missing, damaged, newer, read-only, full disk),
always as one line without a stack trace; 4 `verify --against`: a log no longer holds what its
site announced in its beacons (rewritten or cut back, store/anchor.py); 5 `verify --code`: the
head written on paper does not match the log. None of these commands creates a database.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import re
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Annotated, Any, TypeVar

import typer

from nsplink.app.config import load_config
from nsplink.app.site import SiteHome
from nsplink.cli.context import CliContext, get_ctx
from nsplink.cli.render.views import view_problem_text
from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, t
from nsplink.i18n import register as register_texts
from nsplink.protocol import DecodeError, KeyLookup, Status, decode
from nsplink.store import Record, Store, VerifyReport
from nsplink.store.anchor import Authentic, Finding, HeardHead, LogCopy, check, read_export
from nsplink.store.events import PERSONAL_DATA_KEYS
from nsplink.store.headcode import head_code, parse_code
from nsplink.texts.safe import json_text, shown

T = TypeVar("T")

# Command help (a docstring would show in one language only).
register_texts(
    {
        "log.cmd.verify": (
            "Controleer elke rij van de hashketen.",
            "Check every row of the hash chain.",
        ),
        "log.cmd.rebuild": (
            "Zet de lijsten van verstuurde en ontvangen berichten en de volgnummers opnieuw"
            " op uit het logboek.",
            "Recompute outbox, inbox and sequence state from the log.",
        ),
        "log.cmd.show": ("Toon gebeurtenissen, oudste eerst.", "List events, oldest first."),
        "log.cmd.export": (
            "Exporteer gebeurtenissen als JSON-regels of CSV.",
            "Export events as JSON lines or CSV.",
        ),
    }
)

# Option and argument help texts.
register_texts(
    {
        "log.opt.kind": (
            "message.sent, of een heel gebied zoals message (mag vaker).",
            "message.sent, or an area such as message (repeatable).",
        ),
        "log.opt.site": ("Alleen gebeurtenissen van deze post.", "Only events of this site."),
        "log.opt.since": (
            "2026-11-23T08:00, 2026-11-23, 90m, 6h of 2d.",
            "2026-11-23T08:00, 2026-11-23, 90m, 6h or 2d.",
        ),
        "log.opt.ref": (
            "Alleen gebeurtenissen over dit bericht.",
            "Only events about this message.",
        ),
        "log.opt.format": ("jsonl of csv.", "jsonl or csv."),
        "log.opt.redact": (
            "Laat persoonsgegevens uit noodmeldingen weg.",
            "Leave out personal data of emergency reports.",
        ),
        "log.opt.against": (
            "Vergelijk met een andere post: haar map, nsplink.db of een export.",
            "Compare with another site: its directory, nsplink.db or an export.",
        ),
        "log.opt.code": (
            'Controleer een kop van papier, bijvoorbeeld "#1234 boom kaas tulp vos".',
            'Check a head from paper, for example "#1234 boom kaas tulp vos".',
        ),
        "log.opt.output": (
            "Nieuw bestand om te schrijven (standaard: het scherm).",
            "New file to write (default: stdout).",
        ),
    }
)

register_texts(
    {
        "log.help": (
            "Logboek: controleren, herstellen, tonen en exporteren.",
            "Event log: verify, rebuild, show and export.",
        ),
        "log.rebuilt": (
            "Overzichten opnieuw opgebouwd uit {count} gebeurtenissen.",
            "Views rebuilt from {count} events.",
        ),
        "log.since_bad": (
            "'{value}' is geen geldig tijdstip. Gebruik bijvoorbeeld 2026-11-23T08:00, "
            "2026-11-23, 90m, 6h of 2d.",
            "'{value}' is not a valid time. Use for example 2026-11-23T08:00, "
            "2026-11-23, 90m, 6h or 2d.",
        ),
        "log.kind_bad": (
            "'{value}' is geen soort gebeurtenis. Gebruik bijvoorbeeld message.sent of message.",
            "'{value}' is not an event kind. Use for example message.sent or message.",
        ),
        "log.format_bad": (
            "Onbekend formaat '{value}'. Kies jsonl of csv.",
            "Unknown format '{value}'. Choose jsonl or csv.",
        ),
        "log.output_exists": (
            "{path} bestaat al; kies een nieuwe bestandsnaam.",
            "{path} already exists; choose a new file name.",
        ),
        "log.output_bad": (
            "Kan {path} niet schrijven ({detail}).",
            "Cannot write {path} ({detail}).",
        ),
        "log.exported": (
            "{count} gebeurtenissen geëxporteerd naar {path}.",
            "{count} events exported to {path}.",
        ),
        "log.none": ("Geen gebeurtenissen gevonden.", "No events found."),
        "log.head_code": (
            "Kop voor het papieren logboek: {code}",
            "Head for the paper log: {code}",
        ),
        "log.against_bad": (
            "{path} is geen post-map, nsplink.db of export van nsplink log export ({detail}).",
            "{path} is not a site directory, nsplink.db or nsplink log export file ({detail}).",
        ),
        "log.code_bad": (
            "'{value}' is geen kop-code. Schrijf het getal en vier woorden, bijvoorbeeld "
            '"#1234 boom kaas tulp vos".',
            "'{value}' is not a head code. Write the number and four words, for example "
            '"#1234 boom kaas tulp vos".',
        ),
        "log.code_ok": (
            "Kop {code} klopt: het logboek bevat nog wat er toen in stond.",
            "Head {code} matches: the log still holds what it held then.",
        ),
        "log.code_differs": (
            "Kop {code} klopt NIET: rij #{count} is sindsdien gewijzigd (nu: {now}).",
            "Head {code} does NOT match: row #{count} was changed since (now: {now}).",
        ),
        "log.code_truncated": (
            "Kop {code} klopt NIET: het logboek eindigt nu bij #{last} (ingekort).",
            "Head {code} does NOT match: the log now ends at #{last} (truncated).",
        ),
        "log.personal": ("[persoonsgegevens]", "[personal data]"),
        "log.erased": ("[persoonsgegevens gewist]", "[personal data erased]"),
    }
)


class SinceInvalid(NsplinkError):
    code = "log.since_bad"
    key = "log.since_bad"


class KindInvalid(NsplinkError):
    code = "log.kind_bad"
    key = "log.kind_bad"


class AgainstInvalid(NsplinkError):
    code = "log.against_bad"
    key = "log.against_bad"


class CodeInvalid(NsplinkError):
    code = "log.code_bad"
    key = "log.code_bad"


class FormatInvalid(NsplinkError):
    code = "log.format_bad"
    key = "log.format_bad"


class OutputExists(NsplinkError):
    code = "log.output_exists"
    key = "log.output_exists"


class OutputUnwritable(NsplinkError):
    code = "log.output_bad"
    key = "log.output_bad"


log_app = typer.Typer(help=t("log.help"), no_args_is_help=True)

_RELATIVE = re.compile(r"^(\d{1,6})\s*([mhd])$")
_KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.?$")


def parse_since(value: str, now: datetime) -> float:
    """'2026-11-23T08:00' / '2026-11-23' (local time unless it names a zone), or '90m', '6h',
    '2d' before `now`. Returns wall-clock seconds, the unit of an event's `at`."""
    text = value.strip()
    rel = _RELATIVE.match(text.lower())
    if rel:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[rel.group(2)]
        return (now - timedelta(**{unit: int(rel.group(1))})).timestamp()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise SinceInvalid(value=value) from exc
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a volunteer types the time on the wall clock
    return moment.timestamp()


def parse_kinds(values: list[str]) -> list[str]:
    """'message' or 'message.' select a whole area; 'message.sent' one kind."""
    kinds = []
    for value in values:
        v = value.strip().lower()
        if not _KIND.match(v):
            raise KindInvalid(value=value)
        kinds.append(v if "." in v else v + ".")
    return kinds


def _run(ctx: CliContext, body: Callable[[], Coroutine[Any, Any, T]]) -> T:
    try:
        return asyncio.run(body())
    except NsplinkError as err:
        ctx.fail(err)


async def _open(ctx: CliContext, *, readonly: bool = True) -> Store:
    """Reading commands open the log read-only: they work on a write-protected copy too."""
    return await Store.open(ctx.home.db_path, create=False, readonly=readonly)


async def head_code_line(store: Store, lang: Lang) -> str:
    """The log's head as a count and four words, for the paper log at shift change."""
    count, digest = await store.head()
    return t("log.head_code", lang, code=head_code(count, digest))


def _site_name(home: SiteHome, log: LogCopy) -> str:
    """A site's name from its site.toml, else from its log's rows (a bare file or an export):
    from the config, so that a log cut back to nothing is still named."""
    try:
        return load_config(home).site
    except NsplinkError:
        return log.site


async def _read_other(path: Path) -> tuple[LogCopy, str]:
    """OTHER of `--against`: a site directory, its nsplink.db, or a `log export` file."""
    db = path / "nsplink.db" if path.is_dir() else path
    try:
        with open(db, "rb") as fh:
            magic = fh.read(16)
    except OSError as exc:
        raise AgainstInvalid(exc.strerror or str(exc), path=path) from exc
    if magic == b"SQLite format 3\x00":
        async with await Store.open(db, create=False, readonly=True) as store:
            log = await store.log_copy()
        return log, _site_name(SiteHome(db.parent), log)
    try:
        with open(db, encoding="utf-8", newline="") as fh:
            log = read_export(fh)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise AgainstInvalid(type(exc).__name__, path=path) from exc
    return log, log.site


def _authentic(home: SiteHome) -> Authentic | None:
    """Checks a recorded head against its signed beacon with this site's roster; None when the
    roster cannot be read here (a bare copy of a log): then heads are taken as recorded."""
    from nsplink.cli.sitefiles import load_site

    try:
        ring: KeyLookup = load_site(home).ring
    except NsplinkError:
        return None

    def authentic(h: HeardHead) -> bool | None:
        if h.frame is None:
            return None
        try:
            msg = decode(h.frame, ring)
        except DecodeError:
            return False
        head = msg.envelope.body.head if isinstance(msg.envelope.body, Status) else None
        return (
            head is not None
            and msg.signer.site == h.site
            and head.count == h.count
            and head.hash.startswith(h.prefix)
        )

    return authentic


def _finding_text(f: Finding, lang: Lang) -> str:
    params = {k: shown(v) if isinstance(v, str) else v for k, v in f.params.items()}
    if "at" in params:
        params["when"] = _local(float(params.pop("at")))
    else:
        params.setdefault("when", "")
    return t(f.key, lang, **params)


def _check_code(text: str, ours: LogCopy, lang: Lang) -> int:
    code = parse_code(text)
    if code is None:
        raise CodeInvalid(value=text)
    digest = ours.hashes.get(code.count)
    if code.count > ours.last or (digest is None and code.count > 0):
        typer.echo(t("log.code_truncated", lang, code=code, last=ours.last), err=True)
        return 5
    if digest is not None and not digest.startswith(code.prefix):
        now = head_code(code.count, digest)
        typer.echo(t("log.code_differs", lang, code=code, count=code.count, now=now), err=True)
        return 5
    typer.echo(t("log.code_ok", lang, code=code))
    return 0


@log_app.command("verify", help=t("log.cmd.verify"))
def verify_cmd(
    ctx: typer.Context,
    against: Annotated[
        list[Path] | None, typer.Option("--against", help=t("log.opt.against"))
    ] = None,
    code: Annotated[str | None, typer.Option("--code", help=t("log.opt.code"))] = None,
) -> None:
    """Check every row of the hash chain. / Controleer elke rij van de hashketen."""
    c = get_ctx(ctx)

    async def go() -> int:
        async with await _open(c) as store:
            report = await store.verify()
            ours = await store.log_copy() if against or code else None
            head_line = await head_code_line(store, c.lang)
        status = _chain_status(report)
        if report.problem is None and report.count:
            typer.echo(head_line)
        if ours is not None:
            me = _site_name(c.home, ours)
            authentic = _authentic(c.home) if against else None
            for path in against or []:
                other, name = await _read_other(path)
                findings = [
                    *check(ours, me, other, name, authentic),
                    *check(other, name, ours, me, authentic),
                ]
                for f in findings:
                    typer.echo(_finding_text(f, c.lang), err=f.bad)
                    if f.bad and status == 0:
                        status = 4
            if code is not None:
                found = _check_code(code, ours, c.lang)
                status = status or found
        return status

    def _chain_status(report: VerifyReport) -> int:
        if report.problem is not None:
            p = report.problem
            reason = t(p.reason, c.lang, **p.params)
            typer.echo(t("chain.bad", c.lang, row=p.row, reason=reason), err=True)
            return 1
        if report.count == 0:
            c.say("chain.empty")
        else:
            c.say("chain.ok", count=report.count, head=report.head)
        if not report.triggers_present:
            typer.echo(t("chain.triggers", c.lang), err=True)
            return 1
        if report.views is not None:
            typer.echo(view_problem_text(report.views, c.lang), err=True)
            return 1
        return 0

    code_ = _run(c, go)
    raise typer.Exit(code_)


@log_app.command("rebuild", help=t("log.cmd.rebuild"))
def rebuild_cmd(ctx: typer.Context) -> None:
    """Recompute outbox, inbox and sequence state from the log. / Bouw de overzichten opnieuw op."""
    c = get_ctx(ctx)

    async def go() -> int:
        async with await _open(c, readonly=False) as store:
            return await store.rebuild()

    c.say("log.rebuilt", count=_run(c, go))


KindOpt = Annotated[
    list[str] | None,
    typer.Option("--kind", help=t("log.opt.kind")),
]
SiteOpt = Annotated[str | None, typer.Option("--site", help=t("log.opt.site"))]
SinceOpt = Annotated[str | None, typer.Option("--since", help=t("log.opt.since"))]
RefOpt = Annotated[str | None, typer.Option("--ref", help=t("log.opt.ref"))]


async def _select(
    store: Store,
    kind: list[str] | None,
    site: str | None,
    since: str | None,
    ref: str | None,
    *,
    with_personal: bool = False,
) -> AsyncIterator[Record]:
    since_at = parse_since(since, datetime.now().astimezone()) if since else None
    async for rec in store.iter_events(
        kinds=parse_kinds(kind or []),
        site=site,
        since=since_at,
        ref=ref,
        with_personal=with_personal,
    ):
        yield rec


def _local(at: float) -> str:
    try:
        return datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, OSError, ValueError):
        return str(at)


def _show_line(rec: Record, lang: Any) -> str:
    fields = " ".join(
        f"{shown(k)}={json_text(json.dumps(v, ensure_ascii=False))}" for k, v in rec.data.items()
    )
    if rec.erased:
        fields += " " + t("log.erased", lang)
    elif rec.has_personal:
        fields += " " + t("log.personal", lang)
    site, ref = shown(rec.site), shown(rec.ref)
    return f"#{rec.id:<6} {_local(rec.at)}  {site:<16} {rec.kind:<24} {ref:<12} {fields}"


@log_app.command("show", help=t("log.cmd.show"))
def show_cmd(
    ctx: typer.Context,
    kind: KindOpt = None,
    site: SiteOpt = None,
    since: SinceOpt = None,
    ref: RefOpt = None,
) -> None:
    """List events, oldest first. / Toon gebeurtenissen, oudste eerst."""
    c = get_ctx(ctx)

    async def go() -> int:
        count = 0
        async with await _open(c) as store:
            async for rec in _select(store, kind, site, since, ref):
                typer.echo(_show_line(rec, c.lang))
                count += 1
        return count

    if _run(c, go) == 0:
        c.say("log.none")


EXPORT_FIELDS = ("id", "time", "at", "kind", "site", "ref", "data", "personal", "frame", "hash")
REDACTED_FIELDS = tuple(f for f in EXPORT_FIELDS if f not in ("personal", "frame"))


def export_row(rec: Record, redact: bool) -> dict[str, Any]:
    """One event as a flat dict; `redact` leaves out everything that may identify a person."""
    data = rec.data
    if redact:
        data = {k: v for k, v in data.items() if k not in PERSONAL_DATA_KEYS}
    row: dict[str, Any] = {
        "id": rec.id,
        "time": datetime.fromtimestamp(rec.at, UTC).isoformat(),
        "at": rec.at,
        "kind": rec.kind,
        "site": rec.site,
        "ref": rec.ref,
        "data": data,
    }
    if not redact:
        row["personal"] = "erased" if rec.erased else rec.personal
        row["frame"] = rec.frame.hex() if rec.frame is not None else None
    row["hash"] = rec.hash.hex()
    return row


class _Writer:
    def __init__(self, out: IO[str], fmt: str, redact: bool) -> None:
        self.fmt = fmt
        self.out = out
        self.redact = redact
        names = REDACTED_FIELDS if redact else EXPORT_FIELDS
        self.csv = (
            csv.DictWriter(out, fieldnames=names, lineterminator="\n") if fmt == "csv" else None
        )
        if self.csv is not None:
            self.csv.writeheader()

    def write(self, rec: Record) -> None:
        row = export_row(rec, self.redact)
        if self.csv is None:
            self.out.write(json_text(json.dumps(row, ensure_ascii=False)) + "\n")
            return
        for key in ("data", "personal"):
            if key in row and not isinstance(row[key], str | None):
                row[key] = json_text(json.dumps(row[key], ensure_ascii=False, sort_keys=True))
        self.csv.writerow({k: shown(v) if isinstance(v, str) else v for k, v in row.items()})


@log_app.command("export", help=t("log.cmd.export"))
def export_cmd(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", help=t("log.opt.format"))] = "jsonl",
    redact: Annotated[bool, typer.Option("--redact", help=t("log.opt.redact"))] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help=t("log.opt.output"))] = None,
    kind: KindOpt = None,
    site: SiteOpt = None,
    since: SinceOpt = None,
    ref: RefOpt = None,
) -> None:
    """Export events as JSON lines or CSV. / Exporteer gebeurtenissen als JSON-regels of CSV."""
    c = get_ctx(ctx)
    if fmt not in ("jsonl", "csv"):
        c.fail(FormatInvalid(value=fmt))
    if output is not None and output.exists():
        c.fail(OutputExists(path=output))

    async def go(out: IO[str]) -> int:
        writer = _Writer(out, fmt, redact)
        count = 0
        async with await _open(c) as store:
            async for rec in _select(store, kind, site, since, ref, with_personal=not redact):
                writer.write(rec)
                count += 1
        return count

    if output is None:
        _run(c, lambda: go(sys.stdout))
        return
    tmp = output.with_name(output.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            count = _run(c, lambda: go(fh))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(output)  # a half export never looks like a whole one
    except OSError as exc:
        c.fail(OutputUnwritable(exc.strerror or str(exc), path=output))
    finally:
        tmp.unlink(missing_ok=True)
    c.say("log.exported", count=count, path=output)


def register(app: typer.Typer) -> None:
    app.add_typer(log_app, name="log")

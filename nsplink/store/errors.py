"""Typed failures of the store, and the one place that turns sqlite3/OS errors into them.

Every fault an operator can meet (read-only directory, full disk, damaged file, a database from a
newer nsplink, another program holding the lock) becomes exactly one of these, with one Dutch or
English sentence that says what to do. Nothing here writes to the database.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from pathlib import Path

from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.texts import render_error

register(
    {
        "store.missing": (
            "Er is nog geen logboek op {path}. "
            "Voer eerst 'nsplink init' uit of kies de juiste --home.",
            "There is no log at {path} yet. Run 'nsplink init' first or pick the right --home.",
        ),
        "store.unwritable": (
            "Het logboek {path} kan niet worden geschreven ({detail}). "
            "Controleer de rechten van de map; er is niets gewijzigd.",
            "The log {path} cannot be written ({detail}). "
            "Check the folder's permissions; nothing was changed.",
        ),
        "store.full": (
            "De schijf is vol: het logboek {path} kan niet groeien. "
            "Maak ruimte vrij; alles wat al bewaard was is intact.",
            "The disk is full: the log {path} cannot grow. "
            "Free some space; everything already stored is intact.",
        ),
        "store.corrupt": (
            "Het logboek {path} is beschadigd ({detail}). "
            "Gebruik de reservekopie; het bestand is niet aangeraakt.",
            "The log {path} is damaged ({detail}). Use the backup; the file was not touched.",
        ),
        "store.too_new": (
            "Het logboek {path} is gemaakt door een nieuwere nsplink (schema {found}, "
            "deze versie kent tot {known}). Werk nsplink bij.",
            "The log {path} was written by a newer nsplink (schema {found}, "
            "this version knows up to {known}). Upgrade nsplink.",
        ),
        "store.busy": (
            "Het logboek {path} is te lang bezet door een ander programma. Probeer het opnieuw.",
            "The log {path} stayed locked by another program for too long. Try again.",
        ),
        "store.io": (
            "Lezen of schrijven van het logboek {path} mislukte ({detail}). "
            "Controleer de schijf; er is niets half opgeslagen.",
            "Reading or writing the log {path} failed ({detail}). "
            "Check the disk; nothing was half-saved.",
        ),
        "store.event_invalid": (
            "Ongeldige gebeurtenis voor het logboek: {detail}.",
            "Invalid event for the log: {detail}.",
        ),
        "store.closed": (
            "Het logboek is al gesloten.",
            "The log is already closed.",
        ),
    }
)


class StoreError(NsplinkError):
    code = "store.error"
    key = "store.io"


class StoreMissing(StoreError):
    code = "store.missing"
    key = "store.missing"


class StoreUnwritable(StoreError):
    code = "store.unwritable"
    key = "store.unwritable"


class StoreFull(StoreError):
    code = "store.full"
    key = "store.full"


class StoreCorrupt(StoreError):
    code = "store.corrupt"
    key = "store.corrupt"


class StoreTooNew(StoreError):
    code = "store.too_new"
    key = "store.too_new"


class StoreBusy(StoreError):
    code = "store.busy"
    key = "store.busy"


class StoreIOError(StoreError):
    code = "store.io"
    key = "store.io"


class StoreClosed(StoreError):
    code = "store.closed"
    key = "store.closed"


class EventInvalid(StoreError):
    code = "store.event_invalid"
    key = "store.event_invalid"


log = logging.getLogger("nsplink.store")
# A library's records go to whatever the daemon configures; without it (the CLI) the person
# sees the typed error's one line, not a second copy from logging's last-resort handler.
log.addHandler(logging.NullHandler())


def logged(err: StoreError) -> StoreError:
    """Record a fault once, where it leaves the store's public API."""
    log.warning("store fault %s: %s", err.code, render_error(err, "en"))
    return err


def translate(exc: BaseException, path: Path | str) -> StoreError:
    """Map a sqlite3 or OS error onto the one typed error an operator should see."""
    if isinstance(exc, StoreError):
        return exc
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        primary = code & 0xFF if isinstance(code, int) else None
        if primary == sqlite3.SQLITE_FULL:
            return StoreFull(detail, path=path)
        if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
            return StoreCorrupt(detail, path=path)
        if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
            return StoreUnwritable(detail, path=path)
        if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            return StoreBusy(detail, path=path)
        if primary == sqlite3.SQLITE_IOERR and isinstance(code, int) and _is_file_too_large(code):
            return StoreFull(detail, path=path)
        return StoreIOError(detail, path=path)
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
            return StoreFull(exc.strerror or detail, path=path)
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return StoreUnwritable(exc.strerror or detail, path=path)
        return StoreIOError(exc.strerror or detail, path=path)
    return StoreIOError(detail, path=path)


def _is_file_too_large(code: int) -> bool:
    # SQLite reports a write past RLIMIT_FSIZE (EFBIG) as an IOERR_WRITE/IOERR_TRUNCATE; with no
    # other write failure plausible on a local disk, treat those as "cannot grow".
    return code in (sqlite3.SQLITE_IOERR_WRITE, sqlite3.SQLITE_IOERR_TRUNCATE)

"""Operator accounts of the console: a name and an argon2id hash per operator, in the site home.

The file holds hashes only (PyNaCl's pwhash, libsodium's argon2id at its interactive limits), is
written owner-only, and is replaced atomically so a power cut leaves the old or the new list.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from nacl import pwhash
from nacl.exceptions import CryptoError

from nsplink.app.site import SiteHome
from nsplink.errors import NsplinkError
from nsplink.i18n import register

register(
    {
        "console.user.bad_name": (
            "Een operatornaam is 1 tot 40 gewone tekens, zonder stuurtekens.",
            "An operator name is 1 to 40 ordinary characters, no control characters.",
        ),
        "console.user.short_password": (
            "Het wachtwoord moet minstens {min} tekens hebben.",
            "The password must have at least {min} characters.",
        ),
        "console.user.unknown": ("Geen operator '{name}'.", "No operator '{name}'."),
    }
)

FILE_NAME = "console-operators.json"
NAME_MAX = 40
PASSWORD_MIN = 8


class BadOperatorName(NsplinkError):
    code = "console.user.bad_name"
    key = "console.user.bad_name"


class ShortPassword(NsplinkError):
    code = "console.user.short_password"
    key = "console.user.short_password"


class UnknownOperator(NsplinkError):
    code = "console.user.unknown"
    key = "console.user.unknown"


def accounts_path(home: SiteHome) -> Path:
    return home.root / FILE_NAME


def clean_name(name: str) -> str:
    """The name as logged with every step: single spaces, printable, at most NAME_MAX."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > NAME_MAX or not cleaned.isprintable():
        raise BadOperatorName(name[:NAME_MAX])
    return cleaned


def load_accounts(home: SiteHome) -> dict[str, str]:
    """name -> argon2id hash string; {} when nobody has an account yet."""
    try:
        data = json.loads(accounts_path(home).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {str(k): str(v) for k, v in dict(data).items()}


def _save(home: SiteHome, accounts: dict[str, str]) -> None:
    path = accounts_path(home)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(accounts, fh, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def set_password(home: SiteHome, name: str, password: str) -> str:
    """Add the operator or change their password; returns the cleaned name."""
    who = clean_name(name)
    if len(password) < PASSWORD_MIN:
        raise ShortPassword(who, min=PASSWORD_MIN)
    accounts = load_accounts(home)
    accounts[who] = pwhash.argon2id.str(password.encode()).decode("ascii")
    _save(home, accounts)
    return who


def remove(home: SiteHome, name: str) -> None:
    accounts = load_accounts(home)
    if name not in accounts:
        raise UnknownOperator(name, name=name)
    del accounts[name]
    _save(home, accounts)


# A hash of a random password: an unknown name costs the same work as a wrong password, so the
# time of a refusal does not tell which names exist.
_DUMMY = pwhash.argon2id.str(os.urandom(16))


def check_password(accounts: dict[str, str], name: str, password: str) -> bool:
    stored = accounts.get(name)
    try:
        return pwhash.argon2id.verify((stored or "").encode() or _DUMMY, password.encode()) and (
            stored is not None
        )
    except CryptoError:  # a wrong password, or a damaged line in the file
        return False

"""The site's identity key file: created 0600, refused when group or others can read it.

File format (text, so a technician can recognise it):

    # nsplink identity key of <site>: keep secret, never copy to another site
    nsplink-ed25519-seed v1
    <base64 of the 32-byte Ed25519 seed>

The protocol core only ever sees the seed bytes (`nsplink.protocol.Identity`); this module does
the file I/O.
"""

from __future__ import annotations

import base64
import binascii
import os
import stat
from pathlib import Path

from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.protocol import SEED_LEN, Identity

MAGIC = "nsplink-ed25519-seed v1"

register(
    {
        "keys.exists": (
            "Er staat al een sleutel in {path}. Gebruik --force om hem te vervangen"
            " (de deelnemerslijst moet dan ook worden bijgewerkt).",
            "A key already exists at {path}. Use --force to replace it"
            " (the roster must then be updated too).",
        ),
        "keys.missing": (
            "Geen sleutel gevonden in {path}. Voer eerst 'nsplink init' uit.",
            "No key found at {path}. Run 'nsplink init' first.",
        ),
        "keys.permissions": (
            "Het sleutelbestand {path} is leesbaar voor anderen (rechten {mode}). Herstel dit met:"
            " chmod 600 {path}",
            "The key file {path} can be read by others (mode {mode}). Fix it with:"
            " chmod 600 {path}",
        ),
        "keys.invalid": (
            "Het sleutelbestand {path} is beschadigd ({detail}). Zet een reservekopie terug of"
            " maak een nieuwe sleutel met 'nsplink init --force'.",
            "The key file {path} is damaged ({detail}). Restore a backup or make a new key with"
            " 'nsplink init --force'.",
        ),
        "keys.io": (
            "Kan het sleutelbestand {path} niet schrijven of lezen: {detail}.",
            "Cannot write or read the key file {path}: {detail}.",
        ),
    }
)


class KeyFileError(NsplinkError):
    code = "keys"


class KeyExists(KeyFileError):
    code = "keys.exists"
    key = "keys.exists"


class KeyMissing(KeyFileError):
    code = "keys.missing"
    key = "keys.missing"


class KeyPermissions(KeyFileError):
    code = "keys.permissions"
    key = "keys.permissions"


class KeyInvalid(KeyFileError):
    code = "keys.invalid"
    key = "keys.invalid"


class KeyIOError(KeyFileError):
    code = "keys.io"
    key = "keys.io"


def generate_seed() -> bytes:
    return os.urandom(SEED_LEN)


def save_identity(path: Path, seed: bytes, *, site: str = "", force: bool = False) -> Identity:
    """Write the key atomically with mode 0600 (never visible with wider rights, even briefly)."""
    ident = Identity(seed)
    if path.exists() and not force:
        raise KeyExists(str(path), path=path)
    text = (
        f"# nsplink identity key of {site or 'this site'}: keep secret, never copy it\n"
        f"# key id {ident.key_id}\n{MAGIC}\n{base64.b64encode(seed).decode()}\n"
    )
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if tmp.exists():
            tmp.unlink()
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.write(fd, text.encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the rename itself survives a power cut
        finally:
            os.close(dir_fd)
    except OSError as exc:
        raise KeyIOError(exc.strerror or str(exc), path=path) from exc
    return ident


def load_identity(path: Path) -> Identity:
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise KeyMissing(str(path), path=path) from exc
    except OSError as exc:
        raise KeyIOError(exc.strerror or str(exc), path=path) from exc
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        raise KeyPermissions(str(path), path=path, mode=f"{mode:04o}")
    try:
        lines = [ln.strip() for ln in path.read_text("utf-8").splitlines()]
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyInvalid("unreadable", path=path) from exc
    body = [ln for ln in lines if ln and not ln.startswith("#")]
    if len(body) != 2 or body[0] != MAGIC:
        raise KeyInvalid("not an nsplink key file", path=path)
    try:
        seed = base64.b64decode(body[1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyInvalid("bad base64", path=path) from exc
    if len(seed) != SEED_LEN:
        raise KeyInvalid(f"{len(seed)} bytes instead of {SEED_LEN}", path=path)
    return Identity(seed)

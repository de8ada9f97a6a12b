"""The region's channel key (PSK): read from, or generated into, a file only its owner can read.

Format: one line of base64 holding 32 bytes (AES-256), the same text `meshtastic --ch-set psk
base64:...` takes, so a technician can use either tool with one file.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import stat
from pathlib import Path

from nsplink.provision.errors import PskExposed, PskInvalid, PskMissing
from nsplink.provision.files import read_small_text

PSK_BYTES = 32
PSK_FILE_MODE = 0o600


def parse_psk(text: str, file: str | Path) -> bytes:
    body = text.strip()
    if body.startswith("base64:"):
        body = body[len("base64:") :]
    if not body or any(c.isspace() for c in body):
        raise PskInvalid("@provision.d_psk_lines", file=file)
    try:
        key = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PskInvalid("@provision.d_psk_b64", file=file) from exc
    if len(key) != PSK_BYTES:
        raise PskInvalid("@provision.d_psk_len", file=file)
    if len(set(key)) == 1:  # all zeros or the like: a placeholder, not a key
        raise PskInvalid("@provision.d_psk_same", file=file)
    return key


def read_psk(path: Path) -> bytes:
    """The key in `path`; refuses a file group or others may read, as ssh does."""
    try:
        st = path.stat()
    except FileNotFoundError as exc:
        raise PskMissing(file=path) from exc
    except OSError as exc:
        raise PskInvalid(exc.strerror or str(exc), file=path) from exc
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PskExposed(file=path, mode=oct(stat.S_IMODE(st.st_mode)))
    text = read_small_text(
        path, 1024, "ascii", PskInvalid, "@provision.d_psk_big", "@provision.d_psk_text"
    )
    return parse_psk(text, path)


def generate_psk(path: Path) -> bytes:
    """Create `path` (0600, never overwriting) with a fresh random key and return the key."""
    key = secrets.token_bytes(PSK_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PSK_FILE_MODE)
    try:
        os.write(fd, base64.b64encode(key) + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


def fingerprint(key: bytes) -> str:
    """A short, non-secret name for a key, so two radios can be compared without showing it."""
    return hashlib.sha256(b"nsplink-psk\x00" + key).hexdigest()[:8]


def describe_psk(key: bytes) -> str:
    """How a channel key looks to a person: never the key itself."""
    # firmware shorthands: empty or 0 = no encryption, 1 = the public default key, 2..10 = its
    # "simpleN" variants; all of them are readable by anyone
    if len(key) == 0 or key == b"\x00":
        return "none (unencrypted)"
    if len(key) == 1:
        return "default public key" if key[0] == 1 else f"public key simple{key[0] - 1}"
    return f"{len(key) * 8}-bit key {fingerprint(key)}"

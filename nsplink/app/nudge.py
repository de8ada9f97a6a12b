"""A wake-up from the CLI to a running daemon: "the store has something new for you".

The CLI writes a message durably to the store first; then it sends one datagram to the daemon's
Unix socket so the daemon picks it up at once instead of at its next slow check. Losing the
nudge (no daemon running, socket gone) loses nothing: the message is in the store already.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import tempfile
from pathlib import Path

from nsplink.app.site import SiteHome

_MAX_UNIX_PATH = 100  # sun_path is 108 bytes on Linux; keep a margin


def socket_path(home: SiteHome) -> Path:
    """The daemon's socket: in the site home, or in the temp dir if that path is too long."""
    path = home.socket_path
    if len(os.fsencode(path)) <= _MAX_UNIX_PATH:
        return path
    digest = hashlib.sha256(os.fsencode(home.root.resolve())).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"nsplink-{digest}.sock"


def nudge(home: SiteHome) -> bool:
    """Wake the daemon of this site, if one listens. Never raises."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.setblocking(False)
            sock.sendto(b"n", os.fsencode(socket_path(home)))
        return True
    except OSError:
        return False


def bind(home: SiteHome) -> socket.socket:
    """The daemon's end: a non-blocking datagram socket (a stale file is replaced)."""
    path = socket_path(home)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(os.fsencode(path))
    sock.setblocking(False)
    return sock

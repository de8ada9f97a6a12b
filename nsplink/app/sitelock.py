"""One daemon per site: an exclusive flock on `daemon.lock` in the site directory, held for the
daemon's whole life.

Two daemons on one site would both sign with the same key and sequence numbers and fight over
the radio, and the second one's exit used to delete the first one's socket. The kernel drops
the lock when the process dies (even by SIGKILL), so a stale file never blocks a restart; the
file itself is never deleted (unlinking a lock file races with the next taker).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator

from nsplink.app.site import SiteHome
from nsplink.errors import NsplinkError
from nsplink.i18n import register

register(
    {
        "daemon.running": (
            "Voor deze post draait al een nsplink-dienst (proces {pid}); er mag er één tegelijk "
            "draaien. Stop die eerst, of gebruik een andere --home.",
            "An nsplink daemon is already running for this site (process {pid}); only one may "
            "run at a time. Stop it first, or use another --home.",
        ),
        "daemon.lock_bad": (
            "Kan het slot {path} niet openen ({detail}).",
            "Cannot open the lock {path} ({detail}).",
        ),
    }
)

LOCK_NAME = "daemon.lock"


class DaemonRunning(NsplinkError):
    code = "daemon.running"
    key = "daemon.running"


class LockUnusable(NsplinkError):
    code = "daemon.lock_bad"
    key = "daemon.lock_bad"


@contextlib.contextmanager
def site_lock(home: SiteHome) -> Iterator[None]:
    """Hold this site's daemon lock, or raise DaemonRunning naming the process that has it."""
    path = home.root / LOCK_NAME
    try:  # no link following: a planted symlink must not make us truncate another file
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise LockUnusable(exc.strerror or str(exc), path=path) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise DaemonRunning(pid=holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock

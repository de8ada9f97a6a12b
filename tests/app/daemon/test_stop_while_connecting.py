"""A daemon stops on SIGTERM even while the meshtastic library is stuck talking to a device that
never answers (a radio that hangs mid-handshake, or went away mid-call).

The library call runs in the adapter's worker thread. That thread used to be a
ThreadPoolExecutor's, which the interpreter joins at exit: the daemon logged its stop and then
hung until it was killed. Here the "radio" is a TCP listener on 127.0.0.1 that accepts and says
nothing, so the handshake waits for the library's 30-second config timeout."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.daemon.procs import DaemonProc
from tests.app.daemon.sites import make_sites

pytestmark = pytest.mark.slow


@pytest.fixture
def silent_radio() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn)  # held open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    for conn in accepted:
        conn.close()
    server.close()


def test_sigterm_while_the_radio_handshake_hangs(tmp_path: Path, silent_radio: int) -> None:
    (home,) = make_sites(
        tmp_path, [("nsp-houten", "nsp")], radios={"nsp-houten": f"tcp://127.0.0.1:{silent_radio}"}
    ).values()
    daemon = DaemonProc(home, tmp_path)
    daemon.start()
    deadline = time.monotonic() + 30
    while "nsp-houten (nsp)" not in daemon.output() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "nsp-houten (nsp)" in daemon.output(), daemon.output()  # its "started" line
    time.sleep(2.0)  # the handshake is now waiting inside the library
    # well inside the library's 30 s config timeout: the process must exit by itself, cleanly
    assert daemon.stop(timeout=15) == 0, daemon.output()[-2000:]

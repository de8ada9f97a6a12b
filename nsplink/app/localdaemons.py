"""A real `nsplink daemon` process per site, on this machine, for as long as a block runs.

What `make demo` and the guides' captures (`nsplink.devtools.captures`) need around an exercise
region made by `nsplink.app.setup.make_sites`: each daemon writes its output to `<logdir>/<site>
.log`; on leaving the block every daemon gets SIGTERM, then SIGKILL if it has not stopped
within 15 s, so no process started here outlives the block.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def running_daemons(
    homes: Mapping[str, Path], logdir: Path, env: Mapping[str, str]
) -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name, home in homes.items():
            with open(logdir / f"{name}.log", "wb") as log:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "nsplink", "--home", str(home), "daemon"],
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env=dict(env),
                    )
                )
        yield procs
    finally:
        stop_all(procs)


def stop_all(procs: list[subprocess.Popen[bytes]] | list[subprocess.Popen[str]]) -> None:
    """SIGTERM to every process still running, then SIGKILL to any not gone within 15 s."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

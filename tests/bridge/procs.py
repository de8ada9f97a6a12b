"""A real `nsplink bridge` process for the bridge tests (kill, stop and output as for a daemon)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nsplink.app.site import SiteHome
from tests.app.daemon.procs import DaemonProc
from tests.cli.live import ROOT


class BridgeProc(DaemonProc):
    def __init__(self, home: SiteHome, port: int, log_dir: Path, *extra: str) -> None:
        super().__init__(home, log_dir)
        self.port = port
        self.extra = extra  # TLS and credential options
        self.log_path = log_dir / f"bridge-{home.root.name}.log"

    def start(self) -> None:
        env = dict(os.environ, NSPLINK_LANG="en", PYTHONUNBUFFERED="1")
        args = ["bridge", "--broker", f"127.0.0.1:{self.port}", "--backoff-max", "1", *self.extra]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "nsplink", "--home", str(self.home.root), *args],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
            )  # fmt: skip

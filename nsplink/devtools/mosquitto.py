"""A real mosquitto broker on 127.0.0.1 for the bridge tests and `make bench` (Debian's package;
`make sysdeps` installs it). Persistence on, so a broker stopped and started again keeps the
persistent sessions and their queued QoS 1 messages, as a crisis partner's broker would.

Secured as a region would run it (`Secured`): a TLS listener, no anonymous clients, one user per
CP in a mosquitto_passwd file, and an ACL that lets each CP write only its own frame topic and
the feed of its region, and read only its region (docs/design.md §8)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")
    if found is None:
        raise RuntimeError("mosquitto is not installed: run `make sysdeps`")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class CpAccount:
    """One CP's login at the region's broker and the topics the ACL gives it."""

    username: str
    password: str
    region: str
    key_id: str  # its frames go on nsplink/v1/<region>/<key id>, and nowhere else


@dataclass(frozen=True)
class Secured:
    ca: Path  # the CA file clients check the broker against
    cert: Path  # the broker's certificate and key
    key: Path
    accounts: tuple[CpAccount, ...] = field(default=())


def acl_lines(accounts: tuple[CpAccount, ...]) -> str:
    out = []
    for a in accounts:
        out += [
            f"user {a.username}",
            f"topic read nsplink/v1/{a.region}/+",
            f"topic write nsplink/v1/{a.region}/{a.key_id}",
            f"topic write nsplink/feed/v1/{a.region}/#",
            "",
        ]
    return "\n".join(out)


def _secured_conf(workdir: Path, sec: Secured) -> str:
    passwd = workdir / "passwd"
    passwd.write_text("")
    for a in sec.accounts:  # mosquitto_passwd hashes them (PBKDF2-SHA512)
        subprocess.run(
            ["mosquitto_passwd", "-b", str(passwd), a.username, a.password],
            check=True, capture_output=True,
        )  # fmt: skip
    (workdir / "acl").write_text(acl_lines(sec.accounts))
    return (
        f"cafile {sec.ca}\ncertfile {sec.cert}\nkeyfile {sec.key}\n"
        f"allow_anonymous false\npassword_file {passwd}\nacl_file {workdir / 'acl'}\n"
    )


class Mosquitto:
    def __init__(
        self, workdir: Path, port: int | None = None, secured: Secured | None = None
    ) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.conf = self.dir / "mosquitto.conf"
        access = (
            _secured_conf(self.dir, secured) if secured is not None else "allow_anonymous true\n"
        )
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n" + access + "persistence true\n"
            f"persistence_location {self.dir}/\n"
            "autosave_interval 1\n"
            "max_queued_messages 100000\n"
            "max_inflight_messages 100\n"
            f"log_dest file {self.dir}/mosquitto.log\n"
            # as root, mosquitto would switch to its own user, who cannot write here
             + ("user root\n" if os.geteuid() == 0 else "")
        )
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        self.proc = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not listen in time")

    def stop(self) -> None:
        """SIGTERM: the broker saves its sessions and queues, as on a clean restart."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(10)

    def log(self) -> str:
        path = self.dir / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

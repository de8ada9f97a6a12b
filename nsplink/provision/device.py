"""Talking to one radio through the real `meshtastic` library, for provisioning only.

The library blocks, starts its own threads and can hang in `close()` (meshtastic/python #49,
#792), so every call runs in a worker thread with our own timeout. Its TCP interface also
reconnects by itself when the link drops; in the middle of a settings transaction that would
send the rest of the writes into a new session, outside the transaction, and leave a half-
configured radio. `_OneLinkTCP` therefore turns a dropped link into a hard stop, and the
provisioner decides what to do next.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from meshtastic.protobuf import channel_pb2, localonly_pb2
from meshtastic.serial_interface import SerialInterface
from meshtastic.tcp_interface import TCPInterface

from nsplink.provision.errors import RadioLost, RadioTimeout, RadioUnreachable, RadioUrlInvalid
from nsplink.provision.settings import Changes, RadioSettings

log = logging.getLogger("nsplink.provision")

T = TypeVar("T")
DEFAULT_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class RadioAddress:
    url: str
    kind: str  # "tcp" or "serial"
    host: str = ""
    port: int = 4403
    path: str = ""


def parse_radio_url(url: str) -> RadioAddress:
    """tcp://HOST[:PORT] or serial:///dev/ttyUSB0 (BLE cannot be provisioned here)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise RadioUrlInvalid(url=url) from exc
    if parts.scheme == "tcp" and parts.hostname:
        return RadioAddress(url, "tcp", host=parts.hostname, port=port or 4403)
    if parts.scheme == "serial" and parts.path and not parts.netloc:
        return RadioAddress(url, "serial", path=parts.path)
    raise RadioUrlInvalid(url=url)


class _OneLinkTCP(TCPInterface):  # type: ignore[misc]
    """TCPInterface that never reconnects on its own: a lost link ends this session."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lost = threading.Event()
        super().__init__(*args, **kwargs)

    def _writeBytes(self, b: bytes) -> None:
        # the library logs "reconnecting" (untrue here) and raises into its reader thread,
        # which prints a traceback on stderr; a lost link is recorded instead, every step checks it
        sock = self.socket
        if sock is None:
            return
        try:
            sock.sendall(b)
        except OSError as exc:
            log.info("radio link lost while writing: %s", exc)
            self._reconnect()

    def _reconnect(self) -> None:
        self.lost.set()
        self._wantExit = True

    def _waitConnected(self, timeout: float = 30.0) -> None:
        # the library waits for the whole timeout even when the link is already gone (a radio
        # restarting after a commit); look at `lost` as well, in short slices
        deadline = time.monotonic() + timeout
        problem = None
        while problem is None and not self.isConnected.wait(0.05):
            if self.lost.is_set():
                problem = "the radio closed the connection while connecting"
            elif time.monotonic() > deadline:
                problem = "timed out waiting for the radio's settings"
        if problem is None and self.lost.is_set():
            problem = "the radio closed the connection while connecting"
        if problem is not None:
            self._abandon()  # the caller never gets this object, so nobody else would close it
            raise ConnectionError(problem)
        if self.failure:
            raise self.failure

    def _abandon(self) -> None:
        self._wantExit = True
        sock: socket.socket | None = getattr(self, "socket", None)
        self.socket = None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


def _in_worker(
    fn: Callable[[], T],
    timeout: float,
    url: str,
    step: str,
    too_late: Callable[[T], None] | None = None,
) -> T:
    """Run `fn` in a daemon thread; give up after `timeout` seconds. The thread is abandoned;
    if it still produces a result after that, `too_late` gets it (to close a late connection)."""
    box: dict[str, Any] = {}
    lock = threading.Lock()

    def run() -> None:
        try:
            value = fn()
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
            return
        with lock:
            box["value"] = value
            late = box.get("gave_up", False)
        if late and too_late is not None:
            too_late(value)

    worker = threading.Thread(target=run, name=f"nsplink-radio-{step}", daemon=True)
    worker.start()
    worker.join(timeout)
    with lock:
        if worker.is_alive() and "value" not in box:
            box["gave_up"] = True
            raise RadioTimeout(url=url, seconds=round(timeout), step=step)
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


class RadioLink:
    """One open connection to one radio."""

    def __init__(self, addr: RadioAddress, iface: Any, timeout: float) -> None:
        self.addr = addr
        self.iface = iface
        self.timeout = timeout

    @classmethod
    def open(cls, addr: RadioAddress, timeout: float = DEFAULT_TIMEOUT_S) -> RadioLink:
        """Connect and download the radio's settings (the library does this on connect)."""

        def connect() -> Any:
            if addr.kind == "tcp":
                return _OneLinkTCP(addr.host, portNumber=addr.port, timeout=int(timeout))
            return SerialInterface(addr.path, timeout=int(timeout))

        def close_late(iface: Any) -> None:
            with contextlib.suppress(Exception):
                iface.close()

        try:
            iface = _in_worker(connect, timeout, addr.url, "connect", too_late=close_late)
        except RadioTimeout:
            raise
        except Exception as exc:  # OSError, serial errors, MeshInterfaceError
            raise RadioUnreachable(_reason(exc), url=addr.url) from exc
        return cls(addr, iface, timeout)

    @classmethod
    def open_patiently(
        cls,
        addr: RadioAddress,
        timeout: float,
        wait: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RadioLink:
        """Open, retrying for up to `wait` seconds: a radio restarts after a settings commit."""
        deadline = time.monotonic() + wait
        delay = 0.25
        while True:
            try:
                return cls.open(addr, timeout)
            except (RadioUnreachable, RadioTimeout):
                if time.monotonic() + delay > deadline:
                    raise
                sleep(delay)
                delay = min(delay * 2, 2.0)

    @property
    def alive(self) -> bool:
        lost = getattr(self.iface, "lost", None)
        if lost is not None and lost.is_set():
            return False
        return bool(self.iface.isConnected.is_set())

    def wait_for_restart(self, seconds: float) -> bool:
        """After a commit the firmware saves and restarts. Wait (bounded) until this link sees
        it go (TCP closes; serial reports `rebooted`), so the read-back comes from flash."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not self.alive:
                return True
            time.sleep(0.05)
        return not self.alive

    def read(self) -> RadioSettings:
        """The settings as downloaded at connect time (the firmware sends all of them)."""

        def collect() -> RadioSettings:
            node = self.iface.localNode
            node.waitForConfig()
            cfg = localonly_pb2.LocalConfig()
            cfg.CopyFrom(node.localConfig)
            mod = localonly_pb2.LocalModuleConfig()
            mod.CopyFrom(node.moduleConfig)
            chans = []
            for ch in node.channels or []:
                c = channel_pb2.Channel()
                c.CopyFrom(ch)
                chans.append(c)
            info = self.iface.getMyNodeInfo() or {}
            user = info.get("user", {})
            return RadioSettings(
                node_num=int(self.iface.myInfo.my_node_num),
                long_name=str(user.get("longName", "")),
                short_name=str(user.get("shortName", "")),
                config=cfg,
                module_config=mod,
                channels=chans,
            )

        try:
            return _in_worker(collect, self.timeout, self.addr.url, "read")
        except RadioTimeout:
            raise
        except Exception as exc:  # the library's state is incomplete: the link went mid-download
            raise RadioLost(_reason(exc), url=self.addr.url, step="read") from exc

    def write(self, target: RadioSettings, todo: Changes) -> None:
        """Send `todo` (taken from `target`) in ONE settings transaction: begin, writes, commit.

        Stops before the commit if the link dropped; the radio then throws the staged changes
        away (firmware and emulator keep them uncommitted), which leaves it untouched."""
        node = self.iface.localNode
        steps: list[tuple[str, Callable[[], Any]]] = [("begin", node.beginSettingsTransaction)]
        if todo.owner:
            steps.append(
                (
                    "owner",
                    lambda: node.setOwner(long_name=target.long_name, short_name=target.short_name),
                )
            )
        for i in todo.channels:
            steps.append((f"channel {i}", _channel_writer(node, target.channel(i))))
        for name in todo.config:
            steps.append(
                (f"config {name}", _section_writer(node, "localConfig", target.config, name))
            )
        for name in todo.module_config:
            steps.append(
                (
                    f"module_config {name}",
                    _section_writer(node, "moduleConfig", target.module_config, name),
                )
            )
        for step, action in steps:
            self._step(step, action)
        self._step("commit", node.commitSettingsTransaction)

    def _step(self, step: str, action: Callable[[], Any]) -> None:
        if not self.alive:
            raise RadioLost(url=self.addr.url, step=step)
        try:
            _in_worker(action, self.timeout, self.addr.url, step)
        except RadioTimeout:
            raise
        except Exception as exc:
            # a cable pulled mid-write surfaces as OSError, termios.error, or an AttributeError
            # on the library's already-closed stream: to the technician all are a lost link
            raise RadioLost(_reason(exc), url=self.addr.url, step=step) from exc
        if not self.alive:
            raise RadioLost(url=self.addr.url, step=step)
        log.debug("radio %s: sent %s", self.addr.url, step)

    def close(self) -> None:
        """Close within the timeout; a library close that hangs is abandoned, not waited for."""
        try:
            _in_worker(self.iface.close, min(self.timeout, 5.0), self.addr.url, "close")
        except Exception as exc:  # closing a dead link may fail in many ways; nothing to save
            log.info("radio %s: close: %s", self.addr.url, _reason(exc))


def _section_writer(node: Any, attr: str, source: Any, name: str) -> Callable[[], None]:
    def write() -> None:
        getattr(getattr(node, attr), name).CopyFrom(getattr(source, name))
        node.writeConfig(name)

    return write


def _channel_writer(node: Any, channel: channel_pb2.Channel) -> Callable[[], None]:
    def write() -> None:
        chans = node.channels
        while len(chans) <= channel.index:
            chans.append(channel_pb2.Channel(index=len(chans)))
        chans[channel.index].CopyFrom(channel)
        node.writeChannel(channel.index)

    return write


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:200]

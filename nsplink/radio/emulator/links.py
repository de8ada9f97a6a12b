"""The two ways a client reaches an emulated device: a TCP connection (like the firmware's port
4403) and a pseudo-terminal (like the USB serial port). Both feed bytes to a `Link`, which owns
the framing and the per-client PhoneAPI state, and write the device's frames back.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import socket
import tty
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from meshtastic.protobuf import mesh_pb2

from nsplink.radio.emulator.framing import FrameDecoder, encode_frame

log = logging.getLogger("nsplink.radio.emulator")

MAX_WRITE_BACKLOG = 1 << 20  # a client that reads nothing is cut off rather than fed forever
DRAIN_CHUNKS = 16  # what a reset client left unread is small: bound the read anyway


class LinkOwner(Protocol):
    def handle_frame(self, link: Link, frame: bytes) -> None: ...

    def link_closed(self, link: Link) -> None: ...


class Link:
    """One client's stream: framing plus the PhoneAPI state (idle until a handshake)."""

    def __init__(
        self, owner: LinkOwner, kind: str, write: Callable[[bytes], None], close: Callable[[], None]
    ) -> None:
        self.owner = owner
        self.kind = kind  # "tcp" or "pty"
        self._write = write
        self._close = close
        self.decoder = FrameDecoder()
        self.sending_packets = False  # after config_complete_id, like STATE_SEND_PACKETS
        self.closed = False

    def feed(self, data: bytes) -> None:
        for frame in self.decoder.feed(data):
            if self.closed:
                return
            self.owner.handle_frame(self, frame)

    def send(self, msg: mesh_pb2.FromRadio) -> None:
        if not self.closed:
            self._write(encode_frame(msg.SerializeToString()))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.sending_packets = False
            self._close()


class TcpLinkProtocol(asyncio.Protocol):
    def __init__(self, owner: LinkOwner, on_open: Callable[[Link], None]) -> None:
        self.owner = owner
        self.on_open = on_open
        self.link: Link | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.link = Link(self.owner, "tcp", self._write, transport.abort)
        self.on_open(self.link)

    def _write(self, data: bytes) -> None:
        t = self.transport
        if t is None or t.is_closing():
            return
        if t.get_write_buffer_size() > MAX_WRITE_BACKLOG:
            log.warning("tcp client not reading; dropping it")
            t.abort()
            return
        t.write(data)

    def data_received(self, data: bytes) -> None:
        if self.link is not None:
            self.link.feed(data)

    def _drain(self) -> None:
        """A write to a client that already reset the connection ends the transport before
        asyncio reads what the client sent just before: the one-shot `meshtastic --ch-set`
        writes its admin frame and closes. Those bytes arrived before the reset and a device reading
        its socket in order acts on them, so read what the kernel still holds first."""
        assert self.transport is not None and self.link is not None
        raw = self.transport.get_extra_info("socket")
        if raw is None:
            return
        with contextlib.suppress(OSError), socket.socket(fileno=os.dup(raw.fileno())) as sock:
            sock.setblocking(False)
            for _ in range(DRAIN_CHUNKS):
                data = sock.recv(65536)
                if not data:
                    break
                self.link.feed(data)

    def eof_received(self) -> bool:
        # The library's close() half-closes first and may still write (a late heartbeat);
        # keep our side open until it closes fully, or its write fails with EPIPE.
        if self.link is not None:
            self.link.sending_packets = False
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        if self.link is not None and not self.link.closed and exc is not None:
            self._drain()
        if self.link is not None:
            self.link.closed = True
            self.link.sending_packets = False
            self.owner.link_closed(self.link)


class PtyEndpoint:
    """A pseudo-terminal standing in for the USB serial port. `path` is a stable symlink to the
    current slave, so a "replugged" device keeps its name as /dev/ttyUSB0 usually does."""

    def __init__(self, owner: LinkOwner, path: Path) -> None:
        self.owner = owner
        self.path = path
        self.link: Link | None = None
        self._master = -1
        self._slave = -1
        self._backlog = bytearray()
        self._loop: asyncio.AbstractEventLoop | None = None

    def open(self) -> Link:
        self._loop = asyncio.get_running_loop()
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: a clean byte pipe like a USB CDC port
        os.set_blocking(master, False)
        self._master, self._slave = master, slave  # keep the slave open so reads never EIO
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".new")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.path)
        self.link = Link(self.owner, "pty", self._write, self.close)
        self._loop.add_reader(master, self._readable)
        return self.link

    def _readable(self) -> None:
        try:
            data = os.read(self._master, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            return
        if self.link is not None:
            self.link.feed(data)

    def _write(self, data: bytes) -> None:
        if self._master < 0:
            return
        if len(self._backlog) + len(data) > MAX_WRITE_BACKLOG:
            # nobody reads the serial port: like a UART, the bytes are simply lost
            self._backlog.clear()
            return
        self._backlog.extend(data)
        self._flush()

    def _flush(self) -> None:
        assert self._loop is not None
        while self._backlog and self._master >= 0:
            try:
                n = os.write(self._master, self._backlog)
            except BlockingIOError:
                self._loop.add_writer(self._master, self._writable)
                return
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EBADF):
                    self._backlog.clear()
                    return
                raise
            del self._backlog[:n]
        if self._master >= 0:
            self._loop.remove_writer(self._master)

    def _writable(self) -> None:
        self._flush()

    def close(self) -> None:
        """Pull the cable: the client's reads fail (pyserial raises SerialException)."""
        if self._master < 0:
            return
        link, self.link = self.link, None
        if self._loop is not None:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = -1
        self._backlog.clear()
        if link is not None:
            link.closed = True
            link.sending_packets = False
            self.owner.link_closed(link)

    def remove(self) -> None:
        self.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

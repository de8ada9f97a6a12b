"""The real radio: `nsplink.radio.base.Radio` over the `meshtastic` library (serial, TCP, BLE).

The library is thread-based: a reader thread per interface, pubsub callbacks on a publishing
thread, `_sendToRadio` sleeping while the device's TX queue is full, `close()` that can hang and a
constructor that blocks through the whole config download. This adapter keeps all of that away
from the event loop:

- every library call runs on one worker thread per connection, under our own timeout;
  `close()` runs on a throwaway daemon thread and is abandoned after `close_timeout`;
- callbacks only hand events to the loop with `call_soon_threadsafe`;
- `send()` returns a packet id only once the device answered with a QueueStatus for it (the
  device has the packet); until then the frame stays ours and is handed over again, under a new
  id, after a reconnect. A device refusal (DUTY_CYCLE_LIMIT, a full queue) arrives as a
  `Failed(reason)` event: back-pressure, the frame is still the caller's to resend;
- a lost link (`meshtastic.connection.lost`, a failed write, or a heartbeat nobody answers) is
  reported as `LinkDown` and reconnected with exponential backoff until `close()`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import unquote, urlsplit

from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.radio.base import (
    DATA_PAYLOAD_LEN,
    DEFAULT_PORTNUM,
    Acked,
    ChannelLoad,
    Failed,
    LinkDown,
    LinkUp,
    OutgoingPacket,
    QueueStatus,
    RadioError,
    RadioEvent,
    RadioRefused,
    RadioUnavailable,
    Received,
    routing_error_name,
)

log = logging.getLogger("nsplink.radio.meshtastic")
T = TypeVar("T")

register(
    {
        "radio.url_bad": (
            "Ongeldig radio-adres {url!r}: {detail}. Gebruik serial:///dev/ttyUSB0, "
            "tcp://host:4403 of ble://naam.",
            "Invalid radio address {url!r}: {detail}. Use serial:///dev/ttyUSB0, "
            "tcp://host:4403 or ble://name.",
        ),
    }
)

ROUTING_APP = 5  # meshtastic PortNum.ROUTING_APP
TELEMETRY_APP = 67  # meshtastic PortNum.TELEMETRY_APP
TCP_DEFAULT_PORT = 4403
# QueueStatus.res carries firmware ErrorCodes: Routing.Error values, plus these two, after which
# no routing NAK follows because the packet never entered the TX queue (same names as SimRadio)
QUEUE_RES_NAMES = {32: "QUEUE_FULL", 34: "RADIO_DISABLED"}
RECENT = 64  # QueueStatus / routing answers that may arrive before sendData returns the id
MAX_TRACKED = 1024  # our packet ids awaiting an ack/nak


class RadioUrlInvalid(NsplinkError):
    code = "radio.url_invalid"
    key = "radio.url_bad"


class PayloadTooLarge(RadioError, ValueError):
    """A frame longer than one Meshtastic packet carries: a caller bug, never sent."""


@dataclass(frozen=True)
class RadioUrl:
    kind: Literal["serial", "tcp", "ble"]
    target: str  # device path, host name or BLE name/address
    port: int | None = None


def parse_radio_url(url: str) -> RadioUrl:
    """serial:///dev/ttyUSB0, tcp://host[:port], ble://name."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "serial":
        path = unquote(parts.path or parts.netloc)
        if not path:
            raise RadioUrlInvalid("no device path", url=url)
        return RadioUrl("serial", path)
    if scheme == "tcp":
        try:
            port = parts.port
        except ValueError as exc:
            raise RadioUrlInvalid(str(exc), url=url) from exc
        if not parts.hostname:
            raise RadioUrlInvalid("no host", url=url)
        return RadioUrl("tcp", parts.hostname, port or TCP_DEFAULT_PORT)
    if scheme == "ble":
        name = unquote(parts.netloc or parts.path.lstrip("/"))
        if not name:
            raise RadioUrlInvalid("no device name", url=url)
        return RadioUrl("ble", name)
    raise RadioUrlInvalid(f"unknown scheme {scheme or '(none)'!r}", url=url)


def default_interface_factory(url: RadioUrl, timeout: float) -> Any:
    """Build a library interface. Stream interfaces are built unconnected so our hooks are in
    place before the first byte arrives; the adapter then calls connect() + waitForConfig()."""
    wait = max(1, int(timeout))
    if url.kind == "tcp":
        from meshtastic.tcp_interface import TCPInterface

        return TCPInterface(url.target, portNumber=url.port, connectNow=False, timeout=wait)
    if url.kind == "serial":
        from meshtastic.serial_interface import SerialInterface

        return SerialInterface(url.target, connectNow=False, timeout=wait)
    from meshtastic.ble_interface import BLEInterface

    return BLEInterface(url.target, timeout=wait)  # connects in its constructor


def _queue_reason(res: int) -> str:
    return QUEUE_RES_NAMES.get(res) or routing_error_name(res)


class _Worker:
    """One daemon thread that runs calls in order, like a one-worker ThreadPoolExecutor. The
    standard executor's threads are joined when the interpreter exits, so a call stuck in the
    library (waiting for a device that went away) kept a stopped daemon's process alive until
    it was killed; a daemon thread does not."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[
            tuple[Callable[[], Any], concurrent.futures.Future[Any]] | None
        ] = queue.SimpleQueue()
        threading.Thread(target=self._run, name="nsplink-radio", daemon=True).start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            fn, future = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn())
            except BaseException as exc:  # handed to the awaiting side, as an executor does
                future.set_exception(exc)

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((fn, future))
        return future

    def shutdown(self) -> None:
        """Cancel what waits; the thread ends after the call in hand, if that ever returns."""
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job[1].cancel()
        self._jobs.put(None)


class _Connection:
    """One library interface and the worker thread that makes every call into it."""

    def __init__(self) -> None:
        self.executor = _Worker()
        self.iface: Any = None
        self.abandoned = False  # the adapter gave up on it; a late connect must close itself
        self.node_num: int | None = None
        # events that arrive between the handshake and the loop learning the link is up (the
        # device flushes packets it kept for us right after config_complete_id)
        self.early: list[RadioEvent] = []

    def own_num(self) -> int | None:
        if self.node_num is not None:
            return self.node_num
        info = getattr(self.iface, "myInfo", None)
        return None if info is None else int(info.my_node_num)


class MeshtasticRadio:
    """`Radio` over the meshtastic library; see the module docstring for the threading rules."""

    def __init__(
        self,
        url: str,
        *,
        portnum: int = DEFAULT_PORTNUM,
        connect_timeout: float = 30.0,
        send_timeout: float = 20.0,
        answer_timeout: float = 5.0,
        close_timeout: float = 5.0,
        backoff_min: float = 0.5,
        backoff_max: float = 30.0,
        probe_interval: float = 60.0,
        probe_timeout: float = 10.0,
        channel_index: int = 0,
        interface_factory: Callable[[RadioUrl, float], Any] = default_interface_factory,
    ) -> None:
        self.url = parse_radio_url(url)
        self.portnum = portnum
        self.connect_timeout = connect_timeout
        self.send_timeout = send_timeout
        self.answer_timeout = answer_timeout  # a live device answers a packet at once
        self.close_timeout = close_timeout
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.probe_interval = probe_interval
        self.probe_timeout = probe_timeout
        self.channel_index = channel_index  # the device channel our frames go out on
        self._refresh_at = 0.0
        self._factory = interface_factory
        self._loop: asyncio.AbstractEventLoop | None = None
        self._events: asyncio.Queue[RadioEvent] = asyncio.Queue()
        self._conn: _Connection | None = None
        self._connecting: _Connection | None = None
        self._up = asyncio.Event()
        self._lost = asyncio.Event()
        self._closing = False
        self._supervisor: asyncio.Task[None] | None = None
        self._send_lock = asyncio.Lock()
        self._qs_waiters: dict[int, asyncio.Future[Any]] = {}
        self._recent_qs: OrderedDict[int, Any] = OrderedDict()
        self._recent_routing: OrderedDict[int, tuple[int, Any]] = OrderedDict()
        self._qs_free: int | None = None
        self._qs_heard = asyncio.Event()  # any QueueStatus: the device is alive
        self._ours: OrderedDict[int, str | None] = OrderedDict()  # id -> reason already failed
        self.ignored_packets = 0  # other portnums on the channel
        self.reconnects = 0
        self._subscribed = False
        self._tasks: set[asyncio.Task[None]] = set()

    # --- Radio protocol --------------------------------------------------------------------------

    @property
    def node_num(self) -> int | None:
        return None if self._conn is None else self._conn.node_num

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    async def open(self) -> None:
        """Connect once. If the device cannot be reached this raises RadioUnavailable, and
        keeps trying in the background with backoff (a LinkUp event reports success) until
        close(): a daemon may start before its radio is plugged in."""
        self._loop = asyncio.get_running_loop()
        self._closing = False
        self._subscribe()
        try:
            await self._connect()
        except RadioUnavailable:
            self._supervisor = self._loop.create_task(self._supervise(retry_first=True))
            raise
        self._supervisor = self._loop.create_task(self._supervise())

    async def close(self) -> None:
        self._closing = True
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        if self._up.is_set():
            self._events.put_nowait(LinkDown(reason="closed"))  # as SimRadio does
        self._up.clear()
        for fut in self._qs_waiters.values():
            if not fut.done():
                fut.set_exception(RadioUnavailable("radio closed"))
        self._qs_waiters.clear()
        conn, self._conn = self._conn, None
        if conn is not None:
            await self._dispose(conn)
        if self._tasks:  # disposals of half-made connections; each is bounded by close_timeout
            await asyncio.wait(set(self._tasks), timeout=self.close_timeout)
        self._unsubscribe()

    async def next_event(self) -> RadioEvent:
        return await self._events.get()

    async def send(self, packet: OutgoingPacket) -> int:
        if len(packet.payload) > DATA_PAYLOAD_LEN:
            raise PayloadTooLarge(f"{len(packet.payload)} bytes > {DATA_PAYLOAD_LEN}")
        if self._loop is None or self._closing:
            raise RadioUnavailable("radio not open")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.send_timeout
        async with self._send_lock:  # one packet at a time: each QueueStatus maps to one send
            while True:
                remaining = deadline - loop.time()
                if remaining <= 0 or self._closing:
                    raise RadioUnavailable("the device did not take the packet in time")
                try:
                    await asyncio.wait_for(self._up.wait(), remaining)
                except TimeoutError as exc:
                    raise RadioUnavailable("no link to the device") from exc
                conn = self._conn
                if conn is None:
                    continue
                if self._qs_free is not None and self._qs_free <= 0:
                    # the library would sleep inside _sendToRadio until a slot frees up
                    self._refresh_queue_status(conn)
                    raise RadioRefused("QUEUE_FULL")
                pid = await self._hand_over(conn, packet, deadline)
                if pid is not None:
                    return pid
                # the link broke before the device confirmed: resend after reconnect

    # --- sending ---------------------------------------------------------------------------------

    async def _hand_over(
        self, conn: _Connection, packet: OutgoingPacket, deadline: float
    ) -> int | None:
        """Write one packet and wait for the device's QueueStatus; None if the link failed."""
        loop = asyncio.get_running_loop()
        try:
            pid = await self._call(
                conn,
                lambda: (
                    conn.iface.sendData(
                        packet.payload,
                        packet.dest,
                        portNum=self.portnum,
                        wantAck=packet.want_ack,
                        hopLimit=packet.hop_limit,
                        channelIndex=self.channel_index,
                        priority=packet.priority,
                    ).id
                ),
                deadline - loop.time(),
            )
        except TimeoutError:
            self._link_failed(conn, "write timed out")
            return None
        except Exception as exc:  # OSError, MeshInterfaceError, serial errors: the link is bad
            self._link_failed(conn, f"write failed: {type(exc).__name__}: {exc}")
            return None
        self._track(pid)
        early = self._recent_routing.pop(pid, None)
        if early is not None:
            self._routing_answer(conn, pid, *early)
        qs = self._recent_qs.pop(pid, None)
        if qs is None:
            fut: asyncio.Future[Any] = loop.create_future()
            self._qs_waiters[pid] = fut
            try:
                wait = min(self.answer_timeout, deadline - loop.time())
                qs = await asyncio.wait_for(fut, max(0.0, wait))
            except (TimeoutError, RadioUnavailable):
                if conn is self._conn:
                    self._link_failed(conn, "no QueueStatus for our packet")
                return None
            finally:
                self._qs_waiters.pop(pid, None)
        if qs is None:  # link dropped while waiting
            return None
        if qs.res in QUEUE_RES_NAMES:
            self._ours.pop(pid, None)
            raise RadioRefused(QUEUE_RES_NAMES[qs.res])
        if qs.res:
            self._fail(pid, _queue_reason(qs.res))
        return int(pid)

    def _refresh_queue_status(self, conn: _Connection) -> None:
        """Ask for a fresh QueueStatus (a heartbeat's answer), at most once a second, so a
        missed 'room again' report cannot keep us refusing forever."""
        loop = asyncio.get_running_loop()
        if loop.time() < self._refresh_at:
            return
        self._refresh_at = loop.time() + 1.0

        async def ask() -> None:
            with contextlib.suppress(Exception):
                await self._call(conn, conn.iface.sendHeartbeat, self.probe_timeout)

        self._background(ask())

    def _track(self, pid: int) -> None:
        self._ours[pid] = None
        while len(self._ours) > MAX_TRACKED:
            self._ours.popitem(last=False)

    def _fail(self, pid: int, reason: str) -> None:
        if pid in self._ours and self._ours[pid] == reason:
            return  # QueueStatus and the routing NAK both report the same refusal
        self._ours[pid] = reason
        self._events.put_nowait(Failed(packet_id=pid, reason=reason))

    async def _call(self, conn: _Connection, fn: Callable[[], T], timeout: float) -> T:
        def guarded() -> T:
            try:
                return fn()
            except SystemExit as exc:  # the library calls sys.exit() on some errors
                raise RadioError(f"meshtastic library gave up: {exc}") from None

        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(
            asyncio.wrap_future(conn.executor.submit(guarded), loop=loop), max(0.0, timeout)
        )

    def _background(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- connecting ------------------------------------------------------------------------------

    async def _connect(self) -> None:
        conn = _Connection()

        def build() -> None:
            iface = self._factory(self.url, self.connect_timeout)
            conn.iface = iface
            # QueueStatus is not published through pubsub; hook the instance method
            original = iface._handleQueueStatusFromRadio

            def on_queue_status(qs: Any) -> None:
                original(qs)
                copy = type(qs)()
                copy.CopyFrom(qs)
                self._threadsafe(self._on_queue_status, conn, copy)

            iface._handleQueueStatusFromRadio = on_queue_status
            # TCPInterface quietly reconnects by itself after EOF and re-downloads the config;
            # whatever we wrote meanwhile is lost without a connection.lost event. Treat a
            # second config start as the link flap it is.
            start_config = getattr(iface, "_startConfig", None)
            if start_config is not None:
                starts = [0]

                def on_start_config() -> None:
                    starts[0] += 1
                    if starts[0] > 1:
                        self._threadsafe(self._link_failed, conn, "the library reconnected")
                    start_config()

                iface._startConfig = on_start_config
            if getattr(iface, "myInfo", None) is None:
                iface.connect()
                iface.waitForConfig()
            if conn.abandoned:  # we stopped waiting meanwhile: do not leave it running
                iface.close()
                return
            conn.node_num = int(iface.myInfo.my_node_num)

        self._connecting = conn
        try:
            await self._call(conn, build, self.connect_timeout)
        except asyncio.CancelledError:
            conn.abandoned = True
            self._background(self._dispose(conn))
            raise
        except Exception as exc:
            conn.abandoned = True
            self._background(self._dispose(conn))
            reason = (
                "timed out" if isinstance(exc, TimeoutError) else f"{type(exc).__name__}: {exc}"
            )
            raise RadioUnavailable(
                f"cannot reach {self.url.kind}:{self.url.target}: {reason}"
            ) from exc
        finally:
            self._connecting = None
        self._conn = conn
        self._qs_free = None
        self._lost.clear()
        self._up.set()
        self._events.put_nowait(LinkUp(node_num=conn.node_num or 0))
        for ev in conn.early:
            self._events.put_nowait(ev)
        conn.early.clear()
        log.info("radio link up: node %08x via %s", conn.node_num or 0, self.url.kind)

    async def _dispose(self, conn: _Connection) -> None:
        """Close a library interface without ever waiting longer than close_timeout."""
        conn.abandoned = True
        iface = conn.iface
        if iface is not None:
            # close() sends a disconnect through _sendToRadio, which first drains the library's
            # own resend queue and sleeps while the device reports no free slot: with a full
            # device queue that never ends. Empty both so neither close() nor a sender stuck in
            # that loop waits for a device that is going away.
            with contextlib.suppress(Exception):
                iface.queue.clear()
            with contextlib.suppress(Exception):
                iface.queueStatus = None
            loop = asyncio.get_running_loop()
            done = loop.create_future()

            def closer() -> None:
                try:
                    iface.close()
                except Exception as exc:  # a dying link often fails its own close
                    log.debug("close of dead interface failed: %s", exc)
                with contextlib.suppress(RuntimeError):  # loop already gone
                    loop.call_soon_threadsafe(_resolve, done)

            _stop_heartbeats(iface)
            threading.Thread(target=closer, name="nsplink-radio-close", daemon=True).start()
            try:
                await asyncio.wait_for(done, self.close_timeout)
            except TimeoutError:
                log.warning("radio close did not finish in %.1f s; abandoned", self.close_timeout)
            _stop_heartbeats(iface)  # a late heartbeat may have re-armed itself meanwhile
        conn.executor.shutdown()

    def _link_failed(self, conn: _Connection, reason: str) -> None:
        if conn is not self._conn or not self._up.is_set():
            return
        log.warning("radio link lost: %s", reason)
        self._up.clear()
        self._lost.set()
        for fut in self._qs_waiters.values():
            if not fut.done():
                fut.set_result(None)
        self._events.put_nowait(LinkDown(reason=reason))

    async def _supervise(self, retry_first: bool = False) -> None:
        """Probe the live link; after a loss, reconnect with backoff until closed."""
        if retry_first:  # open() has just failed: back off before the next try
            await asyncio.sleep(self.backoff_min)
        while not self._closing:
            conn = self._conn
            if conn is not None and self._up.is_set():
                await self._probe(conn)
                continue
            if conn is not None:
                self._conn = None
                await self._dispose(conn)
            delay = self.backoff_min * (2 if retry_first else 1)
            retry_first = False
            while not self._closing:
                try:
                    await self._connect()
                    self.reconnects += 1
                    break
                except RadioUnavailable as exc:
                    log.info("reconnect failed (%s); next try in %.1f s", exc, delay)
                    await asyncio.sleep(delay)
                    delay = min(self.backoff_max, delay * 2)

    async def _probe(self, conn: _Connection) -> None:
        """Wait for a loss; every probe_interval send a heartbeat, which a live device answers
        with a QueueStatus. Silence means a dead link that no exception will report."""
        try:
            await asyncio.wait_for(self._lost.wait(), self.probe_interval)
            return
        except TimeoutError:
            pass
        self._qs_heard.clear()
        try:
            await self._call(conn, conn.iface.sendHeartbeat, self.probe_timeout)
        except Exception as exc:
            self._link_failed(conn, f"heartbeat failed: {type(exc).__name__}")
            return
        answered = asyncio.ensure_future(self._qs_heard.wait())
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait(
                {answered, lost}, timeout=self.probe_timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            answered.cancel()
            lost.cancel()
        if not self._qs_heard.is_set() and not self._lost.is_set():
            self._link_failed(conn, "the device does not answer heartbeats")

    # --- events from library threads -------------------------------------------------------------

    def _threadsafe(self, fn: Callable[..., Any], *args: Any) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # loop shutting down
            loop.call_soon_threadsafe(fn, *args)

    def _subscribe(self) -> None:
        from pubsub import pub

        if not self._subscribed:
            pub.subscribe(self._on_receive_thread, "meshtastic.receive")
            pub.subscribe(self._on_lost_thread, "meshtastic.connection.lost")
            self._subscribed = True

    def _unsubscribe(self) -> None:
        from pubsub import pub

        if self._subscribed:
            with contextlib.suppress(Exception):
                pub.unsubscribe(self._on_receive_thread, "meshtastic.receive")
                pub.unsubscribe(self._on_lost_thread, "meshtastic.connection.lost")
            self._subscribed = False

    def _on_receive_thread(self, packet: Any, interface: Any) -> None:
        raw = packet.get("raw") if isinstance(packet, dict) else None
        if raw is not None:
            self._threadsafe(self._on_packet, interface, raw)

    def _on_lost_thread(self, interface: Any) -> None:
        self._threadsafe(self._on_lost, interface)

    def _on_lost(self, interface: Any) -> None:
        conn = self._conn
        if conn is not None and conn.iface is interface:
            self._link_failed(conn, "connection lost")

    def _emit(self, conn: _Connection, event: RadioEvent) -> None:
        if conn is self._conn:
            self._events.put_nowait(event)
        elif conn is self._connecting:
            conn.early.append(event)  # delivered right after its LinkUp

    def _conn_for(self, interface: Any) -> _Connection | None:
        for conn in (self._conn, self._connecting):
            if conn is not None and conn.iface is interface:
                return conn
        return None

    def _on_queue_status(self, conn: _Connection, qs: Any) -> None:
        if conn is not self._conn and conn is not self._connecting:
            return
        pid = int(qs.mesh_packet_id)
        self._emit(
            conn,
            QueueStatus(free=int(qs.free), maxlen=int(qs.maxlen), packet_id=pid, res=int(qs.res)),
        )
        if conn is not self._conn:
            return
        self._qs_heard.set()
        self._qs_free = int(qs.free)
        if pid:
            fut = self._qs_waiters.get(pid)
            if fut is not None and not fut.done():
                fut.set_result(qs)
            else:
                _remember(self._recent_qs, pid, qs)

    def _on_packet(self, interface: Any, raw: Any) -> None:
        conn = self._conn_for(interface)
        if conn is None or not raw.HasField("decoded"):
            return
        d = raw.decoded
        sender = int(getattr(raw, "from"))
        if d.portnum == ROUTING_APP and d.request_id:
            from meshtastic.protobuf import mesh_pb2

            routing = mesh_pb2.Routing()
            try:
                routing.ParseFromString(d.payload)
            except Exception:
                log.warning("unreadable routing packet for %08x", d.request_id)
                return
            if d.request_id in self._ours:
                self._routing_answer(conn, d.request_id, sender, routing.error_reason)
            elif self._send_lock.locked():  # may answer the send whose id we do not know yet
                _remember(self._recent_routing, d.request_id, (sender, routing.error_reason))
            return
        if d.portnum == TELEMETRY_APP and sender == conn.own_num():
            load = channel_load(bytes(d.payload))
            if load is not None:
                self._emit(conn, load)
            return
        if d.portnum != self.portnum:
            self.ignored_packets += 1
            return
        self._emit(
            conn,
            Received(
                from_node=sender,
                to_node=int(raw.to),
                payload=bytes(d.payload),
                packet_id=int(raw.id),
                rx_time=float(raw.rx_time) if raw.rx_time else None,
                rx_snr=float(raw.rx_snr),
                rx_rssi=int(raw.rx_rssi),
                hop_start=int(raw.hop_start),
                hop_limit=int(raw.hop_limit),
            ),
        )

    def _routing_answer(self, conn: _Connection, pid: int, sender: int, error: int) -> None:
        from meshtastic.protobuf import mesh_pb2

        if error == mesh_pb2.Routing.Error.NONE:
            implicit = sender == conn.own_num()
            if not implicit:  # a DM's real ack may follow its implicit one: keep listening
                self._ours.pop(pid, None)
            self._emit(conn, Acked(packet_id=pid, from_node=sender, implicit=implicit))
        else:
            self._fail(pid, routing_error_name(error))


def channel_load(payload: bytes) -> ChannelLoad | None:
    """The device's own measurements from a Telemetry packet it sent us (its DeviceMetrics
    every minute, or LocalStats); None for any other telemetry or an unreadable one."""
    from meshtastic.protobuf import telemetry_pb2

    tele = telemetry_pb2.Telemetry()
    try:
        tele.ParseFromString(payload)
    except Exception:
        log.warning("unreadable telemetry from our own device")
        return None
    if tele.HasField("device_metrics"):
        dm = tele.device_metrics
        if dm.HasField("channel_utilization") and dm.HasField("air_util_tx"):
            return ChannelLoad(float(dm.channel_utilization), float(dm.air_util_tx))
        return None
    if tele.HasField("local_stats"):
        return ChannelLoad(
            float(tele.local_stats.channel_utilization), float(tele.local_stats.air_util_tx)
        )
    return None


def _stop_heartbeats(iface: Any) -> None:
    """The library's heartbeat is a non-daemon threading.Timer that re-arms itself every
    300 s: one left behind by an abandoned close() keeps the whole process from exiting."""
    with contextlib.suppress(Exception):
        timer = iface.heartbeatTimer
        if timer is not None:
            timer.cancel()


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


def _remember(store: OrderedDict[int, Any], key: int, value: Any) -> None:
    store[key] = value
    while len(store) > RECENT:
        store.popitem(last=False)

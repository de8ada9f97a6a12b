"""One emulated Meshtastic device: a node of the simulated medium behind the real stream API.

It translates, it does not simulate: airtime, duty cycle, the TX queue, flooding, hops, routing
acks and retries all happen in the sim medium (`nsplink.radio.sim`). This class answers the
client the way the firmware's PhoneAPI, MeshService and AdminModule do: the config handshake, a
QueueStatus after every packet, heartbeats, disconnect, local admin messages, and packets and
routing acks/naks from the mesh. Packets that arrive while no client is connected wait in a small
to-phone queue (the firmware keeps one too) and are delivered after the next handshake.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from google.protobuf.message import DecodeError
from meshtastic.protobuf import admin_pb2, mesh_pb2, portnums_pb2, telemetry_pb2

from nsplink.errors import NsplinkError
from nsplink.radio.emulator.admin import AdminHandler
from nsplink.radio.emulator.faults import Faults
from nsplink.radio.emulator.handshake import config_burst
from nsplink.radio.emulator.links import Link, PtyEndpoint, TcpLinkProtocol
from nsplink.radio.emulator.state import DeviceState, KnownNode, StateStore

log = logging.getLogger("nsplink.radio.emulator")

Routing = mesh_pb2.Routing
ADMIN_APP = portnums_pb2.PortNum.ADMIN_APP
ROUTING_APP = portnums_pb2.PortNum.ROUTING_APP
TELEMETRY_APP = portnums_pb2.PortNum.TELEMETRY_APP
BROADCAST = 0xFFFFFFFF
MAX_TOPHONE = 32  # firmware MAX_RX_TOPHONE on larger targets
SEEN_IDS = 256  # packet ids from the client remembered to drop resends (wasSeenRecently)
PRIO_ACK = mesh_pb2.MeshPacket.Priority.ACK


class SimNodeLike(Protocol):
    """What the device needs from `nsplink.radio.sim` Node."""

    on_event: Callable[[Any], None] | None

    def send(self, **kwargs: Any) -> Any: ...


class EmulatedDevice:
    def __init__(
        self,
        node_num: int,
        sim_node: SimNodeLike,
        store: StateStore,
        *,
        preset: str = "LONG_FAST",
        host: str = "127.0.0.1",
        port: int = 0,
        pty_path: Path | None = None,
        epoch: Callable[[float], int] = lambda t: int(t),
        wake: Callable[[], None] = lambda: None,
        sync: Callable[[], None] = lambda: None,
        now: Callable[[], float] = lambda: 0.0,
        lookup_user: Callable[[int], mesh_pb2.User | None] = lambda num: None,
        queue_maxlen: int = 16,
        reboot_scale: float = 1.0,
    ) -> None:
        self.node_num = node_num
        self.sim_node = sim_node
        self.store = store
        self.host = host
        self.requested_port = port
        self.pty = None if pty_path is None else PtyEndpoint(self, pty_path)
        self._epoch = epoch  # medium time -> unix seconds, for rx_time
        self._wake = wake  # tell the realtime driver that the medium has new work
        self._sync = sync  # bring the medium up to wall-clock time before a send
        self._now = now
        self._lookup_user = lookup_user
        self.reboot_scale = reboot_scale  # tests shrink the firmware's 7 s restart delay
        self.faults = Faults()
        self.admin = AdminHandler(store.load(node_num, preset), store.save, self.faults)
        self.links: list[Link] = []
        self._txn_link: Link | None = None
        self._tophone: deque[mesh_pb2.MeshPacket] = deque(maxlen=MAX_TOPHONE)
        self.tophone_dropped = 0
        self._seen: deque[int] = deque(maxlen=SEEN_IDS)
        self._free = queue_maxlen
        self._maxlen = queue_maxlen
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._rng = random.Random(node_num)
        self._nodes_dirty = False
        self.tcp_port: int | None = None
        self.malformed_frames = 0
        sim_node.on_event = self._on_sim_event
        if hasattr(sim_node, "on_power"):
            sim_node.on_power = self._on_power

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def state(self) -> DeviceState:
        """The live (committed) device state; the admin handler replaces it on commit."""
        return self.admin.state

    @property
    def pty_path(self) -> Path | None:
        return None if self.pty is None else self.pty.path

    @property
    def url(self) -> str:
        """The radio address a site config or `MeshtasticRadio` uses for this device."""
        return f"tcp://{self.host}:{self.tcp_port}"

    @property
    def serial_url(self) -> str | None:
        return None if self.pty is None else f"serial://{self.pty.path}"

    async def start(self) -> None:
        await self._listen(self.requested_port)
        if self.pty is not None:
            self.links.append(self.pty.open())

    async def _listen(self, port: int) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: TcpLinkProtocol(self, self._tcp_opened), self.host, port
        )
        self.tcp_port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._server is not None:
            self._server.close()
        for link in list(self.links):
            link.close()
        if self.pty is not None:
            self.pty.remove()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
        self._save_nodes()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- fault hooks -----------------------------------------------------------------------------

    def drop_connection(self, replug_after: float | None = 0.0) -> None:
        """Pull the cable: every TCP client is cut off and the pty goes away. The pty comes
        back (same path) after `replug_after` seconds; None leaves it unplugged."""
        for link in list(self.links):
            if link.kind == "tcp":
                link.close()
        if self.pty is not None and self.pty.link is not None:
            self.pty.close()
            if replug_after is not None:
                self._spawn(self._replug(replug_after))

    async def _replug(self, after: float) -> None:
        await asyncio.sleep(after)
        if self.pty is not None and self.pty.link is None:
            self.links.append(self.pty.open())

    def reboot(self, delay: float = 0.0) -> None:
        self._spawn(self._reboot(delay))

    async def _reboot(self, delay: float) -> None:
        await asyncio.sleep(delay * self.reboot_scale)
        log.info("node %08x: rebooting", self.node_num)
        self.admin.abort_transaction()
        self.state.reboot_count += 1
        self.store.save(self.state)
        self._seen.clear()
        self._tophone.clear()  # RAM is lost in a restart
        for link in list(self.links):
            if link.kind == "tcp":
                link.close()
            else:
                link.sending_packets = False
                rebooted = mesh_pb2.FromRadio(rebooted=True)
                link.send(rebooted)

    # --- links -----------------------------------------------------------------------------------

    def _tcp_opened(self, link: Link) -> None:
        if not getattr(self.sim_node, "powered", True):
            link.close()  # nothing answers on a switched-off device
            return
        # firmware APIServerPort serves one TCP client: a new connection closes the previous one
        for old in [lk for lk in self.links if lk.kind == "tcp"]:
            old.close()
        self.links.append(link)

    def link_closed(self, link: Link) -> None:
        if link in self.links:
            self.links.remove(link)
        if self._txn_link is link:
            self.admin.abort_transaction()
            self._txn_link = None

    def handle_frame(self, link: Link, frame: bytes) -> None:
        if self.faults.silent:
            return
        msg = mesh_pb2.ToRadio()
        try:
            msg.ParseFromString(frame)
        except DecodeError:
            self.malformed_frames += 1
            log.warning("node %08x: malformed ToRadio ignored", self.node_num)
            return
        which = msg.WhichOneof("payload_variant")
        if which == "want_config_id":
            self._handshake(link, msg.want_config_id)
        elif which == "packet":
            self._from_phone(link, msg.packet)
        elif which == "heartbeat":
            link.send(self._queue_status(0, 0))
        elif which == "disconnect":
            link.sending_packets = False
            if link.kind == "tcp":
                link.close()

    def _handshake(self, link: Link, nonce: int) -> None:
        link.sending_packets = False
        now = self._epoch(self._medium_now())
        for fr in config_burst(self.admin.view, nonce, now):
            link.send(fr)
        link.sending_packets = True
        while self._tophone and not link.closed:
            link.send(mesh_pb2.FromRadio(packet=self._tophone.popleft()))

    def _medium_now(self) -> float:
        return self._now()

    def _on_power(self, up: bool) -> None:
        """The sim switched the node off or on: a dead device has no links and no port."""
        if up:
            if self._server is None and self.tcp_port is not None:
                self._spawn(self._listen(self.tcp_port))  # same port, as after a real boot
            if self.pty is not None and self.pty.link is None:
                self.links.append(self.pty.open())
            return
        if self._server is not None:
            self._server.close()  # connecting now is refused, as with a dead radio
            self._server = None
        self.admin.abort_transaction()
        self._tophone.clear()
        self._seen.clear()
        self.drop_connection(replug_after=None)

    # --- packets from the client -----------------------------------------------------------------

    def _queue_status(self, res: int, packet_id: int) -> mesh_pb2.FromRadio:
        fr = mesh_pb2.FromRadio()
        qs = fr.queueStatus
        qs.res, qs.free, qs.maxlen, qs.mesh_packet_id = res, self._free, self._maxlen, packet_id
        return fr

    def _from_phone(self, link: Link, p: mesh_pb2.MeshPacket) -> None:
        if p.id and p.id in self._seen:
            log.info(
                "node %08x: packet %08x from client seen recently, ignored", self.node_num, p.id
            )
            return
        if p.id == 0:
            p.id = self._rng.getrandbits(32) or 1
        self._seen.append(p.id)
        if not p.HasField("decoded"):
            link.send(self._queue_status(Routing.Error.BAD_REQUEST, p.id))
            self._to_phone(self._routing(p.id, Routing.Error.BAD_REQUEST, self.node_num, p.channel))
            return
        if p.to in (self.node_num, 0):
            link.send(self._queue_status(0, p.id))
            self._local(link, p)
            return
        hop_limit = p.hop_limit
        if p.want_ack and hop_limit == 0:
            hop_limit = self.state.config.lora.hop_limit or 3  # firmware: 0 means "default"
        priority = p.priority or (
            mesh_pb2.MeshPacket.Priority.RELIABLE
            if p.want_ack
            else mesh_pb2.MeshPacket.Priority.DEFAULT
        )
        self._sync()
        try:
            result = self.sim_node.send(
                dest=p.to,
                payload=bytes(p.decoded.payload),
                portnum=p.decoded.portnum,
                want_ack=p.want_ack,
                priority=priority,
                hop_limit=hop_limit,
                packet_id=p.id,
                channel=p.channel,
                want_response=p.decoded.want_response,
                request_id=p.decoded.request_id,
            )
        except NsplinkError as exc:  # BadSend (nonsense fields) or NodePoweredOff
            log.warning("node %08x: send refused by the medium: %s", self.node_num, exc)
            link.send(self._queue_status(Routing.Error.BAD_REQUEST, p.id))
            self._reply_routing(p, Routing.Error.BAD_REQUEST)
            return
        self._free, self._maxlen = result.free, result.maxlen
        link.send(self._queue_status(result.res, result.packet_id))
        self._wake()

    def _local(self, link: Link, p: mesh_pb2.MeshPacket) -> None:
        """A packet addressed to this device itself: admin, or an ack/no-response."""
        if p.decoded.portnum != ADMIN_APP:
            if p.decoded.want_response:
                self._reply_routing(p, Routing.Error.NO_RESPONSE)
            elif p.want_ack:
                self._reply_routing(p, Routing.Error.NONE)
            return
        msg = admin_pb2.AdminMessage()
        try:
            msg.ParseFromString(p.decoded.payload)
        except DecodeError:
            self._reply_routing(p, Routing.Error.BAD_REQUEST)
            return
        opened = self.admin.staging is None
        try:
            outcome = self.admin.handle(msg)
        except OSError as exc:  # the state directory is full or gone: refuse, keep running
            log.error("node %08x: cannot save settings: %s", self.node_num, exc)
            self._reply_routing(p, Routing.Error.BAD_REQUEST)
            return
        if opened and self.admin.staging is not None:
            self._txn_link = link
        elif self.admin.staging is None:
            self._txn_link = None
        if outcome.reply is not None:
            self._to_phone(self._data_reply(p, ADMIN_APP, outcome.reply.SerializeToString()))
        elif p.decoded.want_response or p.want_ack or outcome.error:
            self._reply_routing(p, outcome.error)
        if outcome.reboot_in is not None:
            self.reboot(outcome.reboot_in)
        if self.faults.admin_handled():
            log.info("node %08x: fault hook drops the connection", self.node_num)
            self.drop_connection()

    def _reply_routing(self, req: mesh_pb2.MeshPacket, error: int) -> None:
        self._to_phone(self._routing(req.id, error, self.node_num, req.channel))

    def _data_reply(
        self, req: mesh_pb2.MeshPacket, portnum: int, payload: bytes
    ) -> mesh_pb2.MeshPacket:
        out = mesh_pb2.MeshPacket()
        setattr(out, "from", self.node_num)
        out.to = self.node_num
        out.id = self._rng.getrandbits(32) or 1
        out.channel = req.channel
        out.priority = mesh_pb2.MeshPacket.Priority.RESPONSE
        out.rx_time = self._epoch(self._medium_now())
        out.decoded.portnum = portnum
        out.decoded.payload = payload
        out.decoded.request_id = req.id
        return out

    def _routing(
        self, request_id: int, error: int, from_node: int, channel: int
    ) -> mesh_pb2.MeshPacket:
        out = mesh_pb2.MeshPacket()
        setattr(out, "from", from_node)
        out.to = self.node_num
        out.id = self._rng.getrandbits(32) or 1
        out.channel = channel
        out.priority = PRIO_ACK
        out.rx_time = self._epoch(self._medium_now())
        out.decoded.portnum = ROUTING_APP
        out.decoded.payload = Routing(error_reason=error).SerializeToString()
        out.decoded.request_id = request_id
        return out

    # --- events from the medium ----------------------------------------------------------------

    def _on_sim_event(self, ev: Any) -> None:
        kind = type(ev).__name__
        if kind == "AppReceive":
            self._learn(ev)
            self._to_phone(self._received(ev))
        elif kind == "RoutingEvent":
            if ev.error_reason == Routing.Error.DUTY_CYCLE_LIMIT and ev.from_node == self.node_num:
                self._duty_cycle_notice(ev.request_id)
            packet = self._routing(ev.request_id, ev.error_reason, ev.from_node, 0)
            if ev.from_node != self.node_num:  # heard over the air: as received
                packet.rx_snr, packet.rx_rssi = ev.rx_snr, ev.rx_rssi
                packet.hop_start, packet.hop_limit = ev.hop_start, ev.hop_limit
                if ev.rx_time:
                    packet.rx_time = self._epoch(ev.rx_time)
            self._to_phone(packet)
        elif kind == "DeviceMetricsEvent":
            self._device_metrics(ev)
        elif kind == "QueueStatusEvent":
            self._free, self._maxlen = ev.free, ev.maxlen
            if not self.faults.silent:
                for link in self.links:
                    if link.sending_packets:
                        link.send(self._queue_status(ev.res, ev.mesh_packet_id))

    def _device_metrics(self, ev: Any) -> None:
        """DeviceTelemetryModule's minute report to the phone: the device's own DeviceMetrics,
        sent only while nothing else waits for the phone (isToPhoneQueueEmpty), so a report
        never queues for a phone that is not there."""
        targets = [link for link in self.links if link.sending_packets]
        if self.faults.silent or not targets or self._tophone:
            return
        tele = telemetry_pb2.Telemetry(time=self._epoch(self._medium_now()))
        dm = tele.device_metrics
        dm.battery_level = 101  # on external power, as in the handshake's node info
        dm.channel_utilization = ev.channel_util_pct
        dm.air_util_tx = ev.air_util_tx_pct
        out = mesh_pb2.MeshPacket(to=BROADCAST, id=self._rng.getrandbits(32))
        setattr(out, "from", self.node_num)
        out.decoded.portnum = TELEMETRY_APP
        out.decoded.payload = tele.SerializeToString()
        for link in targets:
            link.send(mesh_pb2.FromRadio(packet=out))

    def _duty_cycle_notice(self, packet_id: int) -> None:
        """Router::send tells the app when it may send again, next to the NAK."""
        ledger = getattr(self.sim_node, "ledger", None)
        minutes = ledger.silent_minutes(self._medium_now()) if ledger is not None else 0
        fr = mesh_pb2.FromRadio()
        note = fr.clientNotification
        note.reply_id = packet_id
        note.time = self._epoch(self._medium_now())
        note.level = mesh_pb2.LogRecord.Level.WARNING
        note.message = f"Duty cycle limit exceeded. You can send again in {minutes} mins"
        for link in self.links:
            if link.sending_packets and not self.faults.silent:
                link.send(fr)

    def _received(self, ev: Any) -> mesh_pb2.MeshPacket:
        out = mesh_pb2.MeshPacket()
        setattr(out, "from", ev.from_node)
        out.to = ev.to_node
        out.id = ev.packet_id
        out.channel = ev.channel
        out.want_ack = ev.want_ack
        out.rx_time = self._epoch(ev.rx_time)
        out.rx_snr = ev.rx_snr
        out.rx_rssi = ev.rx_rssi
        out.hop_start = ev.hop_start
        out.hop_limit = ev.hop_limit
        out.decoded.portnum = ev.portnum
        out.decoded.payload = ev.payload
        out.decoded.want_response = ev.want_response
        out.decoded.request_id = ev.request_id
        return out

    def _learn(self, ev: Any) -> None:
        """Keep a NodeDB entry for every node heard, as the firmware does from NodeInfo."""
        if ev.from_node == self.node_num:
            return
        known = self.state.nodes.get(ev.from_node)
        if known is None:
            user = self._lookup_user(ev.from_node)
            if user is None:
                from nsplink.radio.emulator.state import default_user

                user = default_user(ev.from_node)
            known = KnownNode(user=user)
            self.state.nodes[ev.from_node] = known
        known.last_heard = self._epoch(ev.rx_time)
        known.snr = float(ev.rx_snr)
        known.hops_away = max(0, int(ev.hop_start) - int(ev.hop_limit))
        self._nodes_dirty = True

    def _save_nodes(self) -> None:
        if self._nodes_dirty:
            try:
                self.store.save(self.admin.state)
            except OSError as exc:  # stopping must not fail over a lost node list
                log.error("node %08x: cannot save the node DB: %s", self.node_num, exc)
            self._nodes_dirty = False

    def _to_phone(self, packet: mesh_pb2.MeshPacket) -> None:
        if self.faults.silent:
            return
        targets = [link for link in self.links if link.sending_packets]
        if not targets:
            if len(self._tophone) == self._tophone.maxlen:
                self.tophone_dropped += 1
            self._tophone.append(packet)
            return
        fr = mesh_pb2.FromRadio(packet=packet)
        for link in targets:
            link.send(fr)

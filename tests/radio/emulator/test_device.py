"""The emulated device at the byte level, with a raw TCP client: bad input, firmware details
(resent ids, local acks, one TCP client at a time), the to-phone queue, the node DB, reboots
and the duty-cycle notice."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from meshtastic.protobuf import admin_pb2, channel_pb2, mesh_pb2, portnums_pb2

from nsplink.radio.emulator import EmulatedDevice, EmulatedMesh
from nsplink.radio.emulator.framing import FrameDecoder, encode_frame
from nsplink.radio.emulator.links import Link
from nsplink.radio.sim import AppReceive

Err = mesh_pb2.Routing.Error
PORT = 287
ADMIN = portnums_pb2.PortNum.ADMIN_APP


class RawClient:
    """A client that speaks the stream API by hand, to send what the library never would."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = FrameDecoder()
        self.frames: list[mesh_pb2.FromRadio] = []

    @classmethod
    async def connect(cls, dev: EmulatedDevice) -> RawClient:
        return cls(*await asyncio.open_connection("127.0.0.1", dev.tcp_port))

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    def send(self, msg: mesh_pb2.ToRadio) -> None:
        self.write(encode_frame(msg.SerializeToString()))

    async def _read_until(self, match: Callable[[mesh_pb2.FromRadio], bool], timeout: float) -> int:
        async def read() -> int:
            while True:
                for i, fr in enumerate(self.frames):
                    if match(fr):
                        return i
                data = await self.reader.read(4096)
                if not data:
                    raise ConnectionError("device closed the connection")
                self.frames.extend(
                    mesh_pb2.FromRadio.FromString(f) for f in self.decoder.feed(data)
                )

        return await asyncio.wait_for(read(), timeout)

    async def next(self, want: str, timeout: float = 5.0) -> mesh_pb2.FromRadio:
        """The next FromRadio carrying field `want`; earlier ones are kept in `frames`."""
        i = await self._read_until(lambda fr: fr.HasField(want), timeout)
        return self.frames.pop(i)

    async def handshake(self, nonce: int = 4242) -> list[mesh_pb2.FromRadio]:
        """The config burst; frames after config_complete_id stay queued."""
        self.send(mesh_pb2.ToRadio(want_config_id=nonce))
        i = await self._read_until(lambda fr: fr.config_complete_id == nonce, 5.0)
        burst, self.frames = self.frames[:i], self.frames[i + 1 :]
        return burst

    def close(self) -> None:
        self.writer.close()


def packet(
    to: int, pid: int, payload: bytes = b"x", portnum: int = PORT, **kw: object
) -> mesh_pb2.ToRadio:
    p = mesh_pb2.MeshPacket(to=to, id=pid, **kw)  # type: ignore[arg-type]
    p.decoded.portnum = portnum  # type: ignore[assignment]
    p.decoded.payload = payload
    return mesh_pb2.ToRadio(packet=p)


@pytest.fixture
async def mesh(tmp_path: Path) -> AsyncIterator[EmulatedMesh]:
    async with EmulatedMesh(2, state_dir=tmp_path, speedup=20.0, reboot_scale=0.01) as m:
        yield m


async def test_garbage_before_a_handshake_is_survived(mesh: EmulatedMesh) -> None:
    dev = mesh.devices[0]
    c = await RawClient.connect(dev)
    try:
        c.write(bytes([0xC3] * 32) + "log: Stroomstoring ë\n".encode())  # wake burst + text
        c.write(bytes([0x94, 0xC3, 0x7F, 0xFF]))  # a header claiming 32 KiB
        c.write(encode_frame(b"\xff\xff\xff\xff"))  # not a ToRadio
        c.write(encode_frame(b"\x08"))  # truncated varint
        burst = await c.handshake()
        kinds = [fr.WhichOneof("payload_variant") for fr in burst]
        assert kinds[:3] == ["my_info", "node_info", "metadata"]
        assert kinds.count("channel") == 8 and kinds.count("config") >= 8
        assert dev.malformed_frames >= 1
    finally:
        c.close()


async def test_nodes_only_and_config_only_nonces(mesh: EmulatedMesh) -> None:
    c = await RawClient.connect(mesh.devices[0])
    try:
        only_nodes = [fr.WhichOneof("payload_variant") for fr in await c.handshake(69421)]
        assert only_nodes == ["node_info"]
        only_cfg = [fr.WhichOneof("payload_variant") for fr in await c.handshake(69420)]
        assert "my_info" in only_cfg and "channel" in only_cfg
    finally:
        c.close()


async def test_resent_packet_id_is_dropped_like_the_firmware_does(mesh: EmulatedMesh) -> None:
    a, b = mesh.devices
    c = await RawClient.connect(a)
    try:
        await c.handshake()
        c.send(packet(b.node_num, 0xABC))
        qs = await c.next("queueStatus")
        assert qs.queueStatus.mesh_packet_id == 0xABC and qs.queueStatus.res == 0
        c.send(packet(b.node_num, 0xABC))
        c.send(mesh_pb2.ToRadio(heartbeat=mesh_pb2.Heartbeat()))
        hb = await c.next("queueStatus")
        assert hb.queueStatus.mesh_packet_id == 0  # the heartbeat's; none for the resend
    finally:
        c.close()


async def test_undecoded_packet_and_bad_admin_get_bad_request(mesh: EmulatedMesh) -> None:
    a, b = mesh.devices
    c = await RawClient.connect(a)
    try:
        await c.handshake()
        enc = mesh_pb2.ToRadio(
            packet=mesh_pb2.MeshPacket(to=b.node_num, id=7, encrypted=b"\x00" * 16)
        )
        c.send(enc)
        assert (await c.next("queueStatus")).queueStatus.res == Err.BAD_REQUEST
        nak = (await c.next("packet")).packet
        assert nak.decoded.request_id == 7
        assert mesh_pb2.Routing.FromString(nak.decoded.payload).error_reason == Err.BAD_REQUEST
        bad_admin = packet(
            a.node_num, 8, b"\xff\xff", portnums_pb2.PortNum.ADMIN_APP, want_ack=True
        )
        c.send(bad_admin)
        nak = (await c.next("packet")).packet
        assert nak.decoded.request_id == 8
        assert mesh_pb2.Routing.FromString(nak.decoded.payload).error_reason == Err.BAD_REQUEST
    finally:
        c.close()


async def test_local_packets_are_acked_or_told_no_response(mesh: EmulatedMesh) -> None:
    a, _ = mesh.devices
    c = await RawClient.connect(a)
    try:
        await c.handshake()
        c.send(packet(a.node_num, 21, want_ack=True))
        ack = (await c.next("packet")).packet
        assert getattr(ack, "from") == a.node_num and ack.decoded.request_id == 21
        assert mesh_pb2.Routing.FromString(ack.decoded.payload).error_reason == Err.NONE
        ask = packet(a.node_num, 22)
        ask.packet.decoded.want_response = True
        c.send(ask)
        nr = (await c.next("packet")).packet
        assert mesh_pb2.Routing.FromString(nr.decoded.payload).error_reason == Err.NO_RESPONSE
    finally:
        c.close()


async def test_a_new_tcp_client_replaces_the_old_one(mesh: EmulatedMesh) -> None:
    dev = mesh.devices[0]
    first = await RawClient.connect(dev)
    await first.handshake()
    second = await RawClient.connect(dev)
    try:
        await second.handshake()
        with pytest.raises(ConnectionError):
            await first.next("packet")
    finally:
        first.close()
        second.close()


async def test_disconnect_closes_the_tcp_link(mesh: EmulatedMesh) -> None:
    dev = mesh.devices[0]
    c = await RawClient.connect(dev)
    await c.handshake()
    c.send(mesh_pb2.ToRadio(disconnect=True))
    with pytest.raises(ConnectionError):
        await c.next("packet")
    c.close()
    assert not [lk for lk in dev.links if lk.kind == "tcp"]


def received(frm: int, to: int, pid: int) -> AppReceive:
    return AppReceive(
        frm, to, pid, PORT, pid.to_bytes(4, "big"), False, False, 0, 0, 1.0, 5.0, -100, 3, 2
    )


async def test_packets_wait_for_a_client_and_the_oldest_overflow(mesh: EmulatedMesh) -> None:
    a, b = mesh.devices
    for pid in range(1, 41):  # 40 packets heard with nobody connected; the queue holds 32
        a.sim_node.on_event(received(b.node_num, a.node_num, pid))
    assert a.tophone_dropped == 8
    c = await RawClient.connect(a)
    try:
        await c.handshake()
        ids = []
        for _ in range(32):
            ids.append((await c.next("packet")).packet.id)
        assert ids == list(range(9, 41))
    finally:
        c.close()


async def test_heard_nodes_are_in_the_handshake_and_survive_a_restart(tmp_path: Path) -> None:
    async with EmulatedMesh(2, state_dir=tmp_path, speedup=20.0) as mesh:
        a, b = mesh.devices
        a.sim_node.on_event(received(b.node_num, a.node_num, 5))
        c = await RawClient.connect(a)
        burst = await c.handshake()
        c.close()
        infos = {fr.node_info.num: fr.node_info for fr in burst if fr.HasField("node_info")}
        assert infos[b.node_num].hops_away == 1 and infos[b.node_num].snr == 5.0
        assert infos[b.node_num].user.id == f"!{b.node_num:08x}"
    async with EmulatedMesh(2, state_dir=tmp_path, speedup=20.0) as again:
        assert b.node_num in again.devices[0].state.nodes


async def test_reboot_drops_tcp_and_counts(mesh: EmulatedMesh) -> None:
    a, _ = mesh.devices
    c = await RawClient.connect(a)
    await c.handshake()
    reboot = admin_pb2.AdminMessage(reboot_seconds=1)
    c.send(packet(a.node_num, 31, reboot.SerializeToString(), portnums_pb2.PortNum.ADMIN_APP))
    with pytest.raises(ConnectionError):
        await c.next("rebooted")
    c.close()
    c2 = await RawClient.connect(a)
    try:
        burst = await c2.handshake()
        assert burst[0].my_info.reboot_count == 1
    finally:
        c2.close()


async def test_duty_cycle_nak_comes_with_a_client_notification(tmp_path: Path) -> None:
    async with EmulatedMesh(2, duty_pct=0.1, speedup=100.0) as mesh:
        a, _ = mesh.devices
        c = await RawClient.connect(a)
        try:
            await c.handshake()
            for pid in range(100, 130):
                c.send(packet(0xFFFFFFFF, pid, b"\x00" * 180))
                await asyncio.sleep(0.05)
                if any(fr.HasField("clientNotification") for fr in c.frames):
                    break
            note = await c.next("clientNotification")
            assert "Duty cycle limit exceeded" in note.clientNotification.message
            refused = note.clientNotification.reply_id
            while True:
                fr = await c.next("packet")
                if fr.packet.decoded.request_id == refused:
                    break
            reason = mesh_pb2.Routing.FromString(fr.packet.decoded.payload).error_reason
            assert reason == Err.DUTY_CYCLE_LIMIT
        finally:
            c.close()


class _Sink:
    def __init__(self) -> None:
        self.out: list[bytes] = []


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=st.lists(st.binary(max_size=300), max_size=6))
async def test_random_frames_never_break_the_device(
    mesh: EmulatedMesh, frames: list[bytes]
) -> None:
    dev = mesh.devices[0]
    sink = _Sink()
    link = Link(dev, "tcp", sink.out.append, lambda: None)
    dev.links.append(link)
    try:
        for f in frames:
            dev.handle_frame(link, f)
    finally:
        if link in dev.links:
            dev.links.remove(link)
    for chunk in sink.out:
        assert FrameDecoder().feed(chunk)  # whatever it answered is well framed


async def test_unwritable_state_dir_refuses_the_setting_and_keeps_serving(tmp_path: Path) -> None:
    state = tmp_path / "state"
    async with EmulatedMesh(1, state_dir=state, speedup=20.0) as mesh:
        dev = mesh.devices[0]
        assert not state.exists()  # nothing saved yet
        state.write_text("not a directory")  # the USB stick with the state dir is gone
        c = await RawClient.connect(dev)
        try:
            await c.handshake()
            owner = admin_pb2.AdminMessage()
            owner.set_owner.long_name = "NSP Noord"
            c.send(packet(dev.node_num, 41, owner.SerializeToString(), ADMIN, want_ack=True))
            nak = (await c.next("packet")).packet
            assert nak.decoded.request_id == 41
            assert mesh_pb2.Routing.FromString(nak.decoded.payload).error_reason == Err.BAD_REQUEST
            assert dev.state.owner.long_name != "NSP Noord"
            c.send(mesh_pb2.ToRadio(heartbeat=mesh_pb2.Heartbeat()))
            assert (await c.next("queueStatus")).queueStatus.maxlen == 16
            a_heard = received(0x4E530099, dev.node_num, 77)
            dev.sim_node.on_event(a_heard)  # a node DB change the stop below cannot save
        finally:
            c.close()
    assert state.read_text() == "not a directory"  # stopped cleanly anyway


async def test_a_frame_sent_just_before_a_reset_is_still_acted_on(mesh: EmulatedMesh) -> None:
    """`meshtastic --ch-set` writes its admin frame and closes at once. When the device then
    writes to that client (a packet heard meanwhile) before reading, asyncio ends the
    transport on the reset; the frame that arrived before it must still be applied."""
    dev = mesh.devices[0]
    sock = socket.create_connection(("127.0.0.1", dev.tcp_port))
    try:
        sock.sendall(encode_frame(mesh_pb2.ToRadio(want_config_id=7).SerializeToString()))
        sock.setblocking(False)
        decoder, done = FrameDecoder(), False
        for _ in range(200):  # bounded: the config burst takes a few loop turns
            await asyncio.sleep(0.01)
            with contextlib.suppress(BlockingIOError):
                for f in decoder.feed(sock.recv(65536)):
                    done = done or mesh_pb2.FromRadio.FromString(f).config_complete_id == 7
            if done:
                break
        assert done, "no config burst"
        admin = admin_pb2.AdminMessage()
        admin.set_channel.index = 1
        admin.set_channel.role = channel_pb2.Channel.Role.SECONDARY
        admin.set_channel.settings.name = "reset"
        sock.sendall(
            encode_frame(
                packet(dev.node_num, 0x5E7, admin.SerializeToString(), ADMIN).SerializeToString()
            )
        )
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        sock.close()  # with linger 0: a reset, while the frame is still unread by the device
    heard = mesh_pb2.MeshPacket(to=dev.node_num, id=0x1234)
    setattr(heard, "from", mesh.devices[1].node_num)
    dev._to_phone(heard)  # the write that meets the reset before the device reads
    for _ in range(100):
        await asyncio.sleep(0.01)
        if dev.state.channels[1].settings.name == "reset":
            break
    assert dev.state.channels[1].settings.name == "reset"

"""The real-radio adapter over the real meshtastic library, against emulated devices: frames
between two nodes over TCP and serial, acks, foreign ports, duty-cycle back-pressure, a cable
pulled mid-stream, an emulator restart, a hung device, and bounded open/close."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import meshtastic.serial_interface
import pytest

from nsplink.radio.base import (
    BROADCAST,
    Acked,
    ChannelLoad,
    Failed,
    LinkDown,
    LinkUp,
    OutgoingPacket,
    QueueStatus,
    Radio,
    RadioEvent,
    RadioRefused,
    RadioUnavailable,
    Received,
)
from nsplink.radio.emulator import EmulatedMesh
from nsplink.radio.meshtastic import (
    MeshtasticRadio,
    PayloadTooLarge,
    RadioUrl,
    RadioUrlInvalid,
    channel_load,
    default_interface_factory,
    parse_radio_url,
)
from nsplink.texts import render_error

E = TypeVar("E")
FAST = {"backoff_min": 0.1, "backoff_max": 0.5, "connect_timeout": 10.0, "send_timeout": 15.0}


async def expect(
    radio: MeshtasticRadio,
    kind: type[E],
    pred: Callable[[E], bool] = lambda e: True,
    timeout: float = 15.0,
    seen: list[RadioEvent] | None = None,
) -> E:
    """Read events until one of `kind` matches; the others go to `seen`."""

    async def loop() -> E:
        while True:
            ev = await radio.next_event()
            if isinstance(ev, kind) and pred(ev):
                return ev
            if seen is not None:
                seen.append(ev)

    return await asyncio.wait_for(loop(), timeout)


@pytest.fixture
async def mesh(tmp_path: Path) -> AsyncIterator[EmulatedMesh]:
    async with EmulatedMesh(2, state_dir=tmp_path, pty=True, speedup=20.0) as m:
        yield m


async def opened(url: str, **kw: Any) -> MeshtasticRadio:
    radio = MeshtasticRadio(url, **{**FAST, **kw})
    await radio.open()
    return radio


def tcp_url(mesh: EmulatedMesh, i: int) -> str:
    return mesh.devices[i].url


# --- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parsed"),
    [
        ("serial:///dev/ttyUSB0", RadioUrl("serial", "/dev/ttyUSB0")),
        ("tcp://127.0.0.1:4404", RadioUrl("tcp", "127.0.0.1", 4404)),
        ("tcp://radio.local", RadioUrl("tcp", "radio.local", 4403)),
        ("ble://Meshtastic_1a2b", RadioUrl("ble", "Meshtastic_1a2b")),
        ("ble://AA:BB:CC:DD:EE:FF", RadioUrl("ble", "AA:BB:CC:DD:EE:FF")),
    ],
)
def test_radio_urls(url: str, parsed: RadioUrl) -> None:
    assert parse_radio_url(url) == parsed


@pytest.mark.parametrize(
    "url", ["", "/dev/ttyUSB0", "http://x", "tcp://", "tcp://h:notaport", "serial://", "ble://"]
)
def test_bad_radio_url_is_a_typed_error_in_both_languages(url: str) -> None:
    with pytest.raises(RadioUrlInvalid) as info:
        MeshtasticRadio(url)
    assert info.value.code == "radio.url_invalid"
    assert "Ongeldig radio-adres" in render_error(info.value, "nl")
    assert "serial:///dev/ttyUSB0" in render_error(info.value, "en")


# --- frames between two emulated nodes ----------------------------------------------------------


async def test_frames_between_tcp_and_serial_with_routing_ack(mesh: EmulatedMesh) -> None:
    a, b = mesh.devices
    ra = await opened(tcp_url(mesh, 0))
    rb = await opened(str(b.serial_url))
    try:
        assert isinstance(ra, Radio)
        assert (ra.node_num, rb.node_num) == (a.node_num, b.node_num)
        payload = "noodhulpmelding: één gewonde, Kerkstraat 1".encode()
        pid = await ra.send(OutgoingPacket(payload, dest=b.node_num, want_ack=True))
        got = await expect(rb, Received, lambda e: e.packet_id == pid)
        assert (got.payload, got.from_node, got.to_node) == (payload, a.node_num, b.node_num)
        assert got.hop_start == 3 and got.hop_limit == 3
        assert got.rx_rssi is not None and got.rx_rssi < 0 and got.rx_time
        ack = await expect(ra, Acked, lambda e: e.packet_id == pid)
        assert ack == Acked(packet_id=pid, from_node=b.node_num, implicit=False)
    finally:
        await ra.close()
        await rb.close()


async def test_two_hops_through_a_relay_with_hop_fields_and_end_to_end_ack(
    tmp_path: Path,
) -> None:
    async with EmulatedMesh(3, speedup=20.0) as mesh:
        a, relay, c = mesh.devices
        mesh.medium.set_link(a.node_num, c.node_num, snr_db=0.0, loss=1.0)  # out of range
        ra = await opened(tcp_url(mesh, 0))
        rc = await opened(tcp_url(mesh, 2))
        try:
            pid = await ra.send(OutgoingPacket(b"via de toren", dest=c.node_num, want_ack=True))
            got = await expect(rc, Received, lambda e: e.packet_id == pid, timeout=30)
            assert (got.hop_start, got.hop_limit) == (3, 2)  # one relay on the way
            # the relay's repeat is heard first (implicit), then C's own routing ack arrives
            ack = await expect(ra, Acked, lambda e: not e.implicit, timeout=30)
            assert (ack.packet_id, ack.from_node) == (pid, c.node_num)
            assert relay.node_num in mesh.medium.neighbours(a.node_num)
        finally:
            await ra.close()
            await rc.close()


async def test_broadcast_gets_an_implicit_ack_when_a_neighbour_repeats_it(
    mesh: EmulatedMesh,
) -> None:
    a, _ = mesh.devices
    ra = await opened(tcp_url(mesh, 0))
    try:
        pid = await ra.send(OutgoingPacket(b"bulletin", dest=BROADCAST, want_ack=True))
        ack = await expect(ra, Acked, lambda e: e.packet_id == pid)
        assert ack.implicit and ack.from_node == a.node_num
    finally:
        await ra.close()


async def test_only_our_port_number_is_delivered(mesh: EmulatedMesh) -> None:
    a, b = mesh.devices
    rb = await opened(tcp_url(mesh, 1))
    ra = await opened(tcp_url(mesh, 0))
    other_app = await asyncio.to_thread(
        meshtastic.serial_interface.SerialInterface, str(a.pty_path), timeout=15
    )
    try:
        other_app.sendText("gewoon een chatbericht", b.node_num)  # TEXT_MESSAGE_APP
        await asyncio.to_thread(other_app.sendData, b"\x01\x02", b.node_num, portNum=300)
        pid = await ra.send(OutgoingPacket(b"ours", dest=b.node_num))
        seen: list[RadioEvent] = []
        got = await expect(rb, Received, seen=seen)
        assert (got.packet_id, got.payload) == (pid, b"ours")  # the first and only Received
        assert rb.ignored_packets == 2
    finally:
        other_app.close()
        await ra.close()
        await rb.close()


async def test_a_payload_the_firmware_cannot_encrypt_fails_too_large(mesh: EmulatedMesh) -> None:
    """233 bytes fit the Data protobuf but not, with our port number, the 239-byte LoRa frame."""
    ra = await opened(tcp_url(mesh, 0))
    try:
        pid = await ra.send(OutgoingPacket(b"\x00" * 233))
        assert (await expect(ra, Failed)) == Failed(packet_id=pid, reason="TOO_LARGE")
    finally:
        await ra.close()


async def test_odd_packets_from_the_device_do_not_upset_the_adapter(mesh: EmulatedMesh) -> None:
    """Whatever the device hands up: a garbled routing answer for one of our ids (the library
    itself drops it), an empty frame on our port, a broadcast, another app's packet; the adapter
    keeps only our port and keeps working."""
    from meshtastic.protobuf import mesh_pb2

    a, b = mesh.devices
    ra = await opened(tcp_url(mesh, 0))
    try:
        pid = await ra.send(OutgoingPacket(b"eerste", dest=b.node_num))

        def up(portnum: int, payload: bytes, **kw: Any) -> None:
            p = mesh_pb2.MeshPacket(to=kw.pop("to", a.node_num), id=kw.pop("id", 99), **kw)
            setattr(p, "from", b.node_num)
            p.decoded.portnum = portnum  # type: ignore[assignment]
            p.decoded.payload = payload
            a._to_phone(p)

        garbled = mesh_pb2.MeshPacket(to=a.node_num, id=100)
        setattr(garbled, "from", b.node_num)
        garbled.decoded.portnum = 5  # ROUTING_APP
        garbled.decoded.payload = b"\xff\xff\xff"
        garbled.decoded.request_id = pid
        a._to_phone(garbled)
        up(287, b"", id=101)
        up(287, "één".encode(), id=102, to=BROADCAST)
        up(1, b"chat", id=103)
        up(287, b"laatste", id=104)
        got = [await expect(ra, Received) for _ in range(3)]
        assert [r.payload for r in got] == [b"", "één".encode(), b"laatste"]
        assert got[1].to_node == BROADCAST
        assert ra.ignored_packets == 1  # the chat; the garbled routing never got past the library
        await ra.send(OutgoingPacket(b"nog steeds", dest=b.node_num))
    finally:
        await ra.close()


async def test_duty_cycle_refusal_surfaces_as_failed_back_pressure(tmp_path: Path) -> None:
    async with EmulatedMesh(2, duty_pct=0.2, speedup=50.0) as mesh:  # 7.2 s of airtime/hour
        ra = await opened(tcp_url(mesh, 0))
        try:
            failed: Failed | None = None
            for i in range(30):
                pid = await ra.send(OutgoingPacket(bytes([i]) * 200))
                try:
                    failed = await expect(ra, Failed, lambda e, pid=pid: e.packet_id == pid, 0.5)
                    break
                except TimeoutError:
                    continue
            assert failed is not None and failed.reason == "DUTY_CYCLE_LIMIT"
            assert i >= 3  # some full packets fit in the budget first
        finally:
            await ra.close()


async def test_full_device_queue_is_refused_without_blocking(mesh: EmulatedMesh) -> None:
    ra = await opened(tcp_url(mesh, 0))
    try:
        refused = None
        for _ in range(40):  # LONG_FAST: 16 slots fill long before 2 s packets drain
            try:
                await ra.send(OutgoingPacket(b"\xaa" * 200, dest=BROADCAST))
            except RadioRefused as exc:
                refused = exc
                break
        assert refused is not None and refused.reason == "QUEUE_FULL"
    finally:
        await ra.close()


# --- the device going away ----------------------------------------------------------------------


async def send_retrying(radio: MeshtasticRadio, packet: OutgoingPacket) -> int:
    for _ in range(100):
        try:
            return await radio.send(packet)
        except RadioRefused:
            await asyncio.sleep(0.2)  # device queue full: back off as a daemon would
    raise AssertionError("device queue never drained")


async def test_cable_pulled_mid_stream_loses_no_accepted_frame(mesh: EmulatedMesh) -> None:
    a, b = mesh.devices
    ra = await opened(tcp_url(mesh, 0))
    rb = await opened(str(b.serial_url))
    try:
        accepted: dict[int, bytes] = {}
        for i in range(24):
            if i == 6:
                a.drop_connection()  # A's TCP client is cut off
            if i == 14:
                b.drop_connection(replug_after=0.5)  # B's USB cable out and back in
            body = f"frame {i}".encode()
            accepted[await send_retrying(ra, OutgoingPacket(body, dest=b.node_num))] = body
        down_a = await expect(ra, LinkDown)
        await expect(ra, LinkUp)
        assert down_a.reason
        received: dict[int, bytes] = {}
        while set(accepted) - set(received):
            ev = await expect(rb, Received, timeout=20)
            received[ev.packet_id] = ev.payload
        assert {received[p] for p in accepted} == set(accepted.values())
        assert ra.reconnects >= 1 and rb.reconnects >= 1
    finally:
        await ra.close()
        await rb.close()


async def test_frames_kept_by_the_device_while_unplugged_arrive_after_link_up(
    mesh: EmulatedMesh,
) -> None:
    """The device flushes what it kept right after config_complete_id, racing the adapter's
    own bookkeeping of the new link; none of it may be dropped, and LinkUp comes first."""
    _a, b = mesh.devices
    ra = await opened(tcp_url(mesh, 0))
    rb = await opened(str(b.serial_url))
    try:
        b.drop_connection(replug_after=1.0)
        sent = {}
        for i in range(5):
            body = f"tijdens de storing {i}".encode()
            sent[await send_retrying(ra, OutgoingPacket(body, dest=b.node_num))] = body
        await expect(rb, LinkDown)
        seen: list[RadioEvent] = []
        await expect(rb, LinkUp, timeout=20, seen=seen)
        assert not [e for e in seen if isinstance(e, Received)]
        got = {}
        while set(sent) - set(got):
            ev = await expect(rb, Received, timeout=20)
            got[ev.packet_id] = ev.payload
        assert got == sent
    finally:
        await ra.close()
        await rb.close()


async def test_radio_power_cut_and_return(mesh: EmulatedMesh) -> None:
    a, b = mesh.devices
    ra = await opened(tcp_url(mesh, 0), send_timeout=1.0)
    try:
        mesh.medium.power_off(a.node_num)
        await expect(ra, LinkDown)
        with pytest.raises(RadioUnavailable):  # nothing to hand frames to meanwhile
            await ra.send(OutgoingPacket(b"x"))
        mesh.medium.power_on(a.node_num)
        await expect(ra, LinkUp, timeout=20)
        await ra.send(OutgoingPacket(b"stroom is terug", dest=b.node_num))
    finally:
        await ra.close()


async def test_device_reboot_over_serial_is_a_link_flap(mesh: EmulatedMesh) -> None:
    a, b = mesh.devices
    ra = await opened(str(a.serial_url))
    try:
        a.reboot(0.0)  # firmware sends FromRadio.rebooted on the serial port
        await expect(ra, LinkDown)
        await expect(ra, LinkUp, timeout=20)
        assert a.state.reboot_count == 1
        await ra.send(OutgoingPacket(b"weer in de lucht", dest=b.node_num))
    finally:
        await ra.close()


async def test_queue_full_asks_the_device_again(mesh: EmulatedMesh) -> None:
    """A refused send triggers a heartbeat, whose QueueStatus lifts the refusal once the
    device has room, even if its own 'room again' report went missing."""
    ra = await opened(tcp_url(mesh, 0))
    try:
        with pytest.raises(RadioRefused):
            for _ in range(40):
                await ra.send(OutgoingPacket(b"\x55" * 200, dest=BROADCAST))
        ra._qs_free = 0  # as if the device's own report had been lost
        with pytest.raises(RadioRefused):
            await ra.send(OutgoingPacket(b"x"))
        hb = await expect(ra, QueueStatus, lambda e: e.packet_id == 0)
        assert hb.maxlen == 16
    finally:
        await ra.close()


def free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as s1:
            s1.bind(("127.0.0.1", 0))
            port = s1.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as s2:
                try:
                    s2.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
                return port
    raise AssertionError("no two consecutive free ports")


async def test_emulator_restart_reconnects_and_keeps_device_settings(tmp_path: Path) -> None:
    base = free_port_pair()
    first = EmulatedMesh(2, base_port=base, state_dir=tmp_path, speedup=20.0)
    await first.start()
    ra = await opened(f"tcp://127.0.0.1:{base}")
    rb = await opened(f"tcp://127.0.0.1:{base + 1}")
    second: EmulatedMesh | None = None
    try:
        b_num = first.devices[1].node_num
        dev = first.devices[0]
        dev.state.owner.long_name = "NSP Dorpshuis"
        dev.store.save(dev.state)
        await first.stop()
        await expect(ra, LinkDown)
        await asyncio.sleep(0.3)  # a reconnect attempt or two fail while it is down
        second = EmulatedMesh(2, base_port=base, state_dir=tmp_path, speedup=20.0)
        await second.start()
        assert second.devices[0].state.owner.long_name == "NSP Dorpshuis"
        await expect(ra, LinkUp, timeout=20)
        await expect(rb, LinkUp, timeout=20)
        pid = await ra.send(OutgoingPacket(b"na de herstart", dest=b_num, want_ack=True))
        got = await expect(rb, Received, lambda e: e.packet_id == pid)
        assert got.payload == b"na de herstart"
    finally:
        await ra.close()
        await rb.close()
        if second is not None:
            await second.stop()


async def test_hung_device_is_detected_by_heartbeat_and_reconnected(mesh: EmulatedMesh) -> None:
    a, _ = mesh.devices
    ra = await opened(tcp_url(mesh, 0), probe_interval=0.3, probe_timeout=0.5)
    try:
        a.faults.silent = True
        down = await expect(ra, LinkDown)
        assert "heartbeat" in down.reason
        a.faults.silent = False
        await expect(ra, LinkUp, timeout=20)
    finally:
        await ra.close()


async def test_open_fails_cleanly_when_nothing_listens(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    radio = MeshtasticRadio(
        f"tcp://127.0.0.1:{port}", connect_timeout=3.0, close_timeout=1.0, send_timeout=0.5
    )
    with pytest.raises(RadioUnavailable):
        await radio.open()
    with pytest.raises(RadioUnavailable):
        await radio.send(OutgoingPacket(b"x"))  # no link within send_timeout
    await radio.close()
    assert not radio._tasks  # the half-made interface was closed, not abandoned
    assert "abandoned" not in caplog.text
    with pytest.raises(RadioUnavailable):
        await radio.send(OutgoingPacket(b"x"))  # closed: refused at once


async def test_open_that_failed_keeps_trying_until_the_radio_appears(tmp_path: Path) -> None:
    """A site may boot before its radio is plugged in: open() says so, then keeps trying."""
    base = free_port_pair()
    radio = MeshtasticRadio(f"tcp://127.0.0.1:{base}", **FAST)
    with pytest.raises(RadioUnavailable):
        await radio.open()
    async with EmulatedMesh(2, base_port=base, state_dir=tmp_path, speedup=20.0) as mesh:
        try:
            up = await expect(radio, LinkUp, timeout=20)
            assert up.node_num == mesh.devices[0].node_num
            await radio.send(OutgoingPacket(b"eindelijk", dest=mesh.devices[1].node_num))
        finally:
            await radio.close()


async def test_oversize_payload_is_refused_before_the_library(mesh: EmulatedMesh) -> None:
    ra = await opened(tcp_url(mesh, 0))
    try:
        with pytest.raises(PayloadTooLarge):
            await ra.send(OutgoingPacket(b"x" * 234))
    finally:
        await ra.close()


async def test_close_is_bounded_even_if_the_library_close_hangs(mesh: EmulatedMesh) -> None:
    release = threading.Event()

    def hanging_factory(url: RadioUrl, timeout: float) -> Any:
        iface = default_interface_factory(url, timeout)
        real_close = iface.close

        def close() -> None:  # what a wedged USB serial close looks like
            release.wait(30)
            real_close()

        iface.close = close
        return iface

    made: list[Any] = []

    def recording_factory(url: RadioUrl, timeout: float) -> Any:
        made.append(hanging_factory(url, timeout))
        return made[-1]

    ra = await opened(tcp_url(mesh, 0), interface_factory=recording_factory, close_timeout=0.3)
    await ra.close()  # returns: the stuck close is abandoned on its daemon thread
    assert not ra.connected
    # its non-daemon heartbeat timer must not outlive it, or the process could never exit
    timer = made[0].heartbeatTimer
    assert timer is None or not timer.is_alive() or timer.finished.is_set()
    release.set()


async def test_ble_url_goes_to_the_ble_interface() -> None:
    """BLE hardware is the one thing mocked: a stand-in interface for ble://name."""
    made: list[RadioUrl] = []

    class FakeBle:
        def __init__(self) -> None:
            self.myInfo = SimpleNamespace(my_node_num=0x4E53BEEF)
            self.queueStatus = None
            self.closed = False

        def _handleQueueStatusFromRadio(self, qs: Any) -> None:
            self.queueStatus = qs

        def close(self) -> None:
            self.closed = True

    fake = FakeBle()

    def factory(url: RadioUrl, timeout: float) -> Any:
        made.append(url)
        return fake

    radio = MeshtasticRadio("ble://Meshtastic_beef", interface_factory=factory)
    await radio.open()
    assert made == [RadioUrl("ble", "Meshtastic_beef")]
    assert radio.node_num == 0x4E53BEEF
    assert await expect(radio, LinkUp) == LinkUp(node_num=0x4E53BEEF)
    await radio.close()
    assert fake.closed


# --- the device's channel load -------------------------------------------------------------------


async def test_the_devices_minute_report_arrives_as_channel_load(mesh: EmulatedMesh) -> None:
    """The device's DeviceMetrics (its channel utilisation and airUtilTx, as the simulated
    firmware measures them) reach us through the real library as ChannelLoad."""
    _, b = mesh.devices
    ra = await opened(tcp_url(mesh, 0))
    try:
        for _ in range(3):
            await ra.send(OutgoingPacket(b"\x00" * 120, dest=b.node_num))
        load = await expect(ra, ChannelLoad, lambda e: e.air_util_tx_pct > 0, timeout=30)
        assert load.channel_util_pct >= load.air_util_tx_pct  # a minute's share vs an hour's
        assert load.channel_util_pct <= 100.0
    finally:
        await ra.close()


def test_channel_load_reads_device_metrics_and_local_stats_only() -> None:
    from meshtastic.protobuf import telemetry_pb2

    tele = telemetry_pb2.Telemetry()
    tele.device_metrics.channel_utilization = 31.5
    tele.device_metrics.air_util_tx = 4.25
    assert channel_load(tele.SerializeToString()) == ChannelLoad(31.5, 4.25)
    stats = telemetry_pb2.Telemetry()
    stats.local_stats.channel_utilization = 12.0
    stats.local_stats.air_util_tx = 1.5
    assert channel_load(stats.SerializeToString()) == ChannelLoad(12.0, 1.5)
    battery_only = telemetry_pb2.Telemetry()
    battery_only.device_metrics.battery_level = 80
    assert channel_load(battery_only.SerializeToString()) is None
    env = telemetry_pb2.Telemetry()
    env.environment_metrics.temperature = 21.0
    assert channel_load(env.SerializeToString()) is None
    assert channel_load(b"\xff\xff\xff") is None

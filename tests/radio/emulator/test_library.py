"""The unmodified meshtastic library (TCPInterface, SerialInterface on the pty) against the
emulator: handshake, packets through the sim medium, acks, heartbeats, admin and persistence."""

from __future__ import annotations

from typing import Any

import meshtastic.serial_interface
import meshtastic.tcp_interface
from meshtastic.protobuf import mesh_pb2, portnums_pb2
from pubsub import pub

from nsplink.radio.emulator import EmulatorThread
from tests.radio.emulator.conftest import Inbox, wait_until

TIMEOUT = 15


def tcp(emu: EmulatorThread, i: int) -> Any:
    port = emu.mesh.devices[i].tcp_port
    return meshtastic.tcp_interface.TCPInterface("127.0.0.1", portNumber=port, timeout=TIMEOUT)


def serial(emu: EmulatorThread, i: int) -> Any:
    path = str(emu.mesh.devices[i].pty_path)
    return meshtastic.serial_interface.SerialInterface(path, timeout=TIMEOUT)


def test_tcp_handshake_gives_the_library_everything_waitforconfig_needs(
    emu: EmulatorThread,
) -> None:
    dev = emu.mesh.devices[0]
    iface = tcp(emu, 0)
    try:
        assert iface.myInfo.my_node_num == dev.node_num
        assert iface.metadata.firmware_version
        assert iface.getMyNodeInfo()["user"]["id"] == f"!{dev.node_num:08x}"
        lora = iface.localNode.localConfig.lora
        assert (lora.hop_limit, lora.region) == (3, 3)  # EU_868
        assert len(iface.localNode.channels) == 8
        assert iface.localNode.moduleConfig.telemetry.device_update_interval == 1800
    finally:
        iface.close()


def test_text_over_tcp_reaches_the_other_node_on_the_pty_with_radio_fields_and_an_ack(
    emu: EmulatorThread,
) -> None:
    a, b = emu.mesh.devices
    ia, ib = tcp(emu, 0), serial(emu, 1)
    inbox = Inbox(ib)
    acks: list[dict[str, Any]] = []

    def onAckNak(packet: dict[str, Any]) -> None:  # the library passes acks to this name only
        acks.append(packet)

    pub.subscribe(inbox, "meshtastic.receive")
    try:
        sent = ia.sendText(
            "Stroomuitval in Zuidbroek — water nodig",
            b.node_num,
            wantAck=True,
            onResponse=onAckNak,
        )
        wait_until(lambda: inbox.find(lambda p: p.get("id") == sent.id), what="text at B")
        got = inbox.find(lambda p: p.get("id") == sent.id)
        assert got is not None
        assert got["decoded"]["text"] == "Stroomuitval in Zuidbroek — water nodig"  # type: ignore[index]
        assert got["from"] == a.node_num and got["to"] == b.node_num
        assert got["hopStart"] == 3 and got["hopLimit"] == 3  # direct neighbour
        assert "rxSnr" in got and got["rxRssi"] < 0
        wait_until(lambda: acks, what="routing ack at A")
        assert acks[0]["from"] == b.node_num  # a real ack from the destination
        assert acks[0]["decoded"]["routing"].get("errorReason", "NONE") == "NONE"
    finally:
        pub.unsubscribe(inbox, "meshtastic.receive")
        ia.close()
        ib.close()


def test_every_send_and_heartbeat_is_answered_with_queue_status(emu: EmulatorThread) -> None:
    iface = tcp(emu, 0)
    try:
        before = iface.queueStatus
        iface.sendHeartbeat()
        wait_until(lambda: iface.queueStatus is not before, what="heartbeat queue status")
        assert iface.queueStatus.maxlen == 16 and iface.queueStatus.mesh_packet_id == 0
        p = iface.sendData(b"\x00\x01", portNum=287)
        wait_until(lambda: iface.queueStatus.mesh_packet_id == p.id, what="send queue status")
        assert iface.queueStatus.res == 0 and iface.queueStatus.free <= 16
    finally:
        iface.close()


def test_owner_and_channel_set_through_admin_survive_reconnect_and_restart(
    emu: EmulatorThread,
) -> None:
    iface = tcp(emu, 0)
    try:
        iface.localNode.setOwner("NSP De Bösch", "BÖS")
        ch = iface.localNode.channels[1]
        ch.role = 2  # SECONDARY
        ch.settings.name = "nsplink"
        ch.settings.psk = bytes(range(32))
        iface.localNode.writeChannel(1)
        wait_until(lambda: emu.call(lambda: emu.mesh.devices[0].state.channels[1].role) == 2)
    finally:
        iface.close()
    again = serial(emu, 0)  # another transport sees the same device state
    try:
        assert again.getLongName() == "NSP De Bösch"
        assert again.localNode.channels[1].settings.name == "nsplink"
        assert again.localNode.channels[1].settings.psk == bytes(range(32))
    finally:
        again.close()


def test_transaction_cut_off_by_a_dropped_link_changes_nothing(emu: EmulatorThread) -> None:
    dev = emu.mesh.devices[0]
    emu.call(lambda: setattr(dev.faults, "drop_after_admin", 3))
    iface = tcp(emu, 0)
    try:
        node = iface.localNode
        node.beginSettingsTransaction()  # admin 1 (after the session key request: 2)
        node.localConfig.lora.hop_limit = 6
        node.writeConfig("lora")  # admin 3: handled, then the cable is pulled
        wait_until(
            lambda: emu.call(lambda: dev.faults.drop_after_admin is None),
            what="the fault hook to pull the cable",
        )
        assert emu.call(lambda: dev.admin.staging is None)  # the open transaction died with it
    finally:
        iface.close()
    assert emu.call(lambda: dev.state.config.lora.hop_limit) == 3
    check = tcp(emu, 0)
    try:
        assert check.localNode.localConfig.lora.hop_limit == 3
    finally:
        check.close()


def test_routing_nak_for_an_oversized_packet_from_a_raw_client(emu: EmulatorThread) -> None:
    """The library refuses >233 bytes itself; a raw MeshPacket past it gets TOO_LARGE."""
    iface = tcp(emu, 0)
    naks: list[dict[str, Any]] = []
    try:
        packet = mesh_pb2.MeshPacket(to=emu.mesh.devices[1].node_num, id=0x1234)
        packet.decoded.portnum = portnums_pb2.PortNum.PRIVATE_APP
        packet.decoded.payload = b"x" * 240
        iface._addResponseHandler(0x1234, naks.append)
        iface._sendToRadio(mesh_pb2.ToRadio(packet=packet))
        wait_until(lambda: naks, what="nak")
        assert naks[0]["decoded"]["routing"]["errorReason"] == "TOO_LARGE"
    finally:
        iface.close()

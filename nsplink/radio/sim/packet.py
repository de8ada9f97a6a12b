"""One Meshtastic packet as the simulated firmware handles it (header fields + decoded Data)."""

from __future__ import annotations

from dataclasses import dataclass

BROADCAST = 0xFFFFFFFF


@dataclass(slots=True)
class AirPacket:
    frm: int
    to: int
    id: int
    hop_limit: int
    hop_start: int
    want_ack: bool
    channel: int
    portnum: int
    payload: bytes
    phy_len: int  # bytes on air: 16-byte header + encoded Data
    want_response: bool = False
    request_id: int = 0
    error_reason: int = 0  # for ROUTING_APP packets: the Routing.Error they carry
    priority: int = 0
    relay_node: int = 0  # last byte of the node that transmitted this copy
    next_hop: int = 0  # last byte of the only node asked to relay it (0: anyone, i.e. flood)
    rx_snr: float = 0.0  # 0/0 means "generated locally" (RadioLibInterface::setTransmitDelay)
    rx_rssi: int = 0
    tx_after: float = 0.0  # late-window packets (ROUTER_LATE) wait until this time

    def copy(self) -> AirPacket:
        return AirPacket(
            self.frm,
            self.to,
            self.id,
            self.hop_limit,
            self.hop_start,
            self.want_ack,
            self.channel,
            self.portnum,
            self.payload,
            self.phy_len,
            self.want_response,
            self.request_id,
            self.error_reason,
            self.priority,
            self.relay_node,
            self.next_hop,
            self.rx_snr,
            self.rx_rssi,
            self.tx_after,
        )

    @property
    def key(self) -> tuple[int, int]:
        return (self.frm, self.id)

    @property
    def hops_away(self) -> int:
        return self.hop_start - self.hop_limit


def last_byte(node_num: int) -> int:
    """NodeDB::getLastByteOfNodeNum: how relay_node and next_hop name a node (0 means none)."""
    return (node_num & 0xFF) or 0xFF

"""What a simulated node tells its phone/API side, mirroring the firmware's FromRadio traffic.

Error values are meshtastic `Routing.Error` numbers (checked against the real protobuf in the
tests), so the emulator can put them on the wire unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

# meshtastic Routing.Error
ERR_NONE = 0
ERR_MAX_RETRANSMIT = 5
ERR_TOO_LARGE = 7
ERR_DUTY_CYCLE_LIMIT = 9
ERR_BAD_REQUEST = 32
# firmware ErrorCode values that show up in QueueStatus.res (MeshTypes.h)
ERRNO_UNKNOWN = 32  # TX queue full and nothing of lower priority to evict
ERRNO_DISABLED = 34  # radio switched off (tx disabled)

# meshtastic MeshPacket.Priority
PRIO_UNSET = 0
PRIO_DEFAULT = 64
PRIO_RELIABLE = 70
PRIO_RESPONSE = 80
PRIO_ACK = 120
PRIO_MAX = 127

PORT_ROUTING = 5  # PortNum.ROUTING_APP
MAX_TX_QUEUE = 16  # RadioInterface.h MAX_TX_QUEUE


@dataclass(frozen=True, slots=True)
class SendResult:
    """The QueueStatus the firmware reports after each sendToMesh."""

    packet_id: int
    res: int
    free: int
    maxlen: int = MAX_TX_QUEUE

    @property
    def ok(self) -> bool:
        return self.res == ERR_NONE


@dataclass(frozen=True, slots=True)
class AppReceive:
    """A packet for this node (or broadcast), handed to the app once per (from_node, packet_id)."""

    from_node: int
    to_node: int
    packet_id: int
    portnum: int
    payload: bytes
    want_ack: bool
    want_response: bool
    request_id: int
    channel: int
    rx_time: float
    rx_snr: float
    rx_rssi: int
    hop_start: int
    hop_limit: int


@dataclass(frozen=True, slots=True)
class RoutingEvent:
    """An ack or nak for `request_id`. `from_node` is this node for an implicit ack or a local
    nak (MAX_RETRANSMIT, DUTY_CYCLE_LIMIT, TOO_LARGE), the destination for a real routing ack."""

    request_id: int
    error_reason: int
    from_node: int
    rx_time: float = 0.0
    # a routing packet that came over the air (a real ack or nak from another node) carries what
    # the radio measured receiving it, as the firmware hands any received packet to the phone
    rx_snr: float = 0.0
    rx_rssi: int = 0
    hop_start: int = 0
    hop_limit: int = 0


@dataclass(frozen=True, slots=True)
class QueueStatusEvent:
    """Sent unprompted when a full TX queue has room again (MeshService::loop)."""

    res: int
    free: int
    maxlen: int
    mesh_packet_id: int


@dataclass(frozen=True, slots=True)
class DeviceMetricsEvent:
    """The device's own DeviceMetrics, sent to the phone every minute (telemetry.py)."""

    channel_util_pct: float  # all airtime heard or sent in the last 60 s
    air_util_tx_pct: float  # own transmissions (relays included) in the rolling hour


NodeEvent = AppReceive | RoutingEvent | QueueStatusEvent | DeviceMetricsEvent

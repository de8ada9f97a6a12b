"""The one small interface every radio satisfies (real Meshtastic, in-process sim, emulator link).

A radio moves opaque payloads (our frames, at most 233 bytes) on our port number and reports what
the device says about them. It never decides what "delivered" means: that is the protocol's job,
from signed receipts. Implicit acks and routing acks arrive here only as `Acked` hints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

BROADCAST = 0xFFFFFFFF
DATA_PAYLOAD_LEN = 233  # meshtastic Constants.DATA_PAYLOAD_LEN
DEFAULT_PORTNUM = 287  # in Meshtastic's private range 256-511; configurable per region

# meshtastic MeshPacket.Priority values, so adapters can pass them through unchanged
PRIO_BACKGROUND = 10
PRIO_DEFAULT = 64
PRIO_RELIABLE = 70
PRIO_HIGH = 100
PRIO_ALERT = 110


@dataclass(frozen=True)
class OutgoingPacket:
    payload: bytes
    dest: int = BROADCAST
    want_ack: bool = False
    priority: int = PRIO_DEFAULT
    hop_limit: int | None = None  # None: the device's configured hop limit


@dataclass(frozen=True)
class Received:
    """A packet on our port, as the device handed it to us."""

    from_node: int
    to_node: int
    payload: bytes
    packet_id: int
    rx_time: float | None = None
    rx_snr: float | None = None
    rx_rssi: int | None = None
    hop_start: int | None = None
    hop_limit: int | None = None


@dataclass(frozen=True)
class Acked:
    """The device's ack for one of our packets: implicit (a neighbour repeated it) or a routing
    ack from the destination node. A hint for the delivery state, never proof of delivery."""

    packet_id: int
    from_node: int
    implicit: bool


@dataclass(frozen=True)
class Failed:
    """The device gave up on or refused one of our packets (MAX_RETRANSMIT, DUTY_CYCLE_LIMIT, ...).
    DUTY_CYCLE_LIMIT is back-pressure: the frame stays ours to resend."""

    packet_id: int
    reason: str


@dataclass(frozen=True)
class QueueStatus:
    free: int
    maxlen: int
    packet_id: int = 0
    res: int = 0


@dataclass(frozen=True)
class ChannelLoad:
    """The device's own measurements, reported to the app every minute (its DeviceMetrics):
    all airtime it heard or sent in the last 60 s, and its own transmissions (relays included)
    in the rolling hour, both in percent."""

    channel_util_pct: float
    air_util_tx_pct: float


@dataclass(frozen=True)
class LinkUp:
    node_num: int


@dataclass(frozen=True)
class LinkDown:
    reason: str


RadioEvent = Received | Acked | Failed | QueueStatus | ChannelLoad | LinkUp | LinkDown


def routing_error_name(code: int) -> str:
    """meshtastic Routing.Error value -> its name (DUTY_CYCLE_LIMIT, ...), the reason every radio
    puts in `Failed`; unknown values as ERROR_<n>."""
    from meshtastic.protobuf import mesh_pb2

    try:
        return str(mesh_pb2.Routing.Error.Name(code))
    except ValueError:
        return f"ERROR_{code}"


class RadioError(Exception):
    """Base for radio failures; adapters raise subclasses with a clear reason."""


class RadioUnavailable(RadioError):
    """No link to the device right now (not connected, reconnecting, closed)."""


class RadioRefused(RadioError):
    """The device refused the packet now (queue full, duty cycle); try again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@runtime_checkable
class Radio(Protocol):
    @property
    def node_num(self) -> int | None: ...

    async def open(self) -> None:
        """Connect; raises RadioUnavailable if the device cannot be reached."""

    async def close(self) -> None:
        """Disconnect within a bounded time, whatever the device does."""

    async def send(self, packet: OutgoingPacket) -> int:
        """Hand one packet to the device; returns its packet id once the device accepted it.
        Raises RadioUnavailable or RadioRefused; never blocks the event loop."""

    async def next_event(self) -> RadioEvent:
        """Wait for the next event from the device."""

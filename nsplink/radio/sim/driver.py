"""Run a `Medium` at wall-clock pace under asyncio, and give one node a `Radio` face.

The medium stays synchronous; `RealtimeDriver.run()` maps wall time onto virtual time
(`speedup` virtual seconds per wall second), advances the medium to it and sleeps until the next
event is due or `wake()` says an external send added one. Everything runs on the event loop's
thread, so no locking is needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from nsplink.lora.airtime import PRIVATE_APP
from nsplink.radio.base import (
    Acked,
    ChannelLoad,
    Failed,
    LinkDown,
    LinkUp,
    OutgoingPacket,
    QueueStatus,
    RadioEvent,
    RadioRefused,
    RadioUnavailable,
    Received,
    routing_error_name,
)
from nsplink.radio.sim.errors import BadSpeedup, NodePoweredOff
from nsplink.radio.sim.events import (
    ERR_NONE,
    ERRNO_DISABLED,
    ERRNO_UNKNOWN,
    AppReceive,
    DeviceMetricsEvent,
    NodeEvent,
    QueueStatusEvent,
    RoutingEvent,
    SendResult,
)
from nsplink.radio.sim.medium import Medium
from nsplink.radio.sim.node import SimNode

MAX_IDLE_SLEEP_S = 0.5  # keep medium.now close to wall time even with nothing scheduled


error_name = routing_error_name  # the one mapping, shared with the hardware adapter


class RealtimeDriver:
    def __init__(
        self,
        medium: Medium,
        speedup: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not speedup > 0:
            raise BadSpeedup(speedup=speedup)
        self.medium = medium
        self.speedup = speedup
        self._clock = clock
        self._wall0: float | None = None
        self._virt0 = medium.now
        self._wake: asyncio.Event | None = None

    def virtual_now(self) -> float:
        if self._wall0 is None:
            return self.medium.now
        return max(self.medium.now, self._virt0 + (self._clock() - self._wall0) * self.speedup)

    def sync(self) -> None:
        """Bring the medium up to the wall-clock-mapped time (call before an external send)."""
        target = self.virtual_now()
        if target > self.medium.now:
            self.medium.advance_to(target)

    def wake(self) -> None:
        """An external call scheduled new events: re-plan the sleep."""
        if self._wake is not None:
            self._wake.set()

    async def run(self) -> None:
        """Drive the medium until cancelled."""
        self._wall0 = self._clock()
        self._virt0 = self.medium.now
        self._wake = asyncio.Event()
        try:
            while True:
                self.sync()
                nxt = self.medium.next_event_time()
                sleep = MAX_IDLE_SLEEP_S
                if nxt is not None:
                    sleep = min(sleep, max(0.0, (nxt - self.virtual_now()) / self.speedup))
                self._wake.clear()
                # asyncio.timeout, not wait_for: it never swallows an outside cancel
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(sleep):
                        await self._wake.wait()
        finally:
            self._wake = None


class SimRadio:
    """`nsplink.radio.base.Radio` for one simulated node, in-process."""

    def __init__(
        self, node: SimNode, driver: RealtimeDriver, *, portnum: int = PRIVATE_APP
    ) -> None:
        self._node = node
        self._driver = driver
        self.portnum = portnum
        self._events: asyncio.Queue[RadioEvent] = asyncio.Queue()
        self._open = False

    @property
    def node_num(self) -> int | None:
        return self._node.node_num if self._open else None

    async def open(self) -> None:
        if not self._node.powered:
            raise RadioUnavailable(f"node {self._node.node_num:#x} is powered off")
        self._node.on_event = self._on_event
        self._node.on_power = self._on_power
        self._open = True
        self._events.put_nowait(LinkUp(self._node.node_num))

    async def close(self) -> None:
        if not self._open:
            return
        self._open = False
        if self._node.on_event == self._on_event:
            self._node.on_event = None
        if self._node.on_power == self._on_power:
            self._node.on_power = None
        self._events.put_nowait(LinkDown("closed"))

    async def send(self, packet: OutgoingPacket) -> int:
        if not self._open:
            raise RadioUnavailable("radio not open")
        self._driver.sync()
        res = send_to_node(self._node, packet, self.portnum)
        self._driver.wake()
        self._events.put_nowait(QueueStatus(res.free, res.maxlen, res.packet_id, res.res))
        refused = refusal(res)
        if refused is not None:
            raise refused
        return res.packet_id

    async def next_event(self) -> RadioEvent:
        return await self._events.get()

    def _on_power(self, up: bool) -> None:
        self._events.put_nowait(LinkUp(self._node.node_num) if up else LinkDown("power lost"))

    def _on_event(self, event: NodeEvent) -> None:
        translated = radio_event(self._node.node_num, self.portnum, event)
        if translated is not None:
            self._events.put_nowait(translated)


def send_to_node(node: SimNode, packet: OutgoingPacket, portnum: int) -> SendResult:
    """sendToMesh on a simulated node, as a radio adapter calls it; a node without power is
    `RadioUnavailable`."""
    try:
        return node.send(
            dest=packet.dest,
            payload=packet.payload,
            portnum=portnum,
            want_ack=packet.want_ack,
            priority=packet.priority,
            hop_limit=packet.hop_limit,
        )
    except NodePoweredOff as exc:
        raise RadioUnavailable(str(exc)) from exc


def refusal(res: SendResult) -> RadioRefused | None:
    """The device's refusal in a send result, if it is one: no nak follows these, the packet
    never entered the queue (every other result is followed by the device's ack or nak)."""
    if res.res == ERRNO_UNKNOWN:
        return RadioRefused("QUEUE_FULL")
    if res.res == ERRNO_DISABLED:
        return RadioRefused("RADIO_DISABLED")
    return None


def radio_event(node_num: int, portnum: int, event: NodeEvent) -> RadioEvent | None:
    """What a radio adapter reports of one event of a simulated node (None: not for us)."""
    if isinstance(event, AppReceive):
        if event.portnum != portnum:
            return None
        return Received(
            from_node=event.from_node,
            to_node=event.to_node,
            payload=event.payload,
            packet_id=event.packet_id,
            rx_time=event.rx_time,
            rx_snr=event.rx_snr,
            rx_rssi=event.rx_rssi,
            hop_start=event.hop_start,
            hop_limit=event.hop_limit,
        )
    if isinstance(event, RoutingEvent):
        if event.error_reason == ERR_NONE:
            return Acked(event.request_id, event.from_node, event.from_node == node_num)
        return Failed(event.request_id, error_name(event.error_reason))
    if isinstance(event, QueueStatusEvent):
        return QueueStatus(event.free, event.maxlen, event.mesh_packet_id, event.res)
    if isinstance(event, DeviceMetricsEvent):
        return ChannelLoad(event.channel_util_pct, event.air_util_tx_pct)
    return None

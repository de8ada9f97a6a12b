"""What is on the air: one transmission, its receptions, and a timer on the medium's clock.

Shared by the medium (which creates them) and the nodes (which hold them while transmitting or
receiving); neither needs the other's module for it. `Channel` is what a node asks of the medium.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol

from nsplink.lora.airtime import ModemParams
from nsplink.radio.sim.events import NodeEvent
from nsplink.radio.sim.packet import AirPacket


class Station(Protocol):
    """A node as a transmission sees it."""

    node_num: int
    epoch: int


class Channel(Protocol):
    """The medium as a node sees it: its clock, its random numbers, its timers, the air."""

    now: float
    rng: random.Random
    params: ModemParams
    slot_ms: float
    stats: Counter[str]

    def schedule(self, time: float, fn: Callable[[Any], None], arg: Any = None) -> Timer: ...

    def record_event(self, node: Any, event: NodeEvent) -> None: ...

    def start_tx(self, sender: Any, packet: AirPacket) -> Transmission: ...


class Timer:
    __slots__ = ("arg", "cancelled", "fn", "time")

    def __init__(self, time: float, fn: Callable[[Any], None], arg: Any) -> None:
        self.time = time
        self.fn = fn
        self.arg = arg
        self.cancelled = False


class Reception:
    """One node receiving (or only sensing) one transmission."""

    __slots__ = ("corrupted", "detectable", "epoch", "node", "ok", "rssi", "tx")

    def __init__(
        self, node: Station, tx: Transmission, rssi: float, ok: bool, detectable: bool
    ) -> None:
        self.node = node
        self.tx = tx
        self.rssi = rssi
        self.ok = ok
        self.detectable = detectable
        self.corrupted = False
        self.epoch = node.epoch


class Transmission:
    """One packet on the air from `start` to `end`, and who is receiving it."""

    __slots__ = (
        "aborted",
        "airtime_ms",
        "end",
        "packet",
        "receptions",
        "sender",
        "serial",
        "start",
    )

    def __init__(
        self,
        sender: Station,
        packet: AirPacket,
        start: float,
        end: float,
        airtime_ms: int,
        serial: int = 0,
    ) -> None:
        self.serial = serial  # the medium's count of transmissions: names it in receivers' tallies
        self.sender = sender
        self.packet = packet
        self.start = start
        self.end = end
        self.airtime_ms = airtime_ms
        self.receptions: list[Reception] = []
        self.aborted = False

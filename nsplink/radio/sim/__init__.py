"""The simulated LoRa medium: virtual-time Meshtastic nodes for tests, scenarios and the emulator.

`Medium` is plain synchronous code (no asyncio, nothing sleeps); `driver.RealtimeDriver` runs it
at wall-clock pace and `driver.SimRadio` puts a `Radio` face on one node.
"""

from nsplink.radio.sim.errors import BadSend, NodePoweredOff, SimConfigError
from nsplink.radio.sim.events import (
    AppReceive,
    NodeEvent,
    QueueStatusEvent,
    RoutingEvent,
    SendResult,
)
from nsplink.radio.sim.medium import Link, Medium
from nsplink.radio.sim.node import SimNode
from nsplink.radio.sim.propagation import Propagation

__all__ = [
    "AppReceive",
    "BadSend",
    "Link",
    "Medium",
    "NodeEvent",
    "NodePoweredOff",
    "Propagation",
    "QueueStatusEvent",
    "RoutingEvent",
    "SendResult",
    "SimConfigError",
    "SimNode",
]

"""The simulated LoRa medium: virtual-time Meshtastic nodes for tests, scenarios and the emulator.

`Medium` is plain synchronous code (no asyncio, nothing sleeps); `driver.RealtimeDriver` runs it
at wall-clock pace and `driver.SimRadio` puts a `Radio` face on one node. Typical use:

    m = Medium(preset="LONG_FAST", seed=7)                 # one seeded RNG: same seed, same run
    cp = m.add_node(0x1001, position=(0, 0), role="ROUTER")
    nsp = m.add_node(0x2002, position=(4500, 1200))        # metres; or m.set_link(a, b, snr_db=)
    nsp.on_event = events.append                  # gets AppReceive, RoutingEvent, QueueStatusEvent
    res = nsp.send(dest=0x1001, payload=frame, portnum=256, want_ack=True)   # -> SendResult
    m.power_off(0x1001, at=3600.0); m.power_on(0x1001, at=5400.0)            # faults at times
    m.advance_to(7200.0)                                   # runs every event up to t, in order
    m.stats                                                # tx, rx_ok, rx_collided, relays, naks...

Behaviour follows meshtastic/firmware (see node.py for the list); docs/radio.md has
the numbers. Largest app payload on a private port is 231 bytes (airtime.max_app_payload).
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

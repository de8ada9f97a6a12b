"""A range test between two radios with the firmware's own packets.

Our radio sends a short text on the firmware's range-test port (RANGE_TEST_APP) to the other
radio's node number with want_ack. The other firmware's router answers every want_ack packet
addressed to it with a routing ACK, whether or not its range-test module is on, and no nsplink
daemon is involved at either end (a daemon listens on its own port only). Our firmware retries
as it always does and gives up with a NAK (MAX_RETRANSMIT) when no ACK comes. What the radio
measured receiving the ACK (SNR, RSSI, hops) is the return path, as our radio heard it.

Runs over the real `meshtastic` library through `RadioLink` (provision/device.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meshtastic.protobuf import portnums_pb2
from pubsub import pub

from nsplink.provision.device import RadioLink, _in_worker
from nsplink.provision.errors import RadioLost

log = logging.getLogger("nsplink.provision")

RANGE_TEST_APP = portnums_pb2.PortNum.RANGE_TEST_APP
TOPIC = "meshtastic.receive"


@dataclass(frozen=True)
class Ping:
    number: int
    answered: bool
    seconds: float | None = None  # from handing the packet to the radio to the ACK
    reason: str = ""  # why not: the firmware's NAK reason, or "" for no answer in time
    repeated: bool = False  # a neighbour repeated it (the firmware's implicit ack)
    snr: float | None = None
    rssi: int | None = None
    hops: int | None = None


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def range_test(
    link: RadioLink,
    dest: int,
    count: int,
    interval: float,
    wait: float,
    on_ping: Callable[[Ping], None] = lambda p: None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Ping]:
    """Send `count` want_ack packets to `dest`, one every `interval` seconds, each waiting up to
    `wait` seconds for the destination's ACK or our radio's NAK."""
    answers: dict[int, dict[str, Any]] = {}
    repeated: set[int] = set()
    cond = threading.Condition()

    def on_receive(packet: dict[str, Any], interface: Any) -> None:
        if interface is not link.iface:
            return
        decoded = packet.get("decoded") or {}
        request = decoded.get("requestId")
        if request is None or decoded.get("portnum") != "ROUTING_APP":
            return
        reason = str((decoded.get("routing") or {}).get("errorReason", "NONE"))
        with cond:
            if reason == "NONE" and packet.get("from") != dest:
                repeated.add(int(request))  # an implicit ack: a neighbour repeated it
                return
            answers.setdefault(int(request), dict(packet, reason=reason, at=time.monotonic()))
            cond.notify_all()

    def once(number: int) -> Ping:
        started = time.monotonic()
        payload = f"nsplink bereiktest {number}/{count}".encode()

        def send() -> Any:
            return link.iface.sendData(
                payload, destinationId=dest, portNum=RANGE_TEST_APP, wantAck=True
            )

        packet_id = int(_in_worker(send, link.timeout, link.addr.url, "send").id)
        with cond:
            cond.wait_for(lambda: packet_id in answers or not link.alive, wait)
            got = answers.get(packet_id)
        if got is None and not link.alive:
            raise RadioLost(url=link.addr.url, step=f"ping {number}")
        return _ping(number, got, started, packet_id in repeated)

    pub.subscribe(on_receive, TOPIC)
    pings: list[Ping] = []
    try:
        for number in range(1, count + 1):
            started = time.monotonic()
            ping = once(number)
            pings.append(ping)
            on_ping(ping)
            if number < count:
                sleep(max(0.0, interval - (time.monotonic() - started)))
    finally:
        pub.unsubscribe(on_receive, TOPIC)
    return pings


def _ping(number: int, got: dict[str, Any] | None, started: float, repeated: bool) -> Ping:
    if got is None:
        return Ping(number, False, repeated=repeated)
    if got["reason"] != "NONE":
        return Ping(number, False, reason=got["reason"], repeated=repeated)
    hop_start, hop_limit = got.get("hopStart"), got.get("hopLimit", 0)
    hops = None
    if isinstance(hop_start, int) and isinstance(hop_limit, int):
        hops = hop_start - hop_limit
    rssi = got.get("rxRssi")
    return Ping(
        number,
        True,
        seconds=round(got["at"] - started, 1),
        snr=_num(got.get("rxSnr", 0.0)),
        rssi=rssi if isinstance(rssi, int) else None,
        hops=hops if hops is None or hops >= 0 else None,
    )

"""The device's minute report to its phone: channel utilisation and airUtilTx (issue 17).

The firmware's DeviceTelemetryModule sends its own DeviceMetrics to the phone every minute
(`sendToPhoneIntervalMs`), the first 45 s after boot, read from the ledgers it gates its own
traffic on (airtime.cpp): all airtime heard or sent over 60 s, and its own transmissions,
relays included, in the rolling hour. `report_metrics` starts that for one simulated node; the
emulator puts each report on the wire as a Telemetry packet, `SimNetwork` hands it to the
engine as the adapter would.
"""

from __future__ import annotations

from nsplink.radio.sim.events import DeviceMetricsEvent
from nsplink.radio.sim.medium import Medium
from nsplink.radio.sim.node import SimNode

TO_PHONE_INTERVAL_S = 60.0  # DeviceTelemetry.h sendToPhoneIntervalMs
FIRST_REPORT_S = 45.0  # setIntervalFromNow(45 * 1000): after NodeInfo went out


def device_metrics(node: SimNode, now: float) -> DeviceMetricsEvent:
    return DeviceMetricsEvent(
        channel_util_pct=node.channel_util.percent(now),
        air_util_tx_pct=node.ledger.utilization_pct(now),
    )


def report_metrics(medium: Medium, node: SimNode) -> None:
    """Every minute from 45 s on, while the node has power, its DeviceMetrics go to its app."""

    def tick() -> None:
        if node.powered:
            node._emit(device_metrics(node, medium.now))  # goes to its app like every event
        medium.call_at(medium.now + TO_PHONE_INTERVAL_S, tick)

    medium.call_at(medium.now + FIRST_REPORT_S, tick)

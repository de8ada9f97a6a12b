"""Under a saturating backlog the engine keeps its site inside the EU_868 duty cycle, measured by
the simulated firmware's own ledger, and leaves the reserve for an emergency."""

from __future__ import annotations

from nsplink.protocol import ALL_CPS, Deliver, Priority
from nsplink.radio.sim import Medium
from nsplink.scenario.network import SimNetwork
from tests.scenario.helpers import emergency, sitrep


def test_saturated_sender_never_exceeds_the_duty_cycle_and_keeps_the_reserve() -> None:
    medium = Medium(seed=9)
    net = SimNetwork(medium, seed=9)
    nsp = net.add_site("nsp", "nsp", 0x31)
    net.add_site("cp", "cp", 0x32)
    medium.set_link(0x31, 0x32, snr_db=6.0)
    for v in range(1500):
        net.submit("nsp", sitrep(v % 200), ALL_CPS, Priority.P3)
    peak = 0.0
    refused = 0
    for minute in range(1, 121):
        net.run_until(minute * 60.0)
        peak = max(peak, nsp.node.ledger.utilization_pct(medium.now))
        refused = medium.stats["duty_refused_own"]
    assert peak <= 10.0  # the firmware's own rolling-hour figure
    assert refused == 0  # we never ran into the firmware's wall
    # the hour is full of routine traffic, yet an emergency goes out at once and arrives
    arrived: list[float] = []
    net.observers.append(
        lambda site, e, now: (
            arrived.append(now)
            if site.name == "cp"
            and isinstance(e, Deliver)
            and e.msg.envelope.type.value == "emergency"
            else None
        )
    )
    t0 = net.now
    net.submit("nsp", emergency(), ALL_CPS, Priority.P1)
    net.run_for(60)
    assert arrived and arrived[0] - t0 < 60

"""The device's minute report of channel utilisation and airUtilTx (issue 17)."""

from __future__ import annotations

import pytest
import simtools
from simtools import PORT, collect, of

from nsplink.radio.base import ChannelLoad
from nsplink.radio.sim.driver import radio_event
from nsplink.radio.sim.events import DeviceMetricsEvent
from nsplink.radio.sim.packet import BROADCAST
from nsplink.radio.sim.telemetry import report_metrics


def test_reports_every_minute_what_the_node_sent_and_heard() -> None:
    """From 45 s after start, once a minute: node 2 heard node 1's two frames and repeated
    them; node 3 heard only the repeats. airUtilTx is the node's own airtime of the hour."""
    m = simtools.chain(3)
    got = collect(m)
    for node in m.nodes.values():
        report_metrics(m, node)
    for t in (1.0, 20.0):
        m.advance_to(t)
        m.nodes[1].send(dest=BROADCAST, payload=bytes(40), portnum=PORT, hop_limit=1)
    m.advance_to(200.0)
    reports = {n: of(evs, DeviceMetricsEvent) for n, evs in got.items()}
    assert [len(r) for r in reports.values()] == [3, 3, 3]  # at 45, 105, 165 s
    first = {n: r[0] for n, r in reports.items()}
    assert first[1].channel_util_pct == pytest.approx(first[2].channel_util_pct, rel=0.05)
    assert first[2].channel_util_pct > first[3].channel_util_pct > 0  # 3 hears the repeats
    assert first[1].air_util_tx_pct > 0
    assert first[2].air_util_tx_pct == pytest.approx(first[1].air_util_tx_pct)  # the repeats
    # node 1's minute: its two frames and the two repeats it heard; its hour: its two frames
    assert first[1].channel_util_pct == pytest.approx(2 * 60 * first[1].air_util_tx_pct)
    assert first[3].air_util_tx_pct == 0.0  # hop limit 1: node 3 repeats nothing
    assert all(r[2].channel_util_pct == 0.0 for r in reports.values())  # a quiet minute


def test_an_adapter_sees_a_report_as_channel_load() -> None:
    ev = DeviceMetricsEvent(channel_util_pct=31.5, air_util_tx_pct=4.25)
    assert radio_event(1, PORT, ev) == ChannelLoad(31.5, 4.25)


def test_a_node_without_power_reports_nothing() -> None:
    m = simtools.chain(2)
    got = collect(m)
    report_metrics(m, m.nodes[1])
    m.power_off(1, at=10.0)
    m.power_on(1, at=130.0)
    m.advance_to(230.0)
    assert len(of(got[1], DeviceMetricsEvent)) == 2  # at 165 and 225 s; 45 and 105 s were dark

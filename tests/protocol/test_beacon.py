"""An NSP skips a status beacon that tells the CPs nothing: it was heard, and nothing changed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nsplink.protocol import ALL_CPS, EVERYONE, ChainHead, Power, Priority
from nsplink.protocol.beacon import QUIET_MAX_S, beacon_due, status_news
from nsplink.protocol.effects import Created
from nsplink.protocol.messages import Receipt, Status
from tests.protocol.test_engine import T0, make, signed
from tests.scenario.helpers import sitrep

ON_BATTERY = Status(power=Power.ACCU, battery_pct=80, power_hours=40, queue_depth=0)


@pytest.mark.parametrize(
    ("later", "after_s", "news"),
    [
        (ON_BATTERY, 600, False),
        (replace(ON_BATTERY, power_hours=39), 3600, False),  # counted down as expected
        (replace(ON_BATTERY, power_hours=40), 3 * 3600, True),  # off the countdown by 3 h
        (replace(ON_BATTERY, power_hours=30), 3600, True),  # draining faster than said
        (replace(ON_BATTERY, power=Power.AGG), 600, True),
        (replace(ON_BATTERY, battery_pct=70), 600, True),
        (replace(ON_BATTERY, battery_pct=75), 600, False),
        (replace(ON_BATTERY, queue_depth=1), 600, True),  # a backlog appeared
        (replace(ON_BATTERY, queue_depth=3), 600, True),
        (replace(ON_BATTERY, power_hours=255), 600, True),  # can no longer tell
    ],
)
def test_what_counts_as_news_in_a_beacon(later: Status, after_s: float, news: bool) -> None:
    assert status_news(ON_BATTERY, T0, later, T0 + after_s) is news


def test_hours_running_low_are_always_news() -> None:
    low = replace(ON_BATTERY, power_hours=5)
    assert status_news(low, T0, replace(low, power_hours=5), T0 + 60)


def test_a_beacon_is_skipped_only_by_an_nsp_a_cp_heard_since_its_last_one() -> None:
    last = (T0, ON_BATTERY)
    now = T0 + 1800
    assert not beacon_due("nsp", ON_BATTERY, now, last, cps_heard_us_at=T0 + 900)
    assert beacon_due("nsp", ON_BATTERY, now, last, cps_heard_us_at=T0 - 1)  # before the last
    assert beacon_due("nsp", ON_BATTERY, now, last, cps_heard_us_at=None)
    assert beacon_due("nsp", ON_BATTERY, now, None, cps_heard_us_at=T0 + 900)  # first this run
    assert beacon_due("cp", ON_BATTERY, now, last, cps_heard_us_at=T0 + 900)
    assert beacon_due("relay", ON_BATTERY, now, last, cps_heard_us_at=T0 + 900)
    with_head = replace(ON_BATTERY, head=ChainHead(12, bytes(8)))
    assert beacon_due("nsp", with_head, now, last, cps_heard_us_at=T0 + 900)
    late = T0 + QUIET_MAX_S
    assert beacon_due("nsp", ON_BATTERY, late, last, cps_heard_us_at=late - 60)


def test_the_engine_skips_the_beacon_after_a_cp_receipted_its_sitrep() -> None:
    """Driven through the engine as the daemon and the simulator drive it: the beacon, a
    sitrep, the CP's signed receipt of it, and the next beacon is not worth sending; without
    that receipt it is."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    eng = nsp.engine
    assert eng.beacon_due(ON_BATTERY, T0)
    nsp.run(eng.send_message(ON_BATTERY, EVERYONE, Priority.P4, T0), T0)
    report = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 900)
    t = T0 + 600
    nsp.run(eng.submit(report, t), t)
    assert eng.beacon_due(ON_BATTERY, T0 + 1800)  # sent, but no CP has said so
    cp.run(cp.engine.on_frame(report.frame, 1, 0, t), t)
    cp.tick(t + 120)
    receipts = [
        e.msg
        for e in cp.effects
        if isinstance(e, Created) and isinstance(e.msg.envelope.body, Receipt)
    ]
    assert receipts
    t = T0 + 900
    for r in receipts:
        nsp.run(eng.on_frame(r.frame, 2, 0, t), t)
    assert not eng.beacon_due(ON_BATTERY, T0 + 1800)
    assert eng.beacon_due(replace(ON_BATTERY, power=Power.AGG), T0 + 1800)  # news goes

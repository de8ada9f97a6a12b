"""The rolling-hour duty-cycle ledger and channel utilisation, as airtime.cpp keeps them."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nsplink.lora.dutycycle import ChannelUtilization, DutyCycleLedger, RollingWindow


def test_budget_is_ten_percent_of_an_hour() -> None:
    led = DutyCycleLedger()
    assert led.budget_ms == 360_000
    assert led.allowed(0) and led.used_ms(0) == 0


def test_gate_closes_only_above_the_duty_cycle_and_last_packet_may_overshoot() -> None:
    led = DutyCycleLedger(10.0)
    n = 0
    t = 0.0
    while led.allowed(t):
        led.record(t, 2156)  # full LONG_FAST packets
        n += 1
        t += 1.0
    # 166 packets (357 896 ms) stay under 10 %; the gate checks before booking, so the 167th
    # still goes and overshoots to 360 052 ms
    assert n == 167
    assert led.utilization_pct(t) > 10.0
    assert not led.allowed(t)


def test_relays_and_own_packets_share_one_budget_and_roll_out_after_an_hour() -> None:
    led = DutyCycleLedger(10.0)
    led.record(30.0, 200_000)  # minute 0
    led.record(61.0, 170_000)  # minute 1
    assert not led.allowed(100.0)
    assert not led.allowed(3599.9)  # minute 59: both minutes still in the window
    assert led.used_ms(3600.0) == 170_000  # minute 60 reuses minute 0's bucket
    assert led.allowed(3600.0)
    assert led.used_ms(3660.0) == 0


def test_time_until_allowed_plans_around_the_minute_buckets() -> None:
    led = DutyCycleLedger(10.0)
    led.record(10.0, 300_000)  # minute 0
    led.record(125.0, 50_000)  # minute 2
    now = 200.0
    assert led.headroom_ms(now) == 10_000
    assert led.time_until_allowed(now, 5_000) == 0.0
    # 20 s of airtime has to wait until minute 0 leaves the window at t = 3600
    assert led.time_until_allowed(now, 20_000) == pytest.approx(3400.0)
    # more than minute 0 frees -> also wait for minute 2 (t = 3720)
    assert led.time_until_allowed(now, 320_000) == pytest.approx(3520.0)
    assert math.isinf(led.time_until_allowed(now, 400_000))


def test_planning_against_a_smaller_share_and_the_public_expiries() -> None:
    led = DutyCycleLedger(10.0)
    led.record(10.0, 100_000)  # minute 0
    led.record(70.0, 50_000)  # minute 1
    assert led.expiries(100.0) == [(3600.0, 100_000), (3660.0, 50_000)]
    # a scheduler keeping 40 % of the budget for emergencies plans against 216 s
    assert led.time_until_fits(100.0, 60_000, 216_000) == 0.0
    assert led.time_until_fits(100.0, 70_000, 216_000) == pytest.approx(3500.0)
    assert math.isinf(led.time_until_fits(100.0, 300_000, 216_000))


def test_silent_minutes_like_getsilentminutes() -> None:
    led = DutyCycleLedger(10.0)
    assert led.silent_minutes(0) == 0
    for minute in range(10):
        led.record(minute * 60 + 1, 40_000)  # 400 s in 10 minutes: 11.1 %
    now = 10 * 60 + 5.0
    assert not led.allowed(now)
    # dropping the oldest minute is enough, and that one leaves the window at t = 3600
    assert led.silent_minutes(now) == 50
    assert led.silent_minutes(now) == math.ceil(led.time_until_allowed(now) / 60)
    assert led.silent_minutes(3600.0) == 0


def test_polite_threshold_is_half() -> None:
    led = DutyCycleLedger(10.0)
    led.record(0, 179_999)
    assert led.polite_allowed(1)
    led.record(0, 1)
    assert not led.polite_allowed(1)
    assert led.allowed(1)


def test_no_limit_at_100_percent() -> None:
    led = DutyCycleLedger(100.0)
    led.record(0, 3_600_000)
    assert led.allowed(0) and led.time_until_allowed(0, 1e9) == 0.0


def test_boot_offset_sets_minute_boundaries() -> None:
    led = DutyCycleLedger(10.0, boot_s=30.0)
    led.record(31.0, 1000)  # boot minute 0 = [30, 90)
    assert led.used_ms(30.0 + 3599.0) == 1000
    assert led.used_ms(30.0 + 3600.0) == 0


def test_clock_going_back_books_into_the_newest_bucket() -> None:
    led = DutyCycleLedger(10.0)
    led.record(600.0, 1000)
    led.record(10.0, 500)  # earlier than the newest bucket: counted, not lost
    assert led.used_ms(600.0) == 1500


@pytest.mark.parametrize("bad", [-1.0, float("nan")])
def test_bad_airtime_rejected(bad: float) -> None:
    with pytest.raises(ValueError):
        DutyCycleLedger().record(0.0, bad)


@pytest.mark.parametrize("bad", [0.0, -5.0, 101.0])
def test_bad_duty(bad: float) -> None:
    with pytest.raises(ValueError):
        DutyCycleLedger(bad)


def test_channel_utilization_window_is_one_minute() -> None:
    cu = ChannelUtilization()
    cu.record(1.0, 6000)
    cu.record(15.0, 6000)
    assert cu.percent(20.0) == pytest.approx(20.0)
    assert cu.percent(60.0) == pytest.approx(10.0)  # the [0, 10) bucket is reused at 60 s
    assert cu.percent(80.0) == 0.0


def test_overlapping_frames_keep_the_channel_busy_once() -> None:
    """A radio receives one frame at a time: frames sensed together are one busy period, so
    the figure is a share of the minute, as the device reports it."""
    cu = ChannelUtilization()
    cu.record_on_air(10.0, 12.0, at_s=10.0)  # our own transmission, booked when it starts
    cu.record_on_air(11.0, 13.0, at_s=13.0)  # a frame heard while (and after) we sent: 1 s new
    cu.record_on_air(11.5, 12.5, at_s=12.5)  # inside what is booked already: nothing
    assert cu.percent(13.0) == pytest.approx(3000 / 60_000 * 100)
    for k in range(200):  # ten frames at once, for a minute
        cu.record_on_air(20.0 + k * 0.3, 21.0 + k * 0.3, at_s=21.0 + k * 0.3)
    assert cu.percent(80.0) <= 100.0


@given(
    st.lists(
        st.tuples(st.floats(0, 20_000, allow_nan=False), st.integers(0, 5000)),
        max_size=60,
    ),
    st.floats(0, 25_000, allow_nan=False),
)
def test_window_equals_brute_force(records: list[tuple[float, int]], probe: float) -> None:
    records.sort()
    led = DutyCycleLedger(10.0)
    for t, ms in records:
        led.record(t, ms)
    probe = max(probe, records[-1][0] if records else 0.0)
    minute = math.floor(probe / 60)
    want = sum(ms for t, ms in records if minute - 60 < math.floor(t / 60) <= minute)
    assert led.used_ms(probe) == want
    # planning never says "now" when it would overshoot, and is tight to the bucket edge
    wait = led.time_until_allowed(probe, 1000)
    if math.isfinite(wait):
        assert led.used_ms(probe + wait) + 1000 <= led.budget_ms


def test_rolling_window_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        RollingWindow(0, 6)


def test_expiries_are_the_buckets_each_leaving_when_its_slot_comes_round() -> None:
    """`expiries` (walked one at a time by the planner) against the window's buckets: each
    non-empty one, oldest first, leaving `n` buckets after it started; and the ledger's wait
    for room against a scan of those expiries."""
    import random

    rng = random.Random(4)
    for boot in (0.0, 17.5):
        w = RollingWindow(60.0, 60, boot)
        ledger = DutyCycleLedger(10.0, boot_s=boot)
        now = boot
        for _ in range(400):
            now += rng.expovariate(1 / 40)
            amount = rng.uniform(0, 3000)
            w.add(now, amount)
            ledger.record(now, amount)
            idx = math.floor((now - boot) / 60.0)
            want = [
                (boot + (idx - 59 + i + 60) * 60.0, a)
                for i, a in enumerate(w.bucket_amounts(now))
                if a
            ]
            assert w.expiries(now) == want
            need = rng.uniform(0, 4000)
            limit = ledger.budget_ms
            used, wait = ledger.used_ms(now), math.inf
            if used + need <= limit:
                wait = 0.0
            else:
                for t, a in ledger.expiries(now):
                    used -= a
                    if used + need <= limit:
                        wait = max(0.0, t - now)
                        break
            assert ledger.time_until_fits(now, need, limit) == wait

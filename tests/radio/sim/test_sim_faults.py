"""Faults at given times: power loss, radio off, partitions; their effect on the firmware state."""

from __future__ import annotations

import simtools
from simtools import PORT, collect

from nsplink.radio.sim import AppReceive, Medium, RoutingEvent
from nsplink.radio.sim import events as ev
from nsplink.radio.sim.packet import BROADCAST


def chain(n: int, seed: int = 1) -> tuple[Medium, dict[int, list[object]]]:
    m = simtools.chain(n, seed=seed, trace=True)
    return m, collect(m)


def apps(evs: list[object]) -> list[AppReceive]:
    return [e for e in evs if isinstance(e, AppReceive)]


def routing(evs: list[object]) -> list[tuple[int, int]]:
    return [(e.error_reason, e.from_node) for e in evs if isinstance(e, RoutingEvent)]


def test_receiver_powered_off_then_on_catches_the_last_retry() -> None:
    m, got = chain(2)
    power: list[bool] = []
    m.node(2).on_power = power.append
    m.power_off(2)
    m.power_on(2, at=10.0)  # the retries go at about 7.1 s and 14.2 s
    m.node(1).send(dest=2, payload=b"na stroomuitval", portnum=PORT, want_ack=True)
    m.advance_to(60)
    [rx] = apps(got[2])
    assert rx.rx_time > 10.0 and power == [False, True]
    assert routing(got[1]) == [(0, 2)]
    assert m.stats["tx_own"] == 4  # three copies of the message and the ack


def test_sender_losing_power_mid_air_loses_the_frame_and_its_retries() -> None:
    m, got = chain(2)
    m.node(1).send(dest=2, payload=b"x" * 200, portnum=PORT, want_ack=True)
    m.advance_to(0.5)  # on air from <= 0.196 s for about 1.9 s
    assert m.node(1).transmitting is not None
    m.power_off(1)
    m.advance_to(60)
    assert apps(got[2]) == [] and routing(got[1]) == []
    assert m.stats["tx_aborted"] == 1 and m.stats["tx"] == 1
    assert len(m.node(1).queue) == 0 and m.node(1).pending == {}


def test_power_cycle_forgets_the_duty_cycle_ledger_like_the_firmware() -> None:
    m, _ = chain(2)
    m.node(1).ledger.record(m.now, 400_000)
    res = m.node(1).send(dest=2, payload=b"x", portnum=PORT)
    assert res.res == ev.ERR_DUTY_CYCLE_LIMIT
    m.power_off(1)
    m.power_on(1)
    assert m.node(1).send(dest=2, payload=b"x", portnum=PORT).ok


def test_radio_off_keeps_the_queue_and_refuses_new_sends() -> None:
    m, got = chain(2)
    m.node(1).send(dest=BROADCAST, payload=b"voor", portnum=PORT)
    m.radio_off(1)
    res = m.node(1).send(dest=BROADCAST, payload=b"tijdens", portnum=PORT)
    assert res.res == ev.ERRNO_DISABLED and res.free == 15
    m.node(2).send(dest=BROADCAST, payload=b"van 2", portnum=PORT)
    m.advance_to(20)
    assert apps(got[1]) == [] and apps(got[2]) == []  # deaf and mute
    m.radio_on(1, at=30.0)
    m.advance_to(60)
    assert [r.payload for r in apps(got[2])] == [b"voor"]


def test_scheduled_partition_and_heal() -> None:
    m, got = chain(3)
    m.partition([[1, 2]], at=10.0)  # node 3 is left on its own
    m.heal(at=20.0)
    m.node(1).send(dest=BROADCAST, payload=b"a", portnum=PORT)
    m.advance_to(11.0)
    m.node(1).send(dest=BROADCAST, payload=b"b", portnum=PORT)
    m.advance_to(21.0)
    m.node(1).send(dest=BROADCAST, payload=b"c", portnum=PORT)
    m.advance_to(40.0)
    assert [r.payload for r in apps(got[2])] == [b"a", b"b", b"c"]
    assert [r.payload for r in apps(got[3])] == [b"a", b"c"]
    assert m.trace is not None
    faults = [(e[0], e[1]) for e in m.trace if e[0] in ("partition", "heal")]
    assert faults == [("partition", 10.0), ("heal", 20.0)]


def test_call_at_runs_scripted_actions_in_time_order() -> None:
    m, _ = chain(2)
    seen: list[float] = []
    m.call_at(5.0, lambda: seen.append(m.now))
    m.call_at(2.0, lambda: seen.append(m.now))
    m.call_at(2.0, lambda: seen.append(-m.now))  # same time: in the order scheduled
    assert m.next_event_time() == 2.0
    m.advance_to(10.0)
    assert seen == [2.0, -2.0, 5.0] and m.now == 10.0
    assert m.next_event_time() is None


def test_a_crashing_app_callback_does_not_stop_the_medium() -> None:
    m, got = chain(3)

    def boom(_e: object) -> None:
        raise RuntimeError("app bug")

    m.node(2).on_event = boom
    assert "app_errors" not in m.stats
    m.node(1).send(dest=BROADCAST, payload=b"x", portnum=PORT)
    m.advance_to(30)
    assert len(apps(got[3])) == 1
    # but it is counted: a scenario report with any is not a valid result (its log rows of
    # that moment were never written)
    assert m.stats["app_errors"] >= 1

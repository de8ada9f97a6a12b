"""RealtimeDriver and SimRadio: the in-process Radio over the simulated medium."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from simtools import chain

from nsplink.radio.base import (
    BROADCAST,
    Acked,
    Failed,
    LinkDown,
    LinkUp,
    OutgoingPacket,
    QueueStatus,
    Radio,
    RadioEvent,
    RadioRefused,
    RadioUnavailable,
    Received,
)
from nsplink.radio.sim import Medium, SimConfigError  # BadSpeedup's base
from nsplink.radio.sim.driver import RealtimeDriver, SimRadio, error_name

SPEEDUP = 200.0  # 1 wall second = 200 virtual seconds: retries (7 s apart) take ~35 ms


@pytest.fixture
async def running() -> AsyncIterator[tuple[Medium, RealtimeDriver]]:
    m = chain(3)
    driver = RealtimeDriver(m, speedup=SPEEDUP)
    task = asyncio.create_task(driver.run())
    try:
        yield m, driver
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def next_of(radio: SimRadio, kind: type, limit: float = 5.0) -> RadioEvent:
    async def find() -> RadioEvent:
        while True:
            ev = await radio.next_event()
            if isinstance(ev, kind):
                return ev

    return await asyncio.wait_for(find(), limit)


async def test_dm_is_received_and_acked(running: tuple[Medium, RealtimeDriver]) -> None:
    m, driver = running
    a, c = SimRadio(m.node(1), driver), SimRadio(m.node(3), driver)
    assert isinstance(a, Radio)
    assert a.node_num is None
    await a.open()
    await c.open()
    assert a.node_num == 1
    assert await next_of(a, LinkUp) == LinkUp(1)
    pid = await a.send(OutgoingPacket(payload="Zoë".encode(), dest=3, want_ack=True))
    qs = await next_of(a, QueueStatus)
    assert qs == QueueStatus(free=15, maxlen=16, packet_id=pid, res=0)
    rx = await next_of(c, Received)
    assert isinstance(rx, Received)
    assert (rx.from_node, rx.to_node, rx.payload, rx.packet_id) == (1, 3, "Zoë".encode(), pid)
    assert rx.hop_start == 3 and rx.hop_limit == 2 and rx.rx_snr == 5.0
    implicit = await next_of(a, Acked)
    assert implicit == Acked(pid, 1, implicit=True)  # node 2 repeated it
    real = await next_of(a, Acked)
    assert real == Acked(pid, 3, implicit=False)
    await a.close()
    assert await next_of(a, LinkDown) == LinkDown("closed")
    with pytest.raises(RadioUnavailable):
        await a.send(OutgoingPacket(payload=b"x"))


async def test_other_ports_are_filtered(running: tuple[Medium, RealtimeDriver]) -> None:
    m, driver = running
    b = SimRadio(m.node(2), driver)
    await b.open()
    driver.sync()
    m.node(1).send(dest=BROADCAST, payload=b"tekst", portnum=1)  # TEXT_MESSAGE_APP
    m.node(1).send(dest=BROADCAST, payload=b"ons", portnum=256)
    driver.wake()
    rx = await next_of(b, Received)
    assert isinstance(rx, Received) and rx.payload == b"ons"


async def test_duty_cycle_nak_and_refusals(running: tuple[Medium, RealtimeDriver]) -> None:
    m, driver = running
    a = SimRadio(m.node(1), driver)
    await a.open()
    assert await next_of(a, LinkUp) == LinkUp(1)
    m.radio_off(1)
    with pytest.raises(RadioRefused) as exc:
        await a.send(OutgoingPacket(payload=b"x"))
    assert exc.value.reason == "RADIO_DISABLED"
    qs = await next_of(a, QueueStatus)
    assert isinstance(qs, QueueStatus) and (qs.res, qs.free) == (34, 16)
    m.radio_on(1)
    m.node(1).ledger.record(m.now, 400_000)
    pid = await a.send(OutgoingPacket(payload=b"x", dest=3, want_ack=True))
    # the nak is raised inside sendToMesh, the QueueStatus reported after it
    assert await asyncio.wait_for(a.next_event(), 5) == Failed(pid, "DUTY_CYCLE_LIMIT")
    assert await asyncio.wait_for(a.next_event(), 5) == QueueStatus(16, 16, pid, 9)
    m.power_off(1)
    assert await next_of(a, LinkDown) == LinkDown("power lost")
    with pytest.raises(RadioUnavailable):
        await a.send(OutgoingPacket(payload=b"x"))
    m.power_on(1)
    assert await next_of(a, LinkUp) == LinkUp(1)


async def test_open_on_a_dead_node_fails(running: tuple[Medium, RealtimeDriver]) -> None:
    m, driver = running
    m.power_off(2)
    with pytest.raises(RadioUnavailable):
        await SimRadio(m.node(2), driver).open()


async def test_max_retransmit_reaches_the_app_as_failed(
    running: tuple[Medium, RealtimeDriver],
) -> None:
    m, driver = running
    a = SimRadio(m.node(1), driver)
    await a.open()
    m.power_off(2)  # else node 2's relay would count as an implicit ack
    pid = await a.send(OutgoingPacket(payload=b"x", dest=3, want_ack=True))
    assert await next_of(a, Failed) == Failed(pid, "MAX_RETRANSMIT")


def test_wall_clock_maps_onto_virtual_time_with_the_speedup() -> None:
    now = [100.0]
    m = chain(2)
    m.advance_to(50.0)
    driver = RealtimeDriver(m, speedup=10.0, clock=lambda: now[0])
    assert driver.virtual_now() == 50.0  # not started: the medium's own time
    driver._wall0, driver._virt0 = now[0], m.now  # what run() does on start
    now[0] += 2.5
    assert driver.virtual_now() == 75.0
    driver.sync()
    assert m.now == 75.0
    with pytest.raises(SimConfigError):
        RealtimeDriver(m, speedup=0)
    assert error_name(9) == "DUTY_CYCLE_LIMIT" and error_name(200) == "ERROR_200"

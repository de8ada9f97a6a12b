"""The one driver contract (app/driver.py): what it asks for, in which order, and how it reads the
radio. A real engine and a real journal over a real SQLite file; the radio's answers by hand."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

import pytest

from nsplink.app.driver import (
    EngineDriver,
    Persist,
    Request,
    Reserve,
    RosterHeard,
    Send,
    hops_of,
    refusal_reason,
    run_now,
)
from nsplink.app.journal import Journal
from nsplink.protocol import (
    ALL_CPS,
    Created,
    EngineConfig,
    Identity,
    KeyRing,
    PeerKey,
    Priority,
    Refused,
    SiteEngine,
)
from nsplink.radio.base import (
    Acked,
    LinkUp,
    QueueStatus,
    RadioRefused,
    RadioUnavailable,
    Received,
)
from nsplink.store import Store
from nsplink.store import events as ev
from tests.scenario.helpers import emergency

T0 = 1_767_225_600.0


def _site(tmp_path: Path) -> tuple[EngineDriver, Store, SiteEngine]:
    ident = Identity(bytes(range(32)))
    ring = KeyRing()
    ring.add(PeerKey("nsp-a", "nsp", ident.public_key))
    ring.add(PeerKey("cp", "cp", Identity(bytes(32)).public_key))
    engine = SiteEngine(ident, ring, EngineConfig(role="nsp"), rng=random.Random(1), now=T0)
    store = asyncio.run(Store.open(tmp_path / "site.db"))
    journal = Journal("nsp-a", engine, ring, store, lambda: T0)
    return EngineDriver(engine, journal, lambda: T0), store, engine


def _requests(driver: EngineDriver, effects: list[Any], answers: dict[type, Any]) -> list[Request]:
    seen: list[Request] = []

    def answer(request: Request) -> Any:
        seen.append(request)
        return answers.get(type(request))

    run_now(driver.carry_out(effects), answer)
    return seen


def test_rows_are_persisted_before_the_frame_goes_to_the_radio(tmp_path: Path) -> None:
    driver, store, engine = _site(tmp_path)
    run_now(driver.carry_out(engine.provide_seqs(range(1, 20), T0)), lambda r: None)
    msg = engine.compose(emergency(), ALL_CPS, Priority.P1, T0)
    assert msg is not None
    requests = _requests(driver, [Created(msg), *engine.submit(msg, T0)], {Send: 77})
    kinds = [type(r) for r in requests]
    assert kinds[:2] == [Persist, Send], kinds
    first = requests[0]
    assert isinstance(first, Persist)
    assert [e.kind for e in first.events] == [ev.MESSAGE_CREATED, ev.MESSAGE_QUEUED]
    # the engine's answer to the hand-over (sent, handed) is persisted after it
    last = requests[-1]
    assert isinstance(last, Persist) and ev.MESSAGE_SENT in [e.kind for e in last.events]
    asyncio.run(store.close())


def test_a_refusal_reaches_the_engine_with_one_vocabulary(tmp_path: Path) -> None:
    driver, store, engine = _site(tmp_path)
    run_now(driver.carry_out(engine.provide_seqs(range(1, 20), T0)), lambda r: None)
    msg = engine.compose(emergency(), ALL_CPS, Priority.P1, T0)
    assert msg is not None
    seen: list[Any] = []
    driver.observe = seen.append
    _requests(driver, engine.submit(msg, T0), {Send: RadioRefused("RADIO_DISABLED")})
    (refused,) = [e for e in seen if isinstance(e, Refused)]
    assert refused.reason == "unavailable"
    asyncio.run(store.close())


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (RadioRefused("QUEUE_FULL"), "queue_full"),
        (RadioRefused("DUTY_CYCLE_LIMIT"), "duty_cycle"),
        (RadioRefused("RADIO_DISABLED"), "unavailable"),
        (RadioUnavailable("closed"), "unavailable"),
    ],
)
def test_refusal_reasons(error: Exception, reason: str) -> None:
    assert refusal_reason(error) == reason  # type: ignore[arg-type]


def test_sequence_numbers_are_asked_for_when_the_engine_runs_low(tmp_path: Path) -> None:
    driver, store, engine = _site(tmp_path)
    requests = _requests(driver, engine.provide_seqs([], T0) or [], {Reserve: list(range(1, 17))})
    assert requests == []  # nothing asked: the engine only says NeedSeqs when it must sign
    from nsplink.protocol import EVERYONE, Power, Status

    beacon = Status(power=Power.NET, battery_pct=100, power_hours=255, queue_depth=0)
    requests = _requests(
        driver, engine.send_message(beacon, EVERYONE, Priority.P4, T0), {Reserve: [1, 2, 3]}
    )
    assert [type(r) for r in requests] == [Reserve]
    asyncio.run(store.close())


def test_radio_events_become_engine_calls(tmp_path: Path) -> None:
    driver, store, _ = _site(tmp_path)
    junk = Received(from_node=5, to_node=0xFFFFFFFF, payload=b"\x00junk", packet_id=1)
    (rejected,) = driver.on_radio(junk, T0)
    assert type(rejected).__name__ == "Rejected"
    assert driver.on_radio(Acked(packet_id=999, from_node=5, implicit=True), T0) == []
    assert driver.on_radio(QueueStatus(free=0, maxlen=16), T0) == []
    assert isinstance(driver.on_radio(LinkUp(1), T0), list)
    asyncio.run(store.close())


def test_hops_from_the_packet_header() -> None:
    base = {"from_node": 1, "to_node": 2, "payload": b"", "packet_id": 1}
    assert hops_of(Received(**base, hop_start=3, hop_limit=1)) == 2
    assert hops_of(Received(**base, hop_start=0, hop_limit=3)) is None  # older firmware
    assert hops_of(Received(**base)) is None


def test_a_heard_roster_is_the_daemons_to_apply(tmp_path: Path) -> None:
    from nsplink.protocol import ALL_NSPS, Deliver, RosterUpdate, SignedMessage

    driver, store, engine = _site(tmp_path)
    run_now(driver.carry_out(engine.provide_seqs(range(1, 20), T0)), lambda r: None)
    msg = engine.compose(RosterUpdate(b"signed roster bytes"), ALL_NSPS, Priority.P2, T0)
    assert isinstance(msg, SignedMessage)
    requests = _requests(driver, [Deliver(msg, 5, 1)], {})
    assert [type(r) for r in requests] == [RosterHeard]
    asyncio.run(store.close())

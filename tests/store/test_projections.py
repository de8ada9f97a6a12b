"""Projections follow the log in the same transaction, and rebuild gives the same tables."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from nsplink.store import Event, Store
from nsplink.store import events as k

from .factory import SITE, created, random_run, received, sent


async def test_outbox_follows_a_message_through_its_life(store: Store) -> None:
    ref = "a1b2:1"
    await store.append_many([created(ref, 1, at=10), Event(k.MESSAGE_QUEUED, 10, SITE, ref)])
    item = await store.outbox_item(ref)
    assert item is not None and item.state == "queued" and item.attempts == 0
    await store.append(
        Event(k.MESSAGE_REFUSED, 11, SITE, ref, {"reason": "duty_cycle", "retry_at": 71.0})
    )
    item = await store.outbox_item(ref)
    assert item and item.state == "queued" and item.last_error == "duty_cycle"
    assert item.next_retry_at == 71.0
    await store.append_many([sent(ref, 1, at=80), sent(ref, 2, at=90, airtime_ms=500)])
    retry = {"attempt": 2, "packet_id": 1002, "airtime_ms": 0, "next_retry_at": 150.0}
    await store.append(Event(k.MESSAGE_SENT, 90, SITE, ref, retry))
    assert (await store.outbox_item(ref)).next_retry_at == 150.0  # type: ignore[union-attr]
    item = await store.outbox_item(ref)
    assert item and (item.state, item.attempts, item.airtime_ms) == ("handed", 2, 1630)
    assert item.last_error is None
    await store.append(Event(k.MESSAGE_HEARD_REPEATED, 91, SITE, ref))
    await store.append(Event(k.MESSAGE_RETRIES_ENDED, 95, SITE, ref, {"reason": "superseded"}))
    item = await store.outbox_item(ref)
    assert item and item.state == "heard" and item.next_retry_at is None  # no next try
    await store.append(Event(k.MESSAGE_UNDELIVERED, 3700, SITE, ref, {"after_s": 3600}))
    assert (await store.outbox_item(ref)).state == "undelivered"  # type: ignore[union-attr]
    await store.append(Event(k.MESSAGE_DELIVERED, 3800, SITE, ref, {"receipt_ref": "c0:4"}))
    # a late implicit ack never hides the signed receipt
    await store.append(Event(k.MESSAGE_HEARD_REPEATED, 3900, SITE, ref))
    item = await store.outbox_item(ref)
    assert item and item.state == "delivered" and item.updated_at == 3900


async def test_bulletin_is_delivered_only_when_every_recipient_receipted(store: Store) -> None:
    ref = "c0:9"
    await store.append(
        created(ref, 9, type_="bulletin", destination="*", recipients=["nsp-1", "nsp-2"])
    )
    await store.append(Event(k.MESSAGE_DELIVERED, 5, SITE, ref, {"recipient": "nsp-2"}))
    assert await store.recipients(ref) == {"nsp-1": "pending", "nsp-2": "delivered"}
    assert (await store.outbox_item(ref)).state == "partial"  # type: ignore[union-attr]
    await store.append(Event(k.MESSAGE_DELIVERED, 6, SITE, ref, {"recipient": "nsp-1"}))
    assert (await store.outbox_item(ref)).state == "delivered"  # type: ignore[union-attr]


async def test_partial_flag_from_the_protocol_when_recipients_were_not_listed(store: Store) -> None:
    ref = "c0:10"
    await store.append(created(ref, 10, type_="bulletin", destination="*"))
    first = {"recipient": "nsp-1", "partial": True}
    await store.append(Event(k.MESSAGE_DELIVERED, 5, SITE, ref, first))
    assert (await store.outbox_item(ref)).state == "partial"  # type: ignore[union-attr]
    await store.append(Event(k.MESSAGE_DELIVERED, 6, SITE, ref, {"recipient": "nsp-2"}))
    assert (await store.outbox_item(ref)).state == "delivered"  # type: ignore[union-attr]
    assert await store.recipients(ref) == {"nsp-1": "delivered", "nsp-2": "delivered"}


async def test_cp_handling_state_from_triage_receipts_shows_in_the_outbox(store: Store) -> None:
    ref = "a1b2:1"
    await store.append_many([created(ref, 1), Event(k.MESSAGE_QUEUED, 1, SITE, ref)])
    await store.append_many(
        [
            Event(k.RECEIPT_RECEIVED, 50, SITE, ref, {"recipient": "cp", "receipt": "DELIVERY"}),
            Event(k.MESSAGE_DELIVERED, 50, SITE, ref, {"recipient": "cp"}),
            Event(k.RECEIPT_RECEIVED, 90, SITE, ref, {"recipient": "cp", "state": "MKAMER"}),
        ]
    )
    item = await store.outbox_item(ref)
    assert item is not None
    assert (item.state, item.remote_state, item.remote_state_at) == ("delivered", "MKAMER", 90.0)


def test_outbox_states_cover_the_protocols_delivery_states() -> None:
    from nsplink.protocol import DeliveryState
    from nsplink.store.projector import OUTBOX_STATES

    assert {s.value for s in DeliveryState} <= set(OUTBOX_STATES)


async def test_custody_taken_for_others_and_confirmed_for_ours(store: Store) -> None:
    await store.append(created("a1b2:1", 1))
    await store.append_many(
        [
            Event(k.MESSAGE_CUSTODY, 2, SITE, "a1b2:1", {"action": "confirmed", "holder": "r7"}),
            Event(
                k.MESSAGE_CUSTODY,
                3,
                SITE,
                "e5:2",
                {"action": "taken", "origin": "nsp-9", "destination": "cp"},
            ),
            Event(k.MESSAGE_CUSTODY, 4, SITE, "e5:2", {"action": "forwarded"}),
        ]
    )
    assert (await store.outbox_item("a1b2:1")).state == "custody"  # type: ignore[union-attr]
    held = {c.ref: (c.state, c.origin, c.destination) for c in await store.custody()}
    assert held == {"a1b2:1": ("confirmed", None, None), "e5:2": ("forwarded", "nsp-9", "cp")}
    assert await store.outbox_item("e5:2") is None  # not our message


async def test_inbox_counts_duplicates_and_orders_by_priority(store: Store) -> None:
    await store.append_many(
        [
            received("c3:1", "c3", 1, at=10, priority="P3"),
            received("c3:2", "c3", 2, at=11, priority="P1"),
            Event(k.MESSAGE_DUPLICATE, 12, "cp", "c3:1", {"sender": "c3", "seq": 1}),
            received("c3:1", "c3", 1, at=13, priority="P3"),  # the same frame logged twice
            Event(k.MESSAGE_VERIFIED, 14, "cp", "c3:2"),
            Event(k.MESSAGE_QUARANTINED, 15, "cp", "c3:1", {"code": "protocol.unknown_sender"}),
        ]
    )
    queue = await store.inbox()
    assert [(i.ref, i.local_id) for i in queue] == [("c3:2", 2), ("c3:1", 1)]
    assert queue[1].duplicates == 2 and queue[1].trust == "quarantined"
    assert queue[1].triage == "QUAR" and queue[0].trust == "verified"
    assert [i.ref for i in await store.inbox(trust=["verified"])] == ["c3:2"]
    state = await store.seq_state("c3")
    assert state is not None and (state.highest_received, state.received) == (2, 3)
    assert state.duplicates == 1


async def test_triage_and_receipts_update_the_cp_queue(store: Store) -> None:
    await store.append(received("c3:1", "c3", 1))
    await store.append_many(
        [
            Event(k.RECEIPT_SENT, 20, "cp", "c3:1", {"packet_id": 4}),
            Event(
                k.TRIAGE_CHANGED,
                21,
                "cp",
                "c3:1",
                {"state": "MKAMER", "operator": "Anaïs", "note": "112 gebeld"},
            ),
        ]
    )
    item = await store.inbox_item(1)
    assert item is not None
    assert (item.triage, item.operator, item.note, item.receipted_at) == (
        "MKAMER",
        "Anaïs",
        "112 gebeld",
        20.0,
    )
    assert [i.ref for i in await store.inbox(triage=["ONTV"])] == []


async def test_next_seq_continues_after_the_last_created(store: Store) -> None:
    assert await store.next_seq("a1b2") == 1
    await store.append_many([created("a1b2:1", 1), created("a1b2:7", 7), created("a1b2:3", 3)])
    assert await store.next_seq("a1b2") == 8


async def test_events_for_unknown_messages_change_nothing_and_do_not_fail(store: Store) -> None:
    await store.append_many(
        [
            sent("nope:1", 1),
            Event(k.MESSAGE_DELIVERED, 1, SITE, "nope:1", {"recipient": "nsp-1"}),
            Event(k.TRIAGE_CHANGED, 1, "cp", "nope:2", {"state": "GEZ", "operator": "x"}),
            Event(k.MESSAGE_VERIFIED, 1, "cp", "nope:2"),
        ]
    )
    tables = await store.projections()
    assert not tables["outbox"] and not tables["inbox"] and not tables["outbox_recipients"]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rebuilt_projections_equal_live_ones_after_a_long_random_run(
    store: Store, db_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    evs = random_run(rng, 3000)
    i = 0
    while i < len(evs):  # a mix of single appends and batches, as daemon and CLI would do
        n = rng.choice([1, 1, 1, 5, 40])
        await store.append_many(evs[i : i + n])
        i += n
    live = await store.projections()
    assert len(live["outbox"]) > 100 and len(live["inbox"]) > 20
    assert {r[4] for r in live["outbox"]} >= {"queued", "handed", "partial", "delivered", "custody"}
    assert await store.rebuild() == len(evs)
    assert await store.projections() == live
    # and a projection damaged behind the store's back is repaired by rebuild
    raw = sqlite3.connect(db_path)
    raw.execute("DELETE FROM inbox WHERE local_id % 2 = 0")
    raw.execute("UPDATE outbox SET state = 'delivered'")
    raw.commit()
    raw.close()
    assert await store.projections() != live
    await store.rebuild()
    assert await store.projections() == live
    assert (await store.verify()).ok


async def test_reserved_seqs_are_fresh_and_move_next_seq(store: Store) -> None:
    await store.append(created("a1b2:4", 4))
    assert await store.reserve_seqs("a1b2", 3, at=5, site=SITE) == [5, 6, 7]
    assert await store.reserve_seqs("a1b2", 1, at=6, site=SITE) == [8]
    assert await store.reserve_seqs("ffff", 2, at=6, site=SITE) == [1, 2]
    assert await store.next_seq("a1b2") == 9
    reserved = await store.events(kinds=["seq.reserved"])
    assert [e.data for e in reserved] == [
        {"sender": "a1b2", "first": 5, "last": 7},
        {"sender": "a1b2", "first": 8, "last": 8},
        {"sender": "ffff", "first": 1, "last": 2},
    ]
    live = await store.projections()
    await store.rebuild()
    assert await store.projections() == live


def expected_outbox(evs: list[Event]) -> dict[str, tuple[str, int, float]]:
    """A plain-Python reading of the projection rules, to check the SQL against."""
    from nsplink.store.projector import OUTBOX_STATES

    rank = {s: n for n, s in enumerate(OUTBOX_STATES)}
    state: dict[str, str] = {}
    attempts: dict[str, int] = {}
    airtime: dict[str, float] = {}
    pending: dict[str, set[str]] = {}

    def advance(ref: str, new: str) -> None:
        if rank[new] > rank[state[ref]]:
            state[ref] = new

    for e in evs:
        d, ref = e.data, e.ref
        if e.kind == k.MESSAGE_CREATED and ref not in state:
            state[ref], attempts[ref], airtime[ref] = "created", 0, 0.0
            pending[ref] = set(d.get("recipients", []))
            continue
        if ref not in state:
            continue
        if e.kind == k.MESSAGE_QUEUED:
            advance(ref, "queued")
        elif e.kind == k.MESSAGE_SENT:
            attempts[ref] = max(attempts[ref], d["attempt"])
            airtime[ref] += d["airtime_ms"]
            advance(ref, "handed")
        elif e.kind == k.MESSAGE_HEARD_REPEATED:
            advance(ref, "heard")
        elif e.kind == k.MESSAGE_CUSTODY and d["action"] == "confirmed":
            advance(ref, "custody")
        elif e.kind == k.MESSAGE_UNDELIVERED:
            advance(ref, "undelivered")
        elif e.kind == k.MESSAGE_DELIVERED:
            if "recipient" in d:
                pending[ref].discard(d["recipient"])
                advance(ref, "partial")
                if not d.get("partial") and not pending[ref]:
                    advance(ref, "delivered")
            else:
                advance(ref, "partial" if d.get("partial") else "delivered")
    return {ref: (state[ref], attempts[ref], airtime[ref]) for ref in state}


@pytest.mark.parametrize("seed", [7, 8])
async def test_outbox_matches_a_plain_python_reading_of_the_rules(store: Store, seed: int) -> None:
    evs = random_run(random.Random(seed), 2000)
    for i in range(0, len(evs), 25):
        await store.append_many(evs[i : i + 25])
    got = {o.ref: (o.state, o.attempts, o.airtime_ms) for o in await store.outbox()}
    assert got == expected_outbox(evs)
    dupes: dict[str, int] = {}
    for e in evs:
        if e.kind in (k.MESSAGE_RECEIVED, k.MESSAGE_DUPLICATE):
            dupes[e.ref] = dupes.get(e.ref, -1 if e.kind == k.MESSAGE_RECEIVED else 0) + 1
    inbox = {i.ref: i.duplicates for i in await store.inbox()}
    assert inbox == {ref: n for ref, n in dupes.items() if ref in inbox}
    assert set(inbox) == {e.ref for e in evs if e.kind == k.MESSAGE_RECEIVED}

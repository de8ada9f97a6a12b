"""A superseded bulletin stays quiet after a restart, and the outbox stops showing a next try.

A CP stops retrying a bulletin once a newer one names it in `supersedes` (its own, or another
CP's heard on the air). That knowledge lived only in the engine: after a restart the journal
resumed the older bulletin from the log and it went on the air again, hours after every NSP
showed it as "vervallen", while the newer one (confirmed by every NSP, so not resumed) or the
other CP's (never in our outbox) told the fresh engine nothing. And the outbox row kept the next
try of the last send, a time at which nothing would happen.

A real engine, driver and journal over a real SQLite file; the "kill" drops the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nsplink.app.compose import queue_message
from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    Bulletin,
    Identity,
    KeyRing,
    MessageId,
    PeerKey,
    Priority,
    Receipt,
    ReceiptKind,
    SignedMessage,
    State,
    minutes_since_epoch,
)
from nsplink.store import Store
from nsplink.store import events as ev
from tests.app.requests import DaemonRun, sign

T0 = 1_767_225_600.0
HOUR = 3600.0
IDS = {name: Identity(bytes([i + 1]) * 32) for i, name in enumerate(("cp", "cp2", "a", "b"))}
ROLES = {"cp": "cp", "cp2": "cp", "a": "nsp", "b": "nsp"}
RING = KeyRing([PeerKey(n, ROLES[n], IDS[n].public_key) for n in IDS])
NSPS = [IDS["a"].key_id, IDS["b"].key_id]


def news(supersedes: MessageId | None = None) -> Bulletin:
    return Bulletin(
        headline="Drinkwater bij de sporthal",
        body="Vanaf 14:00 is er drinkwater bij sporthal De Wissel.",
        valid_until=minutes_since_epoch(T0) + 48 * 60,
        issuer="Veiligheidsregio Groningen",
        supersedes=supersedes,
    )


def signed(name: str, body: Any, dest: Any, seq: int, at: float) -> SignedMessage:
    return sign(IDS[name], RING, body, dest, seq, at, Priority.P3)


class Run(DaemonRun):
    """One daemon run of the CP; `sent` lists the messages it put on the air."""

    def __init__(self, store: Store, now: float) -> None:
        super().__init__("cp", IDS["cp"], RING, store, now)

    async def post(self, body: Bulletin) -> MessageId:
        """A bulletin typed at the CP's CLI, then picked up by the daemon."""
        mid, _ = await queue_message(
            self.store, IDS["cp"], "cp", body, ALL_NSPS, Priority.P3, self.now, recipients=NSPS
        )
        item = await self.store.outbox_item(str(mid))
        assert item is not None
        await self.carry_out(await self.journal.resume(item, self.now))
        return mid

    async def hear_from(self, msg: SignedMessage, node: int) -> None:
        await self.hear(msg.frame, node)


async def _restart_after(tmp_path: Path, newer_by: str | None) -> tuple[Run, Store, MessageId]:
    """The CP posts bulletin A; then (unless `newer_by` is None) a newer one replaces it, the
    CP's own confirmed by both NSPs or cp2's heard on the air. The CP is killed an hour later
    and started again, and runs eight hours more. Returns the second run and A's id."""
    store = await Store.open(tmp_path / "cp.sqlite")
    first = Run(store, T0)
    await first.start()
    old = await first.post(news())
    await first.run_until(T0 + 600)
    assert first.sent.count(old) >= 2  # nobody receipts A: the CP retries it
    item = await store.outbox_item(str(old))
    assert item is not None and item.next_retry_at is not None
    if newer_by == "cp":
        newer = await first.post(news(supersedes=old))
        for seq, nsp in enumerate(("a", "b"), 1):
            got = Receipt.build(ReceiptKind.DELIVERY, {newer: State.ONTV})
            await first.hear_from(signed(nsp, got, ALL_CPS, seq, first.now), 10 + seq)
        newer_item = await store.outbox_item(str(newer))
        assert newer_item is not None and newer_item.state == "delivered"
    elif newer_by == "cp2":
        await first.hear_from(signed("cp2", news(supersedes=old), ALL_NSPS, 7, first.now), 20)
    if newer_by is not None:
        tries = first.sent.count(old)
        await first.run_until(T0 + HOUR)
        assert first.sent.count(old) == tries  # no retry of A while the CP runs on
        item = await store.outbox_item(str(old))
        assert item is not None and item.next_retry_at is None  # the view shows no next try
    second = Run(store, T0 + HOUR + 60)  # killed: a fresh engine over the same log
    await second.start()
    await second.run_until(T0 + 9 * HOUR)
    return second, store, old


@pytest.mark.parametrize("newer_by", ["cp", "cp2"])
async def test_a_superseded_bulletin_is_not_sent_again_after_a_restart(
    tmp_path: Path, newer_by: str
) -> None:
    second, store, old = await _restart_after(tmp_path, newer_by)
    try:
        assert old not in second.sent
        item = await store.outbox_item(str(old))
        assert item is not None and item.next_retry_at is None
        ended = await store.events(ref=str(old), kinds=(ev.MESSAGE_RETRIES_ENDED,))
        assert [r.data["reason"] for r in ended] == ["superseded"]
    finally:
        await store.close()


async def test_a_bulletin_nothing_replaced_is_still_retried_after_a_restart(
    tmp_path: Path,
) -> None:
    """The control: the same restart without a newer bulletin resumes A's retries."""
    second, store, old = await _restart_after(tmp_path, None)
    try:
        assert second.sent.count(old) >= 2
        assert not await store.events(ref=str(old), kinds=(ev.MESSAGE_RETRIES_ENDED,))
    finally:
        await store.close()

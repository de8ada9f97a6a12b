"""A hand-over (protocol/handover.py) survives a restart at either end.

An NSP killed after a CP receipted its emergency, but before the half hour without a claim
have passed, still hands the report over after its start: the wait lived in the engine only,
so the log must bring it back (the report would otherwise be nobody's). A hand-over not yet
receipted is sent again, never signed twice; a claim in the log means none is made. A CP
killed after it was handed a report still knows the report is its own.

A real engine, driver and journal over a real SQLite file; the "kill" drops the engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nsplink.app.compose import queue_message
from nsplink.protocol import (
    ALL_CPS,
    HAND_AFTER_S,
    Destination,
    DestKind,
    Identity,
    KeyId,
    KeyRing,
    MessageId,
    PeerKey,
    Priority,
    Receipt,
    ReceiptKind,
    SignedMessage,
    State,
    decode,
)
from nsplink.store import Store
from nsplink.store import events as ev
from tests.app.requests import DaemonRun, sign
from tests.scenario.helpers import emergency

T0 = 1_767_225_600.0
IDS = {name: Identity(bytes([i + 7]) * 32) for i, name in enumerate(("nsp", "noord", "zuid"))}
ROLES = {"nsp": "nsp", "noord": "cp", "zuid": "cp"}
RING = KeyRing([PeerKey(n, ROLES[n], IDS[n].public_key) for n in IDS])


def signed(name: str, body: Any, dest: Destination, seq: int, at: float) -> SignedMessage:
    return sign(IDS[name], RING, body, dest, seq, at, Priority.P1)


class Run(DaemonRun):
    """One daemon run of site `name` (a kill: a new run over the same store)."""

    def __init__(self, name: str, store: Store, now: float) -> None:
        super().__init__(name, IDS[name], RING, store, now)

    def hand_overs(self) -> list[SignedMessage]:
        out = []
        for frame in self.frames:
            msg = decode(frame, RING)
            body = msg.envelope.body
            if isinstance(body, Receipt) and body.kind is ReceiptKind.HAND:
                out.append(msg)
        return out


async def _typed_and_receipted(store: Store) -> tuple[Run, MessageId]:
    """The NSP's emergency, typed at the CLI and sent by the daemon; CP Zuid receipts it."""
    run = Run("nsp", store, T0)
    await run.start()
    mid, _ = await queue_message(
        store, IDS["nsp"], "nsp", emergency(), ALL_CPS, Priority.P1, T0, seal_to=None
    )
    item = await store.outbox_item(str(mid))
    assert item is not None
    await run.carry_out(await run.journal.resume(item, run.now))
    await run.run_until(T0 + 5)
    got = Receipt.build(ReceiptKind.DELIVERY, {mid: State.ONTV})
    to_nsp = Destination.to_site(IDS["nsp"].key_id)
    await run.hear(signed("zuid", got, to_nsp, 1, run.now).frame)
    return run, mid


async def test_an_nsp_killed_before_its_hand_over_was_due_still_makes_it(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "nsp.sqlite")
    first, mid = await _typed_and_receipted(store)
    await first.run_until(T0 + 300)
    assert first.hand_overs() == []
    second = Run("nsp", store, T0 + 400)  # killed at 300 s: a fresh engine over the same log
    await second.start()
    await second.run_until(T0 + 5 + HAND_AFTER_S - 1)
    assert second.hand_overs() == []  # due from Zuid's receipt on, not from the start
    await second.run_until(T0 + 5 + HAND_AFTER_S + 30)
    (hand,) = {m.id: m for m in second.hand_overs()}.values()
    assert hand.envelope.destination == Destination.to_site(IDS["zuid"].key_id)
    # killed again before Zuid receipted it: the same hand-over goes again, no second one
    third = Run("nsp", store, second.now + 60)
    await third.start()
    await third.run_until(third.now + 3600)
    assert {m.id for m in third.hand_overs()} == {hand.id}
    made = [r for r in await store.events(kinds=(ev.RECEIPT_CREATED,)) if r.data["kind"] == "HAND"]
    assert [r.data["refs"] for r in made] == [[str(mid)]]
    await store.close()


async def test_a_claim_in_the_log_means_no_hand_over_after_a_restart(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "nsp.sqlite")
    first, mid = await _typed_and_receipted(store)
    claim = Receipt.build(ReceiptKind.TRIAGE, {mid: State.GEZ})
    await first.hear(signed("noord", claim, Destination.to_site(IDS["nsp"].key_id), 3, T0).frame)
    second = Run("nsp", store, T0 + 400)
    await second.start()
    await second.run_until(T0 + 4 * 3600)
    assert first.hand_overs() == [] and second.hand_overs() == []
    await store.close()


async def test_a_cp_killed_after_a_hand_over_still_holds_the_report(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "zuid.sqlite")
    run = Run("zuid", store, T0)
    await run.start()
    mid = MessageId(IDS["nsp"].key_id, 12)
    hand = Receipt.build(ReceiptKind.HAND, {mid: State.ONTV})
    frame = signed("nsp", hand, Destination.to_site(IDS["zuid"].key_id), 20, T0).frame
    await run.hear(frame)
    await run.hear(frame)  # its retry: logged once
    handed = await store.events(kinds=(ev.REPORT_HANDED,))
    assert [(r.ref, r.data["by"]) for r in handed] == [(str(mid), str(IDS["nsp"].key_id))]
    again = Run("zuid", store, T0 + 60)
    await again.start()
    assert again.journal.handed == {str(mid)}
    await store.close()


async def test_a_cp_gone_silent_still_holds_the_hand_over_back_after_a_restart(
    tmp_path: Path,
) -> None:
    """CP Noord's receipt of another message of the NSP came just before the report, and
    nothing of Noord's since: Noord may have the report and a claim that does not come
    through. A restarted NSP reads that from its log and still holds the hand-over back."""
    store = await Store.open(tmp_path / "nsp.sqlite")
    first, mid = await _typed_and_receipted(store)
    other = MessageId(IDS["nsp"].key_id, mid.seq + 40)
    got = Receipt.build(ReceiptKind.DELIVERY, {other: State.ONTV})
    await first.hear(signed("noord", got, Destination.to_site(IDS["nsp"].key_id), 4, T0).frame)
    second = Run("nsp", store, T0 + 400)
    await second.start()
    await second.run_until(T0 + 2 * HAND_AFTER_S)
    assert second.hand_overs() == []
    await store.close()


async def test_after_a_restart_a_cp_s_receipt_for_others_holds_nothing_back(
    tmp_path: Path,
) -> None:
    """CP Noord's receipt for another NSP's message, heard just after the report, says nothing
    of Noord's path to us: live it holds no hand-over back, and after a restart it must not
    either (the log marks which receipts were for us, `to_us`)."""
    store = await Store.open(tmp_path / "nsp.sqlite")
    first, _mid = await _typed_and_receipted(store)
    elsewhere = MessageId(KeyId(b"\x55\x66\x77"), 12)
    theirs = Receipt.build(ReceiptKind.DELIVERY, {elsewhere: State.ONTV})
    await first.hear(signed("noord", theirs, Destination(DestKind.ALL), 4, first.now).frame)
    heard = await store.events(kinds=("receipt.heard",))
    assert [r.data["to_us"] for r in heard] == [True, False]  # Zuid's to us, Noord's not
    second = Run("nsp", store, T0 + 400)
    await second.start()
    await second.run_until(T0 + 2 * HAND_AFTER_S)
    assert len({m.id for m in second.hand_overs()}) == 1
    await store.close()

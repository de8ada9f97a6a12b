"""An NSP hands an emergency report nobody took up to the CP that has it (handover.py).

The case it is for: the report reached only a CP that is not first in the report's turn order,
while the first one, which never had it, is still heard. Without the NSP's word that CP waits
for an operator's --take-over, and nobody handles the emergency (1,240 of 26,418 in a 100-NSP
region over 72 hours)."""

from __future__ import annotations

import math

from nsplink.protocol import (
    ALL_CPS,
    HAND_AFTER_S,
    QUIET_S,
    Destination,
    DestKind,
    Envelope,
    Handed,
    KeyId,
    MessageId,
    Power,
    Priority,
    Receipt,
    ReceiptKind,
    SignedMessage,
    State,
    Status,
    Unclaimed,
    decode,
    encode,
    may_take_up,
    minutes_since_epoch,
    turn_order,
    turn_starts,
)
from nsplink.protocol.effects import Created, Transmit
from nsplink.protocol.handover import (
    CLAIM_SLACK_S,
    HAND_RECHECK_S,
    HAND_TRIES,
    HOLD_MAX_S,
    MAX_WATCHED,
    Waiting,
    handed_in,
    may_hand,
)
from tests.protocol.test_engine import T0, Site, make, signed
from tests.protocol.test_ownership import _claim_at
from tests.scenario.helpers import emergency

NSP_KEY = KeyId(b"\x01\x02\x03")
NOORD = KeyId(b"\x10\x00\x00")
ZUID = KeyId(b"\x20\x00\x00")


def _carry(src: Site, dst: Site, since: int, now: float) -> None:
    """Every frame `src` put on the air from index `since` reaches `dst`."""
    for t in src.sent[since:]:
        dst.run(dst.engine.on_frame(t.frame, 1, 1, now), now)


def _hands(site: Site) -> list[SignedMessage]:
    """The hand-overs `site` signed (each once, however often it went on air)."""
    out = []
    for e in site.effects:
        if isinstance(e, Created):
            body = e.msg.envelope.body
            if isinstance(body, Receipt) and body.kind is ReceiptKind.HAND:
                out.append(e.msg)
    return out


def _tries(site: Site, msg: SignedMessage) -> list[Transmit]:
    return [t for t in site.sent if t.mid == msg.id]


def _region() -> tuple[Site, Site, Site, SignedMessage]:
    """An NSP whose report reached CP Zuid only; CP Noord, heard by everyone, never had it."""
    sites, _ = make({"nsp": "nsp", "noord": "cp", "zuid": "cp"})
    nsp, noord, zuid = sites["nsp"], sites["noord"], sites["zuid"]
    report = signed(nsp, emergency(), ALL_CPS, Priority.P1, 700)
    nsp.run(nsp.engine.submit(report, T0), T0)
    zuid.run(zuid.engine.on_frame(nsp.sent[0].frame, 1, 1, T0 + 1), T0 + 1)
    zuid.tick(T0 + 5)  # its delivery receipt goes out
    _carry(zuid, nsp, 0, T0 + 6)
    return nsp, noord, zuid, report


def test_a_report_nobody_took_up_is_handed_to_the_cp_that_has_it() -> None:
    """Half an hour after Zuid's receipt, with no claim, the NSP signs one hand-over to Zuid;
    Zuid's engine says the report is its own now, and the turn rule agrees although Noord is
    before it and still heard. Zuid's receipt of the hand-over ends its tries."""
    nsp, noord, zuid, report = _region()
    nsp.tick(T0 + 6 + HAND_AFTER_S - 1)
    assert _hands(nsp) == []
    nsp.tick(T0 + 6 + HAND_AFTER_S + 5)
    (hand,) = _hands(nsp)
    assert hand.envelope.destination == Destination.to_site(zuid.ident.key_id)
    assert hand.envelope.priority is Priority.P1
    assert handed_in(hand, zuid.ident.key_id, True) == [report.id]
    assert len(_tries(nsp, hand)) == 1
    # Zuid gets it: handed, once, however often it hears it
    sent, at = len(zuid.sent), T0 + 6 + HAND_AFTER_S + 10
    for i in range(2):
        zuid.run(zuid.engine.on_frame(_tries(nsp, hand)[0].frame, 1, 1, at + i), at + i)
    handed = [e for e in zuid.effects if isinstance(e, Handed)]
    assert handed == [Handed(report.id, nsp.ident.key_id, hand.id)]
    # Noord, to whom it is not addressed, hears it and takes nothing
    noord.run(noord.engine.on_frame(_tries(nsp, hand)[0].frame, 1, 1, at), at)
    assert not [e for e in noord.effects if isinstance(e, Handed)]
    # Zuid's receipt ends the NSP's tries
    zuid.tick(at + 60)
    _carry(zuid, nsp, sent, at + 61)
    nsp.tick(T0 + 6 * 3600)
    assert len(_tries(nsp, hand)) == 1 and hand.id not in nsp.engine.outbox
    # the turn rule: Zuid's turn now, although a CP before it is still heard
    cps = [noord.ident.key_id, zuid.ident.key_id]
    heard = {k: 60.0 for k in cps}
    second = turn_order(report.id, cps)[1]
    assert turn_starts(report.id, cps, second, heard) == math.inf
    assert turn_starts(report.id, cps, second, heard, handed=True) == 0
    assert may_take_up(report.id, cps, second, [], 1.0, heard, handed=True)


def test_a_claim_before_the_hand_over_is_due_settles_the_report() -> None:
    """A claim from any CP, the one that has the report or another, means somebody has it:
    no hand-over then or later, and a report once claimed is not watched again when another
    CP's receipt comes late."""
    nsp, noord, zuid, report = _region()
    claim = _claim_at(noord, nsp, report, report.envelope.created + 3, 40)
    nsp.run(nsp.engine.on_frame(claim.frame, 1, 1, T0 + 200), T0 + 200)
    assert report.id not in nsp.engine.unclaimed
    nsp.engine.unclaimed.delivered(report.id, zuid.ident.key_id, T0 + 300)
    nsp.tick(T0 + 6 * 3600)
    assert _hands(nsp) == []


def test_a_lost_hand_over_goes_urgent_hand_tries_times_then_slowly_until_zuid_is_back() -> None:
    """Zuid never answers: the hand-over goes HAND_TRIES times at once, each urgent (it is about
    an emergency, and the CP receipted the report minutes ago), then every routine retry cap
    from the routine share. It had stopped there, and a hand-over made during a partition
    left the report nobody's (100-NSP region, 72 h). Hearing Zuid again brings it forward."""
    nsp, _noord, zuid, _report = _region()
    cap = nsp.engine.config.retry_cap_s
    due = T0 + 6 + HAND_AFTER_S
    nsp.tick(due + 6 * 3600)
    (hand,) = _hands(nsp)
    tries = _tries(nsp, hand)
    fast, slow = tries[:HAND_TRIES], tries[HAND_TRIES:]
    assert all(t.radio_priority == fast[0].radio_priority for t in fast)
    # backing off to the cap: doubling waits, then one a cap for the rest of the 6 hours
    assert 5 <= len(slow) <= 6 * 3600 / cap + 6
    out = nsp.engine.outbox[hand.id]
    assert not out.urgent and out.next_retry is not None
    assert out.next_retry - out.tried_at >= 0.8 * cap
    at = due + 6 * 3600 + 60
    zuid_beacon = signed(zuid, Status(Power.NET, 80, 10, 0), ALL_CPS, Priority.P4, 40)
    nsp.run(nsp.engine.on_frame(zuid_beacon.frame, 1, 1, at), at)
    nsp.tick(at + 5)
    assert len(_tries(nsp, hand)) == HAND_TRIES + len(slow) + 1


def _forged(signer: Site, to: Site, about: MessageId) -> SignedMessage:
    body = Receipt.build(ReceiptKind.HAND, {about: State.ONTV})
    dest = Destination.to_site(to.ident.key_id)
    env = Envelope(signer.ident.key_id, 77, minutes_since_epoch(T0), body, Priority.P1, dest)
    peer = signer.engine.roster.lookup(signer.ident.key_id)
    assert peer is not None
    return SignedMessage(env, encode(env, signer.ident), peer)


def test_only_the_report_s_own_nsp_hands_it_over() -> None:
    """A hand-over signed by another NSP, or by a CP, hands nothing: a site cannot give away
    a report that is not its own, nor take one for itself."""
    sites, _ = make({"nsp": "nsp", "other": "nsp", "noord": "cp", "zuid": "cp"})
    nsp, other, noord, zuid = sites["nsp"], sites["other"], sites["noord"], sites["zuid"]
    report = MessageId(nsp.ident.key_id, 700)
    for i, forged in enumerate((_forged(other, zuid, report), _forged(noord, zuid, report))):
        assert decode(forged.frame, zuid.engine.roster).envelope.body == forged.envelope.body
        zuid.run(zuid.engine.on_frame(forged.frame, 1, 1, T0 + i), T0 + i)
    assert not [e for e in zuid.effects if isinstance(e, Handed)]
    real = _forged(nsp, zuid, report)
    zuid.run(zuid.engine.on_frame(real.frame, 1, 1, T0 + 9), T0 + 9)
    assert [e.report for e in zuid.effects if isinstance(e, Handed)] == [report]


def test_the_tracker_hands_each_report_once_to_the_first_cp_and_stays_bounded() -> None:
    watch = Unclaimed(after_s=600)
    a, b = MessageId(NSP_KEY, 1), MessageId(NSP_KEY, 2)
    watch.delivered(a, ZUID, 100)
    watch.delivered(a, NOORD, 150)  # a second CP's receipt: the first one has it
    watch.delivered(b, NOORD, 120)
    assert watch.next_time() == 700
    assert watch.due(699) == []
    assert [(w.report, w.cp) for w in watch.due(800)] == [(a, ZUID), (b, NOORD)]
    watch.delivered(a, ZUID, 900)  # handed once: never again
    assert watch.next_time() is None and watch.due(10_000) == []
    for seq in range(10, 10 + MAX_WATCHED + 5):
        watch.delivered(MessageId(NSP_KEY, seq), ZUID, seq)
    assert MessageId(NSP_KEY, 10) not in watch  # the oldest left first
    assert len(watch.due(math.inf)) == MAX_WATCHED


def test_a_hand_over_waits_while_another_cp_may_have_claimed_it_unheard() -> None:
    """A CP that wrote to us in the hour before the report but not since it would have claimed
    (CLAIM_SLACK_S after the receipt) may have the report and a claim that cannot reach us: in
    a congested day of the exercise (seed 8) handing over then made a second CP take up 36
    reports the first had claimed. Once a frame of that CP to us comes, the hand-over goes. A
    CP that has not written to us for an hour does not get our frames: not waited for. Nor is
    any CP once the hand-over is HOLD_MAX_S overdue: its claim would have come by then."""
    w = Waiting(MessageId(NSP_KEY, 1), ZUID, due=100.0 + HAND_AFTER_S, delivered=100.0)
    after = 100.0 + CLAIM_SLACK_S
    now = w.due
    assert may_hand(w, {ZUID: 650}, now)  # no other CP known: nothing to wait for
    assert not may_hand(w, {ZUID: 650, NOORD: after - 1}, now)  # wrote lately, silent since
    assert not may_hand(w, {NOORD: 100.0 - QUIET_S}, now)  # an hour before: still lately
    assert may_hand(w, {NOORD: 100.0 - QUIET_S - 1}, now)  # longer: its path is not in use
    assert may_hand(w, {ZUID: 650, NOORD: after}, now)  # wrote since: its claim would be here
    overdue = w.due + HOLD_MAX_S
    assert not may_hand(w, {NOORD: after - 1}, overdue - 1)
    assert may_hand(w, {NOORD: after - 1}, overdue)  # silent that long: hand over anyway


def _receipt_to(cp: Site, nsp: Site, seq: int, about: int) -> SignedMessage:
    """CP `cp`'s delivery receipt of another message of the NSP: a frame addressed to it."""
    body = Receipt.build(ReceiptKind.DELIVERY, {MessageId(nsp.ident.key_id, about): State.ONTV})
    return signed(cp, body, Destination.to_site(nsp.ident.key_id), Priority.P3, seq)


def test_the_engine_holds_a_hand_over_back_until_the_silent_cp_writes_to_us() -> None:
    """CP Noord's receipt of another message reached the NSP before the report, and nothing
    of Noord's to the NSP since: at half an hour nothing is handed, nor when Noord's beacon (for
    everyone) is heard. Once a frame Noord addressed to the NSP comes, the hand-over goes
    within a minute."""
    nsp, noord, _zuid, _report = _region()
    nsp.run(nsp.engine.on_frame(_receipt_to(noord, nsp, 5, 650).frame, 1, 1, T0 + 2), T0 + 2)
    nsp.tick(T0 + 6 + HAND_AFTER_S + 300)
    assert _hands(nsp) == []
    beacon = signed(noord, Status(Power.NET, 80, 10, 0), ALL_CPS, Priority.P4, 6)
    at = T0 + 6 + HAND_AFTER_S + 350
    nsp.run(nsp.engine.on_frame(beacon.frame, 1, 1, at), at)
    nsp.tick(at + 2 * HAND_RECHECK_S)
    assert _hands(nsp) == []
    at += 2 * HAND_RECHECK_S + 10
    nsp.run(nsp.engine.on_frame(_receipt_to(noord, nsp, 7, 651).frame, 1, 1, at), at)
    nsp.tick(at + HAND_RECHECK_S + 1)
    assert len(_hands(nsp)) == 1


def test_a_cp_s_receipt_shared_with_other_nsps_counts_as_writing_to_us() -> None:
    """A CP's delivery receipts to several NSPs at once go to everyone; one with an entry for a
    message of ours is Noord writing to us all the same. Counting only frames addressed to us,
    a region's NSPs held a hand-over back for hours while their CP answered them in shared
    receipts (100-NSP region, 72 h: 6 reports never taken up). One for others only is not."""
    nsp, noord, _zuid, _report = _region()
    nsp.run(nsp.engine.on_frame(_receipt_to(noord, nsp, 5, 650).frame, 1, 1, T0 + 2), T0 + 2)
    others_only = Receipt.build(ReceiptKind.DELIVERY, {MessageId(NSP_KEY, 9): State.ONTV})
    at = T0 + 6 + CLAIM_SLACK_S + 60
    frame = signed(noord, others_only, Destination(DestKind.ALL), Priority.P3, 6).frame
    nsp.run(nsp.engine.on_frame(frame, 1, 1, at), at)
    nsp.tick(T0 + 6 + HAND_AFTER_S + 2 * HAND_RECHECK_S)
    assert _hands(nsp) == []
    shared = Receipt.build(
        ReceiptKind.DELIVERY,
        {MessageId(NSP_KEY, 10): State.ONTV, MessageId(nsp.ident.key_id, 651): State.ONTV},
    )
    at = T0 + 6 + HAND_AFTER_S + 3 * HAND_RECHECK_S
    frame = signed(noord, shared, Destination(DestKind.ALL), Priority.P3, 7).frame
    nsp.run(nsp.engine.on_frame(frame, 1, 1, at), at)
    nsp.tick(at + HAND_RECHECK_S + 1)
    assert len(_hands(nsp)) == 1

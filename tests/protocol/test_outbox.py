"""The indexed outbox (outbox.py) answers exactly what a scan of every message would.

An engine is driven through random submits, hand-overs, refusals, receipts and timers; after
every step its heap-based answers are compared with a brute-force scan of the same messages.
"""

from __future__ import annotations

import random

from hypothesis import example, given, settings
from hypothesis import strategies as st

from nsplink.protocol import (
    ALL_CPS,
    EVERYONE,
    Draft,
    EngineConfig,
    Identity,
    KeyRing,
    MessageId,
    PeerKey,
    Power,
    Priority,
    Receipt,
    ReceiptKind,
    SiteEngine,
    State,
    Status,
    Transmit,
    build_message,
)
from nsplink.protocol.delivery import CustodyPhase
from tests.scenario.helpers import emergency, sitrep

T0 = 1_767_225_600.0


def _scan_deadline(engine: SiteEngine) -> float | None:
    times: list[float] = []
    for out in engine.outbox.values():
        if out.next_retry is not None:
            times.append(out.next_retry)
        if out.phase is CustodyPhase.TENTATIVE:
            times.append(out.confirm_at)
        if engine._times_out(out):
            times.append(out.submitted_at + engine.config.undelivered_after_s)
    return min(times) if times else None


def _scan_best(engine: SiteEngine, *, urgent: bool = False) -> MessageId | None:
    ready = [o for o in engine.outbox.values() if o.pending and (o.urgent or not urgent)]
    return min(ready, key=lambda o: o.rank).mid if ready else None


def _check_best(engine: SiteEngine) -> None:
    """The two heaps' tops against a scan: any ready message, and the urgent ones only."""
    best = engine.outbox.best_ready()
    assert (best.mid if best else None) == _scan_best(engine)
    urgent = engine.outbox.best_urgent()
    assert (urgent.mid if urgent else None) == _scan_best(engine, urgent=True)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 10_000)), min_size=5, max_size=120))
# queued, handed, the CP heard (its retry comes forward), retried, handed again: the first
# retry time is left in the heap, stale, and must not count
@example([(0, 3), (1, 0), (4, 1), (5, 200), (1, 0), (5, 0)])
def test_indexes_agree_with_a_scan(steps: list[tuple[int, int]]) -> None:
    me, cp = Identity(bytes(range(32))), Identity(bytes(32))
    ring = KeyRing()
    ring.add(PeerKey("nsp", "nsp", me.public_key))
    ring.add(PeerKey("cp", "cp", cp.public_key))
    engine = SiteEngine(me, ring, EngineConfig(role="nsp"), rng=random.Random(3), now=T0)
    engine.provide_seqs(range(1, 500), T0)
    now = T0
    pending: list[Transmit] = []
    seq = 1000
    pid = 1
    for op, arg in steps:
        now += arg / 40  # up to four minutes: retries, timeouts and sightings interleave
        effects = []
        if op == 0:  # a volunteer queues a message
            body = emergency() if arg % 3 == 0 else sitrep(arg)
            prio = Priority.P1 if arg % 3 == 0 else Priority.P3
            msg = engine.compose(body, ALL_CPS, prio, now)
            assert msg is not None
            effects = engine.submit(msg, now)
        elif op == 1 and pending:  # the radio takes the frame
            effects = engine.on_handed(pending.pop(0).token, pid, now)
            pid += 1
        elif op == 2 and pending:  # or refuses it
            effects = engine.on_refused(pending.pop(0).token, "queue_full", now)  # type: ignore[arg-type]
        elif op == 3 and engine.outbox.items:  # the CP receipts one of ours
            target = list(engine.outbox.items)[arg % len(engine.outbox.items)]
            seq += 1
            receipt = Receipt.build(ReceiptKind.DELIVERY, {target: State.ONTV})
            draft = Draft(receipt, ALL_CPS, Priority.P2)
            frame = build_message(draft, cp, seq, now, PeerKey("cp", "cp", cp.public_key)).frame
            effects = engine.on_frame(frame, 2, 1, now)
        elif op == 4 and arg % 2:  # the CP is heard (a beacon): waiting retries come forward
            seq += 1
            beacon = Status(power=Power.NET, battery_pct=90, power_hours=20, queue_depth=0)
            draft = Draft(beacon, EVERYONE, Priority.P4)
            frame = build_message(draft, cp, seq, now, PeerKey("cp", "cp", cp.public_key)).frame
            effects = engine.on_frame(frame, 2, 1, now)
        else:  # time passes
            effects = engine.handle_timer(now)
        pending += [e for e in effects if isinstance(e, Transmit)]
        expected = _scan_deadline(engine)
        got = engine.outbox.next_time()
        assert got == expected
        _check_best(engine)
        assert engine.outbox.ready_count() == sum(1 for o in engine.outbox.values() if o.pending)


def test_untracked_receipts_and_urgent_top_are_what_a_scan_finds() -> None:
    """A CP receipting a stream of reports and triaging some while its radio takes frames
    slowly: the receipts `untracked_receipts()` gives (what the receipt flush asks after) are
    the pending, untracked ones a scan of every message finds, and the urgent heap's top is the
    scan's best urgent message, at every step (triage receipts go routine on their retries)."""
    cp, nsp = Identity(bytes(32)), Identity(bytes(range(32)))
    ring = KeyRing()
    ring.add(PeerKey("cp", "cp", cp.public_key))
    ring.add(PeerKey("nsp", "nsp", nsp.public_key))
    engine = SiteEngine(cp, ring, EngineConfig(role="cp"), rng=random.Random(5), now=T0)
    engine.provide_seqs(range(1, 2000), T0)
    rnd = random.Random(7)
    now = T0
    pending: list[Transmit] = []
    reports: list[MessageId] = []
    owed = urgent_seen = retried = 0
    for step in range(1, 600):
        now += rnd.uniform(0, 40)
        op = rnd.randrange(5)
        if op == 0:  # a report arrives from the NSP
            body = emergency() if rnd.random() < 0.3 else sitrep(step)
            draft = Draft(body, ALL_CPS, Priority.P1 if rnd.random() < 0.3 else Priority.P3)
            signer = PeerKey("nsp", "nsp", nsp.public_key)
            msg = build_message(draft, nsp, step, now, signer)
            reports.append(msg.id)
            effects = engine.on_frame(msg.frame, 3, 1, now)
        elif op == 1 and pending:  # the radio takes a frame
            effects = engine.on_handed(pending.pop(0).token, step, now)
        elif op == 2 and reports:  # the operator takes a report up: a tracked triage receipt
            effects = engine.receipt({rnd.choice(reports): State.GEZ}, now)
        else:  # time passes
            effects = engine.handle_timer(now)
        pending += [e for e in effects if isinstance(e, Transmit)]
        scan = {
            o.mid
            for o in engine.outbox.values()
            if o.pending and o.is_receipt and not o.tracked and not o.custody
        }
        assert {o.mid for o in engine.outbox.untracked_receipts()} == scan
        _check_best(engine)
        owed += bool(scan)
        urgent_seen += engine.outbox.best_urgent() is not None
        retried += any(o.tracked and o.attempt > 1 for o in engine.outbox.values())
    assert owed > 20  # receipts did wait for the radio, often
    assert urgent_seen > 20 and retried > 20  # urgent ones waited, triage receipts were retried

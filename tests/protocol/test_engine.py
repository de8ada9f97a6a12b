"""The site engine, sans-IO: driven by hand with explicit time, no radio, no clock."""

from __future__ import annotations

import dataclasses
import itertools
import random
from dataclasses import dataclass, field

from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    Destination,
    DestKind,
    Envelope,
    Identity,
    KeyRing,
    PeerKey,
    Priority,
    Receipt,
    ReceiptKind,
    SignedMessage,
    State,
    decode,
    encode,
    minutes_since_epoch,
)
from nsplink.protocol.delivery import DeliveryState
from nsplink.protocol.effects import (
    Created,
    Deliver,
    Effect,
    NeedSeqs,
    Outcome,
    Refused,
    Rejected,
    RetriesEnded,
    RetryEnd,
    Sent,
    Transmit,
)
from nsplink.protocol.engine import EngineConfig, SiteEngine
from tests.scenario.helpers import bulletin, emergency, sitrep

T0 = 1_767_225_600.0


@dataclass
class Site:
    engine: SiteEngine
    ident: Identity
    sent: list[Transmit] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    next_pid: int = 1
    seq: int = 1000

    def run(self, effects: list[Effect], now: float, *, accept: bool = True) -> None:
        """Carry out effects like a driver whose radio accepts every frame at once."""
        queue = list(effects)
        while queue:
            e = queue.pop(0)
            self.effects.append(e)
            if isinstance(e, Transmit):
                self.sent.append(e)
                if accept:
                    self.next_pid += 1
                    queue.extend(self.engine.on_handed(e.token, self.next_pid, now))
            elif isinstance(e, NeedSeqs):
                seqs = list(range(self.seq, self.seq + e.count))
                self.seq += e.count
                queue.extend(self.engine.provide_seqs(seqs, now))

    def outcomes(self) -> list[Outcome]:
        return [e for e in self.effects if isinstance(e, Outcome)]

    def tick(self, until: float) -> float:
        """Fire timers up to `until`; returns the time reached."""
        now = T0
        for _ in range(10_000):
            d = self.engine.next_deadline()
            if d is None or d > until:
                return until
            now = max(now, d)
            self.run(self.engine.handle_timer(now), now)
        raise AssertionError("timer loop did not settle")


def make(roles: dict[str, str], **cfg: object) -> tuple[dict[str, Site], KeyRing]:
    rng = random.Random(5)
    idents = {n: Identity(rng.getrandbits(256).to_bytes(32, "big")) for n in roles}
    ring = KeyRing([PeerKey(n, r, idents[n].public_key) for n, r in roles.items()])
    sites = {}
    for name, role in roles.items():
        eng = SiteEngine(
            idents[name], ring, EngineConfig(role=role, **cfg), rng=random.Random(1), now=T0
        )
        site = Site(eng, idents[name])
        site.run(eng.provide_seqs(range(1, 50), T0), T0)
        sites[name] = site
    return sites, ring


def signed(site: Site, body, dest, prio, seq):  # type: ignore[no-untyped-def]
    from nsplink.protocol import SignedMessage

    env = Envelope(site.ident.key_id, seq, minutes_since_epoch(T0), body, prio, dest)
    peer = site.engine.roster.lookup(site.ident.key_id)
    assert peer is not None
    return SignedMessage(env, encode(env, site.ident), peer)


def _nsp_with_emergency() -> tuple[Site, Site, SignedMessage]:
    """An NSP and a CP; the NSP's emergency is submitted at T0 (no CP hears it yet)."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    m = signed(nsp, emergency(), ALL_CPS, Priority.P1, 800)
    nsp.run(nsp.engine.submit(m, T0), T0)
    return nsp, cp, m


def test_emergency_overtakes_a_routine_backlog_and_status_goes_last() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp = sites["nsp"]
    # hand-overs are held (the radio has not answered) while five messages of each kind queue
    bodies = [
        (sitrep(), Priority.P3),
        (bulletin(minutes_since_epoch(T0) + 60), Priority.P3),
        (emergency(), Priority.P2),
    ]
    msgs = [signed(nsp, b, ALL_CPS, p, 100 + i) for i, (b, p) in enumerate(bodies)]
    first = nsp.engine.submit(msgs[0], T0)
    nsp.run(first, T0, accept=False)  # sitrep handed, radio busy
    for m in msgs[1:]:
        nsp.run(nsp.engine.submit(m, T0), T0, accept=False)
    order = [t.mid for t in nsp.sent]
    assert order == [msgs[0].id]
    # the radio accepts the first: the next hand-over is the emergency, then the bulletin
    tx = nsp.sent[0]
    nsp.run(nsp.engine.on_handed(tx.token, 77, T0), T0)
    nsp.tick(T0 + 60)
    order = [t.mid for t in nsp.sent]
    assert order[:3] == [msgs[0].id, msgs[2].id, msgs[1].id]


def test_reserve_keeps_airtime_for_emergencies() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp = sites["nsp"]
    eng = nsp.engine
    # routine traffic used 85 % of the hour's budget just now
    eng.planner.ledger.record(T0, eng.planner.limit_ms(urgent=False))
    routine = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 200)
    nsp.run(eng.submit(routine, T0 + 1), T0 + 1)
    assert nsp.sent == []  # held back: the reserve is not for sitreps
    urgent = signed(nsp, emergency(), ALL_CPS, Priority.P1, 201)
    nsp.run(eng.submit(urgent, T0 + 1), T0 + 1)
    assert [t.mid for t in nsp.sent] == [urgent.id]  # out within the same second


def test_duty_cycle_refusal_is_back_pressure_not_loss() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp = sites["nsp"]
    m = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 300)
    nsp.run(nsp.engine.submit(m, T0), T0)
    pid = nsp.next_pid
    effects = nsp.engine.on_failed(pid, "DUTY_CYCLE_LIMIT", T0 + 2)
    nsp.run(effects, T0 + 2)
    assert any(isinstance(e, Refused) and e.reason == "duty_cycle" for e in effects)
    assert len(nsp.sent) == 1  # nothing resent while the device is over its limit
    nsp.tick(T0 + 70)
    assert [t.mid for t in nsp.sent] == [m.id, m.id]  # resent after the pause
    assert DeliveryState.DELIVERED not in [o.state for o in nsp.outcomes()]


def test_delivered_only_on_a_receipt_from_a_recipient() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp", "other": "nsp"})
    nsp, cp, other = sites["nsp"], sites["cp"], sites["other"]
    m = signed(nsp, emergency(), ALL_CPS, Priority.P1, 400)
    nsp.run(nsp.engine.submit(m, T0), T0)
    nsp.run(nsp.engine.on_acked(nsp.next_pid, True, T0 + 1), T0 + 1)
    assert [o.state for o in nsp.outcomes()] == [DeliveryState.HANDED, DeliveryState.HEARD]
    # a receipt signed by another NSP (not a recipient) proves nothing
    fake = signed(
        other,
        Receipt.build(ReceiptKind.DELIVERY, {m.id: State.ONTV}),
        Destination.to_site(nsp.ident.key_id),
        Priority.P2,
        5,
    )
    nsp.run(nsp.engine.on_frame(fake.frame, 9, 1, T0 + 2), T0 + 2)
    assert DeliveryState.DELIVERED not in [o.state for o in nsp.outcomes()]
    # a forged receipt claiming to be the CP's fails verification and is rejected
    real = signed(
        cp,
        Receipt.build(ReceiptKind.DELIVERY, {m.id: State.ONTV}),
        Destination.to_site(nsp.ident.key_id),
        Priority.P2,
        6,
    )
    forged = real.frame[:-1] + bytes([real.frame[-1] ^ 1])
    effects = nsp.engine.on_frame(forged, 9, 1, T0 + 3)
    assert any(isinstance(e, Rejected) for e in effects)
    assert m.id in nsp.engine.outbox  # still retrying
    nsp.run(nsp.engine.on_frame(real.frame, 9, 1, T0 + 4), T0 + 4)
    assert nsp.outcomes()[-1].state is DeliveryState.DELIVERED
    assert m.id not in nsp.engine.outbox


def test_undelivered_is_reported_and_retries_continue_with_backoff() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp"}, undelivered_after_s=600.0)
    nsp = sites["nsp"]
    m = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 500)
    nsp.run(nsp.engine.submit(m, T0), T0)
    nsp.tick(T0 + 3 * 3600)
    times = [e for e in nsp.effects if isinstance(e, Transmit)]
    assert len(times) >= 5
    undelivered = [o for o in nsp.outcomes() if o.state is DeliveryState.UNDELIVERED]
    assert len(undelivered) == 1
    assert m.id in nsp.engine.outbox
    # gaps between attempts grow, and stay under the cap
    sent_at = [s.next_retry_at for s in nsp.effects if isinstance(s, Sent)]
    gaps = [b - a for a, b in itertools.pairwise(sent_at) if a and b]
    assert gaps[-1] > gaps[0]
    assert max(gaps) <= nsp.engine.config.retry_cap_s * 1.2


def retry_when_the_cp_is_heard(from_node: int, hops: int | None) -> tuple[float, float | None]:
    """An NSP's sitrep waits for its next retry (due after T0 + 1300); at T0 + 1250 a frame of
    the CP's arrives from `from_node`. (The retry time before, the retry time after.)"""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    m = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 600)
    nsp.run(nsp.engine.submit(m, T0), T0)
    nsp.tick(T0 + 1200)
    pending = nsp.engine.outbox[m.id].next_retry
    assert pending is not None and pending > T0 + 1300
    beacon = signed(cp, sitrep(), Destination.to_site(cp.ident.key_id), Priority.P4, 9)
    nsp.run(nsp.engine.on_frame(beacon.frame, from_node, hops, T0 + 1250), T0 + 1250)
    return pending, nsp.engine.outbox[m.id].next_retry


def test_hearing_the_destination_brings_the_retry_forward() -> None:
    _, after = retry_when_the_cp_is_heard(2, 1)
    assert after is not None and after <= T0 + 1253


def test_receipts_are_batched_and_duplicates_receipted_but_delivered_once() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    msgs = [signed(nsp, sitrep(v), ALL_CPS, Priority.P3, 700 + v) for v in range(5)]
    for i, m in enumerate(msgs):
        cp.run(cp.engine.on_frame(m.frame, 1, 1, T0 + i), T0 + i)
    cp.run(cp.engine.on_frame(msgs[0].frame, 1, 1, T0 + 4.5), T0 + 4.5)  # a retry arrives
    cp.tick(T0 + 30)
    delivered = [e for e in cp.effects if isinstance(e, Deliver)]
    assert [d.duplicate for d in delivered] == [False] * 5 + [True]
    receipts = [e.msg for e in cp.effects if isinstance(e, Created)]
    assert len(receipts) == 1  # one frame confirms all five
    body = receipts[0].envelope.body
    assert isinstance(body, Receipt)
    assert all(body.state_of(m.id) is State.ONTV for m in msgs)


def _receipt_hops(
    sender: Site,
    receiver: Site,
    msg: SignedMessage,
    copies: int,
    heard_hops: int = 0,
    start: float = T0,
) -> list[int | None]:
    """The hop limit of `receiver`'s receipt to each of `copies` copies of `msg` (None: no
    receipt), all heard from `sender` `heard_hops` away and none of the receipts arriving."""
    hops: list[int | None] = []
    for i in range(copies):
        t = start + 400 * i
        before = len(receiver.sent)
        receiver.run(receiver.engine.on_frame(msg.frame, 1, heard_hops, t), t)
        receiver.tick(t + 340)  # a bulletin's receipt may wait 300 s (its own moment)
        mine = [tx for tx in receiver.sent[before:] if tx.mid.sender == receiver.ident.key_id]
        hops.append(mine[-1].hop_limit if mine else None)
    return hops


def test_a_receipt_to_a_sender_that_keeps_sending_goes_one_hop_farther_each_time() -> None:
    """A link may carry one way only: the CP hears the NSP at 0 hops, yet its receipts at hop
    limit 0 never reach the NSP, which sends the report again. Each copy means a receipt of
    ours was lost, so the next one is sized a hop farther, up to the hop limit (measured in
    generated regions: fewer retries and transmissions, docs/congestion.md)."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    report = signed(sites["nsp"], emergency(), ALL_CPS, Priority.P1, 700)
    assert _receipt_hops(sites["nsp"], sites["cp"], report, 5) == [0, 1, 2, 3, 3]


def test_answers_to_a_cp_whose_copies_say_they_were_lost_go_a_hop_farther() -> None:
    """A CP's triage receipt tells the NSP how its report is handled; the NSP's answer, sized
    for exactly the hops it heard the CP at, was lost so often that 70 % of the CP's retries
    came while the NSP had it already (100-NSP region, docs/congestion.md part 10). Once a
    second copy says an answer to that CP was lost, the answers to it go a hop farther from the
    first copy on, for an hour; before that (a small mesh loses none) they stay as they were."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    report = signed(nsp, emergency(), ALL_CPS, Priority.P1, 700)
    to_nsp = Destination.to_site(nsp.ident.key_id)

    def step(seq: int) -> SignedMessage:
        handled = Receipt.build(ReceiptKind.TRIAGE, {report.id: State.BEH})
        return signed(cp, handled, to_nsp, Priority.P1, seq)

    assert _receipt_hops(cp, nsp, step(9), 3) == [0, 1, 3]  # the 2nd copy: one was lost
    assert _receipt_hops(cp, nsp, step(10), 1, start=T0 + 1200) == [1]  # a hop farther now
    assert _receipt_hops(cp, nsp, step(11), 1, start=T0 + 2 * 3600) == [0]  # an hour on
    assert _receipt_hops(cp, nsp, step(12), 3, heard_hops=3) == [3, 3, 3]  # never past 3


def test_a_receipt_goes_one_hop_past_the_limit_when_its_sender_was_heard_there() -> None:
    """The hop limit (3) bounds blind floods: a post 5 links from every CP sends at 4 hops
    once its retries outgrow the limit, and the CP hears it 4 hops away. Capped at 3, the
    CP's receipt never reached it (it sent one report 60 times, docs/congestion.md part 6).
    One hop past the limit and no farther, and only for a sender heard there: a receipt that
    grew past the limit with every copy heard set off a storm over 72 hours."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    report = signed(nsp, emergency(), ALL_CPS, Priority.P1, 700)
    assert _receipt_hops(nsp, cp, report, 3, heard_hops=4) == [4, 4, 4]
    far = signed(nsp, emergency(), ALL_CPS, Priority.P1, 701)
    assert _receipt_hops(nsp, cp, far, 3, heard_hops=6) == [4, 4, 4]
    near = signed(nsp, emergency(), ALL_CPS, Priority.P1, 702)
    assert _receipt_hops(nsp, cp, near, 8, heard_hops=2) == [2, 3, 3, 3, 3, 3, 3, 3]


def test_a_report_s_retries_go_one_hop_past_the_limit_after_three_tries_there() -> None:
    """An NSP farther from every CP than the hop limit reaches never hears one (their beacons
    stop short too), and one whose link carries one way hears a CP its frames do not reach:
    once its retries have outgrown the limit (3) by three tries they go one hop farther, and
    no more. Sized for a CP heard at 1 hop, it grows a hop per retry up to the limit first."""
    nsp, cp, m = _nsp_with_emergency()
    nsp.tick(T0 + 6 * 3600)
    blind = [tx.hop_limit for tx in nsp.sent if tx.mid == m.id]
    assert len(blind) >= 10 and blind[:3] == [3, 3, 3] and set(blind[3:]) == {4}, blind
    t = T0 + 6 * 3600 + 100  # the CP heard at 1 hop (its beacon, say): sized for it from now
    beacon = signed(cp, sitrep(), ALL_CPS, Priority.P3, 5)
    nsp.run(nsp.engine.on_frame(beacon.frame, 2, 1, t), t)
    m2 = signed(nsp, emergency(), ALL_CPS, Priority.P1, 801)
    nsp.run(nsp.engine.submit(m2, t), t)
    nsp.tick(t + 6 * 3600)
    assert [tx.hop_limit for tx in nsp.sent if tx.mid == m2.id][:9] == [1, 2, 3, 3, 3, 4, 4, 4, 4]


def test_on_a_busy_channel_retries_do_not_go_past_the_hop_limit() -> None:
    """Longer floods on a channel the radio finds past the firmware's polite 25 % cost more
    than they save (LONG_FAST, docs/congestion.md part 6): the retries stay at the limit,
    while a receipt still goes as far as its sender was heard."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    m = signed(nsp, emergency(), ALL_CPS, Priority.P1, 800)
    nsp.run(nsp.engine.on_channel_load(30.0, 2.0, T0), T0)
    nsp.run(nsp.engine.submit(m, T0), T0)
    for i in range(1, 7 * 60):  # the device's metrics every minute: the channel stays busy
        t = T0 + 60 * i
        nsp.run(nsp.engine.on_channel_load(30.0, 2.0, t), t)
        nsp.tick(t)
    hops = [tx.hop_limit for tx in nsp.sent if tx.mid == m.id]
    assert len(hops) >= 8 and set(hops) == {3}, hops
    report = signed(nsp, emergency(), ALL_CPS, Priority.P1, 801)
    cp.run(cp.engine.on_channel_load(30.0, 2.0, T0), T0)
    assert _receipt_hops(nsp, cp, report, 1, heard_hops=4) == [4]


def test_a_bulletin_to_an_nsp_never_heard_goes_one_hop_past_the_limit_too() -> None:
    """A bulletin's missing NSP that the CP has never heard may be a post beyond the hop limit
    (the 72-hour seed-2 region lost a bulletin to nsp-073, 5 links out): its retries go one hop
    farther once three have outgrown the limit, and no farther."""
    sites, _ = make({"a": "nsp", "b": "nsp", "cp": "cp"})
    cp = sites["cp"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + 6000), ALL_NSPS, Priority.P3, 9)
    cp.run(cp.engine.submit(news, T0), T0)
    cp.tick(T0 + 12 * 3600)
    hops = [tx.hop_limit for tx in cp.sent if tx.mid == news.id]
    assert len(hops) >= 5 and hops[:3] == [3, 3, 3] and set(hops[3:]) == {4}, hops


def test_copies_of_a_bulletin_are_receipted_ever_more_rarely() -> None:
    """A bulletin's retries are for whichever NSPs have not receipted yet, so a copy is weak
    evidence that our receipt was lost: the 1st, 2nd, 4th and 8th copy are receipted, each a
    hop farther, the others not."""
    sites, _ = make({"nsp": "nsp", "nsp2": "nsp", "cp": "cp"})
    news = signed(sites["cp"], bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 9)
    assert _receipt_hops(sites["cp"], sites["nsp"], news, 9) == [
        0,
        1,
        None,
        2,
        None,
        None,
        None,
        3,
        None,
    ]


def test_a_bulletin_copy_not_answered_rides_in_the_next_receipt_to_any_cp() -> None:
    """Over 72 hours a CP sent each bulletin 50-65 times for a few NSPs whose answers never
    reached it, though it heard their reports all along; those NSPs answer only the 1st, 2nd,
    4th ... copy. A copy not answered on its own rides, once, in the NSP's next delivery
    receipt, here its answer to another CP's bulletin: no frame of its own, the receipt goes to
    both CPs, and the first CP counts the NSP as having it."""
    sites, _ = make({"nsp": "nsp", "nsp2": "nsp", "cp": "cp", "cp2": "cp"})
    cp, cp2, nsp = sites["cp"], sites["cp2"], sites["nsp"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 9)
    cp.run(cp.engine.submit(news, T0), T0)
    assert _receipt_hops(cp, nsp, news, 3) == [0, 1, None]  # the 3rd copy: not on its own
    before = len(nsp.sent)
    nsp.tick(T0 + 5000)
    assert nsp.sent[before:] == []  # a rider alone never goes
    other = signed(cp2, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 5)
    nsp.run(nsp.engine.on_frame(other.frame, 2, 0, T0 + 5000), T0 + 5000)
    nsp.tick(T0 + 5400)
    (tx,) = [t for t in nsp.sent[before:] if t.mid.sender == nsp.ident.key_id]
    receipt = decode(tx.frame, nsp.engine.roster)
    assert receipt.envelope.destination.kind is DestKind.ALL
    assert isinstance(receipt.envelope.body, Receipt)
    covered = {(e.sender, e.first) for e in receipt.envelope.body.entries}
    assert covered == {(cp.ident.key_id, 9), (cp2.ident.key_id, 5)}
    cp.run(cp.engine.on_frame(tx.frame, 3, 0, T0 + 5400), T0 + 5400)
    got = [o for o in cp.outcomes() if o.mid == news.id and o.recipient == nsp.ident.key_id]
    assert got and got[-1].state is DeliveryState.PARTIAL  # nsp2 has not answered
    nsp.run(nsp.engine.on_frame(other.frame, 2, 0, T0 + 6000), T0 + 6000)
    nsp.tick(T0 + 6400)
    last = [t for t in nsp.sent if t.mid.sender == nsp.ident.key_id][-1]
    body = decode(last.frame, nsp.engine.roster).envelope.body
    assert isinstance(body, Receipt) and {e.sender for e in body.entries} == {cp2.ident.key_id}


def test_a_far_cp_s_bulletin_does_not_ride_in_answers_to_a_near_one() -> None:
    """A rider goes only where the receipt reaches anyway: a bulletin from a CP heard 3 hops
    away in every answer to the CP next door sized them all for 3 hops (+5 % of all
    transmissions in a 100-NSP region)."""
    sites, _ = make({"nsp": "nsp", "cp": "cp", "cp2": "cp"})
    cp, cp2, nsp = sites["cp"], sites["cp2"], sites["nsp"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 9)
    assert _receipt_hops(cp, nsp, news, 3, heard_hops=3) == [3, 3, None]
    before = len(nsp.sent)
    other = signed(cp2, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 5)
    nsp.run(nsp.engine.on_frame(other.frame, 2, 0, T0 + 5000), T0 + 5000)
    nsp.tick(T0 + 5400)
    (tx,) = [t for t in nsp.sent[before:] if t.mid.sender == nsp.ident.key_id]
    receipt = decode(tx.frame, nsp.engine.roster).envelope
    assert receipt.destination.site == cp2.ident.key_id and tx.hop_limit == 0
    assert nsp.engine.receipts.riding() == {news.id}  # still waiting for a receipt that fits


def _bulletin_receipt_delay(nsp: Site, cp: Site, news: SignedMessage, t: float = T0 + 100) -> float:
    """Seconds from a bulletin's arrival at `nsp` (at `t`) to its receipt going to the radio."""
    before = len(nsp.sent)
    nsp.run(nsp.engine.on_frame(news.frame, 1, 0, t), t)
    now = t
    for _ in range(1000):
        mine = [tx for tx in nsp.sent[before:] if tx.mid.sender == nsp.ident.key_id]
        if mine:
            return now - t
        d = nsp.engine.next_deadline()
        assert d is not None
        now = max(now, d)
        nsp.run(nsp.engine.handle_timer(now), now)
    raise AssertionError("no receipt")


def test_each_nsp_receipts_a_bulletin_at_its_own_moment() -> None:
    """Every NSP answered the same copy of a bulletin within seconds, while its flood was
    still on the air around the CP, and the answers collided: over 72 hours the CPs held
    receipts from 37-95 of 100 NSPs per bulletin, though every NSP had it. Each NSP now waits
    a share of a window set by the first byte of its key: 3 s per NSP of the region, 300 s at
    most (here 40 NSPs: 120 s), after a routine receipt's 30 s batching wait. A report's
    receipt does not wait."""
    sites, _ = make({f"n{i}": "nsp" for i in range(40)} | {"cp": "cp"})
    cp = sites["cp"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 9)
    delays = {}
    for name in (f"n{i}" for i in range(8)):
        nsp = sites[name]
        share = nsp.ident.key_id.raw[0] / 256 * 120
        delays[name] = _bulletin_receipt_delay(nsp, cp, news)
        assert 30 + share <= delays[name] <= 30 + share + 3, (name, share)
    assert max(delays.values()) - min(delays.values()) > 30  # spread, not all at once
    small, _ = make({"a": "nsp", "b": "nsp", "cp": "cp"})
    news = signed(small["cp"], bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 9)
    assert _bulletin_receipt_delay(small["a"], small["cp"], news) <= 39  # 6 s window: at once
    nsp = sites["n0"]
    report = signed(cp, sitrep(), Destination.to_site(nsp.ident.key_id), Priority.P3, 10)
    assert _bulletin_receipt_delay(nsp, cp, report) <= 33  # the batching window only


def test_a_long_message_sent_again_is_receipted_again() -> None:
    """A message in fragments, whole once, was never whole again: the reassembler remembered it
    as done and dropped every later fragment of it. So when our receipt was lost, the sender's
    retries reached nobody: a long bulletin over a relay went out until it expired (found
    when the bulletin receipt moved 1.4 s and met the CP's next fragment)."""
    from nsplink.protocol import Bulletin
    from nsplink.protocol.fragments import to_frames

    sites, _ = make({"a": "nsp", "b": "nsp", "cp": "cp"})
    cp, a = sites["cp"], sites["a"]
    rng = random.Random(4)
    text = " ".join(
        f"water{rng.randrange(10_000)} opvang{rng.randrange(10_000)}" for _ in range(60)
    )
    news = Bulletin(headline="Drinkwater", body=text, valid_until=minutes_since_epoch(T0) + 600,
                    issuer="Veiligheidsregio Groningen")  # fmt: skip
    long = signed(cp, news, Destination.to_site(a.ident.key_id), Priority.P3, 9)
    frames = to_frames(long.frame)
    assert len(frames) >= 3

    def receipts_after_copy(t: float) -> int:
        before = len(a.effects)
        for f in frames:
            a.run(a.engine.on_frame(f, 1, 0, t), t)
        delivered = [e for e in a.effects[before:] if isinstance(e, Deliver)]
        assert len(delivered) == 1  # whole again: the engine sees the copy
        now = t
        for _ in range(50):
            d = a.engine.next_deadline()
            if d is None or d > t + 120:
                break
            now = max(now, d)
            a.run(a.engine.handle_timer(now), now)
        return sum(1 for tx in a.sent if tx.mid.sender == a.ident.key_id)

    first = receipts_after_copy(T0 + 100)
    assert first == 1
    assert receipts_after_copy(T0 + 1000) == 2  # our receipt was lost: the copy asks again


def test_a_small_region_s_nsps_receipt_a_routine_bulletin_at_moments_of_their_own() -> None:
    """The exercise's 8 NSPs (a 24 s window) all answered a routine bulletin at the same 30 s:
    the share was taken as the larger of it and the batching wait, not added to it. One NSP's
    answers collided at its relay every time (11 receipts to one bulletin in 40 hours, none
    arrived), and its CP sent the bulletin 99 times."""
    sites, _ = make({f"n{i}": "nsp" for i in range(8)} | {"cp": "cp"})
    cp = sites["cp"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 9)
    delays = [_bulletin_receipt_delay(sites[f"n{i}"], cp, news) for i in range(8)]
    assert min(delays) >= 30
    assert len({round(d) for d in delays}) >= 5  # not one moment for all
    assert max(delays) - min(delays) > 8


def test_an_nsp_answers_a_bulletin_s_next_copy_at_another_moment() -> None:
    """A copy sent again means our answer was lost; the moment that failed meets the same
    flood again, so the next answer takes a share drawn anew, still within the window."""
    sites, _ = make({f"n{i}": "nsp" for i in range(40)} | {"cp": "cp"})
    cp = sites["cp"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 9)
    moved = 0
    for i in range(8):
        nsp = sites[f"n{i}"]
        first = _bulletin_receipt_delay(nsp, cp, news)
        second = _bulletin_receipt_delay(nsp, cp, news, T0 + 2000)  # the 2nd copy: receipted
        assert 30 <= second <= 30 + 120 + 3
        moved += abs(second - first) > 3
    assert moved >= 6


def _bulletin_retry_after_hearing(quiet: float) -> tuple[float, float | None]:
    """(the retry planned, the retry after NSP b is heard again 600 s after a bulletin's try)
    when b had been silent for `quiet` seconds before that try."""
    sites, _ = make({"a": "nsp", "b": "nsp", "cp": "cp"})
    cp, b = sites["cp"], sites["b"]
    tried = T0 + 20_000
    t = tried - quiet
    cp.run(cp.engine.on_frame(signed(b, sitrep(), ALL_CPS, Priority.P3, 1).frame, 2, 1, t), t)
    news = signed(cp, bulletin(minutes_since_epoch(tried) + 600), ALL_NSPS, Priority.P3, 900)
    cp.run(cp.engine.submit(news, tried), tried)
    out = cp.engine.outbox[news.id]
    planned = tried + 9000
    cp.engine.outbox.set_retry(out, planned)  # a retry backed off far, as after many tries
    t = tried + 600
    cp.run(cp.engine.on_frame(signed(b, sitrep(), ALL_CPS, Priority.P3, 2).frame, 2, 1, t), t)
    return planned, out.next_retry


def test_a_bulletin_retry_is_brought_forward_only_by_an_nsp_that_was_away() -> None:
    """Each of a bulletin's missing NSPs brought its retry forward at every beacon, though it
    had been in reach at the last try (a bulletin to 100 NSPs went out every 12 minutes).
    Then every sighting of a post silent for 15 minutes did (every 3 minutes, once the CP's
    rate no longer held them back): but a post on the air may be silent for two hours
    (beacon.QUIET_MAX_S, a CP heard its messages). Only an NSP silent longer is news."""
    planned, after = _bulletin_retry_after_hearing(quiet=100)  # in reach at the try
    assert after == planned
    planned, after = _bulletin_retry_after_hearing(quiet=3600)  # quiet, skipping beacons
    assert after == planned
    planned, after = _bulletin_retry_after_hearing(quiet=3 * 3600)  # away at the try
    assert after is not None and after <= T0 + 20_000 + 603


def _bulletin_sends(valid_min: int, hours: float) -> tuple[list[float], list[Sent]]:
    """The times a CP hands over a bulletin valid `valid_min` minutes that no NSP receipts, over
    `hours`, and its Sent effects."""
    sites, _ = make({"a": "nsp", "b": "nsp", "cp": "cp"})
    cp = sites["cp"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + valid_min), ALL_NSPS, Priority.P3, 9)
    cp.run(cp.engine.submit(news, T0), T0)
    times = []
    now = T0
    for _ in range(10_000):
        d = cp.engine.next_deadline()
        if d is None or d > T0 + hours * 3600:
            break
        now = max(now, d)
        before = len(cp.sent)
        cp.run(cp.engine.handle_timer(now), now)
        times += [now] * (len(cp.sent) - before)
    sent = [e for e in cp.effects if isinstance(e, Sent) and e.mid == news.id]
    return [T0, *times], sent


def test_a_bulletin_past_its_validity_is_not_retried() -> None:
    """Every NSP shows a bulletin past `valid_until` as expired, yet CPs kept retrying them for
    days: over 72 hours half of a region's bulletin sends came after that moment. The last try
    before the end says there is no next one, as the outbox view shows it."""
    short, sent = _bulletin_sends(valid_min=120, hours=8)
    assert len(short) >= 3 and max(short) < T0 + 120 * 60
    assert sent[-1].next_retry_at is None
    assert all(s.next_retry_at is not None for s in sent[:-1])
    long, _ = _bulletin_sends(valid_min=24 * 60, hours=8)
    assert max(long) > T0 + 6 * 3600  # the same bulletin valid for a day is still retried


def test_a_superseded_bulletin_is_not_retried_but_its_receipts_still_count() -> None:
    """A newer bulletin that names an older one in `supersedes` (ours, or another CP's heard
    on the air) ends the older one's retries; a receipt that comes late still counts."""
    for by_other_cp in (False, True):
        sites, _ = make({"a": "nsp", "b": "nsp", "cp": "cp", "cp2": "cp"})
        cp, a = sites["cp"], sites["a"]
        day = minutes_since_epoch(T0) + 24 * 60
        old = signed(cp, bulletin(day), ALL_NSPS, Priority.P3, 9)
        cp.run(cp.engine.submit(old, T0), T0)
        t = cp.tick(T0 + 3600)
        newer = dataclasses.replace(bulletin(day), supersedes=old.id)
        if by_other_cp:
            frame = signed(sites["cp2"], newer, ALL_NSPS, Priority.P3, 5).frame
            cp.run(cp.engine.on_frame(frame, 7, 1, t), t)
        else:
            cp.run(cp.engine.submit(signed(cp, newer, ALL_NSPS, Priority.P3, 10), t), t)
        tries = sum(1 for tx in cp.sent if tx.mid == old.id)
        cp.tick(T0 + 8 * 3600)
        assert tries >= 2 and sum(1 for tx in cp.sent if tx.mid == old.id) == tries
        # the log's planned next try of the older one is withdrawn, once
        ended = [e for e in cp.effects if isinstance(e, RetriesEnded)]
        assert ended == [RetriesEnded(old.id, RetryEnd.SUPERSEDED)]
        if not by_other_cp:
            assert sum(1 for tx in cp.sent if tx.mid != old.id) >= 3  # the newer one goes on
        got = signed(a, Receipt.build(ReceiptKind.DELIVERY, {old.id: State.ONTV}), ALL_CPS,
                     Priority.P3, 3)  # fmt: skip
        t = T0 + 8 * 3600 + 1
        cp.run(cp.engine.on_frame(got.frame, 2, 0, t), t)
        assert any(o.mid == old.id and o.recipient == a.ident.key_id for o in cp.outcomes())


def test_an_expired_bulletin_is_not_sent_again_after_a_restart() -> None:
    """After a restart the driver resumes what the log holds; a bulletin tried before and
    expired since is kept for its receipts but not sent."""
    sites, _ = make({"a": "nsp", "cp": "cp"})
    cp = sites["cp"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + 60), ALL_NSPS, Priority.P3, 9)
    t = T0 + 2 * 3600
    cp.run(cp.engine.submit(news, t, attempts=4, submitted_at=T0), t)
    cp.tick(T0 + 4 * 3600)
    assert not [tx for tx in cp.sent if tx.mid == news.id]
    assert news.id in cp.engine.outbox
    # the next try the log showed before the restart is void
    assert [e for e in cp.effects if isinstance(e, RetriesEnded)] == [
        RetriesEnded(news.id, RetryEnd.EXPIRED)
    ]
    fresh = signed(cp, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 10)
    cp.run(cp.engine.submit(fresh, t, attempts=4, submitted_at=T0), t)
    assert [tx for tx in cp.sent if tx.mid == fresh.id]  # a valid one is resumed at once


def test_a_bulletin_s_missing_receipts_do_not_cut_the_cp_s_rate() -> None:
    """A routine message retried without a receipt is the planner's sign of congestion (its
    rate drops by 30 %). A bulletin waits for the receipts of every NSP, and some are always
    missing: its retries had cut a CP's routine rate to a tenth for days. A sitrep's count."""
    sites, _ = make({"a": "nsp", "b": "nsp", "cp": "cp"})
    cp, a = sites["cp"], sites["a"]
    news = signed(cp, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 9)
    cp.run(cp.engine.submit(news, T0), T0)
    cp.tick(T0 + 4 * 3600)
    assert sum(1 for tx in cp.sent if tx.mid == news.id) >= 4
    assert cp.engine.planner.rate_factor == 1.0
    report = signed(a, sitrep(), ALL_CPS, Priority.P3, 9)
    a.run(a.engine.submit(report, T0), T0)
    a.tick(T0 + 4 * 3600)
    assert a.engine.planner.rate_factor < 0.5


def test_an_emergency_without_a_path_backs_off_and_custody_slows_it_further() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp", "relay": "relay"})
    nsp, relay = sites["nsp"], sites["relay"]
    m = signed(nsp, emergency(), ALL_CPS, Priority.P1, 800)
    nsp.run(nsp.engine.submit(m, T0), T0)
    nsp.tick(T0 + 3 * 3600)
    sends = [s.next_retry_at for s in nsp.effects if isinstance(s, Sent)]
    early = len([t for t in sends if t is not None and t < T0 + 1200])
    assert 8 <= early <= 12  # every ~2 min while it is fresh
    assert len(sends) < 40  # then every ~10 min, not 90 tries in 3 hours
    # a relay confirms custody: from then on the NSP waits the routine cap
    custody = signed(
        relay,
        Receipt.build(ReceiptKind.CUSTODY, {m.id: State.ONTV}),
        Destination.to_site(nsp.ident.key_id),
        Priority.P2,
        7,
    )
    now = T0 + 3 * 3600 + 1
    nsp.run(nsp.engine.on_frame(custody.frame, 3, 1, now), now)
    assert nsp.outcomes()[-1].state is DeliveryState.CUSTODY
    retry = nsp.engine.outbox[m.id].next_retry
    assert retry is not None and retry >= now + nsp.engine.config.retry_cap_s * 0.8


def _emergency_send_times(hear_cp_every: float | None) -> list[float]:
    """When an NSP sends an emergency no CP receipts over 6 hours, hearing the CP's frames
    for others every `hear_cp_every` seconds (a one-way link) or never (None)."""
    nsp, cp, m = _nsp_with_emergency()
    times, seen, seq, next_heard = [T0], 1, 10, T0
    for step in range(1, 6 * 60 + 1):
        t = T0 + 60 * step
        nsp.tick(t)
        if hear_cp_every is not None and t >= next_heard:
            other = signed(cp, sitrep(), Destination.to_site(cp.ident.key_id), Priority.P4, seq)
            seq += 1
            nsp.run(nsp.engine.on_frame(other.frame, 2, 1, t), t)
            next_heard = t + hear_cp_every
        sent = [e for e in nsp.effects if isinstance(e, Sent) and e.mid == m.id]
        times.extend([t] * (len(sent) - seen))
        seen = len(sent)
    return times


def test_an_emergency_nobody_answers_waits_longer_while_no_cp_is_heard() -> None:
    """After its fast tries an emergency retried every 10 minutes whatever the NSP heard: a
    post whose every link had faded sent one 154 times in 37 hours, each a flood, and its CP
    answered each copy that arrived with another. While no CP is heard it now waits the
    routine cap; while one is heard (its receipts may be what is lost) a third of it."""
    cap = EngineConfig(role="nsp").retry_cap_s
    silent = _emergency_send_times(None)
    one_way = _emergency_send_times(240)  # heard every 4 min: no sighting brings a try forward
    late = T0 + 3600  # the fast tries are over
    silent_gaps = [b - a for a, b in itertools.pairwise(silent) if a >= late]
    one_way_gaps = [b - a for a, b in itertools.pairwise(one_way) if a >= late]
    assert silent_gaps and min(silent_gaps) >= 0.8 * cap
    assert one_way_gaps and max(one_way_gaps) <= 1.2 * cap / 3 + 60
    assert len(one_way) > len(silent) + 10


def test_hearing_a_cp_again_brings_a_long_wait_forward() -> None:
    nsp, cp, m = _nsp_with_emergency()
    nsp.tick(T0 + 2 * 3600)
    waiting = nsp.engine.outbox[m.id].next_retry
    now = T0 + 2 * 3600 + 1
    assert waiting is not None and waiting > now + 600  # the long wait: nobody heard
    back = signed(cp, sitrep(), Destination.to_site(cp.ident.key_id), Priority.P4, 10)
    nsp.run(nsp.engine.on_frame(back.frame, 2, 1, now), now)
    soon = nsp.engine.outbox[m.id].next_retry
    assert soon is not None and soon <= now + 3


def _triage_receipts(site: Site) -> list[Transmit]:
    """The triage receipts `site` handed to its radio (decoded from the frames)."""
    from nsplink.protocol import decode_unverified

    out = []
    for t in site.sent:
        body = decode_unverified(t.frame).body
        if isinstance(body, Receipt) and body.kind is ReceiptKind.TRIAGE:
            out.append(t)
    return out


def _triaged(seq: int, state: State) -> tuple[Site, Site, SignedMessage]:
    """An NSP and a CP; the CP has the NSP's emergency and has just sent its triage receipt."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    m = signed(nsp, emergency(), ALL_CPS, Priority.P1, seq)
    cp.run(cp.engine.on_frame(m.frame, 1, 1, T0), T0)
    cp.run(cp.engine.receipt({m.id: state}, T0 + 5), T0 + 5)
    cp.tick(T0 + 6)
    return nsp, cp, m


def test_a_lost_triage_receipt_is_retried_until_the_nsp_confirms_it() -> None:
    """The CP's "doorgezet naar meldkamer" is the only thing that tells the NSP; when that frame
    is lost the CP sends it again, and stops once the NSP's own receipt for it arrives."""
    from nsplink.protocol.effects import Triage

    nsp, cp, m = _triaged(800, State.MKAMER)
    first = _triage_receipts(cp)
    assert len(first) == 1  # ... and it never arrives
    now = cp.tick(T0 + 600)
    again = _triage_receipts(cp)
    assert len(again) >= 2
    assert again[-1].frame == first[0].frame  # the same signed receipt, not a new one
    nsp.run(nsp.engine.on_frame(again[-1].frame, 2, 1, now), now)
    triage = [e for e in nsp.effects if isinstance(e, Triage)]
    assert [(t.mid, t.state) for t in triage] == [(m.id, "MKAMER")]
    # the NSP receipts the receipt at once (it is P1); the CP stops retrying
    nsp.tick(now + 1)
    confirm = [t for t in nsp.sent if t.frame not in {x.frame for x in cp.sent}]
    assert confirm
    cp.run(cp.engine.on_frame(confirm[-1].frame, 1, 1, now + 1), now + 1)
    assert not [o for o in cp.engine.outbox.values() if o.is_receipt]
    cp.tick(now + 7200)
    assert len(_triage_receipts(cp)) == len(again)


def test_triage_retries_are_routine_and_a_newer_state_replaces_the_older_receipt() -> None:
    _nsp, cp, m = _triaged(810, State.GEZ)
    cp.tick(T0 + 400)
    gez = {t.frame for t in _triage_receipts(cp)}
    assert len(gez) == 1
    held = [o for o in cp.engine.outbox.values() if o.is_receipt]
    assert len(held) == 1 and not held[0].urgent  # retries draw on the routine share
    cp.run(cp.engine.receipt({m.id: State.MKAMER}, T0 + 410), T0 + 410)
    cp.tick(T0 + 411)
    held = [o for o in cp.engine.outbox.values() if o.is_receipt]
    assert len(held) == 1  # GEZ is no longer retried: MKAMER covers the same report
    assert held[0].msg.frame not in gez


def test_a_late_or_repeated_older_triage_receipt_does_not_turn_the_state_back() -> None:
    from nsplink.protocol.effects import Triage

    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    m = signed(nsp, emergency(), ALL_CPS, Priority.P1, 820)
    dest = Destination.to_site(nsp.ident.key_id)
    older = signed(cp, Receipt.build(ReceiptKind.TRIAGE, {m.id: State.GEZ}), dest, Priority.P1, 30)
    newer = signed(
        cp, Receipt.build(ReceiptKind.TRIAGE, {m.id: State.MKAMER}), dest, Priority.P1, 31
    )
    for frame, at in ((newer.frame, 1), (older.frame, 2), (newer.frame, 3)):
        nsp.run(nsp.engine.on_frame(frame, 2, 1, T0 + at), T0 + at)
    assert [e.state for e in nsp.effects if isinstance(e, Triage)] == ["MKAMER"]
    # after a restart the log tells a fresh engine what it had applied
    fresh, _ = make({"nsp": "nsp", "cp": "cp"})
    eng = fresh["nsp"].engine
    eng.triage_known(m.id, cp.ident.key_id, 31)
    assert not [e for e in eng.on_frame(older.frame, 2, 1, T0) if isinstance(e, Triage)]


def test_an_operator_s_step_is_signed_at_once_while_a_delivery_receipt_waits_for_the_radio() -> (
    None
):
    """Under load a CP's delivery receipts queue behind one that waits for the radio; the
    operator's triage step must not: it is the CP's claim, and a held one was replaced by the
    next step (gezien -> meldkamer -> afgesloten) so that no claim went out at all."""
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    eng = cp.engine

    def at(t: float, effects: list[Effect]) -> None:
        cp.run(effects, t, accept=False)  # the radio takes nothing: the hand-over gate stays shut
        while (d := eng.next_deadline()) is not None and d <= t:
            cp.run(eng.handle_timer(t), t, accept=False)

    m = signed(nsp, emergency(), ALL_CPS, Priority.P1, 820)
    at(T0, eng.on_frame(m.frame, 1, 1, T0))  # its receipt is handed over, never answered
    other = signed(nsp, sitrep(3), ALL_CPS, Priority.P3, 821)
    at(T0 + 1, eng.on_frame(other.frame, 1, 1, T0 + 1))
    at(T0 + 40, [])
    assert any(o.is_receipt and not o.tracked for o in eng.outbox.ready())  # one waits
    at(T0 + 60, eng.receipt({m.id: State.GEZ}, T0 + 60))
    created = [e.msg.envelope.body for e in cp.effects if isinstance(e, Created)]
    triage = [b for b in created if isinstance(b, Receipt) and b.kind is ReceiptKind.TRIAGE]
    assert len(triage) == 1 and triage[0].state_of(m.id) is State.GEZ

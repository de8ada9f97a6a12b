"""The site engine: store-and-forward delivery for one site, sans-IO.

Time (`now`, unix seconds, from the driver) and bytes come in; effects (see effects.py) go out.
The daemon drives it at wall time, the simulator at virtual time; both call the same methods:

    submit(msg, now)                      a signed message of ours, already durable
    on_frame(frame, from_node, hops, now) bytes that arrived on our port
    on_handed(token, packet_id, now)      the radio accepted a Transmit
    on_refused(token, reason, now)        it did not (a RefusalReason: queue full, duty cycle, ...)
    on_acked(packet_id, implicit, now)    the device's ack: a HINT (heard), never delivery
    on_failed(packet_id, reason, now)     the device gave up / refused after accepting
    handle_timer(now)                     at or after next_deadline()

Rules of the state machine, in one place:
- an outgoing message's delivery state (QUEUED ... UNDELIVERED, PARTIAL, DELIVERED) moves only
  through the table in delivery.py, whose rules are written at its top; a message we carry for
  someone else is TENTATIVE, then HELD (delivery.CustodyPhase);
- retries back off exponentially with jitter, from a base sized by the frames' airtime and the hop
  count; hearing the destination again brings the next retry forward (store and forward);
- receivers receipt every copy (a duplicate means our receipt was lost) but deliver it once;
- receipts and status beacons are never receipted and never retried (the sender's retry is the
  receipt's retry), except a CP's triage receipt to one NSP: nothing else would repeat it, so
  the NSP receipts it and the CP retries it, from the routine share (see outgoing.tracked).

Its parts: delivery.py (the state table), outgoing.py (one outgoing message, its rank, what is
tracked), retry.py (retry delays, hop limit, want_ack), receipts.py (batching the receipts we
owe), capability.py (who reads format 3: the context coder and bundles), engineconfig.py.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Iterator
from typing import Protocol

from nsplink.protocol.beacon import QUIET_MAX_S, beacon_due
from nsplink.protocol.build import Draft, build_message
from nsplink.protocol.capability import Capabilities, addressed
from nsplink.protocol.codec import (
    FORMAT_V3,
    MAX_FRAME,
    MAX_MEMBERS,
    decode_unverified,
    encode,
    encode_bundle,
)
from nsplink.protocol.codes import MessageType, Priority, ReceiptKind, State
from nsplink.protocol.delivery import (
    CustodyPhase,
    DeliveryEvent,
    DeliveryState,
    Phase,
    allowed,
    transition,
)
from nsplink.protocol.effects import (
    OFF_AIR_NODE,
    ClaimHeard,
    Created,
    CustodyForwarded,
    CustodyReleased,
    CustodyTaken,
    Deliver,
    Effect,
    FailureReason,
    Handed,
    NeedSeqs,
    Outcome,
    PeerSeen,
    RefusalReason,
    Refused,
    Rejected,
    ReleaseReason,
    RetriesEnded,
    RetryEnd,
    Sent,
    Transmit,
    Triage,
)
from nsplink.protocol.engineconfig import EngineConfig
from nsplink.protocol.envelope import (
    Destination,
    DestKind,
    Envelope,
    SignedMessage,
    unix_from_minutes,
)
from nsplink.protocol.errors import DecodeError
from nsplink.protocol.fragments import to_frames
from nsplink.protocol.handover import (
    HAND_RECHECK_S,
    HAND_TRIES,
    Unclaimed,
    Waiting,
    hand_over,
    handed_in,
    is_hand,
    may_hand,
    writes_to,
)
from nsplink.protocol.identity import Identity, KeyId, KeyLookup, MessageId, PeerKey
from nsplink.protocol.messages import Bulletin, Message, Receipt, ReceiptEntry, Status
from nsplink.protocol.outbox import Outbox
from nsplink.protocol.outgoing import (
    PRIO_RANK,
    RADIO_PRIORITY,
    UNTRACKED,
    Outgoing,
    recipients,
    tracked,
    type_rank,
)
from nsplink.protocol.ownership import Claim, claims_in
from nsplink.protocol.planner import AirtimePlanner
from nsplink.protocol.receipts import ReceiptQueue, superseded_triage
from nsplink.protocol.receiver import Receiver, VerifiedFrames
from nsplink.protocol.replay import ReplayGuard, ReplayVerdict
from nsplink.protocol.retry import RetryPolicy, want_ack

# what waits first when the channel is busy (planner.py)
ROUTINE = frozenset({Priority.P3, Priority.P4})

# Back-pressure pauses after the radio said no (seconds)
REFUSAL_PAUSE: dict[RefusalReason, float] = {
    RefusalReason.DUTY_CYCLE: 60.0,
    RefusalReason.QUEUE_FULL: 2.0,
    RefusalReason.UNAVAILABLE: 5.0,
}


# how many messages for us the engine counts the copies of (oldest forgotten first)
MAX_ASKED = 2048
ANSWERS_LOST_S = 3600.0  # how long a CP copy that says our answer was lost widens the next ones

# how many waiting messages the scheduler looks at for a bundle (the best ranked first)
MAX_RIDERS = 24

# how often an owner sends its first claim again to a rival that claimed the report later, and
# an NSP tells a losing CP who won
REASSERT_TRIES = 3

# while a receipt waits for the radio, the next flush is looked at again this often (seconds)
RECEIPT_RECHECK_S = 2.0
# a region's NSPs receipt a bulletin over a window of this much per NSP, this much at most
BULLETIN_RECEIPT_SLOT_S = 3.0
BULLETIN_RECEIPT_SPREAD_S = 300.0
MAX_ARBITRATED = 512  # an NSP's reports whose claims it keeps (each a handful of bytes)


class Roster(KeyLookup, Protocol):
    """What the engine needs of the roster: lookup by key id, and every entry (for groups)."""

    def __iter__(self) -> Iterator[PeerKey]: ...


class SiteEngine:
    def __init__(
        self,
        identity: Identity,
        roster: Roster,
        config: EngineConfig,
        *,
        rng: random.Random | None = None,
        now: float = 0.0,
        verified: VerifiedFrames | None = None,
    ) -> None:
        self.identity = identity
        self.me = identity.key_id
        self.roster = roster
        self.config = config
        self.rng = rng or random.Random(0)
        # the verified-frame cache is shared by simulated sites
        self.receiver = Receiver(roster, verified=verified, formats=config.formats)
        self.capabilities = Capabilities(config.formats)
        self.replay = ReplayGuard()
        self._claims_seen = ReplayGuard()  # CP claims (triage receipts) already reported
        # our first claim per report and the signed receipt that made it (ownership.py)
        self._own_claims: dict[MessageId, tuple[Claim, SignedMessage]] = {}
        self._reasserted: set[tuple[MessageId, KeyId]] = set()  # (report, rival) said again
        # an NSP: each CP's first claim on each of our reports, and whom we told of the winner
        self._claims_on_ours: dict[MessageId, dict[KeyId, tuple[Claim, SignedMessage]]] = {}
        self._told: dict[tuple[MessageId, KeyId, KeyId], int] = {}  # (report, loser, winner)
        self.unclaimed = Unclaimed()  # an NSP: reports a CP has and nobody took up yet
        self._wrote_us: dict[KeyId, float] = {}  # site -> when a frame it addressed to us came
        self.planner = AirtimePlanner(
            config.modem, duty_pct=config.duty_pct, routine_share=config.routine_share, boot_s=now
        )
        self.retry = RetryPolicy(config, self.planner)
        self.outbox = Outbox(config.undelivered_after_s, self._times_out)
        self.heard: dict[KeyId, tuple[float, int, int | None]] = {}  # site -> (at, node, hops)
        self._copies: dict[MessageId, int] = {}  # copies received of messages for us (_asked)
        self._answers_lost: dict[KeyId, float] = {}  # CP -> when a copy said our answer was lost
        self._last_beacon: tuple[float, Status] | None = None  # (when, what) we last beaconed
        self._cps_heard_us_at: float | None = None  # a CP's last receipt of one of ours
        self._seqs: list[int] = []
        self.receipts = ReceiptQueue(config.receipt_delay_s)
        self._triage_newest: dict[tuple[MessageId, KeyId], int] = {}  # -> receipt seq applied
        self._tokens: dict[int, tuple[MessageId, int]] = {}
        # token -> (bytes on air, messages riding in the same bundle), see _on_air
        self._air: dict[int, tuple[int, tuple[MessageId, ...]]] = {}
        self._next_token = 1
        self._handing: int | None = None  # one hand-off at a time, like the device's API
        # packet id -> (message, part, handed at, airtime, the bundle's riders)
        self._packets: dict[int, tuple[MessageId, int, float, float, tuple[MessageId, ...]]] = {}
        self._order = 0
        self._last_now = now
        # engine time = the driver's wall time + _skew, and it never goes backwards (_clock)
        self._skew = 0.0
        self._superseded: set[MessageId] = set()  # bulletins of ours a newer one replaces
        self._engine_now = now

    # -- time ----------------------------------------------------------------------------------

    def _clock(self, now: float) -> float:
        """Engine time for the driver's wall time `now` (every input method starts here).

        Timers, the airtime ledger and the token bucket hold absolute times; a wall clock set
        back (no NTP during an outage, a laptop corrected by hand) would park them all until the
        clock caught up again. So a step back is absorbed: engine time stands still at the step
        and runs on from there. A step forward needs nothing: what is due fires at once (one
        retry each), and the ledger forgets an hour it cannot see. What leaves the engine is in
        wall time again (next_deadline, the times in effects, a message's own time)."""
        t = now + self._skew
        if t < self._engine_now:
            self._skew += self._engine_now - t
            t = self._engine_now
        self._engine_now = t
        return t

    def _wall(self, t: float) -> float:
        return t - self._skew

    # -- sequence numbers for what the engine signs itself --------------------------------------

    def provide_seqs(self, seqs: Iterable[int], now: float) -> list[Effect]:
        """Sequence numbers the driver reserved in the store for our receipts and beacons."""
        now = self._clock(now)
        self._seqs.extend(seqs)
        self._seqs.sort()
        return self._pump(now)

    def _take_seq(self) -> int | None:
        return self._seqs.pop(0) if self._seqs else None

    def compose(
        self,
        body: Message,
        destination: Destination,
        priority: Priority,
        now: float,
        *,
        seal_to: bytes | None = None,
        seal_with: bytes | None = None,
    ) -> SignedMessage | None:
        """Build and sign a message of our own with a reserved sequence number (build.py); None
        if none is left."""
        return self._compose(
            body, destination, priority, self._clock(now), seal_to=seal_to, seal_with=seal_with
        )

    def _compose(
        self,
        body: Message,
        destination: Destination,
        priority: Priority,
        now: float,
        *,
        seal_to: bytes | None = None,
        seal_with: bytes | None = None,
    ) -> SignedMessage | None:
        seq = self._take_seq()
        if seq is None:
            return None
        draft = Draft(body, destination, priority, seal_to, seal_with)
        # the message's own time is the site's wall clock, as its people see it
        return build_message(draft, self.identity, seq, self._wall(now), self._self_key())

    def _self_key(self) -> PeerKey:
        peer = self.roster.lookup(self.me)
        return peer or PeerKey("self", self.config.role, self.identity.public_key)

    # -- outgoing --------------------------------------------------------------------------------

    def submit(
        self,
        msg: SignedMessage,
        now: float,
        *,
        attempts: int = 0,
        delivered_to: Iterable[KeyId] = (),
        submitted_at: float | None = None,
    ) -> list[Effect]:
        """Queue one of our messages (already durable). After a restart the driver passes what
        the log knows: attempts made and who already receipted."""
        now = self._clock(now)
        return self._submit(msg, now, attempts, delivered_to, submitted_at)

    def _submit(
        self,
        msg: SignedMessage,
        now: float,
        attempts: int = 0,
        delivered_to: Iterable[KeyId] = (),
        submitted_at: float | None = None,
    ) -> list[Effect]:
        if msg.id in self.outbox:
            return []
        # submitted_at is the log's wall time; before the current skew it is older still
        at = min(now, submitted_at + self._skew) if submitted_at else now
        ended = self.note_supersedes(msg)
        out = self._new_out(msg, DeliveryState.QUEUED, now=at)
        out.attempt = attempts + 1
        out.got.update(delivered_to)
        if out.tracked and out.complete:
            return ended
        if attempts and self._moot(out, now):
            self.outbox.add(out)  # resumed after a restart: late receipts still count
            return [*ended, self._retries_ended(out)]  # the log's last next try is void
        out.pending = list(range(len(out.frames)))
        self.outbox.add(out)
        return ended + self._pump(now)

    def hold(self, msg: SignedMessage, now: float) -> list[Effect]:
        """Carry again, after a restart, a message whose custody we had confirmed: it goes out
        as soon as its destination is heard."""
        now = self._clock(now)
        if msg.id not in self.outbox and msg.envelope.sender != self.me:
            self.outbox.add(self._new_out(msg, CustodyPhase.HELD, now=now))
        return []

    def send_message(
        self, body: Message, destination: Destination, priority: Priority, now: float
    ) -> list[Effect]:
        """Compose, sign and queue a message the engine makes itself (status beacons)."""
        now = self._clock(now)
        if isinstance(body, Status):
            self._last_beacon = (now, body)
            body = self.capabilities.announce(body)
        msg = self._compose(body, destination, priority, now)
        if msg is None:
            return [NeedSeqs(self.config.seq_low_water * 2)]
        return [Created(msg), *self._submit(msg, now), *self._need_seqs()]

    def beacon_due(self, body: Status, now: float) -> bool:
        """Whether the status beacon `body` is worth sending now (beacon.py): an NSP that a CP
        has heard since its last beacon skips one without news. Asked by the daemon and the
        simulator before `send_message`, so both skip the same beacons."""
        return beacon_due(
            self.config.role, body, self._clock(now), self._last_beacon, self._cps_heard_us_at
        )

    def _new_out(self, msg: SignedMessage, phase: Phase, *, now: float) -> Outgoing:
        env = msg.envelope
        any_of, all_of = recipients(env.destination, self.roster, self.me)
        self._order += 1
        return Outgoing(
            msg=msg,
            frames=to_frames(msg.frame, MAX_FRAME),
            rank=(type_rank(env), PRIO_RANK[env.priority], now, self._order),
            urgent=env.type is MessageType.EMERGENCY or env.priority is Priority.P1,
            tracked=tracked(env),
            any_of=any_of,
            all_of=all_of,
            submitted_at=now,
            phase=phase,
        )

    # -- the radio's answers ---------------------------------------------------------------------

    def on_handed(self, token: int, packet_id: int, now: float) -> list[Effect]:
        now = self._clock(now)
        effects: list[Effect] = []
        if self._handing == token:
            self._handing = None
        ref = self._tokens.pop(token, None)
        size, riders = self._air.pop(token, (0, ()))
        out = self.outbox.get(ref[0]) if ref else None
        if ref is None or out is None:
            return self._pump(now)
        part = ref[1]
        airtime = self.planner.airtime_ms(size)
        self._packets[packet_id] = (out.mid, part, now, airtime, riders)
        for mid in riders:  # in the same frame: handed over too (its airtime counted once)
            rider = self.outbox.get(mid)
            if rider is not None:
                effects.extend(self._handed(rider, 0, packet_id, 0.0, now))
        return self._handed(out, part, packet_id, airtime, now) + effects + self._pump(now)

    def _handed(
        self, out: Outgoing, part: int, packet_id: int, airtime: float, now: float
    ) -> list[Effect]:
        effects: list[Effect] = []
        out.tried_at = now
        if not out.pending and out.tracked:
            retry_at = now + self.retry.delay(out, self.heard, self.rng, now)
            # the Sent below then says there is no next try, as the outbox view shows it
            self.outbox.set_retry(out, None if self._moot(out, retry_at) else retry_at)
        elif not out.pending:
            self._drop(out)  # untracked: handed over is all there is
        if out.custody:
            if not out.pending:
                effects.append(CustodyForwarded(out.mid, out.attempt))
        else:
            effects.extend(self._advance(out, DeliveryEvent.HANDED))
        effects.append(
            Sent(
                out.mid,
                part,
                out.attempt,
                packet_id,
                airtime,
                self._wall(out.next_retry) if out.tracked and out.next_retry else None,
            )
        )
        return effects

    def on_refused(self, token: int, reason: RefusalReason, now: float) -> list[Effect]:
        now = self._clock(now)
        if self._handing == token:
            self._handing = None
        ref = self._tokens.pop(token, None)
        for mid in self._air.pop(token, (0, ()))[1]:  # riders go back to waiting as well
            rider = self.outbox.get(mid)
            if rider is not None and not rider.pending:
                rider.pending = [0]
                self.outbox.touch(rider)
        pause = REFUSAL_PAUSE[reason]
        self.planner.block(now + pause)
        effects: list[Effect] = []
        if ref is not None and ref[0] in self.outbox:
            out = self.outbox[ref[0]]
            if ref[1] not in out.pending:
                out.pending.insert(0, ref[1])
                self.outbox.touch(out)
            effects.append(Refused(out.mid, reason, self._wall(now + pause)))
        return effects + self._pump(now)

    def on_acked(self, packet_id: int, implicit: bool, now: float) -> list[Effect]:
        """A neighbour repeated our packet (implicit) or the destination node acked: HEARD."""
        now = self._clock(now)
        info = self._packets.pop(packet_id, None)
        if info is None:
            return []
        mid, _part, handed_at, airtime, riders = info
        retries = int((now - handed_at) * 1000 // max(1.0, self.retry.device_retry_ms(airtime)))
        if retries:
            self.planner.record_extra(now, airtime * min(retries, 2))
        effects: list[Effect] = []
        for one in (mid, *riders):  # a bundle's messages were all in the packet heard
            out = self.outbox.get(one)
            if out is None or out.custody or not allowed(out.state, DeliveryEvent.HEARD):
                # a late hint for an earlier copy of a message that is queued again (a claim
                # said once more, a relay of a frame we sent before): stale, not a transition
                continue
            detail = "implicit" if implicit else "routing"
            effects.extend(self._advance(out, DeliveryEvent.HEARD, detail=detail))
        return effects

    def on_failed(self, packet_id: int, reason: FailureReason, now: float) -> list[Effect]:
        """The device refused after accepting (DUTY_CYCLE_LIMIT: resend later) or gave up
        (MAX_RETRANSMIT: nobody repeated it; our own retry timer stays in charge)."""
        now = self._clock(now)
        info = self._packets.pop(packet_id, None)
        if info is None:
            return []
        reason = FailureReason.of(reason)  # a driver may still pass the bare Routing.Error name
        mid, part, _handed_at, airtime, _riders = info
        out = self.outbox.get(mid)
        effects: list[Effect] = []
        if reason is FailureReason.DUTY_CYCLE_LIMIT:
            pause = REFUSAL_PAUSE[RefusalReason.DUTY_CYCLE]
            self.planner.block(now + pause)
            if out is not None and part not in out.pending:
                out.pending.insert(0, part)
                self.outbox.touch(out)
                self.outbox.set_retry(out, None)
                effects.append(Refused(mid, RefusalReason.DUTY_CYCLE, self._wall(now + pause)))
        elif reason is FailureReason.MAX_RETRANSMIT:
            self.planner.record_extra(now, 2 * airtime)
        return effects + self._pump(now)

    def on_channel_load(
        self, channel_util_pct: float, air_util_tx_pct: float, now: float
    ) -> list[Effect]:
        """The device's own measurements (planner.py): a busy channel holds routine traffic,
        a quieter one lets it go again."""
        now = self._clock(now)
        self.planner.on_channel(now, channel_util_pct, air_util_tx_pct)
        return self._pump(now)

    # -- incoming --------------------------------------------------------------------------------

    def on_frame(self, frame: bytes, from_node: int, hops: int | None, now: float) -> list[Effect]:
        now = self._clock(now)
        try:
            msgs = self.receiver.receive_all(frame, now)  # none: a fragment, kept for reassembly
        except DecodeError as err:
            return [Rejected(err, frame, from_node, _peek(frame))]
        effects: list[Effect] = []
        for msg in msgs:  # a bundle's messages, each as if it came alone
            effects.extend(self._on_message(msg, from_node, hops, now))
        return effects + self._pump(now) if msgs else []

    def _on_message(
        self, msg: SignedMessage, from_node: int, hops: int | None, now: float
    ) -> list[Effect]:
        env = msg.envelope
        effects: list[Effect] = []
        signer = env.sender
        if signer == self.me:
            return []  # our own message coming back (a custodian forwarding it)
        effects.extend(self._seen(signer, from_node, hops, now))
        if isinstance(env.body, Status):
            self.capabilities.heard(signer, env.body)
        effects.extend(self.note_supersedes(msg))
        for_me = self._for_me(env.destination)
        duplicate = for_me and self.replay.accept(msg.id) is ReplayVerdict.DUPLICATE
        if from_node != OFF_AIR_NODE and writes_to(msg, self.me):
            self._wrote_us[signer] = now  # its path to us works now (handover.py `may_hand`)
        if isinstance(env.body, Receipt):
            effects.extend(self._on_receipt(env.body, signer, env.seq, now))
            effects.extend(self._claims(msg, from_node, now))
        if for_me:
            effects.append(Deliver(msg, from_node, hops, duplicate))
            if not duplicate and self.config.role == "cp":
                effects.extend(self._handed_to_us(msg))
            if tracked(env):
                urgent = env.type is MessageType.EMERGENCY or env.priority in (
                    Priority.P1,
                    Priority.P2,
                )
                asked = self._receipt_due(msg, now)
                if asked:
                    later = None
                    if env.type is MessageType.BULLETIN:
                        later = now + self._bulletin_receipt_wait(urgent, asked)
                    self.receipts.queue(
                        ReceiptKind.DELIVERY, msg.id, State.ONTV, urgent, now, asked, later
                    )
                elif env.destination.kind is DestKind.NSPS:
                    # a copy of a bulletin we do not answer on its own: the CP still waits for
                    # some NSP, perhaps us, whose answers it never heard although it heard our
                    # reports all along (a link that carries one way, or a busy CP). Our next
                    # delivery receipt, to whichever CP, says it again at no extra frame; over
                    # 72 hours only 2-4 of 7 bulletins got every NSP's answer, each CP sending
                    # them 50-65 times (docs/congestion.md part 11)
                    self.receipts.ride(msg.id, State.ONTV)
        elif env.type is MessageType.ROSTER_UPDATE:
            # a region-signed roster helps every site that overhears it (the driver checks the
            # region's signature and the version); no receipt: we are not its recipient
            effects.append(Deliver(msg, from_node, hops, False))
        elif self.config.carry and env.type not in UNTRACKED:
            effects.extend(self._maybe_take_custody(msg, now))
        return effects

    def _bulletin_receipt_wait(self, urgent: bool, asked: int) -> float:
        """How long an NSP holds its receipt to a copy of a bulletin. Every NSP hears the same
        copy within seconds, and answers sent together collided at the CP: so each waits its
        own share of a window (`_receipt_window`), the first time the share its key sets, the
        next times (the CP sent it again: our answer was lost) a share drawn anew, since the
        moment that failed once meets the same flood again. The share comes on top of a
        routine receipt's batching wait: taken as the larger of the two, all 8 NSPs of the
        exercise answered at the same 30 s, and one NSP's answers to a bulletin collided at
        its relay every time, 11 of them in 40 hours (docs/congestion.md, part 9)."""
        share = self.me.raw[0] / 256 if asked <= 1 else self.rng.random()
        return (0.0 if urgent else self.config.receipt_delay_s) + share * self._receipt_window()

    def _receipt_window(self) -> float:
        """The window over which the region's NSPs receipt a bulletin: 3 s each, so a CP of
        two NSPs has both receipts within seconds and one of 100 within 5 minutes."""
        nsps = sum(1 for peer in self.roster if peer.role == "nsp")
        return min(BULLETIN_RECEIPT_SPREAD_S, BULLETIN_RECEIPT_SLOT_S * nsps)

    def _receipt_due(self, msg: SignedMessage, now: float) -> int:
        """Whether this copy of a message for us gets a receipt, and how far it must go: 0 for
        none, else n for "n-1 hops farther than we heard the sender" (`_asked`).

        A copy sent to us alone means our receipts to the earlier ones were lost: every copy is
        receipted, each a hop farther. A bulletin's copies are sent for whichever NSPs have not
        receipted yet, so a copy says little about ours: only the 1st, 2nd, 4th, 8th ... copy
        is receipted (each a hop farther). Answering every copy, a 100-NSP region spent most
        of a bulletin's airtime on receipts of NSPs that had long confirmed it: one bulletin
        went out 229 times in 72 hours for the one NSP still missing, and each time every other
        NSP receipted it again (docs/congestion.md, part 4)."""
        copies = self._asked(msg.id)
        if msg.envelope.destination.kind is not DestKind.NSPS:
            if not isinstance(msg.envelope.body, Receipt):
                return copies
            # a CP's triage receipt. Of its retries in a 100-NSP region 70 % came while we
            # had it: our answer, sized for the hops we heard the CP at, was lost. Once a
            # copy says so, our answers to that CP go a hop farther from the first copy on,
            # for an hour; in a small mesh, where none is lost, they stay as they were
            # (docs/congestion.md part 10)
            cp = msg.envelope.sender
            lost = self._answers_lost.get(cp)
            if copies > 1:
                self._answers_lost[cp] = now
            return copies + (lost is not None and now - lost < ANSWERS_LOST_S)
        return copies.bit_length() if copies & (copies - 1) == 0 else 0

    def _asked(self, mid: MessageId) -> int:
        """How many copies of `mid` we have received, this one included (the newest
        MAX_ASKED messages are remembered; an older one counts from one again)."""
        asked = self._copies.pop(mid, 0) + 1
        self._copies[mid] = asked
        if len(self._copies) > MAX_ASKED:
            del self._copies[next(iter(self._copies))]
        return asked

    def for_me(self, dest: Destination) -> bool:
        """Whether a message to `dest` is addressed to this site (also for unverified ones)."""
        return self._for_me(dest)

    def _for_me(self, dest: Destination) -> bool:
        role = self.config.role
        return (
            dest.kind is DestKind.ALL
            or (dest.kind is DestKind.SITE and dest.site == self.me)
            or (dest.kind is DestKind.CPS and role == "cp")
            or (dest.kind is DestKind.NSPS and role == "nsp")
        )

    def _seen(self, site: KeyId, node: int, hops: int | None, now: float) -> list[Effect]:
        """A verified frame from `site`: remember the link, and let waiting messages go."""
        if node == OFF_AIR_NODE:
            # over the bridge: nothing about our radio path to that site. Its hop count
            # (unknown) must not make our LoRa frames to it flood, nor its sighting start
            # LoRa retries; the bridge carries our frames to it anyway.
            return [PeerSeen(site, node, hops, self._wall(now))]
        prev = self.heard.get(site)
        self.heard[site] = (now, node, hops)
        fresh_again = prev is None or now - prev[0] > self.config.heard_fresh_s / 3
        effects: list[Effect] = [PeerSeen(site, node, hops, self._wall(now))]
        if not fresh_again:
            return effects
        for out in self.outbox.waiting_for(site):
            waiting_for = site in out.any_of or (site in out.all_of and site not in out.got)
            if not waiting_for or out.pending:
                continue
            if out.all_of and prev is not None and prev[0] >= out.tried_at - QUIET_MAX_S:
                # a group message: this NSP was in reach when we last tried, so hearing it
                # is no news; each of a bulletin's missing NSPs brought a try forward at every
                # beacon, a bulletin to 100 NSPs went out every 12 minutes for days. A post on
                # the air may be silent for QUIET_MAX_S (beacon.py): only longer is away
                continue
            soon = now + self.rng.uniform(0.5, 3.0)
            if out.phase is CustodyPhase.TENTATIVE:
                continue  # the sender still retries by itself
            if out.custody:
                out.attempt = 0  # a fresh round of forwards for this sighting
                self.outbox.set_retry(out, soon)
            elif out.next_retry is not None and out.next_retry > soon:
                # the destination is back: retry now instead of at the backed-off time
                self.outbox.set_retry(out, soon)
        return effects

    def _on_receipt(
        self, receipt: Receipt, signer: KeyId, receipt_seq: int, now: float
    ) -> list[Effect]:
        if receipt.kind is ReceiptKind.HAND:
            return []  # it confirms nothing: a report handed on (`_handed_to_us`)
        effects: list[Effect] = []
        for entry in receipt.entries:
            covered = list(self._covered(entry))
            for out in covered:
                effects.extend(self._apply_receipt(out, receipt.kind, entry.state, signer, now))
            if receipt.kind is ReceiptKind.TRIAGE and entry.sender == self.me:
                effects.extend(self._triage(entry, signer, receipt_seq))
        return effects

    def _handed_to_us(self, msg: SignedMessage) -> list[Effect]:
        """A hand-over from a report's NSP (handover.py): its report is ours to take up."""
        peer = self.roster.lookup(msg.envelope.sender)
        nsp = peer is not None and peer.role == "nsp"
        return [Handed(mid, msg.envelope.sender, msg.id) for mid in handed_in(msg, self.me, nsp)]

    def _triage(self, entry: ReceiptEntry, signer: KeyId, receipt_seq: int) -> list[Effect]:
        """A CP's handling state for messages of ours, delivered or not: news for the NSP's
        screen. Only a CP may say it, and only its newest receipt counts: a retried or late
        older one (GEZ after MKAMER) must not turn the state back."""
        peer = self.roster.lookup(signer)
        if peer is None or peer.role != "cp":
            return []
        last = min(entry.last, entry.first + 63)  # a range is ours to read, not to trust blindly
        effects: list[Effect] = []
        for seq in range(entry.first, last + 1):
            mid = MessageId(self.me, seq)
            if self._triage_newest.get((mid, signer), -1) >= receipt_seq:
                continue
            self._triage_newest[(mid, signer)] = receipt_seq
            effects.append(Triage(mid, entry.state.value, signer, receipt_seq))
        return effects

    def _claims(self, msg: SignedMessage, from_node: int, now: float) -> list[Effect]:
        """Another CP's triage receipt claims reports (ownership.py): every copy of it that we
        hear, addressed to us or not, is reported once, so each site can name the owner.

        A claim on a report we claimed earlier (by the rule) is a race that CP lost, and it may
        never have heard our claim (it was off, or out of range when we sent it): we send our
        first claim again, the same signed receipt (its signed minute is what the rule reads;
        a new receipt would carry a later one), aimed at the rival: up to REASSERT_TRIES times
        with the usual back-off (sooner when the rival is heard again), since nothing receipts
        it. The NSP takes it as the old receipt it is (only a newer one changes its state); the
        loser does not answer, so a race costs at most REASSERT_TRIES frames."""
        peer = self.roster.lookup(msg.envelope.sender)
        claims = claims_in(msg, peer is not None and peer.role == "cp")
        if not claims:
            return []
        if self._claims_seen.accept(msg.id) is not ReplayVerdict.NEW:
            dest = msg.envelope.destination  # a loser's retry to us: see `_arbitrate`
            if self.config.role == "nsp" and dest.kind is DestKind.SITE and dest.site == self.me:
                return self._tell_again(claims, now)
            return []
        effects: list[Effect] = [ClaimHeard(msg, tuple(claims), from_node)]
        if from_node == OFF_AIR_NODE and self.config.role == "cp":
            # a claim from beyond the bridge: said once on our air too, so that the CPs here
            # without a link, and the report's NSP, learn who has the report
            effects.extend(self._relay_once(msg, now))
        for c in claims:
            ours = self._own_claims.get(c.about)
            key = (c.about, c.cp)
            if ours is not None and ours[0].key() < c.key() and key not in self._reasserted:
                self._reasserted.add(key)
                if ours[1].id not in self.outbox:
                    effects.extend(self._reassert(ours[1], c.cp, now))
        if self.config.role == "nsp":
            effects.extend(self._arbitrate(msg, claims, now))
        return effects

    def _arbitrate(self, msg: SignedMessage, claims: list[Claim], now: float) -> list[Effect]:
        """The report's NSP is where every CP's claim on it meets: each is a triage receipt
        addressed to the NSP and retried until the NSP confirms it, while CPs only overhear
        each other (measured in a busy 30-NSP region: two CPs two hops apart heard almost none
        of each other's claims, and both passed the report to the meldkamer). So when an NSP
        holds the claims of two CPs, it puts the winner's signed receipt (ownership.py) on
        the air once, aimed at each loser: the loser's site then names the owner and its
        operator stops. One frame per race (`_tell_again` for a word that was lost); nothing for
        a report only one CP took."""
        effects: list[Effect] = []
        for c in claims:
            if c.about.sender != self.me:
                continue
            self.unclaimed.claimed(c.about)
            firsts = self._claims_on_ours.setdefault(c.about, {})
            if len(self._claims_on_ours) > MAX_ARBITRATED:  # the oldest report leaves first
                gone = next(iter(self._claims_on_ours))
                del self._claims_on_ours[gone]
                self._told = {t: n for t, n in self._told.items() if t[0] != gone}
            old = firsts.get(c.cp)
            if old is None or c.key() < old[0].key():
                firsts[c.cp] = (c, msg)
            win, win_msg = min(firsts.values(), key=lambda v: v[0].key())
            for loser in firsts:
                told = (c.about, loser, win.cp)
                if loser != win.cp and told not in self._told:
                    self._told[told] = 1
                    effects.extend(self._relay_once(win_msg, now, aim=loser))
        return effects

    def _tell_again(self, claims: list[Claim], now: float) -> list[Effect]:
        """A losing CP's claim on our report came once more, its retry: our receipt of it was
        lost, and most likely our word on the winner (`_arbitrate`) too. We say it again, up to
        REASSERT_TRIES times in all. Said once, a lost word left a CP that took a report over
        from a CP gone quiet to pass it to the meldkamer a second time (100-NSP region over 72
        hours, docs/congestion.md part 12)."""
        effects: list[Effect] = []
        for c in claims:
            firsts = self._claims_on_ours.get(c.about, {})
            if c.about.sender != self.me or c.cp not in firsts or firsts[c.cp][0] != c:
                continue
            win, win_msg = min(firsts.values(), key=lambda v: v[0].key())
            told = (c.about, c.cp, win.cp)
            if c.cp != win.cp and 0 < self._told.get(told, 0) < REASSERT_TRIES:
                self._told[told] += 1
                effects.extend(self._relay_once(win_msg, now, aim=c.cp))
        return effects

    def _awaits_claim(self, out: Outgoing) -> bool:
        """Whether a CP's receipt of this message of ours starts the wait for a claim: our
        emergency report to any CP, at an NSP (handover.py)."""
        env = out.msg.envelope
        return (
            self.config.role == "nsp"
            and env.type is MessageType.EMERGENCY
            and env.destination.kind is DestKind.CPS
        )

    def await_claim(self, report: MessageId, cp: KeyId, at: float) -> None:
        """After a start: CP `cp` receipted our report at wall time `at` and the log holds no
        claim on it and no hand-over yet (the journal's restore)."""
        self.unclaimed.delivered(report, cp, at + self._skew)

    def wrote_us(self, site: KeyId, at: float) -> None:
        """After a start: a frame `site` addressed to us came at wall time `at` (the journal's
        restore), for `may_hand`."""
        self._wrote_us[site] = max(self._wrote_us.get(site, at), at + self._skew)

    def _hand(self, waiting: Waiting, now: float) -> list[Effect]:
        """Hand a report nobody took up to the CP that has it (handover.py): tracked, urgent
        on every try (it is about an emergency, and the CP receipted the report half an hour
        ago, so a lost try is no sign of a CP gone) for HAND_TRIES tries, then like a triage
        receipt's retries until that CP receipts it."""
        dest = Destination.to_site(waiting.cp)
        msg = self._compose(hand_over(waiting.report), dest, Priority.P1, now)
        if msg is None:
            self.unclaimed.retry(waiting, now + RECEIPT_RECHECK_S)
            return [NeedSeqs(self.config.seq_low_water * 2)]
        return [Created(msg), *self._submit(msg, now)]

    def _reassert(self, msg: SignedMessage, rival: KeyId, now: float) -> list[Effect]:
        out = self._new_out(msg, DeliveryState.QUEUED, now=now)
        out.any_of = frozenset({rival})  # sized and brought forward for the rival
        out.max_attempts = REASSERT_TRIES
        out.attempt = 1
        out.pending = list(range(len(out.frames)))
        self.outbox.add(out)
        return self._pump(now)

    def _relay_once(self, msg: SignedMessage, now: float, aim: KeyId | None = None) -> list[Effect]:
        """Put another site's signed frame on the air once, untracked: handed over is all there
        is (no retry, no receipt awaited; the signer's own retries are the retry). `aim`: the
        site it is for, so that its hop limit is sized to reach it."""
        if msg.id in self.outbox or msg.envelope.sender == self.me:
            return []
        out = self._new_out(msg, DeliveryState.QUEUED, now=now)
        out.tracked = False
        if aim is not None:  # sized like a first try to that site: as far as it was heard
            out.any_of, out.attempt = frozenset({aim}), 1
        out.pending = list(range(len(out.frames)))
        self.outbox.add(out)
        return self._pump(now)

    def own_claim(self, claim: Claim, msg: SignedMessage) -> None:
        """One of our claims, with the signed receipt that made it (the engine's own triage
        receipts, or the log's after a restart): the first one per report is ours in a race."""
        old = self._own_claims.get(claim.about)
        if old is None or claim.key() < old[0].key():
            self._own_claims[claim.about] = (claim, msg)

    def triage_known(self, mid: MessageId, by: KeyId, receipt_seq: int) -> None:
        """After a restart: the newest triage receipt already applied (from the log)."""
        key = (mid, by)
        self._triage_newest[key] = max(receipt_seq, self._triage_newest.get(key, -1))

    def _covered(self, entry: ReceiptEntry) -> list[Outgoing]:
        # never walks the (possibly huge) range a receipt claims beyond what we hold
        return self.outbox.covered(entry)

    def _apply_receipt(
        self, out: Outgoing, kind: ReceiptKind, state: State, signer: KeyId, now: float
    ) -> list[Effect]:
        recipient = signer in out.any_of or signer in out.all_of
        if out.custody:
            if recipient and kind is not ReceiptKind.CUSTODY:
                self._drop(out)
                if out.phase is CustodyPhase.TENTATIVE:
                    return []  # nothing was promised or stored
                return [CustodyReleased(out.mid, ReleaseReason.DELIVERED)]
            return []
        if recipient and out.msg.envelope.destination.kind is DestKind.CPS:
            self._cps_heard_us_at = now  # a CP has heard us: our next beacon may be skipped
        effects: list[Effect] = []
        if kind is ReceiptKind.CUSTODY:
            if recipient or out.got:
                return []  # once a recipient receipted, a relay's custody says nothing more
            out.phase = transition(out.state, DeliveryEvent.CUSTODY_RECEIPT)
            if out.holder is None:  # the first holder is news even when UNDELIVERED stays
                out.holder = signer
                effects.append(Outcome(out.mid, DeliveryState.CUSTODY, signer))
            # the relay forwards it; we keep retrying, slowly, until the recipient receipts
            if out.next_retry is not None:
                self.outbox.set_retry(out, max(out.next_retry, now + self.retry.cap(out)))
            return effects
        if not recipient:
            return []  # a receipt from someone who is not a recipient proves nothing
        if signer in out.got:
            return effects
        out.got.add(signer)
        if self._awaits_claim(out):
            self.unclaimed.delivered(out.mid, signer, now)
        if not out.urgent:
            self.planner.on_delivery()
        event = DeliveryEvent.FULL_RECEIPT if out.complete else DeliveryEvent.PARTIAL_RECEIPT
        out.phase = transition(out.state, event)
        effects.append(Outcome(out.mid, out.state, signer))  # each new recipient is news
        if out.state is DeliveryState.DELIVERED:
            self._drop(out)
        return effects

    def _maybe_take_custody(self, msg: SignedMessage, now: float) -> list[Effect]:
        """Carry a message whose destination we have not heard recently.

        Custody starts tentative: if the destination's receipt passes by within
        `custody_confirm_s`, the mesh delivered it without us and we drop it silently (no
        airtime spent). Only then do we make it durable and sign a custody receipt."""
        dest = msg.envelope.destination
        if dest.kind not in (DestKind.SITE, DestKind.CPS):
            return []
        held = self.outbox.get(msg.id)
        if held is None:
            out = self._new_out(msg, CustodyPhase.TENTATIVE, now=now)
            if any(self._fresh(s, now) for s in out.any_of):
                return []  # the destination can hear the mesh itself
            self.outbox.add(out)
            self.outbox.set_confirm(out, now + self.config.custody_confirm_s)
        elif held.phase is CustodyPhase.HELD:
            # the sender did not get our custody receipt: it is still retrying
            self.receipts.queue(ReceiptKind.CUSTODY, msg.id, State.ONTV, False, now)
        return []

    def _confirm_custody(self, out: Outgoing, now: float) -> list[Effect]:
        out.phase = CustodyPhase.HELD
        self.receipts.queue(ReceiptKind.CUSTODY, out.mid, State.ONTV, out.urgent, now)
        return [CustodyTaken(out.msg)]

    def _fresh(self, site: KeyId, now: float) -> bool:
        seen = self.heard.get(site)
        return seen is not None and now - seen[0] <= self.config.heard_fresh_s

    # -- receipts --------------------------------------------------------------------------------

    def receipt(self, items: dict[MessageId, State], now: float) -> list[Effect]:
        """A CP operator's triage change (docs/setting.md §4.2: gezien sends "Ontvangen door
        CP")."""
        now = self._clock(now)
        for mid, state in items.items():
            self.receipts.queue(ReceiptKind.TRIAGE, mid, state, True, now)
        return self._pump(now)

    def _receipt_waiting(self, held: bool) -> bool:
        """Whether a receipt of ours is still waiting for the radio (not yet handed over).
        `held`: the channel holds non-urgent receipts; those do not hold up urgent ones."""
        # only receipts with frames still pending can be waiting: no scan of the whole outbox
        return any(o.urgent or not held for o in self.outbox.untracked_receipts())

    def _flush_receipts(self, now: float) -> list[Effect]:
        """Sign what is owed. While an earlier receipt still waits for the radio (the CP's duty
        cycle is the bottleneck of the whole region, docs/congestion.md), what is owed now
        waits too and goes as one aggregated receipt when that one has been handed over:
        a burst of reports or duplicates costs one frame per slot, not one each. An operator's
        triage step never waits behind them: it is the CP's claim on the report, and the
        other CPs read its signed minute (ownership.py); held back, a later step replaced it
        and the claim went out late, or not at all once the report was closed. A busy channel
        holds what is not urgent (planner.py)."""
        held = self.planner.channel_busy(now, routine=False)
        only = ReceiptKind.TRIAGE if self._receipt_waiting(held) else None
        effects: list[Effect] = []
        for kind, chunk, dest, prio, asked in self.receipts.batches(
            only, urgent_only=held, now=now, rides=self._rides
        ):
            msg = self._compose(Receipt.build(kind, chunk), dest, prio, now)
            if msg is None:
                self.receipts.due = now
                return [*effects, NeedSeqs(self.config.seq_low_water * 2)]
            self.receipts.sent(kind, chunk)
            if kind is ReceiptKind.TRIAGE:
                for c in claims_in(msg, self.config.role == "cp"):
                    self.own_claim(c, msg)
                for out in self.outbox.triage_receipts():
                    if superseded_triage(out, chunk):
                        self._drop(out)
            effects.append(Created(msg))
            # the sender's n-th copy: our n-1 receipts were lost, so this one goes n-1 hops
            # farther than we heard the sender (a link may carry one way only). As a try count
            # it also lets capability.py fall back to format 2 for a sender that may have
            # downgraded and cannot read our format 3 receipts.
            effects.extend(self._submit(msg, now, attempts=asked - 1))
        # what a busy channel or a waiting receipt holds stays owed, to go as one receipt later
        self.receipts.due = self.receipts.next_due(now, RECEIPT_RECHECK_S)
        return effects + self._need_seqs()

    def _rides(self, sender: KeyId, senders: frozenset[KeyId]) -> bool:
        """Whether a rider (receipts.py) for `sender` may join a delivery receipt to `senders`:
        only where the receipt reaches that far already. A far CP's bulletin in every NSP's
        answers to its near CP sized them all for the far one (100 NSPs, 8 hours, seed 1: +5 %
        of all transmissions, docs/congestion.md part 11)."""
        far = self.heard.get(sender)
        if far is None or far[2] is None:
            return False
        near = [seen[2] for s in senders if (seen := self.heard.get(s)) and seen[2] is not None]
        return len(near) == len(senders) and far[2] <= max(near)

    def _need_seqs(self) -> list[Effect]:
        if len(self._seqs) < self.config.seq_low_water:
            return [NeedSeqs(self.config.seq_low_water * 2)]
        return []

    # -- timers ----------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        times: list[float] = []
        if self.receipts.due is not None:
            times.append(self.receipts.due)
        timer = self.outbox.next_time()
        if timer is not None:
            times.append(timer)
        best = self._best_ready(self._last_now)
        if best is not None and self._handing is None:
            times.append(self._earliest(best, self._last_now))
        reassembly = self.receiver.next_deadline()
        if reassembly is not None:
            times.append(reassembly)
        hand = self.unclaimed.next_time()
        if hand is not None:
            times.append(hand)
        finite = [t for t in times if math.isfinite(t)]
        return self._wall(min(finite)) if finite else None

    def handle_timer(self, now: float) -> list[Effect]:
        now = self._clock(now)
        self._last_now = now
        effects: list[Effect] = []
        self.receiver.handle_timer(now)
        if self.receipts.due is not None and now >= self.receipts.due:
            effects.extend(self._flush_receipts(now))
        for waiting in self.unclaimed.due(now):
            cps = (p.key_id for p in self.roster if p.role == "cp")
            wrote = {cp: at for cp in cps if (at := self._wrote_us.get(cp)) is not None}
            if may_hand(waiting, wrote, now):
                effects.extend(self._hand(waiting, now))
            else:  # a CP that may have it and claimed it is silent: look again soon
                self.unclaimed.retry(waiting, now + HAND_RECHECK_S)
        for out in self.outbox.due(now):
            if out.phase is CustodyPhase.TENTATIVE and now >= out.confirm_at:
                effects.extend(self._confirm_custody(out, now))
            if self._times_out(out) and now >= out.submitted_at + self.config.undelivered_after_s:
                effects.extend(self._advance(out, DeliveryEvent.TIMEOUT, detail="still retrying"))
            if out.next_retry is not None and now >= out.next_retry and not out.pending:
                if out.max_attempts is not None and out.attempt >= out.max_attempts:
                    self._drop(out)  # said often enough; nobody receipts it
                    continue
                if out.custody and out.attempt >= self.config.custody_max_forwards:
                    self.outbox.set_retry(out, None)  # wait until the destination is heard
                    continue
                if self._moot(out, now):
                    self.outbox.set_retry(out, None)  # expired since the last try
                    effects.append(self._retries_ended(out))
                    continue
                self.outbox.set_retry(out, None)
                out.attempt += 1
                out.pending = list(range(len(out.frames)))
                self.outbox.touch(out)
                if out.is_receipt and not is_hand(out.msg.envelope):
                    # a triage receipt's first try is urgent; its retries are routine (from
                    # the routine share, backing off to retry_cap_s): an NSP that is off must
                    # not drain the emergency reserve. Its silence says nothing about load.
                    out.urgent = False
                elif is_hand(out.msg.envelope) and out.attempt > HAND_TRIES:
                    out.urgent = False  # tried at once often enough; now as a triage receipt
                elif not out.urgent and not out.custody and not out.all_of:
                    # a group message is retried while one of its many recipients' receipts
                    # is missing, which says little about load: a CP's bulletins cut its rate
                    # to a tenth for days (docs/congestion.md part 8)
                    self.planner.on_loss(now)
        self._forget_stale_packets(now)
        return effects + self._pump(now)

    def _forget_stale_packets(self, now: float) -> None:
        # the device reports on a want_ack packet within its 3 tries; one that never does
        # (a reboot in between) must not pin memory
        stale = [pid for pid, info in self._packets.items() if now - info[2] > 600.0]
        for pid in stale:
            del self._packets[pid]

    # -- the scheduler ---------------------------------------------------------------------------

    def _best_ready(self, now: float) -> Outgoing | None:
        """The best-ranked ready message; while a busy channel holds it, the best urgent one
        (a P1 sitrep ranks behind a P3 bulletin, but only the bulletin waits for the channel)."""
        best = self.outbox.best_ready()
        if best is None or best.urgent or not self.planner.channel_busy(now, self._routine(best)):
            return best
        return self.outbox.best_urgent() or best

    @staticmethod
    def _routine(out: Outgoing) -> bool:
        return out.msg.envelope.priority in ROUTINE

    def _earliest(self, out: Outgoing, now: float) -> float:
        airtime = self.planner.airtime_ms(len(out.frames[out.pending[0]]))
        return self.planner.earliest(now, airtime, urgent=out.urgent, routine=self._routine(out))

    def _pump(self, now: float) -> list[Effect]:
        """Hand the most urgent ready frame to the radio if the airtime plan allows it."""
        self._last_now = max(self._last_now, now)
        if self._handing is not None:
            return []
        out = self._best_ready(now)
        if out is None or self._earliest(out, now) > now:
            return []
        part = out.pending.pop(0)
        self.outbox.touch(out)
        frame, riders = self._on_air(out, part, now)
        for rider in riders:
            rider.pending.clear()
            self.outbox.touch(rider)
        airtime = self.planner.airtime_ms(len(frame))
        hop_limit = self.retry.hop_limit(out, self.heard, self._reach(out), now)
        self.planner.record(now, airtime, hop_limit)
        token = self._next_token
        self._next_token += 1
        self._tokens[token] = (out.mid, part)
        self._air[token] = (len(frame), tuple(r.mid for r in riders))
        self._handing = token
        env = out.msg.envelope
        return [
            Transmit(
                token=token,
                frame=frame,
                mid=out.mid,
                part=part,
                attempt=out.attempt,
                radio_priority=RADIO_PRIORITY[env.priority],
                want_ack=want_ack(out, self.outbox.ready_count(), hop_limit),
                hop_limit=hop_limit,
                airtime_ms=airtime,
                riders=self._air[token][1],
            )
        ]

    def _on_air(self, out: Outgoing, part: int, now: float) -> tuple[bytes, list[Outgoing]]:
        """The bytes that go on air for `out`'s part: its logged frame, or, where every site
        addressed reads it (capability.py), format 3, re-signed now; with other messages of
        ours that wait, read format 3 too and fit (the frame and the airtime plan), riding in one
        bundle. Someone else's
        message (custody, a relayed claim) and fragments go as they are."""
        if not self._v3(out, now) or len(out.frames) != 1:
            return out.frames[part], []
        envs = [out.msg.envelope]
        riders: list[Outgoing] = []
        bundle = b""
        for other in sorted(self.outbox.ready(), key=lambda o: (o.rank, o.slot))[:MAX_RIDERS]:
            if other is out or len(other.frames) != 1 or other.pending != [0]:
                continue
            if out.urgent and not other.urgent:
                continue  # routine messages do not ride on the emergency reserve
            if not self._v3(other, now):
                continue
            trial = encode_bundle([*envs, other.msg.envelope], self.identity)
            if len(trial) > MAX_FRAME:
                continue
            airtime = self.planner.airtime_ms(len(trial))
            if self.planner.earliest(now, airtime, urgent=out.urgent) <= now:
                envs.append(other.msg.envelope)
                riders.append(other)
                bundle = trial
                if len(envs) == MAX_MEMBERS:
                    break
        if riders:
            return bundle, riders
        if not out.v3_frame:  # coded and signed once: its retries are the same bytes
            out.v3_frame = encode(out.msg.envelope, self.identity, version=FORMAT_V3)
        return out.v3_frame, []

    def _v3(self, out: Outgoing, now: float) -> bool:
        """Whether `out` may go on air in format 3 now (ours, every addressee reads it)."""
        env = out.msg.envelope
        if env.sender != self.me or out.custody:
            return False
        sites = addressed(env.destination, self.roster, self.me)
        heard = all(self._fresh(s, now) for s in sites)
        return self.capabilities.format_for(sites, out.attempt, heard) == FORMAT_V3

    def _reach(self, out: Outgoing) -> frozenset[KeyId]:
        """Whom a frame must reach besides its recipients: a receipt for several senders goes
        to those senders; an NSP's status beacon is for the CPs (a CP's, for everyone).

        A CP's triage receipt, its claim on a report, is sized for the report's NSP alone: the
        NSP is where claims meet and it tells a rival CP who won (`_claims`), and a CP whose
        turn it is not does not take a report up while it hears the first CP (ownership.py).
        Sized to reach every other CP as well, each claim flooded the whole region: in generated
        regions that cost 11 % of all transmissions at 30 NSPs and 18 % at 100 (7 CPs), with as
        many reports handled twice (none) and left unowned (docs/congestion.md, part 4)."""
        body = out.msg.envelope.body
        if out.any_of or out.all_of:
            return frozenset()
        if isinstance(body, Receipt):
            return frozenset(e.sender for e in body.entries)
        if out.msg.envelope.type is MessageType.STATUS and self.config.role != "cp":
            return frozenset(p.key_id for p in self.roster if p.role == "cp")
        return frozenset()

    def _drop(self, out: Outgoing) -> None:
        self.outbox.drop(out)

    def note_supersedes(self, msg: SignedMessage) -> list[Effect]:
        """A bulletin (ours, or verified from another CP) that may replace one of ours."""
        body = msg.envelope.body
        if not isinstance(body, Bulletin) or body.supersedes is None:
            return []
        return self.superseded(body.supersedes)

    def superseded(self, mid: MessageId) -> list[Effect]:
        """Our bulletin `mid` is replaced by a newer one: it is retried no more, and the log
        records it (`RetriesEnded`), which also voids the next try it showed. The journal
        tells the engine at a start, before resuming the outbox, what the log recorded: another
        CP's bulletin is not in our log, and ours may be confirmed by every NSP (not resumed)."""
        if mid.sender != self.me or mid in self._superseded:
            return []
        self._superseded.add(mid)
        old = self.outbox.get(mid)
        if old is None or not isinstance(old.msg.envelope.body, Bulletin):
            return []
        self.outbox.set_retry(old, None)  # a try under way ends there (`_handed`: moot)
        return [self._retries_ended(old)]

    def _retries_ended(self, out: Outgoing) -> RetriesEnded:
        superseded = out.mid in self._superseded
        return RetriesEnded(out.mid, RetryEnd.SUPERSEDED if superseded else RetryEnd.EXPIRED)

    def _moot(self, out: Outgoing, at: float) -> bool:
        """Whether a retry of `out` at engine time `at` would help nobody: a bulletin past its
        `valid_until` or superseded, which every NSP shows as "verlopen" or "vervallen". The
        first send always goes and receipts still count; only retries stop. Over 72 hours half of
        a region's bulletin sends came after that moment (docs/congestion.md part 8)."""
        body = out.msg.envelope.body
        if not isinstance(body, Bulletin):
            return False
        return out.mid in self._superseded or self._wall(at) >= unix_from_minutes(body.valid_until)

    # -- the delivery state machine (delivery.py) ------------------------------------------------

    def _advance(self, out: Outgoing, event: DeliveryEvent, *, detail: str = "") -> list[Effect]:
        """Move one of our messages through the table; an Outcome if its state changed."""
        before = out.state
        out.phase = transition(before, event)
        return [] if out.phase is before else [Outcome(out.mid, out.state, detail=detail)]

    def _times_out(self, out: Outgoing) -> bool:
        """Whether the undelivered timer runs for `out`: ours, retried, and in a state the
        table lets time out (so it fires once: UNDELIVERED does not time out again)."""
        return out.tracked and not out.custody and allowed(out.state, DeliveryEvent.TIMEOUT)

    # -- views for status displays ---------------------------------------------------------------

    def backlog(self) -> int:
        return sum(1 for o in self.outbox.values() if not o.custody)


def _peek(frame: bytes) -> Envelope | None:
    """Read a rejected frame's envelope without trusting it (for quarantine), if possible."""
    try:
        return decode_unverified(frame)
    except DecodeError:
        return None
    except Exception:  # a quarantine peek must never take the engine down
        return None

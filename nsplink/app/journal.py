"""How a site's engine effects become events in its log, and how the log becomes an engine again.

One mapping for everything that runs the protocol core with a store: the daemon and the scenario
runner both drive the engine through `app.driver.EngineDriver`, which asks this journal for the
events of each effect. Both therefore log exactly the same events, and a scenario's per-site logs
are what a real site would have written.

`Journal.events_for(effect)` is the mapping: no I/O, only the journal's memory of what the log
holds (our tracked messages, the inbox) so that nothing is shown twice. `Transmit`, `NeedSeqs`
and a heard roster update are the driver's to carry out. `Journal.restore(now)` rebuilds an empty
engine's outbox and custody from the log after a start, a crash or a power cut.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from nsplink.app.rejects import RejectTally
from nsplink.protocol import (
    SEALED_TYPES,
    Claim,
    ClaimHeard,
    Created,
    CustodyForwarded,
    CustodyReleased,
    CustodyTaken,
    DecodeError,
    Deliver,
    DeliveryState,
    Effect,
    Handed,
    KeyId,
    KeyLookup,
    MessageId,
    MessageType,
    Outcome,
    PeerSeen,
    Receipt,
    ReceiptKind,
    Refused,
    Rejected,
    RetriesEnded,
    RetryEnd,
    RosterUpdate,
    Sent,
    SignedMessage,
    SiteEngine,
    State,
    Status,
    Triage,
    VerifyError,
    claims_in,
    decode,
    ownership,
    tracked,
    writes_to,
)
from nsplink.protocol import recipients as members_of
from nsplink.store import CustodyItem, Event, InboxItem, OutboxItem, Record
from nsplink.store import events as ev
from nsplink.texts import render_error

DAEMON = "daemon"  # seq.reserved `by`: a block held in the daemon's memory

# A heard log head (issue 18) is recorded when it moved and at most once a site per this many
# seconds: a talkative neighbour costs at most 6 rows an hour however often it beacons.
HEAD_RECORD_EVERY_S = 600.0

# unverified reports that are kept, flagged, for the CP operator (issue 11); others are rejected
QUARANTINE_TYPES = (MessageType.EMERGENCY, MessageType.SITREP, MessageType.SUPPLY)


class LogReader(Protocol):
    """What the journal's restore needs of a store."""

    async def append(self, event: Event) -> int: ...

    async def events(self, **filters: Any) -> list[Record]: ...

    async def inbox(self) -> list[InboxItem]: ...

    async def outbox(self, states: Sequence[str] = ()) -> list[OutboxItem]: ...

    async def recipients(self, ref: str) -> dict[str, str]: ...

    async def custody(self) -> list[CustodyItem]: ...


class Journal:
    def __init__(
        self,
        site: str,
        engine: SiteEngine,
        keys: KeyLookup,
        store: LogReader,
        clock: Callable[[], float],
        *,
        undelivered_after_s: float = 3600.0,
    ) -> None:
        self.site = site
        self.engine = engine  # replaced by a fresh one when a simulated site restarts
        self.keys = keys
        self.store = store
        self.clock = clock
        self.undelivered_after_s = undelivered_after_s
        self.submitted: set[str] = set()  # our own tracked messages the engine knows
        self.retries_ended: set[str] = set()  # of those, the ones the log shows no next try for
        self.triage_out: set[str] = set()  # our triage receipts waiting for the NSP's receipt
        self.last_triage_receipt = 0  # log id of our newest triage receipt, found by restore()
        self.inbox_refs: set[str] = set()  # what the inbox shows: never twice
        self.last_heard: dict[str, float] = {}
        self.heads: dict[str, tuple[float, int, str]] = {}  # per sender: recorded at, head
        self.rejects = RejectTally()  # rejected frames per (node, code, minute): memory only
        self.claims: dict[str, set[Claim]] = {}  # report ref -> every claim the log holds
        self.handed: set[str] = set()  # reports the NSP handed to us (protocol/handover.py)
        self._conflicts: dict[str, tuple[str, ...]] = {}  # ref -> (owner, *contenders) logged

    @property
    def me(self) -> KeyId:
        return self.engine.me

    # -- writing -----------------------------------------------------------------------------

    def event(
        self,
        kind: str,
        ref: str = "",
        data: dict[str, Any] | None = None,
        frame: bytes | None = None,
        *,
        seal: bool = False,
    ) -> Event:
        return Event(kind, self.clock(), self.site, ref, data or {}, frame, seal_frame=seal)

    def events_for(self, effect: Effect) -> list[Event]:
        """The site's durable record of one effect (empty for effects with none). By the
        effect's class, one look-up: a site asks this for every effect (of a scenario's
        millions, most have no record)."""
        record = _RECORDS.get(type(effect))
        return record(self, effect) if record is not None else []

    def _refused(self, effect: Refused) -> list[Event]:
        data: dict[str, Any] = {"reason": str(effect.reason), "retry_at": effect.retry_at}
        return [self.event(ev.MESSAGE_REFUSED, str(effect.mid), data)]

    def _triage(self, effect: Triage) -> list[Event]:
        data = {
            "recipient": str(effect.by),
            "state": effect.state,
            "receipt": str(MessageId(effect.by, effect.receipt_seq)),
        }
        return [self.event(ev.RECEIPT_RECEIVED, str(effect.mid), data)]

    def _custody_taken(self, effect: CustodyTaken) -> list[Event]:
        env = effect.msg.envelope
        data = {
            "action": "taken",
            "origin": str(env.sender),
            "destination": str(env.destination),
        }
        ref = str(effect.msg.id)
        sealed = env.type in SEALED_TYPES
        return [self.event(ev.MESSAGE_CUSTODY, ref, data, effect.msg.frame, seal=sealed)]

    def _custody_forwarded(self, effect: CustodyForwarded) -> list[Event]:
        return [self.event(ev.MESSAGE_CUSTODY, str(effect.mid), {"action": "forwarded"})]

    def _custody_released(self, effect: CustodyReleased) -> list[Event]:
        return [self.event("custody.released", str(effect.mid), {"reason": str(effect.reason)})]

    def _claim_heard(self, effect: ClaimHeard) -> list[Event]:
        return self._claimed(effect.msg, effect.claims, effect.from_node)

    def _peer_seen(self, effect: PeerSeen) -> list[Event]:
        self.last_heard[str(effect.site)] = effect.at
        return []

    # -- one owner per report (issue 23) --------------------------------------------------------

    def _claimed(
        self, msg: SignedMessage, claims: Iterable[Claim], from_node: int | None = None
    ) -> list[Event]:
        """A claim.heard per new claim; a claim.conflict when a report now has claims of more
        than one CP (both operators are told: the owner and each contender). Another CP's
        claim keeps its signed frame and the node it came from: a CP with a bridge passes
        claims heard on its radio to the CPs beyond (app/bridge.py), once per receipt."""
        events: list[Event] = []
        frame: bytes | None = msg.frame if from_node is not None else None
        for c in claims:
            ref = str(c.about)
            known = self.claims.setdefault(ref, set())
            if c in known:
                continue
            known.add(c)
            data = {
                "by": str(c.cp),
                "minute": c.minute,
                "seq": c.seq,
                "state": c.state.value,
                "receipt": str(msg.id),
            }
            if frame is not None:
                data["from_node"] = from_node
            events.append(self.event(ev.CLAIM_HEARD, ref, data, frame))
            frame = None  # one receipt's frame once, however many reports it claims
            events.extend(self._conflict(ref))
        return events

    def _conflict(self, ref: str) -> list[Event]:
        seen = ownership(self.claims.get(ref, ()))
        if not seen.conflict or seen.owner is None:
            return []
        key = (str(seen.owner.cp), *(str(k) for k in seen.contenders))
        if self._conflicts.get(ref) == key:
            return []
        self._conflicts[ref] = key
        mine = self.me == seen.owner.cp or self.me in seen.contenders
        data = {"owner": key[0], "contenders": list(key[1:]), "mine": mine}
        return [self.event(ev.CLAIM_CONFLICT, ref, data)]

    def _handed(self, effect: Handed) -> list[Event]:
        ref = str(effect.report)
        if ref in self.handed:
            return []  # a retried hand-over: logged once
        self.handed.add(ref)
        data = {"by": str(effect.by), "receipt": str(effect.receipt)}
        return [self.event(ev.REPORT_HANDED, ref, data)]

    def owner_of(self, ref: str) -> KeyId | None:
        """The CP that owns report `ref` as this site knows it (None: no claim yet)."""
        best = ownership(self.claims.get(ref, ())).owner
        return best.cp if best else None

    def _created(self, msg: SignedMessage) -> list[Event]:
        env = msg.envelope
        ref = str(msg.id)
        if isinstance(env.body, Receipt):
            covered = [
                f"{e.sender}-{seq}"
                for e in env.body.entries
                for seq in range(e.first, min(e.last, e.first + 64) + 1)
            ]
            data: dict[str, Any] = {"kind": env.body.kind.value, "refs": covered}
            if tracked(env):
                self.triage_out.add(ref)
            events = [self.event(ev.RECEIPT_CREATED, ref, data, msg.frame)]
            # our own triage receipt is our claim on those reports (protocol/ownership.py)
            events += self._claimed(msg, claims_in(msg, self.engine.config.role == "cp"))
            return events + [
                self.event(ev.RECEIPT_SENT, r) for r in covered if r in self.inbox_refs
            ]
        if isinstance(env.body, Status):
            return [self.event("status.sent", ref, {"seq": env.seq}, msg.frame)]
        self.submitted.add(ref)
        # a message to a group is delivered when every member has receipted: the log names
        # them now, as the CLI does, so the outbox never reads "delivered" after the first
        _, every = members_of(env.destination, self.engine.roster, self.engine.me)
        return message_created(msg, every, self.clock(), self.site)

    def _sent(self, sent: Sent) -> list[Event]:
        if str(sent.mid) not in self.submitted:
            return []  # a receipt, a beacon or a frame held in custody: not in our outbox
        data: dict[str, Any] = {
            "attempt": sent.attempt,
            "packet_id": sent.packet_id,
            "airtime_ms": round(sent.airtime_ms),
        }
        if sent.next_retry_at is not None:
            data["next_retry_at"] = sent.next_retry_at
        if sent.part:
            data["part"] = sent.part
        return [self.event(ev.MESSAGE_SENT, str(sent.mid), data)]

    def _retries_ended(self, e: RetriesEnded) -> list[Event]:
        ref = str(e.mid)
        if ref not in self.submitted or ref in self.retries_ended:
            return []  # not ours to show, or the log already shows no next try
        self.retries_ended.add(ref)
        return [self.event(ev.MESSAGE_RETRIES_ENDED, ref, {"reason": e.reason})]

    def _outcome(self, out: Outcome) -> list[Event]:
        ref = str(out.mid)
        who = {"recipient": str(out.recipient)} if out.recipient else {}
        if ref in self.triage_out and out.state is DeliveryState.DELIVERED:
            self.triage_out.discard(ref)
            return [self.event(ev.RECEIPT_CONFIRMED, ref, who)]
        if ref not in self.submitted:
            return []  # a receipt or a beacon: not tracked
        state = out.state
        if state is DeliveryState.HEARD:
            return [self.event(ev.MESSAGE_HEARD_REPEATED, ref)]
        if state is DeliveryState.PARTIAL:
            return [self.event(ev.MESSAGE_DELIVERED, ref, {**who, "partial": True})]
        if state is DeliveryState.DELIVERED:
            return [self.event(ev.MESSAGE_DELIVERED, ref, who)]
        if state is DeliveryState.CUSTODY:
            holder = str(out.recipient) if out.recipient else ""
            return [self.event(ev.MESSAGE_CUSTODY, ref, {"action": "confirmed", "holder": holder})]
        if state is DeliveryState.UNDELIVERED:
            after = {"after_s": self.undelivered_after_s}
            return [self.event(ev.MESSAGE_UNDELIVERED, ref, after)]
        return []

    def _deliver(self, d: Deliver) -> list[Event]:
        msg = d.msg
        env = msg.envelope
        ref = str(msg.id)
        body = env.body
        if isinstance(body, RosterUpdate):
            return []  # the driver hands it to the daemon, which checks and logs it
        if isinstance(body, Receipt):
            data: dict[str, Any] = {
                "kind": body.kind.value,
                "by": msg.signer.site,
                "from_node": d.from_node,  # the signer's radio, for status's neighbour list
                "to_us": writes_to(msg, self.me),  # for the hand-over's rule after a restart
            }
            return [self.event("receipt.heard", ref, data, msg.frame)]
        if isinstance(body, Status):
            data = {
                "sender_site": msg.signer.site,
                "power": body.power.value,
                "battery_pct": body.battery_pct,
                "power_hours": body.power_hours,
                "queue_depth": body.queue_depth,
                "hops": d.hops,
                "from_node": d.from_node,
            }
            return [self.event("status.received", ref, data), *self._head_heard(msg)]
        if d.duplicate or ref in self.inbox_refs:
            dup = {"sender": str(env.sender), "seq": env.seq}
            return [self.event(ev.MESSAGE_DUPLICATE, ref, dup)]
        self.inbox_refs.add(ref)
        data = {
            "sender": str(env.sender),
            "seq": env.seq,
            "sender_site": msg.signer.site,
            "type": env.type.value,
            "priority": env.priority.value,
            "hops": d.hops,
            "from_node": d.from_node,
        }
        sealed = env.type in SEALED_TYPES
        return [
            self.event(ev.MESSAGE_RECEIVED, ref, data, msg.frame, seal=sealed),
            self.event(ev.MESSAGE_VERIFIED, ref),
        ]

    def _head_heard(self, msg: SignedMessage) -> list[Event]:
        """The sender's announced log head, when it moved and not more often than
        HEAD_RECORD_EVERY_S: the anchor `nsplink log verify --against` checks its log with."""
        body = msg.envelope.body
        sender = msg.envelope.sender
        if not isinstance(body, Status) or body.head is None or sender == self.me:
            return []
        now = self.clock()
        key = str(sender)
        head = (body.head.count, body.head.hash.hex())
        last = self.heads.get(key)
        if last is not None and (last[1:] == head or 0 <= now - last[0] < HEAD_RECORD_EVERY_S):
            return []
        self.heads[key] = (now, *head)
        data = {"sender_site": msg.signer.site, "sender": key, "count": head[0], "hash": head[1]}
        return [self.event(ev.HEAD_HEARD, str(msg.id), data, msg.frame)]

    def _rejected(self, r: Rejected) -> list[Event]:
        env = r.unverified
        if (
            env is not None
            and env.type in QUARANTINE_TYPES
            and isinstance(r.error, VerifyError)
            and self.engine.for_me(env.destination)
            and str(MessageId(env.sender, env.seq)) not in self.inbox_refs
        ):
            # never dropped: a report from an unknown or revoked key, or with a bad signature, is
            # shown to the CP operator in a separate, clearly marked list (issue 11)
            ref = str(MessageId(env.sender, env.seq))
            self.inbox_refs.add(ref)
            peer = self.keys.lookup(env.sender)
            received = {
                "sender": str(env.sender),
                "seq": env.seq,
                "sender_site": peer.site if peer else "?",
                "type": env.type.value,
                "priority": env.priority.value,
            }
            return [
                self.event(ev.MESSAGE_RECEIVED, ref, received, r.frame, seal=True),
                self.event(ev.MESSAGE_QUARANTINED, ref, self._rejection(r)),
            ]
        # counted, not one row each: a flood costs a bounded number of rows (rejects.py)
        summary, full = self.rejects.count(r.from_node, r.error.code, self.clock())
        rows = self._counted(summary)
        if not full:
            return rows
        digest = hashlib.sha256(r.frame).hexdigest()
        data = self._rejection(r) | {"frame_sha256": digest[:32]}
        if env is not None:
            data["claimed"] = str(MessageId(env.sender, env.seq))
        # named by the frame's hash, never by the id it claims: a forged copy of a real message
        # (or a repeat of a quarantined one) must not turn that message's inbox row "rejected"
        return [*rows, self.event(ev.MESSAGE_REJECTED, "x-" + digest[:12], data)]

    def _rejection(self, r: Rejected) -> dict[str, Any]:
        return {
            "code": r.error.code,
            "detail": render_error(r.error, "en")[:200],  # the English sentence, as always
            "from_node": r.from_node,
        }

    def _counted(self, summary: dict[str, Any] | None) -> list[Event]:
        return [] if summary is None else [self.event(ev.REJECTS_COUNTED, data=summary)]

    def rejects_closed(self, now: float) -> list[Event]:
        """The row of a minute of rejected frames that is over (for the daemon's timer)."""
        return self._counted(self.rejects.closed(now))

    def rejects_flushed(self) -> list[Event]:
        """The row of the minute still open (at a clean stop)."""
        return self._counted(self.rejects.flush())

    # -- reading back ------------------------------------------------------------------------

    async def load_message(self, ref: str) -> SignedMessage | None:
        """A message's signed frame from the log (created by us, or held in custody)."""
        records = await self.store.events(
            ref=ref, kinds=(ev.MESSAGE_CREATED, ev.MESSAGE_CUSTODY), with_personal=True
        )
        for record in records:
            if record.frame:
                try:
                    return decode(record.frame, self.keys)
                except DecodeError as err:
                    detail = {"code": err.code, "detail": f"stored frame {ref}"}
                    await self.store.append(self.event(ev.RADIO_ERROR, data=detail))
                    return None
        return None

    async def resume(self, item: OutboxItem, now: float) -> list[Effect]:
        """Hand one of our outbox messages from the log to the engine (once)."""
        if item.ref in self.submitted:
            return []
        msg = await self.load_message(item.ref)
        if msg is None or msg.envelope.sender != self.me:
            return []
        self.submitted.add(item.ref)
        if item.next_retry_at is None and item.attempts:
            self.retries_ended.add(item.ref)  # the log shows no next try already
        got = [
            KeyId.parse(r)
            for r, state in (await self.store.recipients(item.ref)).items()
            if state == "delivered"
        ]
        return self.engine.submit(
            msg, now, attempts=item.attempts, delivered_to=got, submitted_at=item.created_at
        )

    async def restore(self, now: float) -> list[Effect]:
        """After a start: what the inbox shows, the outbox to resume, the custody to carry."""
        inbox = await self.store.inbox()
        self.inbox_refs = {item.ref for item in inbox}
        outbox = await self.store.outbox()
        bulletin = MessageType.BULLETIN.value
        effects = await self._restore_superseded([i.ref for i in outbox if i.type == bulletin])
        for item in outbox:
            if item.state == "delivered":
                self.submitted.add(item.ref)
            else:
                effects += await self.resume(item, now)
        for held in await self.store.custody():
            if held.state in ("taken", "forwarded"):
                msg = await self.load_message(held.ref)
                if msg is not None:
                    effects += self.engine.hold(msg, now)
        effects += self.engine.provide_seqs(await self.unused_seqs(), now)
        receipts = await self.store.events(kinds=(ev.RECEIPT_CREATED,))  # once for all three
        await self._restore_claims(receipts)
        await self._restore_handover(receipts)
        return effects + await self._restore_triage(now, receipts)

    async def _restore_superseded(self, bulletins: list[str]) -> list[Effect]:
        """Which of our bulletins a newer one replaced, told to the engine before the outbox is
        resumed, so that none goes on the air again after a start: those the log recorded
        (another CP's newer bulletin is not in our log), and those our own newer `bulletins`
        name (a newer one typed just before a crash, before the daemon saw it)."""
        effects: list[Effect] = []
        for rec in await self.store.events(kinds=(ev.MESSAGE_RETRIES_ENDED,)):
            if rec.data.get("reason") == RetryEnd.SUPERSEDED:
                with contextlib.suppress(ValueError):
                    effects += self.engine.superseded(MessageId.parse(rec.ref))
        for ref in bulletins:
            msg = await self.load_message(ref)
            if msg is not None:
                effects += self.engine.note_supersedes(msg)
        return effects

    async def _restore_claims(self, receipts: list[Record]) -> None:
        """The claims the log holds, so that a claim heard again is not logged twice and a
        conflict already told is not told again."""
        for rec in await self.store.events(kinds=(ev.CLAIM_HEARD,)):
            d = rec.data
            with contextlib.suppress(ValueError, TypeError, KeyError):
                c = Claim(
                    MessageId.parse(rec.ref),
                    KeyId.parse(str(d["by"])),
                    int(d["minute"]),
                    int(d["seq"]),
                    State(str(d["state"])),
                )
                self.claims.setdefault(rec.ref, set()).add(c)
        mine = {c for claims in self.claims.values() for c in claims if c.cp == self.me}
        if mine:
            frames = {
                r.ref: r.frame for r in receipts if r.frame and r.data.get("kind") == "TRIAGE"
            }
            for c in mine:
                frame = frames.get(str(MessageId(self.me, c.seq)))
                with contextlib.suppress(DecodeError):
                    if frame:
                        self.engine.own_claim(c, decode(frame, self.keys))
        for rec in await self.store.events(kinds=(ev.CLAIM_CONFLICT,)):
            owner, rest = rec.data.get("owner"), rec.data.get("contenders")
            if isinstance(owner, str) and isinstance(rest, list):
                self._conflicts[rec.ref] = (owner, *(str(k) for k in rest))

    async def _restore_handover(self, receipts: list[Record]) -> None:
        """Hand-overs (protocol/handover.py) after a start. At a CP: the reports handed to us.
        At an NSP: each emergency of ours that a CP receipted, with no claim and no hand-over in
        the log yet, waits for a claim again from that receipt on (a restart must not leave it
        to nobody); and when each CP's receipts to us last came, so that one gone silent still
        holds a hand-over back."""
        for rec in await self.store.events(kinds=(ev.REPORT_HANDED,)):
            self.handed.add(rec.ref)
        if self.engine.config.role != "nsp":
            return
        cps = {p.site: p.key_id for p in self.engine.roster if p.role == "cp"}
        for rec in await self.store.events(kinds=("receipt.heard",)):
            key = cps.get(str(rec.data.get("by")))
            if key is not None and rec.data.get("to_us", True):  # older logs: every receipt
                self.engine.wrote_us(key, rec.at)
        emergency = MessageType.EMERGENCY.value
        ours = {
            r.ref
            for r in await self.store.events(kinds=(ev.MESSAGE_CREATED,))
            if r.data.get("type") == emergency and r.data.get("destination") == "cps"
        }
        done = set(self.claims)
        for r in receipts:
            if r.data.get("kind") == ReceiptKind.HAND.value:
                done.update(str(x) for x in r.data.get("refs", []))
        first: dict[str, tuple[str, float]] = {}
        for r in await self.store.events(kinds=(ev.MESSAGE_DELIVERED,)):
            by = r.data.get("recipient")
            if r.ref in ours and r.ref not in done and r.ref not in first and isinstance(by, str):
                first[r.ref] = (by, r.at)
        for ref, (by, at) in first.items():
            with contextlib.suppress(ValueError):
                self.engine.await_claim(MessageId.parse(ref), KeyId.parse(by), at)

    async def unused_seqs(self) -> list[int]:
        """Numbers the previous daemon run reserved for its receipts and beacons and never
        signed with: its memory of them died with it (a SIGKILL, or a stop). Taken back, so a
        restart does not make the numbers people see skip a block. Safe: whatever the engine
        signs is logged before it goes on air (driver.py), so a number without a row never left
        this site; and only the daemon uses daemon blocks (one daemon per site, sitelock.py),
        never a number the CLI holds while it writes its message."""
        me = str(self.me)
        starts = [r.id for r in await self.store.events(kinds=(ev.DAEMON_STARTED,))]
        since = starts[-2] if len(starts) >= 2 else 0  # the previous run's start (ours is last)
        reserved: set[int] = set()
        for rec in await self.store.events(kinds=(ev.SEQ_RESERVED,)):
            d = rec.data
            if rec.id > since and d.get("by") == DAEMON and d.get("sender") == me:
                first, last = d.get("first"), d.get("last")
                if isinstance(first, int) and isinstance(last, int) and last - first < 10_000:
                    reserved.update(range(first, last + 1))
        if not reserved:
            return []
        signed = (ev.MESSAGE_CREATED, ev.RECEIPT_CREATED, "status.sent")
        for rec in await self.store.events(kinds=signed):
            with contextlib.suppress(ValueError):
                mid = MessageId.parse(rec.ref)
                if str(mid.sender) == me:
                    reserved.discard(mid.seq)
        return sorted(reserved)

    async def _restore_triage(self, now: float, receipts: list[Record]) -> list[Effect]:
        """Triage after a start. At an NSP: the newest state each CP already told us, so that an
        older receipt arriving late cannot turn it back. At a CP: each triage receipt the NSP
        has not confirmed yet, unless a newer one covers all of its messages."""
        for rec in await self.store.events(kinds=(ev.RECEIPT_RECEIVED,)):
            by, receipt = rec.data.get("recipient"), rec.data.get("receipt")
            if rec.data.get("state") and isinstance(by, str) and isinstance(receipt, str):
                with contextlib.suppress(ValueError):
                    rid = MessageId.parse(receipt)
                    self.engine.triage_known(MessageId.parse(rec.ref), KeyId.parse(by), rid.seq)
        confirmed = {r.ref for r in await self.store.events(kinds=(ev.RECEIPT_CONFIRMED,))}
        newest: dict[str, int] = {}  # message ref -> seq of the newest triage receipt about it
        waiting: list[tuple[Record, int, list[str]]] = []
        resend: list[Record] = []
        for rec in receipts:
            if rec.data.get("kind") == ReceiptKind.HAND.value and rec.ref not in confirmed:
                resend.append(rec)  # an NSP's hand-over not yet receipted (handover.py)
                continue
            if rec.data.get("kind") != "TRIAGE":
                continue
            self.last_triage_receipt = max(self.last_triage_receipt, rec.id)
            try:
                seq = MessageId.parse(rec.ref).seq
            except ValueError:
                continue
            refs = [str(r) for r in rec.data.get("refs", [])]
            for r in refs:
                newest[r] = max(newest.get(r, -1), seq)
            if rec.ref not in confirmed and rec.frame:
                waiting.append((rec, seq, refs))
        effects: list[Effect] = []
        for rec, seq, refs in waiting:  # only these are verified again: start-up stays short
            if not any(newest[r] == seq for r in refs):
                continue  # a newer receipt covers all of its messages
            resend.append(rec)
        for rec in resend:
            try:
                msg = decode(rec.frame or b"", self.keys)
            except DecodeError:
                continue  # our own frame from an older release: nothing to resend
            if tracked(msg.envelope):
                self.triage_out.add(str(msg.id))
                effects += self.engine.submit(msg, now)
        return effects


# each effect class that leaves a record, and how (Journal.events_for)
_RECORDS: dict[type, Callable[[Journal, Any], list[Event]]] = {
    Created: lambda j, e: j._created(e.msg),
    Sent: Journal._sent,
    Refused: Journal._refused,
    RetriesEnded: Journal._retries_ended,
    Outcome: Journal._outcome,
    Triage: Journal._triage,
    Deliver: Journal._deliver,
    Rejected: Journal._rejected,
    CustodyTaken: Journal._custody_taken,
    CustodyForwarded: Journal._custody_forwarded,
    CustodyReleased: Journal._custody_released,
    ClaimHeard: Journal._claim_heard,
    Handed: Journal._handed,
    PeerSeen: Journal._peer_seen,
}


def message_created(
    msg: SignedMessage, recipients: Iterable[KeyId], at: float, site: str
) -> list[Event]:
    """The log's record of a message of ours, ready to send: `message.created` with its frame,
    then `message.queued`. The one place these are built (the CLI's queue and the daemon's
    journal alike)."""
    env = msg.envelope
    ref = str(msg.id)
    data: dict[str, object] = {
        "type": env.type.value,
        "destination": str(env.destination),
        "priority": env.priority.value,
        "sender": str(env.sender),
        "seq": env.seq,
    }
    recips = sorted(str(r) for r in recipients)
    if recips:
        data["recipients"] = recips
    return [
        Event(
            ev.MESSAGE_CREATED,
            at,
            site,
            ref,
            data,
            msg.frame,
            seal_frame=env.type in SEALED_TYPES,
        ),
        Event(ev.MESSAGE_QUEUED, at, site, ref, {}),
    ]

"""`nsplink daemon`: one site's store, protocol engine and radio under one asyncio.TaskGroup.

The engine decides; this module only carries its effects out, in order, with the one rule that
makes "nothing lost" true: whatever the engine reports as created, received or taken into custody
is committed to the store BEFORE any frame that follows it goes to the radio. On start the outbox
and custody are rebuilt from the store, so a SIGKILL at any instant loses nothing; SIGTERM and
SIGINT let the current transaction finish and then stop every task.

Messages typed at the CLI are already durable in the store; the CLI nudges the daemon over a Unix
datagram socket (nudge.py), and a slow fallback check of SQLite's data_version covers a lost
nudge. Nothing polls while idle: every task waits on an event, a socket or the engine's deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import random
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from nsplink import __version__
from nsplink.config import SiteConfig, load_config
from nsplink.keys import load_identity
from nsplink.nudge import bind as bind_nudge
from nsplink.nudge import socket_path
from nsplink.power import read_power
from nsplink.protocol import (
    EVERYONE,
    DecodeError,
    KeyId,
    MessageId,
    PeerKey,
    Power,
    Priority,
    Receipt,
    RosterUpdate,
    State,
    Status,
    VerifyError,
    decode,
)
from nsplink.protocol.codes import MessageType
from nsplink.protocol.effects import (
    Created,
    CustodyForwarded,
    CustodyReleased,
    CustodyTaken,
    Deliver,
    DeliveryState,
    Effect,
    NeedSeqs,
    Outcome,
    PeerSeen,
    Refused,
    Rejected,
    Sent,
    Transmit,
    Triage,
)
from nsplink.protocol.engine import EngineConfig, SiteEngine
from nsplink.protocol.envelope import SignedMessage
from nsplink.protocol.rosterdoc import RegionRoster
from nsplink.radio.base import (
    BROADCAST,
    Acked,
    Failed,
    LinkDown,
    LinkUp,
    OutgoingPacket,
    QueueStatus,
    Radio,
    RadioRefused,
    RadioUnavailable,
    Received,
)
from nsplink.roster import apply_update, check_not_older, load_trusted_roster
from nsplink.site import SiteHome
from nsplink.store import Event, Store
from nsplink.store import events as ev

log = logging.getLogger("nsplink.daemon")
# reports a CP must see even unverified (flagged); anything else unverified is only logged
QUARANTINE_TYPES = (MessageType.EMERGENCY, MessageType.SITREP, MessageType.SUPPLY)


@dataclass
class DaemonOptions:
    status_interval_s: float = 1800.0
    fallback_check_s: float = 5.0
    seq_block: int = 16


def open_radio(cfg: SiteConfig) -> Radio:
    from nsplink.radio.meshtastic import MeshtasticRadio

    return MeshtasticRadio(cfg.radio, portnum=cfg.portnum)


class Daemon:
    def __init__(
        self,
        home: SiteHome,
        *,
        radio: Radio | None = None,
        options: DaemonOptions | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.home = home
        self.cfg = load_config(home)
        self.identity = load_identity(home.key_path)
        self.me = self.identity.key_id
        # only a roster the pinned region key signed (issue 11); updated in place over the air
        self.roster: RegionRoster = load_trusted_roster(home, self.cfg.region)
        self.region = self.roster.region
        if self.roster.lookup(self.me) is None:  # our own frames must verify too
            self.roster.add_local(PeerKey(self.cfg.site, self.cfg.role, self.identity.public_key))
        self.radio = radio if radio is not None else open_radio(self.cfg)
        self.options = options or DaemonOptions()
        self.clock = clock
        self.engine = SiteEngine(
            self.identity,
            self.roster,
            EngineConfig(
                role=self.cfg.role,
                carry=self.cfg.carry or self.cfg.role == "relay",
                undelivered_after_s=float(self.cfg.undelivered_after_s),
            ),
            rng=random.Random(),
            now=clock(),
        )
        self.store: Store | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._scan = asyncio.Event()
        self._stop = asyncio.Event()
        self._submitted: set[str] = set()
        self._inbox_refs: set[str] = set()
        self._last_data_version = -1
        self._triage_seen = 0  # log id of the last triage change turned into a receipt
        self.last_heard: dict[str, float] = {}

    # -- lifecycle -----------------------------------------------------------------------------

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        async with await Store.open(self.home.db_path) as store:
            self.store = store
            await self._log(ev.DAEMON_STARTED, data={"version": __version__, "pid": os.getpid()})
            await self._roster_loaded()
            await self._restore()
            sock = bind_nudge(self.home)
            loop.add_reader(sock.fileno(), self._on_nudge, sock)
            try:
                await self._run_tasks()
            finally:
                loop.remove_reader(sock.fileno())
                sock.close()
                with contextlib.suppress(OSError):
                    socket_path(self.home).unlink()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.radio.close(), 10)
                async with self._lock:  # let a transaction in flight finish first
                    await self._log(ev.DAEMON_STOPPED, data={"reason": "signal"})

    async def _run_tasks(self) -> None:
        class _Stopped(Exception):
            pass

        async def stopper() -> None:
            await self._stop.wait()
            raise _Stopped

        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(stopper())
                tg.create_task(self._radio_loop())
                tg.create_task(self._timer_loop())
                tg.create_task(self._scan_loop())
                tg.create_task(self._beacon_loop())
        except* _Stopped:
            pass

    def _on_nudge(self, sock: Any) -> None:
        with contextlib.suppress(OSError):
            while sock.recv(64):
                pass
        self._scan.set()

    # -- the signed roster (issue 11) -------------------------------------------------------------

    async def _roster_loaded(self) -> None:
        """Refuse a roster older than one this site already ran (a rolled-back file), then log
        which version runs."""
        seen = 0
        async for rec in self._require().iter_events(kinds=(ev.ROSTER_LOADED, ev.ROSTER_CHANGED)):
            version = rec.data.get("version")
            if isinstance(version, int) and not isinstance(version, bool):
                seen = max(seen, version)
        check_not_older(self.roster.doc, seen, self.home.roster_path)
        await self._log(ev.ROSTER_LOADED, data=self._roster_summary())

    def _roster_summary(self) -> dict[str, Any]:
        doc = self.roster.doc
        return {
            "version": doc.version,
            "sites": len(doc.sites),
            "revoked": len(doc.revoked),
            "digest": hashlib.sha256(doc.signed()).hexdigest()[:16],
        }

    async def _roster_update(self, msg: SignedMessage) -> None:
        """A signed roster heard over the air: applied if the region signed it and it is newer;
        a forged one is logged as rejected and changes nothing."""
        body = msg.envelope.body
        assert isinstance(body, RosterUpdate)
        try:
            doc = apply_update(self.home, self.roster, body.payload)
        except DecodeError as err:
            await self._log(
                ev.MESSAGE_REJECTED, str(msg.id), {"code": err.code, "detail": str(err)[:200]}
            )
            return
        if doc is not None:
            data = self._roster_summary() | {"from_site": msg.signer.site}
            await self._log(ev.ROSTER_CHANGED, str(msg.id), data)

    # -- restore after a start ------------------------------------------------------------------

    async def _restore(self) -> None:
        store = self._require()
        now = self.clock()
        self._inbox_refs = {item.ref for item in await store.inbox()}
        for item in await store.outbox():
            if item.state == "delivered":
                self._submitted.add(item.ref)
                continue
            await self._submit_from_store(item.ref, now, item.attempts, item.created_at)
        for held in await store.custody():
            if held.state in ("taken", "forwarded"):
                msg = await self._load_message(held.ref)
                if msg is not None:
                    async with self._lock:
                        await self._process(self.engine.hold(msg, now))
        # triage changes logged while no daemon ran still owe the NSP a receipt
        async for rec in store.iter_events(kinds=("receipt.created",)):
            if rec.data.get("kind") == "TRIAGE":
                self._triage_seen = rec.id
        self._last_data_version = await store.data_version()
        await self._send_triage_receipts(now)
        async with self._lock:
            await self._process(self.engine.handle_timer(now))

    async def _load_message(self, ref: str) -> SignedMessage | None:
        store = self._require()
        for record in await store.events(
            ref=ref, kinds=(ev.MESSAGE_CREATED, ev.MESSAGE_CUSTODY), with_personal=True
        ):
            if record.frame:
                try:
                    return decode(record.frame, self.roster)
                except DecodeError as err:
                    await self._log(
                        ev.RADIO_ERROR, data={"code": err.code, "detail": f"stored frame {ref}"}
                    )
                    return None
        return None

    async def _submit_from_store(
        self, ref: str, now: float, attempts: int = 0, created_at: float | None = None
    ) -> None:
        if ref in self._submitted:
            return
        msg = await self._load_message(ref)
        if msg is None or msg.envelope.sender != self.me:
            return
        self._submitted.add(ref)
        delivered = [
            KeyId.parse(r)
            for r, state in (await self._require().recipients(ref)).items()
            if state == "delivered"
        ]
        async with self._lock:
            await self._process(
                self.engine.submit(
                    msg, now, attempts=attempts, delivered_to=delivered, submitted_at=created_at
                )
            )

    # -- tasks -------------------------------------------------------------------------------

    async def _radio_loop(self) -> None:
        try:
            await self.radio.open()
        except RadioUnavailable as exc:  # the adapter keeps reconnecting by itself
            await self._log(ev.RADIO_ERROR, data={"code": "radio.unavailable", "detail": str(exc)})
        while True:
            event = await self.radio.next_event()
            now = self.clock()
            async with self._lock:
                if isinstance(event, Received):
                    hops = None
                    start, left = event.hop_start, event.hop_limit
                    if start is not None and left is not None and start >= left:
                        hops = start - left  # older firmware leaves hop_start unset (0)
                    effects = self.engine.on_frame(event.payload, event.from_node, hops, now)
                elif isinstance(event, Acked):
                    effects = self.engine.on_acked(event.packet_id, event.implicit, now)
                elif isinstance(event, Failed):
                    effects = self.engine.on_failed(event.packet_id, event.reason, now)
                elif isinstance(event, LinkUp):
                    await self._log(ev.RADIO_CONNECTED, data={"node_num": event.node_num})
                    effects = self.engine.handle_timer(now)
                elif isinstance(event, LinkDown):
                    await self._log(ev.RADIO_DISCONNECTED, data={"reason": event.reason})
                    effects = []
                elif isinstance(event, QueueStatus):
                    effects = self.engine.handle_timer(now) if event.free else []
                else:
                    effects = []
                await self._process(effects)

    async def _timer_loop(self) -> None:
        while True:
            deadline = self.engine.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self.clock())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            async with self._lock:
                await self._process(self.engine.handle_timer(self.clock()))
                self._wake.clear()  # our own processing re-planned the deadline already

    async def _scan_loop(self) -> None:
        """Pick up what the CLI queued: at once on a nudge, else on a slow data_version check."""
        store = self._require()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._scan.wait(), self.options.fallback_check_s)
            nudged = self._scan.is_set()
            self._scan.clear()
            version = await store.data_version()
            if not nudged and version == self._last_data_version:
                continue
            self._last_data_version = version
            now = self.clock()
            for item in await store.outbox(states=("created", "queued")):
                await self._submit_from_store(item.ref, now, item.attempts, item.created_at)
            await self._send_triage_receipts(now)

    async def _send_triage_receipts(self, now: float) -> None:
        """A CP operator's handling changes (logged by `nsplink handle`) go to the NSP as one
        signed TRIAGE receipt; `gezien` is what the NSP shows as "Ontvangen door CP"."""
        items: dict[MessageId, State] = {}
        async for rec in self._require().iter_events(
            kinds=(ev.TRIAGE_CHANGED,), after_id=self._triage_seen
        ):
            self._triage_seen = rec.id
            try:
                items[MessageId.parse(rec.ref)] = State(str(rec.data.get("state")))
            except ValueError:
                continue  # a ref that is not a message of the mesh: nothing to send
        if items:
            async with self._lock:
                await self._process(self.engine.receipt(items, now))

    async def _beacon_loop(self) -> None:
        interval = self.options.status_interval_s
        if interval <= 0:
            return
        await asyncio.sleep(random.uniform(0.1, 1.0) * min(interval, 60.0))
        while True:
            body = self._status_body()
            async with self._lock:
                await self._process(
                    self.engine.send_message(body, EVERYONE, Priority.P4, self.clock())
                )
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))

    def _status_body(self) -> Status:
        reading = read_power()
        if reading.on_mains is None:
            power = Power.NET
        else:
            power = Power.NET if reading.on_mains else Power.ACCU
        hours = 255 if reading.hours_left is None else max(0, min(255, int(reading.hours_left)))
        return Status(
            power=power,
            battery_pct=reading.battery_pct if reading.battery_pct is not None else 100,
            power_hours=hours,
            queue_depth=min(100_000, self.engine.backlog()),
        )

    # -- carrying out effects --------------------------------------------------------------------

    def _require(self) -> Store:
        if self.store is None:
            raise RuntimeError("store not open")
        return self.store

    async def _log(
        self,
        kind: str,
        ref: str = "",
        data: dict[str, Any] | None = None,
        frame: bytes | None = None,
        *,
        seal: bool = False,
    ) -> None:
        await self._require().append(
            Event(kind, self.clock(), self.cfg.site, ref, data or {}, frame, seal_frame=seal)
        )

    async def _process(self, effects: list[Effect]) -> None:
        """Carry out effects in order; engine answers are appended and carried out too."""
        queue = list(effects)
        while queue:
            effect = queue.pop(0)
            queue.extend(await self._carry_out(effect))
        self._wake.set()

    async def _carry_out(self, effect: Effect) -> list[Effect]:
        now = self.clock()
        if isinstance(effect, Transmit):
            return await self._transmit(effect)
        if isinstance(effect, Created):
            await self._created(effect.msg)
        elif isinstance(effect, Sent):
            await self._log_sent(effect)
        elif isinstance(effect, Refused):
            await self._log(
                ev.MESSAGE_REFUSED,
                str(effect.mid),
                {"reason": effect.reason, "retry_at": effect.retry_at},
            )
        elif isinstance(effect, Outcome):
            await self._outcome(effect)
        elif isinstance(effect, Triage):
            await self._log(
                ev.RECEIPT_RECEIVED,
                str(effect.mid),
                {
                    "recipient": str(effect.by),
                    "state": effect.state,
                },
            )
        elif isinstance(effect, Deliver):
            await self._deliver(effect)
        elif isinstance(effect, Rejected):
            await self._rejected(effect)
        elif isinstance(effect, CustodyTaken):
            env = effect.msg.envelope
            await self._log(
                ev.MESSAGE_CUSTODY,
                str(effect.msg.id),
                {"action": "taken", "origin": str(env.sender), "destination": str(env.destination)},
                effect.msg.frame,
                seal=env.type is MessageType.EMERGENCY,
            )
        elif isinstance(effect, CustodyForwarded):
            await self._log(ev.MESSAGE_CUSTODY, str(effect.mid), {"action": "forwarded"})
        elif isinstance(effect, CustodyReleased):
            await self._log("custody.released", str(effect.mid), {"reason": effect.reason})
        elif isinstance(effect, PeerSeen):
            self.last_heard[str(effect.site)] = effect.at
        elif isinstance(effect, NeedSeqs):
            seqs = await self._require().reserve_seqs(
                str(self.me), effect.count, at=now, site=self.cfg.site
            )
            return self.engine.provide_seqs(seqs, now)
        return []

    async def _transmit(self, tx: Transmit) -> list[Effect]:
        packet = OutgoingPacket(
            tx.frame,
            dest=BROADCAST,
            want_ack=tx.want_ack,
            priority=tx.radio_priority,
            hop_limit=tx.hop_limit,
        )
        try:
            pid = await self.radio.send(packet)
        except RadioRefused as exc:
            reason = "duty_cycle" if "DUTY" in exc.reason.upper() else "queue_full"
            return self.engine.on_refused(tx.token, reason, self.clock())
        except RadioUnavailable:
            return self.engine.on_refused(tx.token, "unavailable", self.clock())
        return self.engine.on_handed(tx.token, pid, self.clock())

    async def _created(self, msg: SignedMessage) -> None:
        env = msg.envelope
        ref = str(msg.id)
        if isinstance(env.body, Receipt):
            covered = [
                f"{e.sender}-{seq}"
                for e in env.body.entries
                for seq in range(e.first, min(e.last, e.first + 64) + 1)
            ]
            events = [
                Event(
                    "receipt.created",
                    self.clock(),
                    self.cfg.site,
                    ref,
                    {"kind": env.body.kind.value, "refs": covered},
                    msg.frame,
                )
            ]
            events += [
                Event(ev.RECEIPT_SENT, self.clock(), self.cfg.site, r, {})
                for r in covered
                if r in self._inbox_refs
            ]
            await self._require().append_many(events)
            return
        if isinstance(env.body, Status):
            await self._log("status.sent", ref, {"seq": env.seq}, msg.frame)
            return
        now = self.clock()
        self._submitted.add(ref)
        await self._require().append_many(
            [
                Event(
                    ev.MESSAGE_CREATED,
                    now,
                    self.cfg.site,
                    ref,
                    {
                        "type": env.type.value,
                        "destination": str(env.destination),
                        "priority": env.priority.value,
                        "sender": str(env.sender),
                        "seq": env.seq,
                    },
                    msg.frame,
                ),
                Event(ev.MESSAGE_QUEUED, now, self.cfg.site, ref, {}),
            ]
        )

    async def _log_sent(self, sent: Sent) -> None:
        data: dict[str, Any] = {
            "attempt": sent.attempt,
            "packet_id": sent.packet_id,
            "airtime_ms": round(sent.airtime_ms),
        }
        if sent.next_retry_at is not None:
            data["next_retry_at"] = sent.next_retry_at
        if sent.part:
            data["part"] = sent.part
        if str(sent.mid) in self._submitted:
            await self._log(ev.MESSAGE_SENT, str(sent.mid), data)

    async def _outcome(self, out: Outcome) -> None:
        ref = str(out.mid)
        if ref not in self._submitted:
            return  # a receipt or a beacon: not tracked
        state = out.state
        if state is DeliveryState.HEARD:
            await self._log(ev.MESSAGE_HEARD_REPEATED, ref, {})
        elif state in (DeliveryState.DELIVERED, DeliveryState.PARTIAL):
            data = {"recipient": str(out.recipient)} if out.recipient else {}
            await self._log(ev.MESSAGE_DELIVERED, ref, data)
        elif state is DeliveryState.CUSTODY:
            await self._log(
                ev.MESSAGE_CUSTODY,
                ref,
                {"action": "confirmed", "holder": str(out.recipient) if out.recipient else ""},
            )
        elif state is DeliveryState.UNDELIVERED:
            await self._log(
                ev.MESSAGE_UNDELIVERED, ref, {"after_s": float(self.cfg.undelivered_after_s)}
            )

    async def _deliver(self, d: Deliver) -> None:
        msg = d.msg
        env = msg.envelope
        ref = str(msg.id)
        if isinstance(env.body, RosterUpdate):
            await self._roster_update(msg)
            return
        if isinstance(env.body, Receipt):
            await self._log(
                "receipt.heard",
                ref,
                {"kind": env.body.kind.value, "by": msg.signer.site},
                msg.frame,
            )
            return
        if isinstance(env.body, Status):
            body = env.body
            await self._log(
                "status.received",
                ref,
                {
                    "sender_site": msg.signer.site,
                    "power": body.power.value,
                    "battery_pct": body.battery_pct,
                    "power_hours": body.power_hours,
                    "queue_depth": body.queue_depth,
                    "hops": d.hops,
                },
            )
            return
        if d.duplicate or ref in self._inbox_refs:
            await self._log(ev.MESSAGE_DUPLICATE, ref, {"sender": str(env.sender), "seq": env.seq})
            return
        self._inbox_refs.add(ref)
        now = self.clock()
        await self._require().append_many(
            [
                Event(
                    ev.MESSAGE_RECEIVED,
                    now,
                    self.cfg.site,
                    ref,
                    {
                        "sender": str(env.sender),
                        "seq": env.seq,
                        "sender_site": msg.signer.site,
                        "type": env.type.value,
                        "priority": env.priority.value,
                        "hops": d.hops,
                        "from_node": d.from_node,
                    },
                    msg.frame,
                    seal_frame=env.type is MessageType.EMERGENCY,
                ),
                Event(ev.MESSAGE_VERIFIED, now, self.cfg.site, ref, {}),
            ]
        )

    async def _rejected(self, r: Rejected) -> None:
        env = r.unverified
        if env is not None:
            ref = str(MessageId(env.sender, env.seq))
        else:
            ref = "x-" + hashlib.sha256(r.frame).hexdigest()[:12]
        data = {"code": r.error.code, "detail": str(r.error)[:200], "from_node": r.from_node}
        if (
            env is not None
            and env.type in QUARANTINE_TYPES
            and isinstance(r.error, VerifyError)
            and self.engine.for_me(env.destination)
            and ref not in self._inbox_refs
        ):
            # never dropped: a report from an unknown or revoked key, or with a bad signature, is
            # shown to the CP operator in a separate, clearly marked list (issue 11)
            self._inbox_refs.add(ref)
            now = self.clock()
            peer = self.roster.lookup(env.sender)
            received = {
                "sender": str(env.sender),
                "seq": env.seq,
                "sender_site": peer.site if peer else "?",
                "type": env.type.value,
                "priority": env.priority.value,
            }
            site = self.cfg.site
            await self._require().append_many(
                [
                    Event(ev.MESSAGE_RECEIVED, now, site, ref, received, r.frame, seal_frame=True),
                    Event(ev.MESSAGE_QUARANTINED, now, site, ref, data),
                ]
            )
        else:
            await self._log(ev.MESSAGE_REJECTED, ref, data)


async def run_daemon(home: SiteHome, radio: Radio | None = None) -> None:
    daemon = Daemon(home, radio=radio)
    await daemon.run()

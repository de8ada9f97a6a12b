"""`nsplink daemon`: one site's store, protocol engine and radio under one asyncio.TaskGroup.

The engine decides; the driver (driver.py, the same one the scenario uses) translates the radio
and the effects, and this module answers the driver's requests with awaits: rows to commit, frames
to hand to the radio, sequence numbers to reserve. The one rule that makes "nothing lost" true is
the driver's: whatever the engine reports as created, received or taken into custody is committed
to the store BEFORE any frame that follows it goes to the radio. On start the outbox
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
from dataclasses import dataclass, replace
from typing import Any

from nsplink import __version__
from nsplink.app.bridgelog import BRIDGE_NODE, FED, FRAME_IN
from nsplink.app.config import SiteConfig, load_config
from nsplink.app.driver import EngineDriver, Persist, Request, Reserve, Send
from nsplink.app.journal import DAEMON, Journal
from nsplink.app.keys import load_identity
from nsplink.app.nudge import bind as bind_nudge
from nsplink.app.nudge import socket_path
from nsplink.app.power import read_power
from nsplink.app.radiostate import RadioState, write_state
from nsplink.app.roster import (
    apply_update,
    check_not_older,
    load_trusted_roster,
    require_sealing,
)
from nsplink.app.site import SiteHome
from nsplink.app.sitelock import site_lock
from nsplink.app.tasks import run_until_stopped
from nsplink.protocol import (
    EVERYONE,
    DecodeError,
    Effect,
    EngineConfig,
    MessageId,
    PeerKey,
    Power,
    Priority,
    RegionRoster,
    Rejected,
    RosterUpdate,
    SignedMessage,
    SiteEngine,
    State,
    Status,
    beacon_head,
    to_frames,
)
from nsplink.radio.base import (
    LinkDown,
    LinkUp,
    Radio,
    RadioError,
    RadioUnavailable,
    Received,
)
from nsplink.store import Event, Store
from nsplink.store import events as ev
from nsplink.texts import render_error

log = logging.getLogger("nsplink.app.daemon")

# Wall time that moves forward by more than this between two wakes jumped (or the machine slept):
# above any engine timer that matters (the hour of undelivered_after_s) plus the check interval.
FORWARD_JUMP_S = 2 * 3600.0
BACKWARD_JUMP_S = 2.0  # NTP slews small errors; a step back of more than this is a jump
RADIO_STATE_HEARTBEAT_S = 30.0  # the timer loop (it wakes at least every clock_check_s) rewrites
# radio-state.json when it is older than this, so its age tells status the daemon lives
RADIO_STATE_MIN_S = 5.0  # ... and at most this often for received packets alone


@dataclass
class DaemonOptions:
    status_interval_s: float = 1800.0
    fallback_check_s: float = 5.0
    seq_block: int = 16
    retention_check_s: float = 6 * 3600.0
    # the timer loop wakes at least this often (s), so the engine sees a clock set back (its
    # deadlines are wall times) and a jump is noticed within a minute
    clock_check_s: float = 60.0


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
        # personal data sealed to the CPs, unless the region signed that it goes without
        require_sealing(self.roster.doc, home.roster_path)
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
                formats=self.cfg.formats,
            ),
            rng=random.Random(),
            now=clock(),
        )
        self.store: Store | None = None
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._scan = asyncio.Event()
        self._stop = asyncio.Event()
        self.journal: Journal | None = None
        self.driver: EngineDriver | None = None
        self._last_data_version = -1
        self._triage_seen = 0  # log id of the last triage change turned into a receipt
        self._bridge_fed = 0  # log id of the last bridge.frame_in given to the engine
        self._last_wall: float | None = None  # the timer loop's last reading of the clock
        self.radio_state = RadioState(pid=os.getpid())  # for `nsplink status` (radiostate.py)

    # -- lifecycle -----------------------------------------------------------------------------

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self, on_ready: Callable[[], None] | None = None) -> None:
        """Run until stopped. `on_ready` is called once this process holds the site's lock."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self.request_stop)
        with site_lock(self.home):  # held until the socket is gone and the store closed
            if on_ready is not None:
                on_ready()
            await self._run_locked(loop)

    async def _run_locked(self, loop: asyncio.AbstractEventLoop) -> None:
        async with await Store.open(self.home.db_path) as store:
            self.store = store
            await self._log(ev.DAEMON_STARTED, data={"version": __version__, "pid": os.getpid()})
            await self._check_views()
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
                self._radio_state_changed("stopped", "daemon stopped")
                async with self._lock:  # let a transaction in flight finish first
                    await self._append(self._journal().rejects_flushed())
                    await self._log(ev.DAEMON_STOPPED, data={"reason": "signal"})

    async def _run_tasks(self) -> None:
        await run_until_stopped(
            self._stop,
            self._radio_loop(),
            self._timer_loop(),
            self._scan_loop(),
            self._beacon_loop(),
            self._retention_loop(),
        )

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
            # the log keeps the English sentence it always stored, not str(err)
            detail = render_error(err, "en")[:200]
            await self._log(ev.MESSAGE_REJECTED, str(msg.id), {"code": err.code, "detail": detail})
            return
        if doc is not None:
            data = self._roster_summary() | {"from_site": msg.signer.site}
            await self._log(ev.ROSTER_CHANGED, str(msg.id), data)

    # -- restore after a start ------------------------------------------------------------------

    async def _check_views(self) -> None:
        """The outbox, inbox and custody decide what we send and show, yet they are not chained:
        compare them with a replay of the log and, if anyone edited them, rebuild them from the
        log (and say so in the log) before acting on a single row."""
        store = self._require()
        problem = await store.check_views()
        if problem is None:
            return
        data = {"table": problem.table, "key": problem.key[:200], "reason": problem.reason}
        await self._log(ev.VIEWS_REBUILT, data=data)
        await store.rebuild()
        log.warning("derived table %s differed from the log at %s (%s): rebuilt", *data.values())

    async def _restore(self) -> None:
        store = self._require()
        now = self.clock()
        async with self._lock:
            await self._process(await self._journal().restore(now))
        # triage changes logged after the last triage receipt (the journal's restore read the
        # receipts already) still owe the NSP a receipt
        self._triage_seen = max(self._triage_seen, self._journal().last_triage_receipt)
        self._last_data_version = await store.data_version()
        async for rec in store.iter_events(kinds=(FED,)):
            upto = rec.data.get("upto")
            if isinstance(upto, int):
                self._bridge_fed = max(self._bridge_fed, upto)
        await self._send_triage_receipts(now)
        await self._feed_bridge(now)
        async with self._lock:
            await self._process(self.engine.handle_timer(now))

    # -- tasks -------------------------------------------------------------------------------

    def _radio_state_changed(self, link: str, reason: str = "", node: int | None = None) -> None:
        state = self.radio_state
        now = self.clock()
        if state.link != link:
            state.link, state.since = link, now
        state.reason = reason
        if node is not None:
            state.node_num = node
        self._write_radio_state(now)

    def _write_radio_state(self, now: float) -> None:
        self.radio_state.reported_at = now
        write_state(self.home, self.radio_state)

    async def _radio_loop(self) -> None:
        self._write_radio_state(self.clock())  # "never connected" until the radio says more
        try:
            await self.radio.open()
        except RadioUnavailable as exc:  # the adapter keeps reconnecting by itself
            await self._log(ev.RADIO_ERROR, data={"code": "radio.unavailable", "detail": str(exc)})
        while True:
            event = await self.radio.next_event()
            now = self.clock()
            async with self._lock:
                if isinstance(event, LinkUp):
                    await self._log(ev.RADIO_CONNECTED, data={"node_num": event.node_num})
                    self._radio_state_changed("up", node=event.node_num)
                elif isinstance(event, LinkDown):
                    await self._log(ev.RADIO_DISCONNECTED, data={"reason": event.reason})
                    self._radio_state_changed("down", event.reason)
                elif isinstance(event, Received):
                    new = event.from_node not in self.radio_state.neighbours
                    self.radio_state.heard(
                        event.from_node, now, event.rx_snr, event.rx_rssi,
                        event.hop_start, event.hop_limit,
                    )  # fmt: skip
                    if new or now - self.radio_state.reported_at >= RADIO_STATE_MIN_S:
                        self._write_radio_state(now)
                await self._process(self._driver().on_radio(event, now))

    async def _timer_loop(self) -> None:
        journal = self._journal()
        while True:
            # the end of a minute of counted rejections is a deadline too: its row is written
            # then, so a crash loses at most the counts of the minute still open
            due = (self.engine.next_deadline(), journal.rejects.deadline())
            times = [t for t in due if t is not None]
            check = self.options.clock_check_s
            timeout = min(check, max(0.0, min(times) - self.clock()) if times else check)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
            async with self._lock:
                now = self.clock()
                if now - self.radio_state.reported_at >= RADIO_STATE_HEARTBEAT_S:
                    self._write_radio_state(now)  # its age tells status the daemon lives
                await self._watch_clock(now)
                await self._process(self.engine.handle_timer(now))
                await self._append(journal.rejects_closed(now))
                self._wake.clear()  # our own processing re-planned the deadline already

    async def _watch_clock(self, now: float) -> None:
        """Log `clock.jumped` when wall time stepped back, or forward by more than any timer.
        The engine copes by itself (SiteEngine._clock); this is for the operator."""
        was, self._last_wall = self._last_wall, now
        if was is None:
            return
        by = now - was
        if by < -BACKWARD_JUMP_S or by > FORWARD_JUMP_S:
            await self._log(ev.CLOCK_JUMPED, data={"by_s": round(by, 1), "was": was})
            log.warning("wall clock moved by %.0f s", by)

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
                async with self._lock:
                    await self._process(await self._journal().resume(item, now))
            await self._send_triage_receipts(now)
            await self._feed_bridge(now)

    async def _feed_bridge(self, now: float) -> None:
        """Frames the bridge took in from the broker (issue 23, app/bridge.py) go to the engine
        exactly as radio frames do, from node BRIDGE_NODE: its signature check refuses a forged
        one, its duplicate check shows a frame heard over LoRa too only once. A crash between
        feeding and the `bridge.fed` row feeds them again: the duplicate check absorbs that."""
        fed = 0
        upto = self._bridge_fed
        async for rec in self._require().iter_events(kinds=(FRAME_IN,), after_id=upto):
            upto = rec.id
            if not rec.frame:
                continue
            async with self._lock:
                try:
                    frames = to_frames(rec.frame)
                except DecodeError as err:
                    effects: list[Effect] = [Rejected(err, rec.frame, BRIDGE_NODE, None)]
                else:
                    effects = []
                    for frame in frames:
                        effects += self.engine.on_frame(frame, BRIDGE_NODE, None, self.clock())
                await self._process(effects)
            fed += 1
        if upto > self._bridge_fed:
            self._bridge_fed = upto
            await self._log(FED, data={"upto": upto, "frames": fed})

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
        beacon_no = 0  # beacons sent: every HEAD_EVERY-th carries the log's head
        while True:
            count, digest = await self._require().head()
            body = replace(self._status_body(), head=beacon_head(beacon_no, count, digest))
            async with self._lock:
                now = self.clock()
                if self.engine.beacon_due(body, now):  # skipped: a CP heard us, nothing new
                    beacon_no += 1
                    await self._process(self.engine.send_message(body, EVERYONE, Priority.P4, now))
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))

    async def _retention_loop(self) -> None:
        """Destroy personal data older than the retention term (`retention_days`, fixed by the
        controller) at start and every few hours: counts and timings stay, the chain verifies."""
        interval = self.options.retention_check_s
        if interval <= 0 or self.cfg.retention_days <= 0:
            return
        while True:
            now = self.clock()
            await self._require().erase_personal(
                now - self.cfg.retention_days * 86400.0, at=now, site=self.cfg.site
            )
            await asyncio.sleep(interval)

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

    def _journal(self) -> Journal:
        """The site's journal over the open store (made on first use)."""
        if self.journal is None:
            self.journal = Journal(
                self.cfg.site,
                self.engine,
                self.roster,
                self._require(),
                self.clock,
                undelivered_after_s=float(self.cfg.undelivered_after_s),
            )
        return self.journal

    def _driver(self) -> EngineDriver:
        """The engine's driver, logging through the journal (made on first use)."""
        if self.driver is None:
            self.driver = EngineDriver(self.engine, self._journal(), self.clock)
        return self.driver

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
        await self._require().append(self._journal().event(kind, ref, data, frame, seal=seal))

    async def _append(self, events: list[Event]) -> None:
        if events:
            await self._require().append_many(events)

    async def _process(self, effects: list[Effect]) -> None:
        """Carry out effects in order, with the engine's answers (see app/driver.py): each
        request of the driver answered with an await, in the order it asks."""
        steps = self._driver().carry_out(effects)
        reply: Any = None
        while True:
            try:
                request = steps.send(reply)
            except StopIteration:
                break
            reply = await self._answer(request)
        self._wake.set()

    async def _answer(self, request: Request) -> Any:
        store = self._require()
        if isinstance(request, Persist):
            await store.append_many(request.events)
            return None
        if isinstance(request, Send):
            try:
                return await self.radio.send(request.packet)
            except RadioError as exc:
                return exc
        if isinstance(request, Reserve):
            return await store.reserve_seqs(
                str(self.me), request.count, at=self.clock(), site=self.cfg.site, by=DAEMON
            )
        await self._roster_update(request.msg)
        return None

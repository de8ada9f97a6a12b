"""Rejected frames are counted, not logged one row each (issue 18 E): a junk flood through a CP's
real engine, driver and journal into a real SQLite log writes at most the bound, and the full
rows plus the counted rows add up to the frames rejected. Unverified reports are still
quarantined, and a repeat or a forgery cannot turn an inbox row "rejected"."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from nsplink import protocol as p
from nsplink.app.driver import EngineDriver, Persist, Request, run_now
from nsplink.app.journal import Journal
from nsplink.app.rejects import FULL_PER_MINUTE, MINUTE_S, RejectTally
from nsplink.protocol import EngineConfig, SiteEngine
from nsplink.radio.base import Received
from nsplink.store import Event, InboxItem, Store
from nsplink.store import events as ev
from tests.scenario.helpers import sitrep
from tests.security.corpus import CP, NSP, STRANGER, mutated, real_frames, roster

T0 = 1_767_225_600.0  # on a minute boundary


class Site:
    """A CP: real engine, driver and journal; rows go to a real SQLite file."""

    def __init__(self, tmp_path: Path) -> None:
        self.now = T0
        self.roster = roster()
        self.engine = SiteEngine(
            CP, self.roster, EngineConfig(role="cp"), rng=random.Random(1), now=T0
        )
        self.store = asyncio.run(Store.open(tmp_path / "cp.db"))
        self.journal = Journal("cp", self.engine, self.roster, self.store, lambda: self.now)
        self.driver = EngineDriver(self.engine, self.journal, lambda: self.now)
        self.rows: list[Event] = []
        self.rejected = 0  # the engine's Rejected effects, whatever the journal made of them
        self.driver.observe = self._observe

    def _observe(self, effect: object) -> None:
        self.rejected += isinstance(effect, p.Rejected)

    def hear(self, frame: bytes, node: int) -> None:
        packet = Received(from_node=node, to_node=0xFFFFFFFF, payload=frame, packet_id=1)

        def answer(request: Request) -> Any:
            if isinstance(request, Persist):
                self.rows.extend(request.events)
            return None

        run_now(self.driver.carry_out(self.driver.on_radio(packet, self.now)), answer)

    def finish(self) -> list[Event]:
        self.rows.extend(self.journal.rejects_flushed())
        asyncio.run(self.store.append_many(self.rows))  # every row is one the store accepts
        asyncio.run(self.store.close())
        return self.rows


def _inbox(tmp_path: Path) -> list[InboxItem]:
    async def read() -> list[InboxItem]:
        async with await Store.open(tmp_path / "cp.db") as store:
            return await store.inbox()

    return asyncio.run(read())


def _junk(rng: random.Random, corpus: list[bytes]) -> bytes:
    while True:
        frame = mutated(rng, corpus)[:231] or b"\x10"
        try:  # only frames the engine rejects (a mutation may leave a real frame whole)
            p.decode(frame, roster())
        except p.DecodeError:
            if not p.is_fragment(frame):
                return frame


def _flood(tmp_path: Path, nodes: int, frames: int, every_s: float) -> tuple[int, list[Event]]:
    site = Site(tmp_path)
    rng = random.Random(18)
    corpus = real_frames()
    for i in range(frames):
        site.now = T0 + i * every_s
        site.hear(_junk(rng, corpus), 0x200 + (i % nodes))
    rows = site.finish()
    assert site.rejected > frames * 0.9  # it really was junk
    return site.rejected, rows


def _accounted(rows: list[Event]) -> int:
    """Frames the rows account for: full rows, counted ones, and quarantined reports."""
    full = sum(1 for r in rows if r.kind in (ev.MESSAGE_REJECTED, ev.MESSAGE_QUARANTINED))
    counted = sum(r.data["frames"] for r in rows if r.kind == ev.REJECTS_COUNTED)
    for r in rows:
        if r.kind == ev.REJECTS_COUNTED:  # the parts add up to the row's total
            parts = sum(b["count"] for b in r.data["by"]) + sum(r.data["others"].values())
            assert parts == r.data["frames"]
    return full + counted


def _rows_per_minute(rows: list[Event]) -> int:
    minutes: dict[int, int] = {}
    for r in rows:
        if r.kind in (ev.MESSAGE_REJECTED, ev.REJECTS_COUNTED):
            # a summary is written in the next minute; it counts against the one it closes
            at = r.data["minute_at"] if r.kind == ev.REJECTS_COUNTED else r.at
            minute = int(at // MINUTE_S)
            minutes[minute] = minutes.get(minute, 0) + 1
    return max(minutes.values())


def test_a_flood_from_one_node_writes_at_most_the_bound_and_every_frame_is_counted(
    tmp_path: Path,
) -> None:
    sent, rows = _flood(tmp_path, nodes=1, frames=2000, every_s=0.5)  # 2000 frames in 17 min
    assert _accounted(rows) == sent
    assert _rows_per_minute(rows) <= FULL_PER_MINUTE + 1
    minutes = 2000 * 0.5 / MINUTE_S + 1
    kept = [r for r in rows if r.kind in (ev.MESSAGE_REJECTED, ev.REJECTS_COUNTED)]
    assert len(kept) <= minutes * (FULL_PER_MINUTE + 1) < sent / 10
    assert {r.kind for r in rows} <= {
        ev.MESSAGE_REJECTED,
        ev.REJECTS_COUNTED,
        ev.MESSAGE_RECEIVED,  # a mangled report of the stranger is still quarantined
        ev.MESSAGE_QUARANTINED,
    }


def test_forged_node_numbers_buy_no_more_rows(tmp_path: Path) -> None:
    sent, rows = _flood(tmp_path, nodes=1000, frames=2000, every_s=0.5)  # a new node each frame
    assert _accounted(rows) == sent
    assert _rows_per_minute(rows) <= FULL_PER_MINUTE + 1
    counted = [r for r in rows if r.kind == ev.REJECTS_COUNTED]
    assert counted and all(r.data["others"] for r in counted)  # past the cap: per code only


def test_a_full_row_names_the_frame_by_its_hash_not_by_the_id_it_claims(tmp_path: Path) -> None:
    site = Site(tmp_path)
    body = sitrep()
    real = p.encode(p.Envelope(NSP.key_id, 9, 0, body, p.Priority.P3, p.ALL_CPS), NSP)
    site.hear(real, 0x100)
    site.hear(real[:-1] + bytes([real[-1] ^ 1]), 0x300)  # its id, a broken signature
    rows = site.finish()
    (rejected,) = [r for r in rows if r.kind == ev.MESSAGE_REJECTED]
    assert rejected.ref.startswith("x-") and rejected.data["claimed"] == f"{NSP.key_id}-9"
    assert len(rejected.data["frame_sha256"]) == 32
    (item,) = _inbox(tmp_path)
    assert item.trust == "verified"  # the forgery did not turn the real message "rejected"


def test_unverified_reports_are_still_quarantined_and_a_repeat_does_not_hide_them(
    tmp_path: Path,
) -> None:
    site = Site(tmp_path)
    body = p.Emergency(p.Incident.MED, p.Services.A, street="Dorpsstraat", number="1")
    frame = p.encode(p.Envelope(STRANGER.key_id, 3, 0, body, p.Priority.P1, p.ALL_CPS), STRANGER)
    for _ in range(3):  # the sender retries: it gets no receipt
        site.hear(frame, 0x400)
    rows = site.finish()
    kinds = [r.kind for r in rows]
    assert kinds[:2] == [ev.MESSAGE_RECEIVED, ev.MESSAGE_QUARANTINED]
    (item,) = _inbox(tmp_path)
    assert item.trust == "quarantined"  # before issue 18 E the repeat turned it "rejected"


def test_the_tally_closes_a_minute_when_the_clock_moves_back_too() -> None:
    tally = RejectTally(full_per_minute=2)
    assert tally.count(1, "a", T0) == (None, True)
    assert tally.count(1, "a", T0 + 1) == (None, False)
    assert tally.deadline() == T0 + MINUTE_S
    summary, full = tally.count(1, "a", T0 - 3600)  # the clock went back an hour
    assert full and summary is not None and summary["frames"] == 1
    assert tally.closed(T0 - 3600) is None  # still the open minute
    assert tally.flush() is None  # nothing only counted in it

"""Issue 18, anchoring: a site records the log heads other sites announce in their beacons, in
its own log, bounded: a neighbour that beacons every few seconds costs at most 6 rows an hour."""

from __future__ import annotations

import itertools
from pathlib import Path

from nsplink import protocol as p
from nsplink.app.journal import HEAD_RECORD_EVERY_S
from nsplink.store import Event
from nsplink.store import events as ev
from tests.app.test_rejects import T0, Site
from tests.security.corpus import NSP


class Cp(Site):
    """The CP of test_rejects: real engine, driver and journal; rows go to a real SQLite file."""

    def heads(self) -> list[Event]:
        return [e for e in self.finish() if e.kind == ev.HEAD_HEARD]  # the store took them all


def beacon(seq: int, at: float, count: int) -> bytes:
    head = p.ChainHead(count, count.to_bytes(6, "big"))
    body = p.Status(p.Power.ACCU, 90, 20, 0, head=head)
    created = p.minutes_since_epoch(at)
    return p.encode(p.Envelope(NSP.key_id, seq, created, body, p.Priority.P4, p.EVERYONE), NSP)


def test_a_heard_head_is_recorded_with_the_signed_beacon(tmp_path: Path) -> None:
    cp = Cp(tmp_path)
    frame = beacon(1, T0, 1234)
    cp.hear(frame, 7)
    [row] = cp.heads()
    assert row.data == {
        "sender_site": "NSP Zaltbommel",
        "sender": str(NSP.key_id),
        "count": 1234,
        "hash": (1234).to_bytes(6, "big").hex(),
    }
    assert row.frame == frame  # the evidence: that site signed this head


def test_a_talkative_neighbour_costs_at_most_six_rows_an_hour(tmp_path: Path) -> None:
    cp = Cp(tmp_path)
    for i in range(1000):  # a beacon every 3.6 s, each with a new head
        cp.now = T0 + i * 3.6
        cp.hear(beacon(i + 1, cp.now, 100 + i), 7)
    heads = cp.heads()
    assert 3600 / HEAD_RECORD_EVERY_S == 6
    assert len(heads) == 6
    gaps = [b.at - a.at for a, b in itertools.pairwise(heads)]
    assert min(gaps) >= HEAD_RECORD_EVERY_S
    assert len([e for e in cp.rows if e.kind == "status.received"]) == 1000


def test_a_head_that_did_not_move_is_recorded_once(tmp_path: Path) -> None:
    cp = Cp(tmp_path)
    for i in range(20):  # one beacon every 15 minutes for five hours, the log never grows
        cp.now = T0 + i * 900
        cp.hear(beacon(i + 1, cp.now, 500), 7)
    assert len(cp.heads()) == 1

"""A flood of junk from one node must not starve the others' emergency traffic. Four NSPs around
a CP report emergencies for an hour while a rogue node next to the CP floods the channel with
mutated real frames (spoofed fragments of real senders, replays, cross-type splices, random
bytes): at its firmware's legal rate (10 % duty cycle), and with the limit removed (an altered
firmware sending about half the time). Virtual time on the simulated medium, deterministic."""

from __future__ import annotations

import random

import pytest

from nsplink.lora.dutycycle import DutyCycleLedger
from nsplink.protocol import ALL_CPS, MessageId, Rejected
from nsplink.radio.sim import Medium
from nsplink.scenario.network import SimNetwork
from tests.scenario.helpers import Recorder, emergency
from tests.security.corpus import mutated, real_frames

ROGUE = 0x1FF
BROADCAST = 0xFFFFFFFF


def _run(
    junk_every_s: float | None, rogue_duty: float | None = None, hours: float = 2.0
) -> tuple[dict[MessageId, float], int, int]:
    """(latency per emergency, junk frames the rogue got on air, frames the CP rejected)."""
    medium = Medium(seed=7)
    net = SimNetwork(medium, seed=7)
    rec = Recorder()
    net.observers.append(rec)
    net.add_site("cp", "cp", 0x100, position=(0.0, 0.0))
    for i in range(4):
        x = 1500.0 if i % 2 else -1500.0
        y = 1500.0 if i // 2 else -1500.0
        net.add_site(f"nsp{i}", "nsp", 0x101 + i, position=(x, y))
    rogue = medium.add_node(ROGUE, position=(200.0, 0.0))
    if rogue_duty is not None:  # firmware altered to ignore the legal limit
        rogue.duty_pct = rogue_duty
        rogue.ledger = DutyCycleLedger(rogue_duty, boot_s=medium.now)
    rng = random.Random(7)
    corpus = real_frames()
    on_air = 0

    def junk() -> None:
        nonlocal on_air
        frame = mutated(rng, corpus)[:231] or b"\x10"
        on_air += rogue.send(dest=BROADCAST, payload=frame, portnum=287, hop_limit=3).res == 0
        assert junk_every_s is not None
        medium.call_at(medium.now + junk_every_s, junk)

    if junk_every_s is not None:
        medium.call_at(1.0, junk)
    mids: list[MessageId] = []
    for k in range(6):
        for i in range(4):
            medium.call_at(
                60.0 + 600.0 * k + 37.0 * i,
                lambda i=i: mids.append(net.submit(f"nsp{i}", emergency(), ALL_CPS)),
            )
    net.run_until(hours * 3600)
    got = {d.msg.id: now for name, d, now in rec.deliveries if name == "cp" and not d.duplicate}
    sent = {m: t for s in net.sites.values() for m, t in s.sent.items()}
    latency = {m: got[m] - sent[m] for m in mids if m in got}
    assert len(mids) == 24
    rejected = sum(1 for n, e, _ in rec.effects if n == "cp" and isinstance(e, Rejected))
    return latency, on_air, rejected


def test_baseline_without_junk() -> None:
    latency, _, rejected = _run(None)
    assert len(latency) == 24 and rejected == 0


def test_junk_at_the_legal_rate_does_not_delay_emergencies() -> None:
    base, _, _ = _run(None)
    latency, on_air, rejected = _run(20.0)
    assert on_air > 300 and rejected > 300  # it really flooded, and every frame was refused
    assert len(latency) == 24  # every report delivered, once
    assert max(latency.values()) <= max(base.values()) + 60.0


@pytest.mark.parametrize("every_s", [4.0, 2.2])
def test_a_rogue_ignoring_the_duty_cycle_delays_but_never_starves(every_s: float) -> None:
    latency, on_air, _ = _run(every_s, rogue_duty=100.0)
    assert on_air >= 1500  # about half of the two hours on air
    assert len(latency) == 24  # all delivered within the two hours
    # most still arrive promptly: the relays' duty cycle, spent repeating junk, is the cost
    assert sorted(latency.values())[12] <= 120.0

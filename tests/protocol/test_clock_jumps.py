"""A site's clock jumping back or forward by up to 30 days changes nothing that matters (issue 18
H): the engine is given wall time, so `now` may go backwards. Two engines pass frames by hand;
each has its own wall clock (real time plus an offset that the test moves), and a loop fires
their timers the way the daemon does: sleep until `next_deadline()` by the site's own clock, but
never longer than WAKE_S (the daemon's timer loop wakes that often to see the clock move)."""

from __future__ import annotations

import pytest

from nsplink.protocol import ALL_CPS, MessageType, Priority
from nsplink.protocol.delivery import DeliveryState
from nsplink.protocol.effects import Deliver, Outcome, Transmit
from tests.protocol.test_engine import T0, Site, make, signed
from tests.scenario.helpers import emergency, sitrep

DAY = 86400.0
WAKE_S = 60.0


class Mesh:
    """Two sites; what one transmits the other hears at once, unless `lose` says otherwise."""

    def __init__(self) -> None:
        sites, _ = make({"nsp": "nsp", "cp": "cp"})
        self.nsp, self.cp = sites["nsp"], sites["cp"]
        self.real = T0
        self.offset = {"nsp": 0.0, "cp": 0.0}
        self.lose = 0  # frames still to lose on air
        self.heard = {"nsp": 0, "cp": 0}
        self.woke = {"nsp": T0, "cp": T0}  # real time of each site's last timer call

    def wall(self, name: str) -> float:
        return self.real + self.offset[name]

    def _air(self, sender: str) -> None:
        site, other = (self.nsp, self.cp) if sender == "nsp" else (self.cp, self.nsp)
        name = "cp" if sender == "nsp" else "nsp"
        while self.heard[sender] < len(site.sent):
            tx = site.sent[self.heard[sender]]
            self.heard[sender] += 1
            if self.lose:
                self.lose -= 1
                continue
            now = self.wall(name)
            other.run(other.engine.on_frame(tx.frame, 1, 1, now), now)

    def step(self, real_s: float) -> None:
        """Let `real_s` seconds pass, firming timers when due by each site's own clock."""
        end = self.real + real_s
        while self.real < end:
            self.real = min(end, self.real + 1.0)
            for name, site in (("nsp", self.nsp), ("cp", self.cp)):
                deadline = site.engine.next_deadline()
                now = self.wall(name)
                due = deadline is not None and deadline <= now
                if due or self.real - self.woke[name] >= WAKE_S:
                    self.woke[name] = self.real
                    site.run(site.engine.handle_timer(now), now)
            self._air("nsp")
            self._air("cp")

    def delivered(self, site: Site, mid: object) -> bool:
        return any(
            isinstance(e, Outcome) and e.mid == mid and e.state is DeliveryState.DELIVERED
            for e in site.effects
        )


JUMPS = [-30 * DAY, -3600.0, -5.0, 5.0, 3600.0, 30 * DAY]


@pytest.mark.parametrize("jump", JUMPS)
@pytest.mark.parametrize("who", ["nsp", "cp"])
def test_a_message_is_delivered_and_receipted_across_a_jump(who: str, jump: float) -> None:
    """The first copy is lost; then one site's clock jumps. The retry still goes, the CP
    delivers it once, and its receipt is accepted: within minutes, not 30 days."""
    mesh = Mesh()
    nsp = mesh.nsp
    m = signed(nsp, emergency(), ALL_CPS, Priority.P1, 500)
    mesh.lose = 1
    nsp.run(nsp.engine.submit(m, T0), T0)
    mesh.step(2.0)
    mesh.offset[who] += jump
    mesh.step(30 * 60.0)
    assert mesh.delivered(nsp, m.id)
    # the report, not refused as a replay, nor shown twice (30 minutes with nobody taking it
    # up: the NSP also hands it to the CP, a receipt of its own; handover.py)
    delivered = [e for e in mesh.cp.effects if isinstance(e, Deliver) and not e.duplicate]
    assert [d.msg.id for d in delivered if d.msg.envelope.type is not MessageType.RECEIPT] == [m.id]


@pytest.mark.parametrize("jump", [-30 * DAY, 30 * DAY])
def test_a_busy_site_goes_on_sending_after_its_clock_jumps(jump: float) -> None:
    """A backlog of routine messages fills the airtime plan (ledger, token bucket, channel
    estimate); after the jump the rest still goes out at the planned pace, not 30 days later."""
    mesh = Mesh()
    nsp = mesh.nsp
    msgs = [signed(nsp, sitrep(), ALL_CPS, Priority.P3, 600 + i) for i in range(300)]
    for m in msgs:
        nsp.run(nsp.engine.submit(m, T0), T0)
    mesh.step(120.0)
    before = len([t for t in nsp.sent if isinstance(t, Transmit)])
    assert 0 < before < len(msgs)
    mesh.offset["nsp"] += jump
    mesh.step(3 * 3600.0)
    assert all(mesh.delivered(nsp, m.id) for m in msgs)


def test_timers_due_before_a_backward_jump_still_fire() -> None:
    """A receipt owed, a reassembly and a retry: none waits for the clock to catch up."""
    mesh = Mesh()
    nsp, cp = mesh.nsp, mesh.cp
    m = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 700)  # its receipt is batched: not at once
    nsp.run(nsp.engine.submit(m, T0), T0)
    mesh.step(1.0)
    assert any(isinstance(e, Deliver) for e in cp.effects)
    mesh.offset["cp"] -= 30 * DAY
    cp.run(cp.engine.handle_timer(mesh.wall("cp")), mesh.wall("cp"))  # the daemon's next wake
    deadline = cp.engine.next_deadline()
    assert deadline is not None and deadline - mesh.wall("cp") < 3600
    mesh.step(30 * 60.0)
    assert mesh.delivered(nsp, m.id)

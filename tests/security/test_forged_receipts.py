"""A forged receipt would make the sender stop retrying: data loss. None of these may: a receipt
signed by a non-recipient, with a forged signature, from a revoked key, from a stranger, a
custody claim by a site that then goes silent about delivery, a CP's receipt replayed for
another message. After each, the message is still in the outbox and is sent again."""

from __future__ import annotations

import random

import pytest

from nsplink import protocol as p
from nsplink.protocol import (
    DeliveryState,
    Effect,
    EngineConfig,
    NeedSeqs,
    Outcome,
    RegionRoster,
    RosterDoc,
    SiteEngine,
    SiteEntry,
    Transmit,
)
from tests.security.corpus import CP, NSP, REGION, REVOKED, STRANGER

T0 = 1_767_225_600.0
OTHER_NSP = p.Identity(bytes(range(1, 33)))
RELAY = p.Identity(bytes(range(2, 34)))
DOC = RosterDoc(
    "VR01",
    1,
    0,
    (SiteEntry("NSP", "nsp", NSP.public_key), SiteEntry("CP", "cp", CP.public_key),
     SiteEntry("NSP 2", "nsp", OTHER_NSP.public_key), SiteEntry("R", "relay", RELAY.public_key)),
    (SiteEntry("Gestolen", "nsp", REVOKED.public_key),),
).sign(REGION)  # fmt: skip


class Driver:
    """Carries out an engine's effects with a radio that accepts every frame."""

    def __init__(self) -> None:
        self.engine = SiteEngine(
            NSP, RegionRoster(DOC), EngineConfig(role="nsp"), rng=random.Random(3), now=T0
        )
        self.sent: list[Transmit] = []
        self.outcomes: list[Outcome] = []
        self.pid = 0
        self.seq = 500
        self.run(self.engine.provide_seqs(range(1, 40), T0), T0)

    def run(self, effects: list[Effect], now: float) -> None:
        queue = list(effects)
        while queue:
            e = queue.pop(0)
            if isinstance(e, Transmit):
                self.sent.append(e)
                self.pid += 1
                queue.extend(self.engine.on_handed(e.token, self.pid, now))
            elif isinstance(e, Outcome):
                self.outcomes.append(e)
            elif isinstance(e, NeedSeqs):
                queue.extend(self.engine.provide_seqs(range(self.seq, self.seq + e.count), now))
                self.seq += e.count

    def until(self, t: float) -> None:
        for _ in range(10_000):
            d = self.engine.next_deadline()
            if d is None or d > t:
                return
            self.run(self.engine.handle_timer(d), d)


def _receipt(
    signer: p.Identity,
    mid: p.MessageId,
    kind: p.ReceiptKind = p.ReceiptKind.DELIVERY,
    seq: int = 7,
) -> bytes:
    body = p.Receipt.build(
        kind, {mid: p.State.GEZ if kind is p.ReceiptKind.TRIAGE else p.State.ONTV}
    )
    env = p.Envelope(signer.key_id, seq, 0, body, p.Priority.P2, p.Destination.to_site(NSP.key_id))
    return p.encode(env, signer)


def _submit(d: Driver, seq: int = 900) -> p.MessageId:
    body = p.Emergency(p.Incident.MED, p.Services.A, landmark="sporthal")
    env = p.Envelope(NSP.key_id, seq, 0, body, p.Priority.P1, p.ALL_CPS)
    msg = p.SignedMessage(env, p.encode(env, NSP), p.PeerKey("NSP", "nsp", NSP.public_key))
    d.run(d.engine.submit(msg, T0), T0)
    return msg.id


def _forged_signature(mid: p.MessageId) -> bytes:
    real = _receipt(CP, mid)
    return real[:-1] + bytes([real[-1] ^ 0x40])


FORGERIES = {
    "non-recipient NSP": lambda mid: _receipt(OTHER_NSP, mid),
    "relay claiming delivery": lambda mid: _receipt(RELAY, mid),
    "forged CP signature": _forged_signature,
    "revoked key": lambda mid: _receipt(REVOKED, mid),
    "stranger": lambda mid: _receipt(STRANGER, mid),
    "CP receipt for another message": lambda mid: _receipt(CP, p.MessageId(NSP.key_id, 1)),
    "NSP claiming triage": lambda mid: _receipt(OTHER_NSP, mid, p.ReceiptKind.TRIAGE),
}


@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_forged_receipt_leaves_the_message_retrying(name: str) -> None:
    d = Driver()
    mid = _submit(d)
    first = sum(1 for t in d.sent if t.mid == mid)
    d.run(d.engine.on_frame(FORGERIES[name](mid), 0x200, 1, T0 + 5), T0 + 5)
    assert DeliveryState.DELIVERED not in [o.state for o in d.outcomes if o.mid == mid]
    assert mid in d.engine.outbox
    d.until(T0 + 900)
    assert sum(1 for t in d.sent if t.mid == mid) > first  # it was sent again
    # the real receipt still ends it
    d.run(d.engine.on_frame(_receipt(CP, mid, seq=8), 0x101, 1, T0 + 901), T0 + 901)
    assert [o.state for o in d.outcomes if o.mid == mid][-1] is DeliveryState.DELIVERED
    assert mid not in d.engine.outbox


def test_a_custody_claim_slows_retries_but_never_ends_them() -> None:
    d = Driver()
    mid = _submit(d)
    d.run(d.engine.on_frame(_receipt(RELAY, mid, p.ReceiptKind.CUSTODY), 0x200, 1, T0 + 5), T0 + 5)
    assert DeliveryState.CUSTODY in [o.state for o in d.outcomes if o.mid == mid]
    before = sum(1 for t in d.sent if t.mid == mid)
    d.until(T0 + 4 * 3600)
    assert mid in d.engine.outbox
    assert sum(1 for t in d.sent if t.mid == mid) > before

"""Issue 24: format 3 bundles, several messages of one sender under one signature, and the
capability table that decides who is sent format 3."""

from __future__ import annotations

import pytest

from nsplink import protocol as p
from nsplink.protocol.capability import FALLBACK_AFTER, Capabilities, addressed
from nsplink.protocol.codec import MAX_MEMBERS
from tests.protocol.conftest import sample_bodies

BODIES = sample_bodies()
HEAD = p.ChainHead(3, bytes(6))


def _env(sender: p.Identity, name: str, seq: int) -> p.Envelope:
    return p.Envelope(sender.key_id, seq, 510_000, BODIES[name], p.Priority.P3, p.ALL_CPS)


def test_a_bundle_yields_each_message_and_each_log_copy_decodes_alone(
    nsp: p.Identity, ring: p.KeyRing
) -> None:
    envs = [_env(nsp, "sitrep", 7), _env(nsp, "supply", 8), _env(nsp, "status", 9)]
    bundle = p.encode_bundle(envs, nsp)
    assert p.is_bundle(bundle) and bundle[0] == p.FORMAT_V3 << 4
    members = p.decode_bundle(bundle, ring)
    assert [m.envelope for m in members] == envs
    for i, m in enumerate(members, start=1):
        assert m.frame[0] & 0x0F == i and m.frame[1:] == bundle[1:]
        assert p.decode(m.frame, ring).envelope == envs[i - 1]  # what a log keeps re-verifies
    alone = sum(len(p.encode(e, nsp, version=p.FORMAT_V3)) for e in envs)
    assert len(bundle) < alone - 2 * p.SIGNATURE_LEN  # one signature instead of three


def test_the_bundle_as_sent_is_not_one_message(nsp: p.Identity, ring: p.KeyRing) -> None:
    bundle = p.encode_bundle([_env(nsp, "sitrep", 1), _env(nsp, "supply", 2)], nsp)
    with pytest.raises(p.MalformedFrame):
        p.decode(bundle, ring)
    with pytest.raises(p.MalformedFrame):  # a selector beyond the members
        p.decode(bytes([bundle[0] | 5]) + bundle[1:], ring)


def test_any_altered_byte_but_the_selector_breaks_the_signature(
    nsp: p.Identity, ring: p.KeyRing
) -> None:
    bundle = p.encode_bundle([_env(nsp, "sitrep", 1), _env(nsp, "supply", 2)], nsp)
    for pos in range(1, len(bundle)):
        forged = bytearray(bundle)
        forged[pos] ^= 0x01
        with pytest.raises(p.DecodeError):
            p.decode_bundle(bytes(forged), ring)


def test_a_site_reading_only_format_2_refuses_a_bundle_by_name(
    nsp: p.Identity, ring: p.KeyRing
) -> None:
    bundle = p.encode_bundle([_env(nsp, "sitrep", 1), _env(nsp, "supply", 2)], nsp)
    with pytest.raises(p.UnsupportedVersion):
        p.Receiver(ring, formats={p.FORMAT_VERSION}).receive_all(bundle, 0.0)
    assert len(p.Receiver(ring).receive_all(bundle, 0.0)) == 2


def test_only_our_own_messages_and_two_to_fifteen_of_them(nsp: p.Identity, cp: p.Identity) -> None:
    with pytest.raises(ValueError):
        p.encode_bundle([_env(nsp, "sitrep", 1), _env(cp, "supply", 2)], nsp)
    with pytest.raises(ValueError):
        p.encode_bundle([_env(nsp, "sitrep", 1)], nsp)
    with pytest.raises(ValueError):
        p.encode_bundle([_env(nsp, "status", i) for i in range(MAX_MEMBERS + 1)], nsp)


def test_capabilities_need_every_addressee_and_fall_back_when_heard_but_silent(
    nsp: p.Identity, cp: p.Identity, ring: p.KeyRing
) -> None:
    caps = Capabilities()
    cps = addressed(p.ALL_CPS, ring, nsp.key_id)
    assert cps == {cp.key_id}
    assert caps.format_for(cps, 1, heard=True) == p.FORMAT_VERSION  # nothing announced yet
    caps.heard(cp.key_id, p.Status(p.Power.NET, 100, 255, 0, head=HEAD, reads=p.FORMAT_V3))
    assert caps.format_for(cps, 1, heard=True) == p.FORMAT_V3
    assert caps.format_for(cps, FALLBACK_AFTER + 1, heard=False) == p.FORMAT_V3  # away
    assert caps.format_for(cps, FALLBACK_AFTER + 1, heard=True) == p.FORMAT_VERSION
    everyone = addressed(p.EVERYONE, ring, cp.key_id)
    assert caps.format_for(everyone, 1, heard=True) == p.FORMAT_VERSION  # the NSP did not say
    caps.heard(cp.key_id, p.Status(p.Power.NET, 100, 255, 0, head=HEAD))  # downgraded
    assert caps.format_for(cps, 1, heard=True) == p.FORMAT_VERSION
    old = Capabilities({p.FORMAT_VERSION})
    assert old.announce(p.Status(p.Power.NET, 100, 255, 0, head=HEAD)).reads is None
    assert Capabilities().announce(p.Status(p.Power.NET, 100, 255, 0, head=HEAD)).reads == 3


T0 = 1_767_225_600.0


def _drive(engine: p.SiteEngine, effects: list[p.Effect], now: float) -> list[p.Effect]:
    """Carry out effects like a driver whose radio takes every frame at once; all of them."""
    seen: list[p.Effect] = []
    queue = list(effects)
    while queue:
        e = queue.pop(0)
        seen.append(e)
        if isinstance(e, p.Transmit):
            queue.extend(engine.on_handed(e.token, 100 + e.token, now))
        elif isinstance(e, p.NeedSeqs):
            queue.extend(engine.provide_seqs(range(500, 500 + e.count), now))
    return seen


def _settle(engine: p.SiteEngine, until: float) -> list[p.Effect]:
    seen: list[p.Effect] = []
    while (due := engine.next_deadline()) is not None and due <= until:
        seen += _drive(engine, engine.handle_timer(due), due)
    return seen


def _receipted(effects: list[p.Effect], sender: p.KeyId) -> set[int]:
    """The sequence numbers of `sender` that the receipts created among `effects` cover."""
    return {
        seq
        for e in effects
        if isinstance(e, p.Created) and isinstance(e.msg.envelope.body, p.Receipt)
        for entry in e.msg.envelope.body.entries
        if entry.sender == sender
        for seq in range(entry.first, entry.last + 1)
    }


def test_a_bundle_heard_again_is_not_verified_again_yet_receipted_again(
    nsp: p.Identity, cp: p.Identity, ring: p.KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[int] = []
    real = p.codec._check
    monkeypatch.setattr(p.codec, "_check", lambda *args: checks.append(1) or real(*args))
    engine = p.SiteEngine(cp, ring, p.EngineConfig(role="cp"), now=T0)
    _drive(engine, engine.provide_seqs(range(1, 40), T0), T0)
    bundle = p.encode_bundle([_env(nsp, "sitrep", 7), _env(nsp, "supply", 8)], nsp)
    first = engine.on_frame(bundle, 0x11, 1, T0)
    first += _settle(engine, T0 + 120)
    # a relay repeats the bundle, another forwards member 2's log copy, the NSP retries it
    again = engine.on_frame(bundle, 0x12, 2, T0 + 200)
    again += engine.on_frame(bytes([bundle[0] | 2]) + bundle[1:], 0x12, 2, T0 + 201)
    again += _settle(engine, T0 + 400)
    assert len(checks) == 1  # one Ed25519 check for three hearings of the one bundle
    delivered = [(e.msg.envelope.seq, e.duplicate) for e in first if isinstance(e, p.Deliver)]
    assert delivered == [(7, False), (8, False)]
    repeats = [(e.msg.envelope.seq, e.duplicate) for e in again if isinstance(e, p.Deliver)]
    assert repeats == [(7, True), (8, True)] * 2  # taken as the duplicates they are
    # each hearing is receipted again: the NSP retries because our receipt was lost
    assert _receipted(first, nsp.key_id) == {7, 8} == _receipted(again, nsp.key_id)


def test_every_message_of_a_bundle_is_heard_when_the_radio_hears_the_packet(
    nsp: p.Identity, cp: p.Identity, ring: p.KeyRing
) -> None:
    engine = p.SiteEngine(nsp, ring, p.EngineConfig(role="nsp"), now=T0)
    _drive(engine, engine.provide_seqs(range(1, 40), T0), T0)
    engine.capabilities.heard(cp.key_id, p.Status(p.Power.NET, 100, 255, 0, head=HEAD, reads=3))
    peer = ring.lookup(nsp.key_id)
    assert peer is not None
    msgs = [
        p.SignedMessage(env, p.encode(env, nsp), peer)
        for env in (_env(nsp, "status", 7), _env(nsp, "sitrep", 8), _env(nsp, "supply", 9))
    ]
    [lone] = [e for e in engine.submit(msgs[0], T0) if isinstance(e, p.Transmit)]
    for m in msgs[1:]:  # the radio has not taken the first frame yet: these two wait
        assert not [e for e in engine.submit(m, T0) if isinstance(e, p.Transmit)]
    effects = engine.on_handed(lone.token, 1, T0)
    while not any(isinstance(e, p.Transmit) for e in effects):  # the airtime plan's gap
        now = engine.next_deadline()
        assert now is not None
        effects = engine.handle_timer(now)
    [bundle] = [e for e in effects if isinstance(e, p.Transmit)]
    assert p.is_bundle(bundle.frame) and len(bundle.riders) == 1
    engine.on_handed(bundle.token, 2, now)
    heard = {
        e.mid.seq
        for e in engine.on_acked(2, True, now + 5)
        if isinstance(e, p.Outcome) and e.state is p.DeliveryState.HEARD
    }
    assert heard == {msgs[1].id.seq, msgs[2].id.seq}  # the rider too, not only the first

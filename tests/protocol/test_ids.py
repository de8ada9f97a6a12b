"""Ids as the engine uses them millions of times a run: hashed and printed without the dataclass's
nested calls, and an envelope's id made once. Each against the plain computation."""

from __future__ import annotations

import dataclasses
import random

from nsplink.protocol import ALL_CPS, Envelope, KeyId, MessageId, Priority, decode, encode
from nsplink.protocol.identity import Identity, KeyRing, PeerKey
from tests.scenario.helpers import emergency


def _ids() -> list[MessageId]:
    rng = random.Random(3)
    keys = [KeyId(rng.randbytes(3)) for _ in range(20)]
    return [MessageId(k, rng.randrange(1 << 32)) for k in keys for _ in range(5)]


def test_equal_ids_hash_and_print_alike_as_their_fields_do() -> None:
    for mid in _ids():
        twin = MessageId(KeyId(bytes(mid.sender.raw)), int(mid.seq))
        assert twin == mid and twin is not mid
        assert hash(twin) == hash(mid) and hash(mid.sender) == hash(twin.sender)
        assert str(mid) == f"{mid.sender.raw.hex()}-{mid.seq}" == str(twin)
        assert MessageId.parse(str(mid)) == mid
    assert len({*_ids(), *_ids()}) == len(set(_ids()))  # a set finds every twin


def test_an_envelopes_kept_id_is_its_sender_and_seq() -> None:
    ident = Identity(bytes(range(32)))
    ring = KeyRing([PeerKey("nsp", "nsp", ident.public_key)])
    env = Envelope(ident.key_id, 7, 100, emergency(), Priority.P1, ALL_CPS)
    assert env.id == MessageId(env.sender, env.seq)
    assert env.id is env.id  # made once
    later = dataclasses.replace(env, seq=8)  # a new envelope: its own id, not the kept one
    assert later.id == MessageId(env.sender, 8) != env.id
    msg = decode(encode(env, ident), ring)
    assert msg.id == msg.envelope.id == MessageId(ident.key_id, 7)

"""A corpus of real frames (every message type, whole and fragmented, sealed and clear, a signed
roster update) and the mutations hostile or broken radios produce. Shared by the CI tests here
and by `benchmarks/bench_fuzz.py` (which runs the same mutations >= 100,000 times)."""

from __future__ import annotations

import random
from collections.abc import Callable

from nsplink import protocol as p
from nsplink.protocol import RegionRoster, RosterDoc, SiteEntry, seal, seal_public_key
from tests.protocol.conftest import SEED_CP, SEED_NSP, SEED_OTHER, sample_bodies

NSP = p.Identity(SEED_NSP)
CP = p.Identity(SEED_CP)
REVOKED = p.Identity(SEED_OTHER)
REGION = p.Identity(bytes(range(10, 42)))
CP_SEAL = p.Identity(bytes(range(60, 92)))
STRANGER = p.Identity(bytes(range(150, 182)))  # never on the roster


def roster_doc(version: int = 1) -> RosterDoc:
    return RosterDoc(
        "VR01",
        version,
        510_000,
        (SiteEntry("NSP Zaltbommel", "nsp", NSP.public_key, 0x100),
         SiteEntry("CP Rivierenland", "cp", CP.public_key, 0x101)),
        (SiteEntry("NSP Gestolen", "nsp", REVOKED.public_key),),
        seal_public_key(CP_SEAL.box_secret()),
    ).sign(REGION)  # fmt: skip


def roster() -> RegionRoster:
    return RegionRoster(roster_doc())


def _frame(ident: p.Identity, seq: int, body: p.Message, dest: p.Destination = p.ALL_CPS) -> bytes:
    env = p.Envelope(ident.key_id, seq, 510_000 + seq, body, p.suggested_priority(body), dest)
    return p.encode(seal(env, ident, seal_public_key(CP_SEAL.box_secret())), ident)


def real_messages() -> list[bytes]:
    """Every signed message a real network carries: each type from the NSP and the CP, a long
    bulletin (it travels as fragments), a signed roster update, and messages from a revoked key
    and a stranger."""
    msgs: list[bytes] = []
    bodies = dict(sample_bodies())
    bodies["roster_update"] = p.RosterUpdate(roster_doc(2).signed())
    for i, body in enumerate(bodies.values(), start=1):
        msgs.append(_frame(NSP, i, body))
        msgs.append(_frame(CP, 100 + i, body, p.ALL_NSPS))
    long = p.Bulletin("Kop", " ".join(f"regel {i}" for i in range(700)), 520_000, "VR01")
    msgs.append(_frame(CP, 200, long, p.ALL_NSPS))
    msgs.append(_frame(REVOKED, 1, sample_bodies()["emergency"]))
    msgs.append(_frame(STRANGER, 1, sample_bodies()["emergency"]))
    return msgs


def real_frames() -> list[bytes]:
    """The same messages as they go on air: whole frames and fragments."""
    return [f for m in real_messages() for f in p.to_frames(m)]


Mutator = Callable[[random.Random, bytes, list[bytes]], bytes]


def _flip(rng: random.Random, f: bytes, _: list[bytes]) -> bytes:
    b = bytearray(f)
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(b))
        b[i] ^= 1 << rng.randrange(8)
    return bytes(b)


def _set_byte(rng: random.Random, f: bytes, _: list[bytes]) -> bytes:
    b = bytearray(f)
    b[rng.randrange(len(b))] = rng.choice((0, 0x7F, 0x80, 0xFF, rng.randrange(256)))
    return bytes(b)


def _truncate(rng: random.Random, f: bytes, _: list[bytes]) -> bytes:
    return f[: rng.randrange(len(f))]


def _extend(rng: random.Random, f: bytes, _: list[bytes]) -> bytes:
    return f + rng.randbytes(rng.randint(1, 300))  # oversized too


def _splice(rng: random.Random, f: bytes, corpus: list[bytes]) -> bytes:
    """Cross-type: the head of one frame on the tail of another."""
    g = rng.choice(corpus)
    return f[: rng.randrange(len(f))] + g[rng.randrange(len(g)) :]


def _retype(rng: random.Random, f: bytes, _: list[bytes]) -> bytes:
    """Another message type, priority or destination kind in the header byte."""
    b = bytearray(f)
    if len(b) > 1:
        b[1] = rng.randrange(256)
    return bytes(b)


def _insert(rng: random.Random, f: bytes, _: list[bytes]) -> bytes:
    i = rng.randrange(len(f) + 1)
    return f[:i] + rng.randbytes(rng.randint(1, 8)) + f[i:]


def _random(rng: random.Random, f: bytes, _: list[bytes]) -> bytes:
    return bytes([f[0]]) + rng.randbytes(rng.randint(0, 240))


MUTATORS: tuple[Mutator, ...] = (
    _flip, _set_byte, _truncate, _extend, _splice, _retype, _insert, _random,
)  # fmt: skip


def mutated(rng: random.Random, corpus: list[bytes]) -> bytes:
    frame = rng.choice(corpus)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        if frame:
            frame = rng.choice(MUTATORS)(rng, frame, corpus)
    return frame

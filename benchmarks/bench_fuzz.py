"""Hostile input at scale, and what privacy costs on air.

1. Fuzz: >= 100,000 mutated real frames (every message type, sealed, fragmented, a signed roster
   update, revoked and unknown senders; mutations from tests/security/corpus.py) plus random
   bytes and hypothesis-generated inputs through every decoder (decode, decode_unverified,
   parse_fragment, the roster parser, the sealed-part opener) and through a CP's engine.
   Prints inputs per second and the outcome per error code; any exception that is not a typed
   DecodeError, or a verified message that is not an unaltered real one, is counted as a FAILURE
   (must be 0). Reference: the rate of decoding the unaltered frames, in the same run.
2. Sealing: bytes and LONG_FAST airtime of realistic emergency reports in the clear, sealed our
   way, and the alternatives (anonymous sealed box, explicit nonce, a Meshtastic PKI direct
   message per CP).
3. Roster update: payload and fragments of a signed 60-site roster.
4. Junk flood and the log: rows per hour a CP's journal writes under an hour of mutated junk
   frames at 10 % duty (stock firmware) and at 100 % (altered), LONG_FAST airtime, from one node
   and from a forged node number per frame; beside it what one row per frame wrote before
   (issue 18 E).

Asserts nothing; prints figures and ratios.
"""

from __future__ import annotations

import collections
import itertools
import random
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nsplink import protocol as p
from nsplink.lora.airtime import packet_airtime_ms, preset
from nsplink.protocol import (
    Deliver,
    EngineConfig,
    RosterDoc,
    SiteEngine,
    SiteEntry,
    open_sealed,
    seal,
    seal_public_key,
    verify_roster,
)
from tests.protocol.conftest import sample_bodies
from tests.security.corpus import (
    CP,
    CP_SEAL,
    NSP,
    REGION,
    mutated,
    real_frames,
    real_messages,
    roster_doc,
)
from tests.security.corpus import roster as make_roster

MUTATED = 100_000
RANDOM = 10_000
HYPOTHESIS = 5_000
T0 = 1_767_225_600.0


class Tally:
    def __init__(self) -> None:
        self.codes: collections.Counter[str] = collections.Counter()
        self.failures: list[str] = []
        self.inputs = 0


def _one(frame: bytes, roster: p.KeyLookup, whole: set[bytes], tally: Tally) -> None:
    tally.inputs += 1
    for name, fn in (
        ("decode", lambda f: p.decode(f, roster)),
        ("unverified", p.decode_unverified),
        ("fragment", p.parse_fragment),
        ("roster", lambda f: verify_roster(f, REGION.public_key)),
    ):
        try:
            result = fn(frame)
        except p.DecodeError as err:
            tally.codes[f"{name}:{err.code}"] += 1
            continue
        except Exception as exc:  # a crash: exactly what the fuzz hunts for
            tally.failures.append(f"{name}: {type(exc).__name__}: {exc} on {frame.hex()}")
            continue
        tally.codes[f"{name}:ok"] += 1
        if name == "roster" and frame not in whole:
            tally.failures.append(f"forged roster verified: {frame.hex()}")
        if name == "decode":
            assert isinstance(result, p.SignedMessage)
            if result.frame not in whole:
                tally.failures.append(f"forged frame verified: {frame.hex()}")
            try:
                open_sealed(result.envelope, result.signer.public_key, CP_SEAL.box_secret())
            except p.DecodeError as err:
                tally.codes[f"open:{err.code}"] += 1


def fuzz() -> None:
    roster = make_roster()
    signed_roster = roster_doc(3).signed()  # the roster parser gets its own real input
    corpus = [*real_frames(), signed_roster]
    whole = {*real_messages(), signed_roster}
    rng = random.Random(2026)

    good = [f for f in corpus if not p.is_fragment(f) and roster.lookup(p.parse_header(f).sender)]
    t = time.perf_counter()
    reps = 0
    while time.perf_counter() - t < 1.0:
        for f in good:
            p.decode(f, roster)
            reps += 1
    ref_rate = reps / (time.perf_counter() - t)

    tally = Tally()
    t = time.perf_counter()
    for _ in range(MUTATED):
        _one(mutated(rng, corpus), roster, whole, tally)
    for _ in range(RANDOM):
        _one(rng.randbytes(rng.randint(0, 300)), roster, whole, tally)

    @settings(
        max_examples=HYPOTHESIS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.sampled_from(corpus), st.binary(max_size=40), st.integers(0, 240))
    def hyp(seed: bytes, patch: bytes, at: int) -> None:
        _one(seed[:at] + patch + seed[at + len(patch) :], roster, whole, tally)

    hyp()
    decoders_s = time.perf_counter() - t

    eng = SiteEngine(CP, make_roster(), EngineConfig(role="cp"), rng=random.Random(1), now=T0)
    eng.provide_seqs(range(1, 10_000), T0)
    delivered = engine_failures = 0
    t = time.perf_counter()
    now = T0
    for i in range(MUTATED):
        now += 0.25
        frame = rng.choice(corpus) if i % 20 == 0 else mutated(rng, corpus)
        try:
            effects = eng.on_frame(frame, 0x200, 1, now)
            if i % 200 == 0:
                effects += eng.handle_timer(now)
        except Exception as exc:
            engine_failures += 1
            tally.failures.append(f"engine: {type(exc).__name__}: {exc}")
            continue
        for e in effects:
            if isinstance(e, Deliver):
                delivered += 1
                if e.msg.frame not in whole:
                    tally.failures.append(f"engine delivered a forgery: {e.msg.frame.hex()}")
    engine_s = time.perf_counter() - t

    print(f"decoders: {tally.inputs:,} inputs ({MUTATED:,} mutated real frames, {RANDOM:,} random,")
    print(f"          {HYPOTHESIS:,} hypothesis) in {decoders_s:.1f} s = "
          f"{tally.inputs / decoders_s:,.0f} inputs/s, each through 4 decoders")  # fmt: skip
    print(f"reference: decode of unaltered frames {ref_rate:,.0f}/s; fuzz input / reference = "
          f"{tally.inputs / decoders_s / ref_rate:.2f}")  # fmt: skip
    print(f"engine:   {MUTATED:,} frames (1 in 20 real) in {engine_s:.1f} s = "
          f"{MUTATED / engine_s:,.0f} frames/s; delivered {delivered:,} real, "
          f"partials evicted {eng.receiver.reassembler.evicted}, "
          f"restarted on conflict {eng.receiver.reassembler.conflicts}")  # fmt: skip
    print("outcomes (decoder:code count), most common first:")
    for code, n in tally.codes.most_common(14):
        print(f"  {code:<45} {n:>9,}")
    print(f"FAILURES (untyped exception or forgery accepted): {len(tally.failures)}")
    for line in tally.failures[:5]:
        print("  " + line[:200])


def _airtime(n: int) -> float:
    return packet_airtime_ms(n, preset("LONG_FAST"))


def _frames_airtime(n: int) -> float:
    """Airtime of an n-byte signed message, as fragments (about 10 bytes each) if it must."""
    if n <= p.MAX_FRAME:
        return _airtime(n)
    room = p.MAX_FRAME - 10
    count = -(-n // room)
    return sum(_airtime(10 + min(room, n - i * room)) for i in range(count))


def sealing() -> None:
    seal_to = seal_public_key(CP_SEAL.box_secret())
    base = sample_bodies()["emergency"]
    assert isinstance(base, p.Emergency)
    reports = [
        base,
        p.Emergency(p.Incident.MED, p.Services.A, street="Dorpsstraat", number="12",
                    place="Zuidbroek", reporter="J.", text="Man onwel, ademt moeizaam."),
        p.Emergency(p.Incident.CO, p.Services.B | p.Services.A, landmark="flat naast de kerk",
                    callback=p.Callback.TEL, callback_number="06 12345678"),
        p.Emergency(p.Incident.BRA, p.Services.B, street="Kerkstraat", number="3",
                    postcode="1234 AB", place="Ammerzoden"),
    ]  # fmt: skip
    rows = []
    for i, body in enumerate(reports, start=1):
        env = p.Envelope(NSP.key_id, 100 + i, 510_000, body, p.Priority.P1)
        clear = len(p.encode(env, NSP))
        sealed = len(p.encode(seal(env, NSP, seal_to), NSP))
        rows.append((clear, sealed))
    clear_ms = sum(_airtime(c) for c, _ in rows)
    sealed_ms = sum(_airtime(s) for _, s in rows)
    extra = [s - c for c, s in rows]
    print(f"{len(rows)} emergency reports, bytes clear -> sealed: "
          + ", ".join(f"{c}->{s}" for c, s in rows))  # fmt: skip
    print(f"  sealed overhead: {min(extra)}..{max(extra)} bytes (16 MAC + flags + field header,"
          " +/- compression of the text split in two)")  # fmt: skip
    print(
        f"  LONG_FAST airtime clear {clear_ms:.0f} ms, sealed {sealed_ms:.0f} ms: ratio "
        f"{sealed_ms / clear_ms:.3f}; all fit one frame: {all(s <= p.MAX_FRAME for _, s in rows)}"
    )
    for name, more in (
        ("anonymous sealed box (32 ephemeral + 16 MAC)", 32 + 16),
        ("explicit random nonce (24 + 16 MAC)", 24 + 16),
    ):
        alt = sum(_frames_airtime(c + more + 3) for c, _ in rows)
        print(f"  alternative {name}: {alt:.0f} ms, ratio to ours {alt / sealed_ms:.3f}")
    lf = preset("LONG_FAST")
    pki = sum(2 * packet_airtime_ms(c, lf, pki=True) for c, _ in rows)  # one DM per CP, 2 CPs
    print(
        f"  alternative Meshtastic PKI DM to each of 2 CPs: {pki:.0f} ms (+12 B each), "
        f"ratio to ours {pki / sealed_ms:.2f} (and relays could not take custody)"
    )


def roster_update() -> None:
    sites = tuple(
        SiteEntry(f"NSP Dorpshuis {i:02d}", ("nsp", "cp", "relay")[i % 3],
                  p.Identity(bytes([i]) * 32).public_key, 0x1000 + i)
        for i in range(60)
    )  # fmt: skip
    doc = RosterDoc("VR01", 7, 510_000, sites, sites[:0], b"\x01" * 32).sign(REGION)
    payload = doc.signed()
    env = p.Envelope(CP.key_id, 1, 0, p.RosterUpdate(payload), p.Priority.P2, p.ALL_NSPS)
    frames = p.to_frames(p.encode(env, CP))
    ms = sum(_airtime(len(f)) for f in frames)
    one_frame = _airtime(p.MAX_FRAME)
    print(f"roster of 60 sites: payload {len(payload)} bytes, {len(frames)} frames, "
          f"{ms / 1000:.1f} s on LONG_FAST = {ms / one_frame:.1f} full-frame equivalents "
          f"({100 * ms / 360_000:.1f} % of one node's hourly budget)")  # fmt: skip


def _flood_hour(short: bool, duty: float, forged: bool) -> tuple[int, int, int, int]:
    """(frames, rows one row per frame wrote, rows written now, quarantined reports) for one
    hour of junk at `duty` through a CP's real engine, driver and journal."""
    from nsplink.app.driver import EngineDriver, Persist, run_now
    from nsplink.app.journal import Journal
    from nsplink.radio.base import Received
    from nsplink.store import events as ev

    corpus = real_frames()
    rng = random.Random(18)
    clock = [T0]
    ring = make_roster()
    eng = SiteEngine(CP, ring, EngineConfig(role="cp"), rng=random.Random(1), now=T0)
    journal = Journal("cp", eng, ring, None, lambda: clock[0])  # type: ignore[arg-type]
    driver = EngineDriver(eng, journal, lambda: clock[0])
    rows: collections.Counter[str] = collections.Counter()
    frames = rejected = 0

    def keep(request: object) -> None:
        if isinstance(request, Persist):
            rows.update(e.kind for e in request.events)

    def count(effect: object) -> None:
        nonlocal rejected
        rejected += isinstance(effect, p.Rejected)

    driver.observe = count
    while clock[0] < T0 + 3600:
        frame = rng.randbytes(8) if short else mutated(rng, corpus)[:231] or b"\x10"
        node = 0x200 + (frames if forged else 0)
        packet = Received(from_node=node, to_node=0xFFFFFFFF, payload=frame, packet_id=1)
        run_now(driver.carry_out(driver.on_radio(packet, clock[0])), keep)
        frames += 1
        clock[0] += _airtime(len(frame)) / 1000 / duty
    rows.update(e.kind for e in journal.rejects_flushed())
    quarantined = rows[ev.MESSAGE_QUARANTINED]
    after = rows[ev.MESSAGE_REJECTED] + rows[ev.REJECTS_COUNTED]
    return frames, rejected - quarantined, after, quarantined


def junk_flood_rows() -> None:
    from nsplink.app.rejects import FULL_PER_MINUTE

    print(f"junk flood, one hour, LONG_FAST (rows a CP's log gains; cap {FULL_PER_MINUTE} full "
          "rows/min + 1 count row):")  # fmt: skip
    print(f"  {'junk':<16} {'duty':>5} {'senders':<14} {'frames':>7} {'before (1/frame)':>17} "
          f"{'after':>6} {'quarantined':>12}")  # fmt: skip
    for short, duty, forged in itertools.product((False, True), (0.10, 1.0), (False, True)):
        frames, before, after, quarantined = _flood_hour(short, duty, forged)
        what = "random 8 bytes" if short else "mutated frames"
        who = "forged/frame" if forged else "one node"
        print(f"  {what:<16} {duty:>5.0%} {who:<14} {frames:>7,} {before:>17,} {after:>6,} "
              f"{quarantined:>12,}")  # fmt: skip
    print("  (quarantined: mangled but readable reports of an unknown key, 2 rows each, kept by"
          " design for the CP; not capped)")  # fmt: skip


def main() -> None:
    fuzz()
    print()
    sealing()
    print()
    roster_update()
    print()
    junk_flood_rows()


if __name__ == "__main__":
    main()

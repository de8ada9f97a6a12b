"""Codec benchmark: bytes on air vs LXMF and Meshtastic text, our overhead, compression options
on held-out Dutch messages, the share that fits one frame, and encode/decode/sign/verify rates.

Prints figures and ratios against references measured in the same run; asserts nothing.
On-air sizes:
- nsplink and Meshtastic text: the whole LoRa payload = 16-byte Meshtastic header + the `Data`
  protobuf (portnum, payload, and the bitfield the firmware adds to every packet it originates).
- LXMF: the raw Reticulum packet of an opportunistic LXMessage between two local identities,
  as an RNode would send it (the issue's reference figures 403/323/291 count it this way); it
  exceeds Meshtastic's 233-byte payload, so over Meshtastic it would not fit one packet at all.
"""

from __future__ import annotations

import functools
import random
import statistics
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from meshtastic.protobuf import mesh_pb2, portnums_pb2

from benchmarks.codec_corpus import heldout_set, messages, train_set
from benchmarks.codec_corpus.dictbuild import build, joined_text
from benchmarks.codec_corpus.heldout import handwritten
from benchmarks.codec_corpus.stress import stress_set
from nsplink import protocol as p
from nsplink.protocol import (
    Body,
    body_message,
    compress_texts,
    dictionary,
    encode_body,
    get_varint,
    textcoder,
)
from nsplink.radio.base import DEFAULT_PORTNUM

SITREP_200 = (
    "Aggregaat loopt, nog 40 liter diesel. Veel vragen over drinkwater en medicijnen. Waterdruk"
    " in de flats aan de Julianastraat is weg. Eén oudere vrouw naar de huisarts gebracht."
    " Wissel om 18:00 uur. Oké"
)
EMERGENCY_120 = (
    "Kerkstraat 12a, Ammerzoden. Vrouw van 84 gevallen op de trap in het donker, kan niet staan."
    " Is aanspreekbaar, buren bij."
)
SUPPLY_80 = "diesel voor aggregaat. Nog brandstof voor 3 uur, daarna geen licht en geen café."
NSP = p.Identity(bytes(range(32)))
CP = p.Identity(bytes(range(100, 132)))
SEQ = 1234  # a realistic sequence number a day into the outage (2-byte varint)
NOW_MIN = 520_000
LXMF_REFERENCE = (403, 323, 291)  # the issue's LXMF packets for the three, measured like ours


def _three() -> list[tuple[str, str, Body]]:
    em_text = EMERGENCY_120.removeprefix("Kerkstraat 12a, Ammerzoden. ")
    return [
        ("sitrep 200 chars", SITREP_200, p.Sitrep(
            p.NspState.OPEN, p.Power.AGG, 6, 1, 7, 140, fuel_l=40,
            observations=(p.Observation.WATERDRUK,), needs=(p.Category.WATER,), text=SITREP_200)),
        ("emergency 120 chars", EMERGENCY_120, p.Emergency(
            p.Incident.LET, p.Services.A, 1, life_threat=p.Answer.NEE, conscious=p.Answer.JA,
            street="Kerkstraat", number="12a", place="Ammerzoden", text=em_text)),
        ("supply 80 chars", SUPPLY_80, p.Supply(
            p.Category.BRST, 3, p.Unit.JC, p.Urgency.DIRECT, item="diesel voor aggregaat",
            text=SUPPLY_80.removeprefix("diesel voor aggregaat. "))),
    ]  # fmt: skip


def _frame(body: Body, sender: p.Identity = NSP, seq: int = SEQ) -> bytes:
    dest = p.ALL_NSPS if isinstance(body, p.Bulletin) else p.ALL_CPS
    env = p.Envelope(sender.key_id, seq, NOW_MIN, body, p.suggested_priority(body), dest)
    return p.encode(env, sender)


def on_air(payload: bytes, portnum: int) -> int:
    data = mesh_pb2.Data(portnum=portnum, payload=payload, bitfield=0)  # type: ignore[arg-type]
    return 16 + data.ByteSize()


def lxmf_packet_sizes(contents: list[str]) -> list[tuple[int, int]]:
    """(LXMF packed size, raw RNS packet size) for each content, Reticulum offline."""
    import LXMF
    import RNS

    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "config").write_text(
            "[reticulum]\n  enable_transport = False\n  share_instance = No\n\n"
            "[logging]\n  loglevel = 0\n\n[interfaces]\n"
        )
        RNS.Reticulum(configdir=tmp, loglevel=0)
        a, b = RNS.Identity(), RNS.Identity()
        src = RNS.Destination(a, RNS.Destination.IN, RNS.Destination.SINGLE, "lxmf", "delivery")
        dst = RNS.Destination(b, RNS.Destination.OUT, RNS.Destination.SINGLE, "lxmf", "delivery")
        out = []
        for content in contents:
            msg = LXMF.LXMessage(dst, src, content, title="",
                                 desired_method=LXMF.LXMessage.OPPORTUNISTIC)  # fmt: skip
            msg.pack()
            packet = RNS.Packet(dst, msg.packed[LXMF.LXMessage.DESTINATION_LENGTH :])
            packet.pack()
            out.append((len(msg.packed), len(packet.raw)))
        return out


@functools.cache
def _lxmf_three() -> tuple[tuple[int, int], ...]:
    """(packed, raw packet) LXMF sizes of the three reference contents, measured once per run
    (Reticulum starts once per process); the issue's reference figures if it cannot run."""
    try:
        return tuple(lxmf_packet_sizes([c for _, c, _ in _three()]))
    except Exception as exc:  # Reticulum missing or failing must not hide our own figures
        print(f"   LXMF unavailable ({type(exc).__name__}: {exc}): the issue's figures instead")
        return tuple((0, raw) for raw in LXMF_REFERENCE)


def section_on_air() -> None:
    print("\n-- bytes on air (LoRa payload), same content in three systems --")
    three = _three()
    lxmf = _lxmf_three()
    print(f"   {'content':<22}{'nsplink':>8}{'LXMF':>7}{'ratio':>7}{'mesh txt':>9}{'ratio':>7}"
          f"{'frame':>7}{'overhead':>9}")  # fmt: skip
    for (name, content, body), (lx_packed, lx_raw) in zip(three, lxmf, strict=True):
        frame = _frame(body)
        ours = on_air(frame, DEFAULT_PORTNUM)
        mesh = on_air(content.encode(), portnums_pb2.TEXT_MESSAGE_APP)
        overhead = len(frame) - len(compress_texts(body.texts()))
        lx_ratio = f"{ours / lx_raw:.2f}" if lx_raw else "n/a"
        print(f"   {name:<22}{ours:>8}{lx_raw:>7}{lx_ratio:>7}{mesh:>9}{ours / mesh:>7.2f}"
              f"{len(frame):>7}{overhead:>9}")  # fmt: skip
        coded = len(encode_body(body))
        packs = f"; LXMF packs {lx_packed - len(content.encode())} bytes around the content"
        print(f"   {'':<22}overhead = header {overhead - coded - p.SIGNATURE_LEN} + signature"
              f" {p.SIGNATURE_LEN} + coded fields {coded}{packs if lx_packed else ''}")  # fmt: skip
    print(
        "   reference (issue 3): LXMF 403/323/291, Meshtastic text 225/142/103;"
        " targets: nsplink <= 0.5 x LXMF, sitrep < Meshtastic text, overhead <= 80"
    )
    print("   (Meshtastic text is unsigned and has no codes; nsplink frames are Ed25519-signed)")


def section_compression() -> None:
    print("\n-- text section bytes per message (mean), held-out sets --")
    generated = [joined_text(b) for k in ("emergency", "sitrep", "supply", "bulletin")
                 for b in messages(k, 250, 1001)]  # fmt: skip
    hand = [joined_text(b) for b in handwritten()]
    train = [joined_text(b) for b in train_set()]

    def deflate(zdict: bytes | None) -> Callable[[str], int]:
        def size(text: str) -> int:
            c = (zlib.compressobj(9, zlib.DEFLATED, -15, 9, 0, zdict) if zdict
                 else zlib.compressobj(9, zlib.DEFLATED, -15, 9))  # fmt: skip
            return len(c.compress(text.encode()) + c.flush())

        return size

    shipped = dictionary(p.CURRENT_DICT)
    options: list[tuple[str, Callable[[str], int]]] = [
        ("raw UTF-8 (reference)", lambda s: len(s.encode())),
        ("deflate, no dictionary", deflate(None)),
        ("deflate each field alone + dict",
         lambda s: sum(deflate(shipped)(f) for f in s.split("\0"))),
        ("deflate joint + 4 KiB dict", deflate(build(train, 4096))),
        ("deflate joint + 8 KiB dict", deflate(build(train, 8192))),
        ("deflate joint + 32 KiB dict (SHIPPED)", deflate(shipped)),
    ]  # fmt: skip
    try:
        import zstandard

        samples = [t.encode() for t in train]
        for size in (4096, 32768):
            zd = zstandard.train_dictionary(size, samples, level=19)
            params = zstandard.ZstdCompressionParameters.from_level(
                19, format=zstandard.FORMAT_ZSTD1_MAGICLESS, write_checksum=0,
                write_content_size=0, write_dict_id=0)  # fmt: skip
            zc = zstandard.ZstdCompressor(dict_data=zd, compression_params=params)
            options.append((f"zstd magicless + trained {size // 1024} KiB dict",
                            lambda s, zc=zc: len(zc.compress(s.encode()))))  # fmt: skip
    except ImportError:
        print("   (zstandard not installed: pip install -e '.[bench]' to compare zstd)")
    raw_gen = statistics.mean(len(s.encode()) for s in generated)
    raw_hand = statistics.mean(len(s.encode()) for s in hand)
    print(f"   {'option':<40}{'generated':>10}{'ratio':>7}{'handwritten':>12}{'ratio':>7}")
    for name, fn in options:
        g = statistics.mean(fn(s) for s in generated)
        h = statistics.mean(fn(s) for s in hand)
        print(f"   {name:<40}{g:>10.1f}{g / raw_gen:>7.2f}{h:>12.1f}{h / raw_hand:>7.2f}")
    print(
        f"   ({len(generated)} generated held-out messages from other seeds, {len(hand)}"
        " hand-written ones sharing no sentence with the training corpus)"
    )


def section_fit() -> None:
    print("\n-- held-out messages with <= 200 characters of free text: one frame? --")
    rows: dict[str, list[int]] = {}
    overheads: dict[str, list[int]] = {}
    coded: dict[str, list[tuple[int, int]]] = {}
    for body in heldout_set():
        chars = sum(len(t) for t in body.texts())
        if chars > 200:
            continue
        frame = _frame(body, CP if isinstance(body, p.Bulletin) else NSP)
        kind = body.TYPE.value
        rows.setdefault(kind, []).append(len(frame))
        overheads.setdefault(kind, []).append(len(frame) - len(compress_texts(body.texts())))
        pb_msg = body_message(body)
        coded.setdefault(kind, []).append((len(encode_body(body)), pb_msg.ByteSize()))
    total = sum(len(v) for v in rows.values())
    fit = sum(1 for v in rows.values() for n in v if n <= p.MAX_FRAME)
    for kind, sizes in sorted(rows.items()):
        ok = sum(1 for n in sizes if n <= p.MAX_FRAME)
        print(f"   {kind:<10} n={len(sizes):<4} fit {ok / len(sizes):6.1%}   frame bytes"
              f" mean {statistics.mean(sizes):5.1f}  max {max(sizes)}")  # fmt: skip
    print(f"   ALL        n={total:<4} fit {fit / total:6.1%} of frames <= {p.MAX_FRAME} bytes"
          " (target 100%)")  # fmt: skip
    hand = [_frame(b, CP if isinstance(b, p.Bulletin) else NSP) for b in handwritten()]
    hand_fit = sum(1 for f in hand if len(f) <= p.MAX_FRAME)
    print(
        f"   hand-written held-out alone (all lengths): {hand_fit}/{len(hand)} fit,"
        f" frame bytes mean {statistics.mean(map(len, hand)):.1f} max {max(map(len, hand))}"
    )
    rng = random.Random(5)
    noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz     ,.0123456789") for _ in range(200))
    worst = _frame(p.Sitrep(p.NspState.OPEN, p.Power.AGG, 6, 1, 7, 140, text=noise))
    print(
        f"   worst case, 200 characters of random letters (not Dutch): frame {len(worst)} bytes"
        f" ({'fits' if len(worst) <= p.MAX_FRAME else 'needs fragments'})"
    )
    print("   our overhead (frame minus compressed text), target <= 80 bytes:")
    every = [o for v in overheads.values() for o in v]
    for kind, v in [*sorted(overheads.items()), ("ALL", every)]:
        share = sum(1 for o in v if o <= 80) / len(v)
        print(f"   {kind:<10} mean {statistics.mean(v):5.1f}  max {max(v):3}  <= 80: {share:6.1%}")
    print("   coded fields, packed (bitpack.py) vs protobuf wire format of the same message:")
    for kind, pairs in sorted(coded.items()):
        packed = statistics.mean(a for a, _ in pairs)
        proto = statistics.mean(b for _, b in pairs)
        print(f"   {kind:<10} {packed:5.1f} vs {proto:5.1f} bytes   ratio {packed / proto:.2f}")


def _rate(fn: Callable[[], object], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return n / (time.perf_counter() - t0)


def section_rates() -> None:
    import nacl.signing

    print("\n-- rates (messages/s, one core) --")
    body = _three()[0][2]
    env = p.Envelope(NSP.key_id, SEQ, NOW_MIN, body, p.Priority.P3)
    frame = p.encode(env, NSP)
    ring = p.KeyRing([p.PeerKey("NSP", "nsp", NSP.public_key)])
    sk = nacl.signing.SigningKey(bytes(range(32)))
    vk = sk.verify_key
    sig = sk.sign(frame[:-64]).signature
    n = 2000
    enc = _rate(lambda: p.encode(env, NSP), n)
    dec = _rate(lambda: p.decode(frame, ring), n)
    sign = _rate(lambda: sk.sign(frame[:-64]), n)
    verify = _rate(lambda: vk.verify(frame[:-64], sig), n)
    frames = p.to_frames(_frame(p.Bulletin("Kop", " ".join(str(i) for i in range(1400)), 1, "VR"),
                                CP, 1))  # fmt: skip
    ring.add(p.PeerKey("CP", "cp", CP.public_key))

    def reassemble() -> None:
        rx = p.Receiver(ring)
        for f in frames:
            rx.receive(f, 0.0)

    frag = _rate(reassemble, 300)
    for name, ours, ref_name, ref in (
        ("encode+sign", enc, "raw Ed25519 sign", sign),
        ("decode+verify", dec, "raw Ed25519 verify", verify),
    ):
        print(f"   {name:<14}{ours:9.0f}/s   {ref_name:<19}{ref:9.0f}/s   ratio {ours / ref:.2f}")
    print(f"   receive+reassemble+verify a {len(frames)}-fragment bulletin: {frag:.0f}/s")


def section_text_coders() -> None:
    """Issue 24: our primed context model (textcoder.py, coder 2) vs deflate + dictionary and
    PPMd, on the 152 hand-written stress-set messages only (benchmarks/codec_corpus/stress.py),
    which the training text never saw and nothing was tuned on."""
    print("\n-- text coders on the hand-written stress set (issue 24) --")
    texts = [joined_text(b).encode() for b in stress_set()]
    hand = [joined_text(b).encode() for b in handwritten()]
    t0 = time.perf_counter()
    textcoder.Model(textcoder.training_text(textcoder.CURRENT_MODEL))
    prime = time.perf_counter() - t0
    textcoder.model()
    t0 = time.perf_counter()
    for raw in texts:
        textcoder.encode_text(raw)
    cold = time.perf_counter() - t0

    def deflate(raw: bytes) -> bytes:
        return compress_texts((raw.decode(),))

    def ours(raw: bytes) -> bytes:
        return compress_texts((raw.decode(),), p.CONTEXT_CODER)

    options: list[tuple[str, Callable[[bytes], bytes]]] = [
        ("deflate + 32 KiB dict (coder 1, SHIPPED)", deflate),
        (f"context model o{textcoder.ORDER} (coder 2, ours)", ours),
        ("smaller of coder 1 and 2 per message", lambda r: min(deflate(r), ours(r), key=len)),
    ]
    ppmd = _ppmd()
    if ppmd is not None:
        shipped = dictionary(p.CURRENT_DICT)
        natural = ppmd.natural_primer()
        for order in (4, 6, 8):
            options.append((f"PPMd o{order}, primer = 32 KiB dict",
                            lambda r, o=order: ppmd.encode(r, shipped, o)))  # fmt: skip
        options += [
            ("PPMd o6, primer = 32 KiB natural", lambda r: ppmd.encode(r, natural[-32768:])),
            ("PPMd o8, primer = 200 KB natural", lambda r: ppmd.encode(r, natural, 8)),
        ]  # fmt: skip
    raw_s = statistics.mean(map(len, texts))
    raw_h = statistics.mean(map(len, hand))
    print(f"   {'option (incl. end mark and flush)':<44}{'stress':>7}{'ratio':>7}{'hand34':>8}"
          f"{'ratio':>7}")  # fmt: skip
    for name, fn in options:
        st = statistics.mean(len(fn(t)) for t in texts)
        hd = statistics.mean(len(fn(t)) for t in hand)
        print(f"   {name:<44}{st:>7.1f}{st / raw_s:>7.3f}{hd:>8.1f}{hd / raw_h:>7.3f}")
    print(f"   ({len(texts)} stress-set messages, mean {raw_s:.1f} bytes of UTF-8; target <= 0.40;"
          " hand34 chose the coder's 3 constants, the stress set chose nothing)")  # fmt: skip
    size = len(textcoder.training_text(textcoder.CURRENT_MODEL))
    print(f"   coder 2 priming: {prime:.2f} s to count {size} bytes of training text (once per"
          f" process), then {cold:.2f} s of table building spread over the first"
          f" {len(texts)} messages")  # fmt: skip
    _text_rates(texts, ppmd)
    _stress_on_air()


def _ppmd() -> ModuleType | None:
    try:
        import pyppmd  # noqa: F401

        from benchmarks.codec_corpus import ppmd
    except ImportError:
        print("   (pyppmd not installed: pip install -e '.[bench]' to compare PPMd)")
        return None
    return ppmd


def _text_rates(texts: list[bytes], ppmd: ModuleType | None) -> None:
    """Messages/s on one core over the whole stress set (warm: the model is primed)."""
    fields = [tuple(t.decode().split(p.SEPARATOR)) for t in texts]
    blobs1 = [compress_texts(f) for f in fields]
    blobs2 = [compress_texts(f, p.CONTEXT_CODER) for f in fields]

    def per_s(fn: Callable[[int], object], rounds: int) -> float:
        return _rate(lambda: [fn(i) for i in range(len(texts))], rounds) * len(texts)

    rows = [
        ("encode", per_s(lambda i: compress_texts(fields[i]), 20),
         per_s(lambda i: compress_texts(fields[i], p.CONTEXT_CODER), 5)),
        ("decode", per_s(lambda i: p.decompress_texts(blobs1[i], len(fields[i])), 20),
         per_s(lambda i: p.decompress_texts(blobs2[i], len(fields[i]), p.CONTEXT_CODER), 5)),
    ]  # fmt: skip
    for name, d_rate, c_rate in rows:
        print(f"   text {name:<7} deflate {d_rate:9.0f}/s   coder 2 {c_rate:7.0f}/s   (target"
              " > 1,000/s, one core, mean stress-set message)")  # fmt: skip
    if ppmd is not None:
        shipped = dictionary(p.CURRENT_DICT)
        sample = texts[0]
        payload = ppmd.encode(sample, shipped)
        assert ppmd.decode(payload, shipped) == sample  # the bench's own round trip
        enc = _rate(lambda: ppmd.encode(sample, shipped), 50)
        dec = _rate(lambda: ppmd.decode(payload, shipped), 50)
        print(f"   PPMd o6: encode {enc:.0f}/s, decode {dec:.0f}/s (re-primes 32 KiB each time);"
              f" its decoder starved of input: {ppmd.starve_in_child()}")  # fmt: skip


def _stress_on_air() -> None:
    """Bytes on air for the three reference messages, and one-frame fits on the stress set."""
    three = _three()
    lxmf = [raw for _, raw in _lxmf_three()]
    print(f"   on air  {'content':<22}{'coder 1':>8}{'coder 2':>8}{'LXMF':>6}{'ratio 1':>8}"
          f"{'ratio 2':>8}{'mesh txt':>9}{'ratio 2':>8}   (targets <= 0.35 x LXMF,"
          " sitrep <= 0.6 x mesh)")  # fmt: skip
    for (name, content, body), lx in zip(three, lxmf, strict=True):
        dest = p.ALL_CPS
        env = p.Envelope(NSP.key_id, SEQ, NOW_MIN, body, p.suggested_priority(body), dest)
        old, new = (on_air(p.encode(env, NSP, version=v), DEFAULT_PORTNUM)
                    for v in (p.FORMAT_VERSION, p.FORMAT_V3))  # fmt: skip
        mesh = on_air(content.encode(), portnums_pb2.TEXT_MESSAGE_APP)
        r1, r2 = (f"{n / lx:.2f}" if lx else "n/a" for n in (old, new))
        print(f"           {name:<22}{old:>8}{new:>8}{lx:>6}{r1:>8}{r2:>8}{mesh:>9}"
              f"{new / mesh:>8.2f}")  # fmt: skip
    seal_key = p.seal_public_key(bytes(range(50, 82)))
    sizes: dict[str, list[int]] = {"coder 1": [], "coder 2": []}
    for body in stress_set():
        if sum(len(t) for t in body.texts()) > 280:
            continue
        sender = CP if isinstance(body, p.Bulletin) else NSP
        dest = p.ALL_NSPS if isinstance(body, p.Bulletin) else p.ALL_CPS
        env = p.Envelope(sender.key_id, SEQ, NOW_MIN, body, p.suggested_priority(body), dest)
        for name, coders in (("coder 1", ()), ("coder 2", (p.CONTEXT_CODER,))):
            # emergency reports travel sealed; the sealed fields may use coder 2 as well
            sealed = p.seal(env, sender, seal_key, coders=coders)
            version = p.FORMAT_V3 if coders else p.FORMAT_VERSION
            sizes[name].append(len(p.encode(sealed, sender, version=version)))
    n = len(sizes["coder 1"])
    print(f"   stress-set messages with <= 280 characters of text (emergencies sealed): {n};"
          " in one frame: " + ", ".join(
              f"{k} {sum(f <= p.MAX_FRAME for f in v)}/{n}"
              f" (mean {statistics.mean(v):.1f}, max {max(v)} bytes)"
              for k, v in sizes.items()))  # fmt: skip


def _member_sizes(bundle: bytes) -> list[int]:
    """Each member's own bytes in a bundle: its length varint and the member (codec.py)."""
    pos, end, out = 2 + p.KEY_ID_LEN, len(bundle) - p.SIGNATURE_LEN, []
    while pos < end:
        n, after = get_varint(bundle, pos)
        out.append(after - pos + (n >> 1))
        pos = after + (n >> 1)
    return out


def _per_message(envs: list[p.Envelope]) -> float | None:
    """On-air bytes of the first of `envs` when all of them share one bundle: its own member
    bytes plus an equal share of what the members share (Meshtastic header, Data, the bundle's
    head and its one signature). None if they do not fit one frame."""
    bundle = p.encode_bundle(envs, NSP)
    if len(bundle) > p.MAX_FRAME:
        return None
    own = _member_sizes(bundle)
    return own[0] + (on_air(bundle, DEFAULT_PORTNUM) - sum(own)) / len(envs)


def section_per_message() -> None:
    """The decision of issue 24 in figures: every frame keeps a full Ed25519 signature, so a lone
    message carries 98 bytes before any text; in a bundle the members share them."""
    print("\n-- per message: alone vs in a bundle (format 3; one signature per frame) --")
    three = _three()
    lxmf = [raw for _, raw in _lxmf_three()]
    envs = [p.Envelope(NSP.key_id, SEQ + i, NOW_MIN, body, p.suggested_priority(body), p.ALL_CPS)
            for i, (_, _, body) in enumerate(three)]  # fmt: skip
    beacon = p.Envelope(NSP.key_id, SEQ + 9, NOW_MIN, p.Status(p.Power.AGG, 80, 12, 3, reads=3),
                        p.Priority.P4, p.EVERYONE)  # fmt: skip
    ratios = f"{'x LXMF':>7}{'x mesh':>7}"
    print(f"   {'content':<22}{'mesh txt':>9}{'LXMF':>6} |{'alone':>6}{ratios}"
          f" |{'in 2':>6}{ratios} |{'in 4':>6}{ratios}")  # fmt: skip
    for i, ((name, content, _), lx) in enumerate(zip(three, lxmf, strict=True)):
        mesh = on_air(content.encode(), portnums_pb2.TEXT_MESSAGE_APP)
        others = [envs[(i + 1) % 3], envs[(i + 2) % 3], beacon]  # what else waits at an NSP
        cells = [float(on_air(p.encode(envs[i], NSP, version=p.FORMAT_V3), DEFAULT_PORTNUM)),
                 _per_message([envs[i], others[0]]), _per_message([envs[i], *others])]  # fmt: skip
        row = "".join(f" |{'-':>6}{'':>14}" if b is None else
                      f" |{b:>6.0f}{b / lx:>7.2f}{b / mesh:>7.2f}" for b in cells)  # fmt: skip
        print(f"   {name:<22}{mesh:>9}{lx:>6}{row}")
    floor = 16 + 8 + 10 + p.SIGNATURE_LEN
    print(f"   targets: <= 0.35 x LXMF ({', '.join(str(int(0.35 * x)) for x in lxmf)} B),"
          f" sitrep <= 0.6 x Meshtastic text.\n   A lone frame carries {floor} B before any text"
          f" (Meshtastic 16, Data 8, our header 10, signature {p.SIGNATURE_LEN});")  # fmt: skip
    print("   in a bundle of N the members share the header, Data, the bundle's 5-byte head and"
          " one signature:\n   'in 2' = with the next reference message, 'in 4' = with the other"
          " two and a status beacon; each: its own bytes + 1/N of the shared ones")  # fmt: skip


def section_bundles() -> None:
    """Issue 24: messages waiting for the same CPs share one format 3 frame and one signature."""
    print("\n-- bundles: several messages in one frame, one signature (format 3, issue 24) --")
    three = _three()
    envs = [p.Envelope(NSP.key_id, SEQ + i, NOW_MIN, body, p.suggested_priority(body), p.ALL_CPS)
            for i, (_, _, body) in enumerate(three)]  # fmt: skip
    alone = [on_air(p.encode(e, NSP, version=p.FORMAT_V3), DEFAULT_PORTNUM) for e in envs]
    lxmf = [raw for _, raw in _lxmf_three()]
    print(f"   {'messages':<30}{'alone':>7}{'frames':>7}{'bundle':>7}{'frames':>7}{'ratio':>7}"
          f"{'per msg':>8}{'x LXMF':>7}")  # fmt: skip
    for pick in ((0, 2), (1, 2), (0, 1)):
        together = on_air(p.encode_bundle([envs[i] for i in pick], NSP), DEFAULT_PORTNUM)
        apart = sum(alone[i] for i in pick)
        names = " + ".join(three[i][0].split()[0] for i in pick)
        ref = sum(lxmf[i] for i in pick)
        print(f"   {names:<30}{apart:>7}{len(pick):>7}{together:>7}{1:>7}{together / apart:>7.2f}"
              f"{together / len(pick):>8.1f}{together / ref:>7.2f}")  # fmt: skip
    receipts = [p.Envelope(CP.key_id, SEQ + i, NOW_MIN,
                           p.Receipt.build(p.ReceiptKind.DELIVERY, {p.MessageId(NSP.key_id, 9 + i):
                                                                   p.State.ONTV}),
                           p.Priority.P2, p.Destination.to_site(NSP.key_id))
                for i in range(4)]  # fmt: skip
    beacon = p.Envelope(CP.key_id, SEQ + 9, NOW_MIN, p.Status(p.Power.AGG, 100, 255, 3, reads=3),
                        p.Priority.P4, p.EVERYONE)  # fmt: skip
    members = [*receipts, beacon]
    apart = sum(on_air(p.encode(e, CP, version=p.FORMAT_V3), DEFAULT_PORTNUM) for e in members)
    together = on_air(p.encode_bundle(members, CP), DEFAULT_PORTNUM)
    print(f"   4 receipts + a status beacon (CP){apart:>7}{len(members):>7}{together:>7}{1:>7}"
          f"{together / apart:>7.2f}")  # fmt: skip
    pairs = [b for b in stress_set() if not isinstance(b, p.Bulletin)]
    fit = total_apart = total_together = n = 0
    for a, b in zip(pairs[::2], pairs[1::2], strict=False):
        ea, eb = (p.Envelope(NSP.key_id, SEQ + i, NOW_MIN, body, p.suggested_priority(body),
                             p.ALL_CPS) for i, body in enumerate((a, b)))  # fmt: skip
        bundle = p.encode_bundle([ea, eb], NSP)
        n += 1
        if len(bundle) <= p.MAX_FRAME:
            fit += 1
            total_together += on_air(bundle, DEFAULT_PORTNUM)
            total_apart += sum(on_air(p.encode(e, NSP, version=p.FORMAT_V3), DEFAULT_PORTNUM)
                               for e in (ea, eb))  # fmt: skip
    print(
        f"   stress-set reports in pairs (unsealed): {fit}/{n} pairs fit one frame; those take"
        f" {total_together / max(1, total_apart):.2f} of the bytes and half the transmissions"
    )


def main() -> None:
    section_on_air()
    section_fit()
    section_compression()
    section_text_coders()
    section_bundles()
    section_per_message()
    section_rates()


if __name__ == "__main__":
    main()

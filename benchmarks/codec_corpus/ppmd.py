"""PPMd (pyppmd) as a primed text coder, measured for issue 24; NOT used by the protocol.

A primed PPMd stream for one message: the encoder first codes the primer (the shipped 32 KiB
dictionary), and the bytes it has written by then are the same for every message, so the
receiver can rebuild them; only what follows travels. The message ends in 0xFF (never in
UTF-8), which the primer can learn; the range coder's 5-byte flush is cut by 3 bytes and the
receiver pads with 0xFF (any value in [low, low + range) decodes, and range >= 2**24), and
trailing 0xFF bytes are dropped for the same reason. pyppmd cannot copy a primed model, so
both ends re-prime for every message: that, not the message, is what the rates measure.

Why it is not in nsplink/protocol: pyppmd 1.3.1 decodes on a worker thread that blocks when its
input runs out; asking such a starved decoder `needs_input` (the API's way to learn it wants more)
corrupts the heap and glibc aborts the process ("corrupted size vs. prev_size"; `python -m
benchmarks.codec_corpus.ppmd --starve` reproduces it, bench_codec runs it in a child process).
Padding the input so the decoder never starves avoids that path, but a radio frame is hostile
input and a C decoder with a known heap bug on short input is not something the receiving
daemon may depend on; nor may the sans-IO core start threads.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from functools import cache

TERM = b"\xff"
MEM = 4 << 20  # the model for 32 KiB of primer and a message stays far below this


@cache
def _head(primer: bytes, order: int) -> bytes:
    import pyppmd

    return bytes(pyppmd.Ppmd7Encoder(order, MEM).encode(primer))


def encode(raw: bytes, primer: bytes, order: int = 6) -> bytes:
    import pyppmd

    enc = pyppmd.Ppmd7Encoder(order, MEM)
    enc.encode(primer)
    out = enc.encode(raw + TERM) + enc.flush(endmark=False)
    return bytes(out[:-3]).rstrip(TERM)


def decode(payload: bytes, primer: bytes, order: int = 6, limit: int = 16384) -> bytes:
    """Decoding only well-formed payloads (the bench's own): the padding keeps the decoder from
    starving; 32 bytes per output symbol bounds what a PPMd7 symbol can consume."""
    import pyppmd

    dec = pyppmd.Ppmd7Decoder(order, MEM)
    out = dec.decode(_head(primer, order) + payload + TERM * (32 * 256), len(primer) + 256)
    text = out[len(primer) :]
    end = text.find(TERM)
    if end < 0 or len(text) > limit:
        raise ValueError("no end mark within the first 256 bytes")
    return bytes(text[:end])


def natural_primer() -> bytes:
    """The generated TRAIN split as running text, each message ended by TERM (about 200 KB)."""
    from benchmarks.codec_corpus import train_set
    from benchmarks.codec_corpus.dictbuild import joined_text

    return b"".join(joined_text(b).encode() + TERM for b in train_set())


def _starve(primer: bytes, messages: list[bytes]) -> None:
    """Decode each message with only 8 bytes of padding, so the decoder runs out of input
    (the encoder of the message stays alive meanwhile, as in a site that sends and receives)."""
    import pyppmd

    head = _head(primer, 6)
    for i, raw in enumerate(messages):
        enc = pyppmd.Ppmd7Encoder(6, MEM)
        enc.encode(primer)
        payload = (enc.encode(raw + TERM) + enc.flush(endmark=False))[:-3].rstrip(TERM)
        dec = pyppmd.Ppmd7Decoder(6, MEM)
        out = dec.decode(head + payload + TERM * 8, len(primer) + 300)
        print(i, len(out), dec.needs_input, flush=True)


def starve_in_child() -> str:
    """Run `_starve` over the held-out set in a child process; how that child ended."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.codec_corpus.ppmd", "--starve"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    done = len(proc.stdout.splitlines())
    if proc.returncode == 0:
        return f"no crash in {done} starved decodes"
    last = (proc.stderr.strip().splitlines() or ["?"])[0]
    return f"child died (exit {proc.returncode}, {last!r}) after {done} starved decodes"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--starve", action="store_true")
    args = ap.parse_args(argv)
    if args.starve:
        from benchmarks.codec_corpus.dictbuild import joined_text
        from benchmarks.codec_corpus.stress import stress_set

        _starve(natural_primer(), [joined_text(b).encode() for b in stress_set()])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

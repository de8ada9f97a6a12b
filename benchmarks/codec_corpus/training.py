"""Build the context coder's training text, nsplink/protocol/data/train-v1.bin (issue 24).

    python -m benchmarks.codec_corpus.training [--out PATH]

Two parts, both our own text: messages written by hand for training in the telegram style
volunteers type under stress (`training_hand.txt`, one message a line, fields separated by
"|"), and the generated TRAIN split of the corpus (`train_set`). Each message is its text
fields joined by NUL, as compress.py joins them, ended by 0xFF. The held-out stress set
(stress.py) and the hand-written held-out set (heldout.py) are never part of it
(tests/protocol/test_textcoder.py checks). Deterministic: the same sources give the same bytes;
the shipped file's SHA-256 is pinned in nsplink/protocol/textcoder.py.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from benchmarks.codec_corpus import train_set
from benchmarks.codec_corpus.dictbuild import joined_text
from nsplink.protocol import SEPARATOR

END = b"\xff"
HAND = Path(__file__).with_name("training_hand.txt")
OUT = Path(__file__).parents[2] / "nsplink" / "protocol" / "data" / "train-v1.bin"


def hand_messages() -> list[str]:
    lines = HAND.read_text(encoding="utf-8").splitlines()
    return [line.replace("|", SEPARATOR).rstrip(SEPARATOR) for line in lines if line.strip()]


def build() -> bytes:
    texts = [joined_text(b) for b in train_set()] + hand_messages()
    return b"".join(t.encode("utf-8") + END for t in texts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    data = build()
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()

"""Build the raw-deflate preset dictionary from the TRAIN split of the corpus.

    python -m benchmarks.codec_corpus.dictbuild [--size 4096] [--out PATH]

Greedy: word n-grams scored by (documents containing it - 1) * (bytes - 2), skipping ones already
inside a chosen string; the most valuable strings go LAST, because deflate codes nearer matches
with fewer bits. Deterministic: the same corpus gives the same bytes (the shipped file's SHA-256
is pinned in nsplink/protocol/compress.py).
"""

from __future__ import annotations

import argparse
import hashlib
import re
from collections import Counter
from pathlib import Path

from benchmarks.codec_corpus import train_set
from nsplink.protocol import SEPARATOR, Body

DEFAULT_SIZE = 32768  # deflate window: the largest that helps; measured in bench_codec
_WORDS = re.compile(r"\S+")


def joined_text(body: Body) -> str:
    """The exact string compress_texts() deflates for this body."""
    fields = list(body.texts())
    while fields and not fields[-1]:
        fields.pop()
    return SEPARATOR.join(fields)


def build(samples: list[str], size: int = DEFAULT_SIZE, max_n: int = 6) -> bytes:
    df: Counter[str] = Counter()
    for text in samples:
        seen: set[str] = set()
        for field in text.split(SEPARATOR):
            words = _WORDS.findall(field)
            for n in range(1, max_n + 1):
                for i in range(len(words) - n + 1):
                    gram = " ".join(words[i : i + n])
                    seen.add(gram + " ")
                    if i == 0:
                        seen.add(gram)  # a whole short field, e.g. a street name
        df.update(seen)
    scored = sorted(
        ((c - 1) * (len(g.encode()) - 2), g) for g, c in df.items() if c > 1 and len(g) > 3
    )
    chosen: list[str] = []
    used = 0
    haystack = ""
    for score, gram in reversed(scored):
        if score <= 0:
            break
        if gram in haystack:
            continue
        blen = len(gram.encode())
        if used + blen > size:
            continue
        chosen.append(gram)
        haystack += gram + "\x01"
        used += blen
    # most valuable last: nearest to the data, so cheapest to reference
    return "".join(reversed(chosen)).encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--size", type=int, default=DEFAULT_SIZE)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    data = build([joined_text(b) for b in train_set()], args.size)
    print(f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    if args.out:
        args.out.write_bytes(data)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

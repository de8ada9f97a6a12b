"""Compression of a message's text fields: all of them together, raw deflate, preset dictionary.

Why this choice (figures in `make bench`, bench_codec): short Dutch fields compress badly alone,
so every text field of a message goes into ONE blob, fields separated by NUL. Raw deflate
(no zlib header or checksum: the signature already protects the bytes) with a preset dictionary
built from our own corpus of realistic reports beat zstd with a trained dictionary on the
held-out set for texts of up to a few hundred characters, and it is in the standard library.

Dictionaries are versioned data files in the package; the frame header names the version, so a
site with an older release rejects a newer dictionary (`UnknownDictionary`) instead of misreading.
Each file's SHA-256 is pinned here: a changed file without a new version number fails loudly.

The same nibble names the other text coder: CONTEXT_CODER (2) is the primed context model of
textcoder.py (issue 24), about a third smaller on hand-written Dutch. A site that does not
know a coder id rejects the frame with `UnknownDictionary`, so a sender may use coder 2 only for
recipients that read it (`smallest_texts` picks among the coders the caller allows).
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterable

from nsplink.protocol.datafiles import pinned_data
from nsplink.protocol.errors import FrameTooLarge, MalformedFrame, UnknownDictionary
from nsplink.protocol.messages import MAX_TEXT_BYTES
from nsplink.protocol.textcoder import decode_text, encode_text

SEPARATOR = "\x00"
CURRENT_DICT = 1
# version -> (file in nsplink/protocol/data, sha256 of its bytes)
DICTIONARIES: dict[int, tuple[str, str]] = {
    1: ("dict-v1.bin", "fa5f698db7c4241ec70c1f3166cca35ad5769d93d522b1ddf484ef8fa279ed32"),
}
CONTEXT_CODER = 2
# coder id (the nibble) -> textcoder model version; ids never overlap DICTIONARIES
CONTEXT_CODERS: dict[int, int] = {CONTEXT_CODER: 1}
TEXT_CODERS = frozenset(DICTIONARIES) | frozenset(CONTEXT_CODERS)


@functools.cache
def dictionary(version: int) -> bytes:
    """The preset dictionary bytes of `version` (read once from package data, then cached)."""
    entry = DICTIONARIES.get(version)
    if entry is None:
        raise UnknownDictionary(str(version), version=version)
    return pinned_data(*entry)


def joined(texts: tuple[str, ...]) -> bytes:
    """The text fields as one blob: trailing empty ones dropped, the rest joined by NUL."""
    fields = list(texts)
    while fields and not fields[-1]:
        fields.pop()
    return SEPARATOR.join(fields).encode("utf-8")


def compress_texts(texts: tuple[str, ...], version: int = CURRENT_DICT) -> bytes:
    """Join the text fields (trailing empty ones dropped) and code them with coder `version`
    (a deflate dictionary or CONTEXT_CODER); b"" if all are empty."""
    raw = joined(texts)
    if not raw:
        return b""
    model = CONTEXT_CODERS.get(version)
    if model is not None:
        return encode_text(raw, model)
    comp = _primed(version).copy()  # 3x faster than loading the 32 KiB dictionary each time
    return comp.compress(raw) + comp.flush()


def smallest_texts(texts: tuple[str, ...], coders: Iterable[int]) -> tuple[int, bytes]:
    """(coder, coded text) of the coder among `coders` that codes `texts` smallest; a tie goes
    to the one listed first (list the one every site reads first)."""
    best: tuple[int, bytes] | None = None
    for coder in coders:
        blob = compress_texts(texts, coder)
        if best is None or len(blob) < len(best[1]):
            best = (coder, blob)
    if best is None:
        raise ValueError("no text coder to choose from")
    return best


@functools.cache
def _primed(version: int) -> zlib._Compress:
    """A compressor with the dictionary loaded; never used itself, only copied."""
    return zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, dictionary(version))


def decompress_texts(blob: bytes, n_fields: int, version: int = CURRENT_DICT) -> tuple[str, ...]:
    """Inverse of `compress_texts`: exactly `n_fields` strings; `blob` must be nothing else."""
    if not blob:
        return ("",) * n_fields
    texts, rest = inflate_texts(blob, n_fields, version)
    if rest:
        raise MalformedFrame("bytes after the end of the text section")
    return texts


def inflate_texts(data: bytes, n_fields: int, version: int) -> tuple[tuple[str, ...], bytes]:
    """Decode the text section at the start of `data`; returns the fields and the bytes after
    it (both coders mark their own end, so the frame needs no length byte). Bounded: never
    decodes more than MAX_TEXT_BYTES, so a tiny frame cannot expand into a memory bomb."""
    model = CONTEXT_CODERS.get(version)
    if model is not None:
        raw, used = decode_text(data, model)
        return _fields(raw, n_fields), data[used:]
    zdict = dictionary(version)
    d = zlib.decompressobj(-15, zdict)
    try:
        raw = d.decompress(data, MAX_TEXT_BYTES + 1)
    except zlib.error as exc:
        raise MalformedFrame(f"text section: {exc}") from exc
    if len(raw) > MAX_TEXT_BYTES or d.unconsumed_tail:
        raise FrameTooLarge(f"text section inflates beyond {MAX_TEXT_BYTES} bytes")
    if not d.eof:
        raise MalformedFrame("text section is truncated")
    return _fields(raw, n_fields), d.unused_data


def _fields(raw: bytes, n_fields: int) -> tuple[str, ...]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedFrame("text section is not UTF-8") from exc
    parts = text.split(SEPARATOR)
    if len(parts) > n_fields or (parts and parts[-1] == ""):
        raise MalformedFrame("text section has the wrong number of fields")
    return tuple(parts) + ("",) * (n_fields - len(parts))

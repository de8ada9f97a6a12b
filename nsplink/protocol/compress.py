"""Compression of a message's text fields: all of them together, raw deflate, preset dictionary.

Why this choice (figures in `make bench`, bench_codec): short Dutch fields compress badly alone,
so every text field of a message goes into ONE blob, fields separated by NUL. Raw deflate
(no zlib header or checksum: the signature already protects the bytes) with a preset dictionary
built from our own corpus of realistic reports beat zstd with a trained dictionary on the
held-out set for texts of up to a few hundred characters, and it is in the standard library.

Dictionaries are versioned data files in the package; the frame header names the version, so a
site with an older release rejects a newer dictionary (`UnknownDictionary`) instead of misreading.
Each file's SHA-256 is pinned here: a changed file without a new version number fails loudly.
"""

from __future__ import annotations

import functools
import hashlib
import zlib
from importlib import resources

from nsplink.protocol.errors import FrameTooLarge, MalformedFrame, UnknownDictionary
from nsplink.protocol.messages import MAX_TEXT_BYTES

SEPARATOR = "\x00"
CURRENT_DICT = 1
# version -> (file in nsplink/protocol/data, sha256 of its bytes)
DICTIONARIES: dict[int, tuple[str, str]] = {
    1: ("dict-v1.bin", "fa5f698db7c4241ec70c1f3166cca35ad5769d93d522b1ddf484ef8fa279ed32"),
}


@functools.cache
def dictionary(version: int) -> bytes:
    """The preset dictionary bytes of `version` (read once from package data, then cached)."""
    entry = DICTIONARIES.get(version)
    if entry is None:
        raise UnknownDictionary(str(version), version=version)
    return pinned_data(*entry)


def pinned_data(name: str, digest: str) -> bytes:
    """A file of nsplink/protocol/data whose SHA-256 must be `digest` (else RuntimeError)."""
    data = resources.files("nsplink.protocol").joinpath("data", name).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise RuntimeError(f"{name} does not match its pinned hash; give it a new version")
    return data


def compress_texts(texts: tuple[str, ...], version: int = CURRENT_DICT) -> bytes:
    """Join the text fields (trailing empty ones dropped) and deflate them; b"" if all empty."""
    fields = list(texts)
    while fields and not fields[-1]:
        fields.pop()
    if not fields:
        return b""
    raw = SEPARATOR.join(fields).encode("utf-8")
    comp = _primed(version).copy()  # 3x faster than loading the 32 KiB dictionary each time
    return comp.compress(raw) + comp.flush()


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
    """Inflate the text section at the start of `data`; returns the fields and the bytes after
    it (a deflate stream marks its own end, so the frame needs no length byte). Bounded: never
    inflates more than MAX_TEXT_BYTES, so a tiny frame cannot expand into a memory bomb."""
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
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedFrame("text section is not UTF-8") from exc
    parts = text.split(SEPARATOR)
    if len(parts) > n_fields or (parts and parts[-1] == ""):
        raise MalformedFrame("text section has the wrong number of fields")
    return tuple(parts) + ("",) * (n_fields - len(parts)), d.unused_data

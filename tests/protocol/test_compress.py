"""The text section: joint deflate with the shipped dictionary, bounded inflate, versions."""

from __future__ import annotations

import hashlib
import zlib

import pytest

from nsplink import protocol as p
from nsplink.protocol import compress


def test_round_trip_keeps_fields_apart() -> None:
    fields = ("Kerkstraat", "", "12a", "Café ’t Hoekje, één gewonde\nmeer info volgt", "", "")
    blob = compress.compress_texts(fields)
    assert compress.decompress_texts(blob, len(fields)) == fields


def test_all_empty_costs_nothing() -> None:
    assert compress.compress_texts(("", "", "")) == b""
    assert compress.decompress_texts(b"", 3) == ("", "", "")


def test_dictionary_helps_on_dutch_text() -> None:
    text = "Vrouw van 84 gevallen in de badkamer, kan niet opstaan. Melder wacht op het NSP."
    plain = zlib.compressobj(9, zlib.DEFLATED, -15)
    without = len(plain.compress(text.encode()) + plain.flush())
    with_dict = len(compress.compress_texts((text,)))
    assert with_dict < without < len(text.encode())


def test_shipped_dictionary_matches_pinned_hash() -> None:
    data = compress.dictionary(p.CURRENT_DICT)
    _name, digest = compress.DICTIONARIES[p.CURRENT_DICT]
    assert hashlib.sha256(data).hexdigest() == digest
    assert len(data) <= 32 * 1024  # deflate cannot reach further back


def test_unknown_dictionary_version() -> None:
    with pytest.raises(p.UnknownDictionary):
        compress.dictionary(7)


def test_inflate_bomb_is_bounded() -> None:
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15, 9, 0, compress.dictionary(1))
    blob = bomb.compress(b"a" * 1_000_000) + bomb.flush()
    assert len(blob) < 2000
    with pytest.raises(p.FrameTooLarge):
        compress.decompress_texts(blob, 1)


@pytest.mark.parametrize(
    "blob",
    [b"\xff\xff\xff", b"\x00", b"garbage that is not deflate"],
)
def test_garbage_is_malformed(blob: bytes) -> None:
    with pytest.raises(p.DecodeError):
        compress.decompress_texts(blob, 3)


def test_truncated_and_trailing_bytes() -> None:
    blob = compress.compress_texts(("Een tekst die lang genoeg is om te knippen.",))
    with pytest.raises(p.MalformedFrame):
        compress.decompress_texts(blob[:-3], 1)
    with pytest.raises(p.MalformedFrame):
        compress.decompress_texts(blob + b"\x00", 1)


def test_too_many_fields_and_non_utf8() -> None:
    with pytest.raises(p.MalformedFrame):
        compress.decompress_texts(compress.compress_texts(("a", "b", "c")), 2)
    raw = zlib.compressobj(9, zlib.DEFLATED, -15, 9, 0, compress.dictionary(1))
    with pytest.raises(p.MalformedFrame):
        compress.decompress_texts(raw.compress(b"\xc3\x28") + raw.flush(), 1)

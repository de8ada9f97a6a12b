"""The head as words for the paper log (issue 18): a fixed list, one word per hash byte, read back
as written by hand."""

from __future__ import annotations

import pytest

from nsplink.store.headcode import WORDS, HeadCode, head_code, parse_code


def test_the_list_is_256_distinct_plain_lowercase_words() -> None:
    assert len(WORDS) == 256 == len(set(WORDS))
    assert all(w.isascii() and w.isalpha() and w.islower() and 2 <= len(w) <= 6 for w in WORDS)
    assert list(WORDS) == sorted(WORDS)  # the order is the code: it must never change silently
    assert (WORDS[0], WORDS[128], WORDS[255]) == ("aap", "mond", "zwam")


def test_a_code_is_the_count_and_a_word_per_byte_of_the_hash() -> None:
    code = head_code(1234, bytes([0, 255, 128, 1]) + bytes(28))
    assert str(code) == "#1234 aap zwam mond appel"
    assert code == HeadCode(1234, bytes([0, 255, 128, 1]))


@pytest.mark.parametrize(
    "written",
    ["#1234 aap zwam mond appel", "1234 AAP-ZWAM-MOND-APPEL", " # 1234: aap, zwam, mond, appel "],
)
def test_a_code_as_written_by_hand_is_read_back(written: str) -> None:
    assert parse_code(written) == HeadCode(1234, bytes([0, 255, 128, 1]))


@pytest.mark.parametrize(
    "written", ["", "#1234", "#1234 aap zwam mug", "#1234 aap zwam mond appel peer", "aap zwam"]
)
def test_anything_else_is_not_a_code(written: str) -> None:
    assert parse_code(written) is None
    assert parse_code("#12 aap zwam mug xyz") is None  # a word not on the list

"""store/anchor.py's comparison on its own: the cases the CLI tests do not reach."""

from __future__ import annotations

from nsplink.store.anchor import HeardHead, LogCopy, check


def _heard(*counts_and_prefixes: tuple[int, bytes]) -> LogCopy:
    heads = tuple(HeardHead(i + 1, 0.0, "a", c, p) for i, (c, p) in enumerate(counts_and_prefixes))
    return LogCopy("b", heads, {})


def test_a_row_a_filtered_export_leaves_out_cannot_be_checked() -> None:
    log = LogCopy("a", (), {1: b"\x01" * 32, 3: b"\x03" * 32})  # row 2 not in this copy
    found = check(log, "a", _heard((2, b"\x02" * 6), (3, b"\x03" * 6)), "b")
    assert [(f.key, f.bad) for f in found] == [
        ("anchor.ok", False),
        ("anchor.unknown", False),
        ("anchor.after", False),
    ]
    assert found[0].params["n"] == 1  # only the head it could check counts as checked


def test_heads_of_other_sites_are_not_ours_to_check() -> None:
    heard = LogCopy("b", (HeardHead(1, 0.0, "c", 5, b"\x09" * 6),), {})
    found = check(LogCopy("a", (), {1: bytes(32)}), "a", heard, "b")
    assert [f.key for f in found] == ["anchor.none"]


def test_a_rewrite_and_a_cut_are_both_named() -> None:
    log = LogCopy("a", (), {i: bytes([i]) * 32 for i in range(1, 6)})
    heard = _heard((2, b"\x02" * 6), (4, b"\xff" * 6), (9, b"\x09" * 6))
    found = check(log, "a", heard, "b")
    assert [(f.key, f.bad) for f in found[:2]] == [
        ("anchor.rewritten", True),
        ("anchor.truncated", True),
    ]
    assert (found[0].params["first"], found[0].params["count"]) == (3, 4)
    assert (found[1].params["count"], found[1].params["last"]) == (9, 5)


def test_a_head_the_witness_made_up_is_left_out_and_named() -> None:
    log = LogCopy("a", (), {i: bytes([i]) * 32 for i in range(1, 6)})
    heard = _heard((2, b"\x02" * 6), (4, b"\xff" * 6))  # #4 does not match: rewritten, or made up
    assert check(log, "a", heard, "b")[0].key == "anchor.rewritten"
    found = check(log, "a", heard, "b", authentic=lambda h: h.count != 4)
    assert [(f.key, f.bad) for f in found] == [
        ("anchor.ok", False),
        ("anchor.forged", False),
        ("anchor.after", False),
    ]
    unknown = check(log, "a", heard, "b", authentic=lambda h: None)  # no roster: as recorded
    assert unknown[0].key == "anchor.rewritten"

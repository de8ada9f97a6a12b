"""The per-sender replay window: new, duplicate, too old, reordering, restart state."""

from __future__ import annotations

import random

from nsplink import protocol as p

NEW, DUP, OLD = p.ReplayVerdict.NEW, p.ReplayVerdict.DUPLICATE, p.ReplayVerdict.TOO_OLD


def test_new_duplicate_and_reordered() -> None:
    w = p.ReplayWindow(size=8)
    assert [w.accept(s) for s in (5, 5, 3, 7, 3, 6, 4)] == [NEW, DUP, NEW, NEW, DUP, NEW, NEW]
    assert w.highest == 7


def test_too_old_and_window_edge() -> None:
    w = p.ReplayWindow(size=8)
    w.accept(100)
    assert w.check(93) is NEW  # offset 7: last slot in the window
    assert w.check(92) is OLD
    assert w.accept(93) is NEW and w.accept(93) is DUP
    w.accept(200)  # big jump clears the bitmap
    assert w.check(199) is NEW and w.check(192) is OLD and w.check(200) is DUP


def test_matches_a_set_model_under_random_reordering() -> None:
    rng = random.Random(3)
    w = p.ReplayWindow(size=64)
    seen: set[int] = set()
    for _ in range(5000):
        seq = rng.randint(0, 400)
        verdict = w.accept(seq)
        assert w.highest is not None
        if seq <= w.highest - 64 and verdict is OLD:
            continue
        assert (verdict is DUP) == (seq in seen)
        if verdict is NEW:
            seen.add(seq)


def test_state_survives_restart() -> None:
    w = p.ReplayWindow(size=32)
    for s in (1, 2, 9):
        w.accept(s)
    again = p.ReplayWindow(32, *w.state())
    assert again.accept(2) is DUP and again.accept(3) is NEW


def test_guard_keeps_one_window_per_sender() -> None:
    g = p.ReplayGuard()
    a, b = p.KeyId(b"aaa"), p.KeyId(b"bbb")
    assert g.accept(p.MessageId(a, 1)) is NEW
    assert g.accept(p.MessageId(b, 1)) is NEW
    assert g.accept(p.MessageId(a, 1)) is DUP

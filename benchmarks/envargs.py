"""The benchmarks' knobs from the environment (NSPLINK_BENCH_*): one parser for all of them,
so an empty variable means the default everywhere, every list takes ranges ("1-10"), and a bad
value names its variable."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _parse(name: str, raw: str, kind: Callable[[str], T], what: str) -> T:
    try:
        return kind(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: expected {what}") from None


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return _parse(name, raw, int, "a whole number") if raw else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return _parse(name, raw, float, "a number") if raw else default


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") == "1"


def env_words(name: str, default: str) -> list[str]:
    """A comma-separated list of words, e.g. presets."""
    raw = os.environ.get(name, "").strip() or default
    return [w.strip() for w in raw.split(",") if w.strip()]


def env_ints(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    """A comma-separated list of integers and ranges: "1,2", "1-10", "15,30-32"."""
    out: list[int] = []
    for part in os.environ.get(name, "").split(","):
        a, _, b = part.strip().partition("-")
        if a:
            what = "whole numbers and ranges such as 1-10"
            lo, hi = _parse(name, a, int, what), _parse(name, b or a, int, what)
            out.extend(range(lo, hi + 1))
    return tuple(out) or default

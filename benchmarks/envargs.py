"""The benchmarks' knobs from the environment (NSPLINK_BENCH_*): one parser for all of them,
so an empty variable means the default everywhere and every list takes ranges ("1-10")."""

from __future__ import annotations

import os


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


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
            out.extend(range(int(a), int(b or a) + 1))
    return tuple(out) or default

"""Shared helpers: the shipped profiles, and variants of them with one line changed."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PROFILES = REPO / "firmware-profiles"


def shipped(name: str) -> str:
    return (PROFILES / f"{name}.yaml").read_text(encoding="utf-8")


def variant(text: str, pattern: str, replacement: str) -> str:
    """`text` with the one line matching `pattern` replaced; fails loudly if it does not match."""
    new, n = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
    assert n == 1, f"pattern {pattern!r} not found"
    return new


def line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")

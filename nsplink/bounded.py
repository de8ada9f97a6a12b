"""Nesting limits for the text parsers (JSON, YAML, TOML), checked before they run.

Python's json, PyYAML's composer and tomllib recurse once per nesting level, so 200 kB of `[[[[`
ends in RecursionError (or worse, deep in C). A linear scan of the bracket depth first turns such
input into one clear error. Imports nothing from nsplink, so every layer can use it.
"""

from __future__ import annotations

from typing import Final

MAX_DEPTH: Final = 64  # a form, roster or config is a few levels deep


class TooDeep(ValueError):
    def __init__(self, depth: int, limit: int) -> None:
        super().__init__(f"nested more than {limit} levels deep")
        self.depth = depth
        self.limit = limit


def check_depth(text: str, limit: int = MAX_DEPTH, *, quotes: str = '"') -> None:
    """Raise TooDeep if `[`/`{` nest deeper than `limit` outside quoted strings.

    `quotes` are the string delimiters of the format (a backslash escapes inside `"` only). A
    format whose quotes this scan gets wrong (YAML's apostrophes in plain text) can only see
    *more* depth than there is, never less, when called with quotes=""."""
    depth = 0
    quote = ""
    escaped = False
    for ch in text:
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in quotes:
            quote = ch
        elif ch in "[{":
            depth += 1
            if depth > limit:
                raise TooDeep(depth, limit)
        elif ch in "]}":
            depth = max(0, depth - 1)


def check_indent(text: str, limit: int = 2 * MAX_DEPTH) -> None:
    """YAML block nesting is indentation: refuse lines indented deeper than `limit` spaces."""
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" -"))
        if indent > limit:
            raise TooDeep(indent, limit)

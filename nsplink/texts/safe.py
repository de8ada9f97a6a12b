"""What may reach an operator's screen: the one function every renderer passes foreign text through.

Text from the air, the log or a file can carry characters that change what a person sees without
being visible themselves: bidi overrides that reverse a line (U+202E), isolates (U+2066-2069),
zero-width characters, C0/C1 controls (terminal escape sequences start with one) and the Unicode
line and paragraph separators. `shown` turns each into a visible `\\u202e`-style escape, so the
screen shows exactly the characters that were sent. Validation (protocol/messages.py) refuses them
at both ends already; this is the second line, for whatever came in before or around it.
"""

from __future__ import annotations

import unicodedata
from typing import Final

# Categories a person cannot see: controls, format (bidi, zero-width), separators other than the
# space, surrogates, private use and unassigned code points.
HIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _escape(ch: str) -> str:
    cp = ord(ch)
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


def shown(text: object, *, multiline: bool = False) -> str:
    """`text` with every invisible or direction-changing character escaped. With `multiline`,
    a plain newline stays a newline (for long free text that may hold several lines).
    Idempotent, so a value that passes two renderers is not escaped twice."""
    s = text if isinstance(text, str) else str(text)
    if s.isprintable():  # the common case: nothing to do
        return s
    out = []
    for ch in s:
        if ch == "\n" and multiline:
            out.append(ch)
        elif unicodedata.category(ch) in HIDDEN_CATEGORIES:
            out.append(_escape(ch))
        else:
            out.append(ch)
    return "".join(out)


def json_text(text: str) -> str:
    """JSON text (from json.dumps with ensure_ascii=False) with each hidden character written as
    its \\u escape: the same data for a program, nothing invisible for a person reading it.
    JSON's own syntax is ASCII, so such a character can only stand inside a string."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch != "\n" and unicodedata.category(ch) in HIDDEN_CATEGORIES:
            cp = ord(ch)
            if cp > 0xFFFF:  # JSON spells these as a surrogate pair
                cp -= 0x10000
                out.append(f"\\u{0xD800 + (cp >> 10):04x}\\u{0xDC00 + (cp & 0x3FF):04x}")
            else:
                out.append(f"\\u{cp:04x}")
        else:
            out.append(ch)
    return "".join(out)

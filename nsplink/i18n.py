"""Translations for everything a volunteer or operator reads.

Dutch is the default. Each module of the app layers registers its own strings next to the code
that uses them, as `key: (nl, en)` pairs, so a string can never exist in one language only. The
sans-IO core (nsplink.protocol, nsplink.lora) holds no text: its codes and errors are data, shown
through nsplink.texts (`code_label`, `render_error`), which also holds the core's texts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

Lang = Literal["nl", "en"]
LANGS: tuple[Lang, ...] = ("nl", "en")
DEFAULT_LANG: Lang = "nl"

_CATALOG: dict[str, tuple[str, str]] = {}


def register(entries: Mapping[str, tuple[str, str]]) -> None:
    """Add `key -> (nl, en)` strings. Registering a key twice with other text is a bug."""
    for key, pair in entries.items():
        old = _CATALOG.get(key)
        if old is not None and old != pair:
            raise ValueError(f"i18n key {key!r} registered twice with different text")
        _CATALOG[key] = pair


def parse_lang(value: str | None) -> Lang:
    """Map a user-supplied language ('nl', 'en', 'en_GB.UTF-8', None) onto a supported one."""
    v = (value or "").strip().lower()[:2]
    return "en" if v == "en" else "nl"


def current_lang() -> Lang:
    return parse_lang(os.environ.get("NSPLINK_LANG"))


def t(key: str, lang: Lang | None = None, /, **params: object) -> str:
    """Render `key` in `lang` (default: NSPLINK_LANG, else Dutch) with `str.format` params."""
    pair = _CATALOG.get(key)
    if pair is None:
        return key if not params else f"{key} {params}"
    text = pair[1] if (lang or current_lang()) == "en" else pair[0]
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def keys() -> list[str]:
    return sorted(_CATALOG)

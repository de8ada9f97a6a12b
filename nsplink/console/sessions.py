"""Who is logged in: random session tokens in memory, each with its own CSRF token.

A restart of the console logs everyone out (nothing secret on disk). The cookie is HttpOnly and
SameSite=Strict; every change must carry the session's CSRF token besides. Failed logins from one
address wait longer each time (1 s, 2 s, 4 s … up to 16 s), which makes guessing slow without
locking a real operator out for good.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from dataclasses import dataclass, field

from nsplink.i18n import Lang

COOKIE = "nsplink_console"
IDLE_S = 12 * 3600  # a shift and a half; then log in again
DELAY_MAX_S = 16.0


@dataclass
class Session:
    operator: str
    lang: Lang
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    streams: int = 0  # live pages open
    seen: float = field(default_factory=time.monotonic)


class Sessions:
    def __init__(self) -> None:
        self._by_token: dict[str, Session] = {}
        self._failures: dict[str, int] = {}
        self._attempts: dict[str, asyncio.Lock] = {}

    def attempt(self, client: str) -> asyncio.Lock:
        """One login attempt at a time per address: parallel guesses wait out each other's
        delay instead of slipping past it."""
        return self._attempts.setdefault(client, asyncio.Lock())

    def open(self, operator: str, lang: Lang) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = self._by_token[token] = Session(operator, lang)
        return token, session

    def get(self, token: str | None) -> Session | None:
        session = self._by_token.get(token or "")
        if session is None:
            return None
        now = time.monotonic()
        if now - session.seen > IDLE_S:
            self._by_token.pop(token or "", None)
            return None
        session.seen = now
        return session

    def online(self) -> list[str]:
        """Who has a live page open now."""
        return sorted({s.operator for s in self._by_token.values() if s.streams > 0})

    def close(self, token: str | None) -> None:
        self._by_token.pop(token or "", None)

    def failure_delay(self, client: str) -> float:
        """Count one failed login from `client`; the seconds to wait before answering."""
        n = self._failures.get(client, 0) + 1
        self._failures[client] = n
        return min(DELAY_MAX_S, 2.0 ** (n - 1))

    def succeeded(self, client: str) -> None:
        self._failures.pop(client, None)


def csrf_ok(session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(session.csrf, given or "")

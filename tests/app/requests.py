"""Answering an engine driver's requests as the daemon does, for tests that drive a real engine,
driver and journal over a real store without a radio."""

from __future__ import annotations

import itertools
from typing import Any

from nsplink.app.driver import Persist, Request, Reserve, Send, Steps
from nsplink.app.journal import DAEMON
from nsplink.store import Store

_PACKET_IDS = itertools.count(1)


async def answer(steps: Steps, store: Store, *, site: str, sender: str, at: float) -> list[int]:
    """Rows go to the store, the radio takes every frame, numbers are reserved for the daemon;
    returns the numbers reserved."""
    reserved: list[int] = []
    reply: Any = None
    while True:
        try:
            request: Request = steps.send(reply)
        except StopIteration:
            return reserved
        reply = None
        if isinstance(request, Persist):
            await store.append_many(request.events)
        elif isinstance(request, Send):
            reply = next(_PACKET_IDS)
        elif isinstance(request, Reserve):
            reply = await store.reserve_seqs(sender, request.count, at=at, site=site, by=DAEMON)
            reserved += reply

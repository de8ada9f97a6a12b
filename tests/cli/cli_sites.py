"""Sites for CLI tests: real homes, keys, roster and SQLite logs; messages signed for real.

`receive` stores a signed frame at another site the way the daemon does on reception
(message.received with the frame, then message.verified or message.quarantined), so the CP
commands read exactly what a running daemon would have written.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from nsplink.app.compose import queue_message
from nsplink.app.keys import generate_seed, load_identity
from nsplink.app.roster import load_roster
from nsplink.app.site import SiteHome
from nsplink.protocol import (
    ALL_CPS,
    Destination,
    Envelope,
    Identity,
    Message,
    MessageType,
    Priority,
    decode_unverified,
    encode,
    minutes_since_epoch,
    suggested_priority,
)
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.app.daemon.sites import make_sites

SITES = [("cp-utrecht", "cp"), ("nsp-houten", "nsp"), ("nsp-bunnik", "nsp")]


def homes(root: Path) -> dict[str, SiteHome]:
    return make_sites(root, SITES)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def queue(
    home: SiteHome,
    body: Message,
    *,
    dest: Destination = ALL_CPS,
    priority: Priority | None = None,
    at: float | None = None,
    recipients: tuple[Any, ...] = (),
) -> tuple[str, bytes]:
    """Queue at `home` as `nsplink send` does; returns (ref, signed frame)."""
    ident = load_identity(home.key_path)
    async with await Store.open(home.db_path) as store:
        mid, frame = await queue_message(
            store,
            ident,
            home.root.name,
            body,
            dest,
            priority or suggested_priority(body),
            time.time() if at is None else at,
            recipients=recipients,
            home=home,  # as `nsplink send`: personal fields sealed to the CPs
        )
    return str(mid), frame


async def receive(
    home: SiteHome, frame: bytes, sender_site: str, *, at: float | None = None, trusted: bool = True
) -> str:
    """Store `frame` as received at `home` (verified, or quarantined when not `trusted`)."""
    env = decode_unverified(frame)
    ref = str(env.id)
    now = time.time() if at is None else at
    data = {
        "sender": str(env.sender),
        "seq": env.seq,
        "sender_site": sender_site,
        "type": env.type.value,
        "priority": env.priority.value,
    }
    seal = env.type is MessageType.EMERGENCY
    second = (
        Event(ev.MESSAGE_VERIFIED, now, home.root.name, ref, {})
        if trusted
        else Event(ev.MESSAGE_QUARANTINED, now, home.root.name, ref, {"code": "x"})
    )
    async with await Store.open(home.db_path) as store:
        await store.append_many(
            [
                Event(ev.MESSAGE_RECEIVED, now, home.root.name, ref, data, frame, seal_frame=seal),
                second,
            ]
        )
    return ref


def forged(body: Message, priority: Priority = Priority.P1, seq: int = 1) -> bytes:
    """A frame signed by a key that is on no roster (what quarantine is for)."""
    stranger = Identity(generate_seed())
    env = Envelope(stranger.key_id, seq, minutes_since_epoch(time.time()), body, priority)
    return encode(env, stranger)


def roster_names(home: SiteHome) -> list[str]:
    return [e.site for e in load_roster(home.roster_path)[1]]


async def event_count(home: SiteHome) -> int:
    if not home.db_path.exists():
        return 0
    async with await Store.open(home.db_path, create=False) as store:
        return await store.count()


async def events(home: SiteHome, kind: str) -> list[Any]:
    async with await Store.open(home.db_path, create=False) as store:
        return await store.events(kinds=(kind,), with_personal=True)

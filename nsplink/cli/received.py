"""Received messages as the CLI shows them: the stored frame decoded against the roster.

The store keeps each received message's signed frame in its `message.received` event (sealed
for emergency reports). A frame that verifies is shown as verified; a quarantined one is decoded
without trust (only ever shown in the separate, marked list); a frame whose personal-data key
was erased after the retention term, or that no longer decodes, is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from nsplink.protocol import DecodeError, Envelope, KeyRing, decode, decode_unverified
from nsplink.store import Store
from nsplink.store import events as ev


@dataclass(frozen=True)
class Received:
    envelope: Envelope | None  # None: erased after retention, or unreadable
    verified: bool
    erased: bool
    received_at: float | None


async def load_received(store: Store, ref: str, ring: KeyRing) -> Received:
    records = await store.events(ref=ref, kinds=(ev.MESSAGE_RECEIVED,), with_personal=True)
    if not records:
        return Received(None, False, False, None)
    rec = records[0]
    if rec.frame is None or rec.erased:
        return Received(None, False, rec.erased, rec.at)
    try:
        return Received(decode(rec.frame, ring).envelope, True, False, rec.at)
    except DecodeError:
        pass
    try:
        return Received(decode_unverified(rec.frame), False, False, rec.at)
    except DecodeError:
        return Received(None, False, False, rec.at)

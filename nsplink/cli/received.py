"""Received messages as the CLI shows them: the stored frame decoded against the roster.

The store keeps each received message's signed frame in its `message.received` event (sealed
for emergency reports). A frame that verifies is shown as verified; a quarantined one is decoded
without trust (only ever shown in the separate, marked list); a frame whose personal-data key
was erased after the retention term, or that no longer decodes, is reported as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from nsplink.app.roster import open_personal
from nsplink.app.site import SiteHome
from nsplink.errors import NsplinkError
from nsplink.protocol import (
    DecodeError,
    Destination,
    Emergency,
    Envelope,
    KeyRing,
    SignedMessage,
    decode,
    decode_unverified,
)
from nsplink.store import Store
from nsplink.store import events as ev


@dataclass(frozen=True)
class Received:
    envelope: Envelope | None  # None: erased after retention, or unreadable
    verified: bool
    erased: bool
    received_at: float | None
    sealed: bool = False  # personal fields still sealed: this site holds no key to open them

    @property
    def destination(self) -> Destination | None:
        """Whom the message was addressed to; None when the log no longer holds it readably."""
        return self.envelope.destination if self.envelope is not None else None


def open_personal_fields(home: SiteHome, msg: SignedMessage) -> tuple[Envelope, bool]:
    """An emergency report's sealed personal fields opened with this CP's sealing key (issue 11);
    (envelope, still_sealed). Only a verified message is opened: the key is the signer's."""
    env = msg.envelope
    if not isinstance(env.body, Emergency) or not env.body.sealed_personal:
        return env, False
    try:
        return open_personal(home, env, msg.signer.public_key), False
    except (NsplinkError, OSError):  # an NSP, or a CP without the key file
        return env, True


async def load_received(store: Store, ref: str, ring: KeyRing, home: SiteHome) -> Received:
    records = await store.events(ref=ref, kinds=(ev.MESSAGE_RECEIVED,), with_personal=True)
    if not records:
        return Received(None, False, False, None)
    rec = records[0]
    if rec.frame is None or rec.erased:
        return Received(None, False, rec.erased, rec.at)
    try:
        msg = decode(rec.frame, ring)
    except DecodeError:
        pass
    else:
        env, sealed = open_personal_fields(home, msg)
        return Received(env, True, False, rec.at, sealed)
    try:
        env = decode_unverified(rec.frame)
    except DecodeError:
        return Received(None, False, False, rec.at)
    sealed = isinstance(env.body, Emergency) and bool(env.body.sealed_personal)
    return Received(env, False, False, rec.at, sealed)

"""Queue a message typed by a person: sign it and make it durable, then wake the daemon.

The CLI calls this with or without a running daemon; when it returns, the message is in the
store (fsync'd, hash-chained) and the daemon will send it when it can. The sequence number comes
from the store's atomic reservation, so the CLI and the daemon never sign two messages with the
same number.
"""

from __future__ import annotations

from collections.abc import Iterable

from nsplink.app.nudge import nudge
from nsplink.app.roster import load_trusted_roster, seal_key_for
from nsplink.app.site import SiteHome
from nsplink.protocol import (
    ALL_NSPS,
    Destination,
    Emergency,
    Envelope,
    Identity,
    KeyId,
    Message,
    MessageId,
    Priority,
    RosterUpdate,
    encode,
    minutes_since_epoch,
)
from nsplink.protocol.codes import MessageType
from nsplink.protocol.sealing import seal
from nsplink.store import Event, Store
from nsplink.store import events as ev


async def queue_message(
    store: Store,
    identity: Identity,
    site: str,
    body: Message,
    destination: Destination,
    priority: Priority,
    now: float,
    *,
    recipients: Iterable[KeyId] = (),
    home: SiteHome | None = None,
    seal_to: bytes | None = None,
) -> tuple[MessageId, bytes]:
    """Validate, sign and store one message; returns its id and signed frame. Raises the
    protocol's ValidationError (naming the field) before anything is written.

    An emergency report's personal fields are sealed to the CPs (issue 11) under `seal_to`, by
    default the key the site's signed roster names."""
    body.validate()
    if seal_to is None and home is not None and isinstance(body, Emergency):
        seal_to = seal_key_for(home)
    (seq,) = await store.reserve_seqs(str(identity.key_id), 1, at=now, site=site)
    env = Envelope(identity.key_id, seq, minutes_since_epoch(now), body, priority, destination)
    if seal_to is not None:
        env = seal(env, identity, seal_to)
    frame = encode(env, identity)
    ref = str(env.id)
    data: dict[str, object] = {
        "type": env.type.value,
        "destination": str(destination),
        "priority": priority.value,
        "sender": str(identity.key_id),
        "seq": seq,
    }
    recips = sorted(str(r) for r in recipients)
    if recips:
        data["recipients"] = recips
    await store.append_many(
        [
            Event(
                ev.MESSAGE_CREATED,
                now,
                site,
                ref,
                data,
                frame,
                seal_frame=env.type is MessageType.EMERGENCY,
            ),
            Event(ev.MESSAGE_QUEUED, now, site, ref, {}),
        ]
    )
    if home is not None:
        nudge(home)
    return env.id, frame


# -- distribution over the air -----------------------------------------------------------------


async def push_roster(
    store: Store, identity: Identity, site: str, home: SiteHome, now: float
) -> MessageId:
    """Queue this site's signed roster as a RosterUpdate to every NSP (tracked: each NSP
    receipts it, so it is retried until all have it); relays and other CPs apply it when they
    overhear it. Durable when this returns, like any queued message."""
    roster = load_trusted_roster(home)
    nsps = [p.key_id for p in roster if p.role == "nsp" and p.key_id != identity.key_id]
    mid, _ = await queue_message(
        store,
        identity,
        site,
        RosterUpdate(roster.doc.signed()),
        ALL_NSPS,
        Priority.P2,
        now,
        recipients=nsps,
        home=home,
    )
    return mid

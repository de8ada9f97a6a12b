"""Queue a message typed by a person: build it, make it durable, then wake the daemon.

The CLI calls this with or without a running daemon; when it returns, the message is in the
store (fsync'd, hash-chained) and the daemon will send it when it can. The sequence number comes
from the store's atomic reservation, so the CLI and the daemon never sign two messages with the
same number.
"""

from __future__ import annotations

from collections.abc import Iterable

from nsplink.app.journal import message_created
from nsplink.app.nudge import nudge
from nsplink.app.roster import load_trusted_roster, seal_key_for
from nsplink.app.site import SiteHome
from nsplink.protocol import (
    ALL_NSPS,
    SEALED_TYPES,
    Destination,
    Draft,
    Identity,
    KeyId,
    Message,
    MessageId,
    PeerKey,
    Priority,
    RosterUpdate,
    SignedMessage,
    build_message,
)
from nsplink.store import Store


class _FromRoster:
    """Default of `seal_to`: the key the site's signed roster names (read only when needed)."""


FROM_ROSTER = _FromRoster()


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
    seal_to: bytes | _FromRoster | None = FROM_ROSTER,
    previewed: SignedMessage | None = None,
    seal_with: bytes | None = None,
) -> tuple[MessageId, bytes]:
    """Validate, sign and store one message; returns its id and signed frame. Raises the
    protocol's ValidationError (naming the field) before anything is written.

    An emergency report's personal fields are sealed to the CPs under `seal_to`, by default the
    key the site's signed roster names. `previewed`: the message the person saw, signed with the
    sequence number it expected; it is stored as it is when that number is the one reserved now
    (the usual case), so a message is sealed and signed once."""
    body.validate()
    if isinstance(seal_to, _FromRoster):
        sealed = home is not None and body.TYPE in SEALED_TYPES
        seal_to = seal_key_for(home) if sealed and home is not None else None
    (seq,) = await store.reserve_seqs(str(identity.key_id), 1, at=now, site=site)
    msg = previewed
    if msg is None or (msg.envelope.seq, msg.envelope.destination, msg.envelope.priority) != (
        seq,
        destination,
        priority,
    ):  # another message took the number meanwhile: sign again with ours
        draft = Draft(body, destination, priority, seal_to, seal_with)
        msg = build_message(draft, identity, seq, now, own_key(identity, site))
    await store.append_many(message_created(msg, recipients, now, site))
    if home is not None:
        nudge(home)
    return msg.id, msg.frame


def own_key(identity: Identity, site: str, role: str = "") -> PeerKey:
    """Our own roster entry as a signer (the frame was signed here, with our key)."""
    return PeerKey(site, role, identity.public_key)


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

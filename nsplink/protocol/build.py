"""The one way a message of ours is made: validate, envelope, seal, sign and encode.

Every producer calls `build_message`: the CLI (for its preview and then for the queue, with the
same result when the sequence number is the one it previewed), `app.compose`, the engine (its
receipts and beacons) and the scenario (its scripted reports). So the size a volunteer sees, the
frame the daemon sends and the airtime an exercise counts are the same bytes, except where the
engine sends the same message in format 3 to sites that read it (capability.py): then smaller.

Sealing (sealing.py): a type whose body carries personal data (`SEALED_TYPES`) has those fields
sealed to the CPs' key when one is given. Without a key it goes out readable: a report is never
refused for a missing key (whether to allow that is the region's policy, decided above here).
"""

from __future__ import annotations

from dataclasses import dataclass

from nsplink.protocol.codec import encode
from nsplink.protocol.codes import MessageType, Priority
from nsplink.protocol.envelope import Destination, Envelope, SignedMessage, minutes_since_epoch
from nsplink.protocol.identity import Identity, PeerKey
from nsplink.protocol.messages import Message
from nsplink.protocol.sealing import seal

# types whose personal fields travel sealed to the CPs (the emergency report's address, reporter,
# phone and details); their frames are also the ones the log keeps erasable
SEALED_TYPES = frozenset({MessageType.EMERGENCY, MessageType.NOTE})


@dataclass(frozen=True)
class Draft:
    """What a person (or the engine) decided to send, before it has a number and a signature."""

    body: Message
    destination: Destination
    priority: Priority
    seal_to: bytes | None = None  # the CPs' sealing key, for a type in SEALED_TYPES
    # our side of the seal when it is not our identity's box key: a CP sealing a note to an
    # NSP uses the CPs' sealing secret, and `seal_to` is then that NSP's box key
    seal_with: bytes | None = None
    # text coders besides deflate that every reader of the SEALED fields reads (the CPs): the
    # smaller sealed text wins. The frame itself is always format 2, what every release reads;
    # the engine sends format 3 on air where recipients read it (capability.py)
    text_coders: tuple[int, ...] = ()


def build_message(
    draft: Draft, identity: Identity, seq: int, now: float, signer: PeerKey
) -> SignedMessage:
    """The signed message for `draft` as sequence number `seq` of `identity`, made at `now`
    (unix seconds). Raises ValidationError (naming the field) before anything is signed.
    `signer` is our own roster entry, which the returned message carries as its verified signer."""
    draft.body.validate()
    env = Envelope(
        identity.key_id,
        seq,
        minutes_since_epoch(now),
        draft.body,
        draft.priority,
        draft.destination,
    )
    if draft.seal_to is not None and env.type in SEALED_TYPES:
        env = seal(env, identity, draft.seal_to, secret=draft.seal_with, coders=draft.text_coders)
    return SignedMessage(env, encode(env, identity), signer)

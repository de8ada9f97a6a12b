"""The delivery state machine of our own outgoing messages: one table of (state, event) -> state.

The rules are written here in words and encoded once, in `TABLE`; `transition()` is the only way
through it. A pair the table does not list is refused with `TransitionRefused`: that is a bug in
the engine, never a condition of the network, because the engine checks what the network may do
(who signed a receipt, which packet an ack is for) before it asks.

States, in rank order. The store's outbox shows the same states in the same order and only ever
moves them forward (store/projector.py derives its order from this enum):

    QUEUED       durable, waiting for airtime
    HANDED       the radio accepted (a frame of) it
    HEARD        the device reports a neighbour repeating it: on the air, NOT delivered
    CUSTODY      a relay signed that it holds the message for forwarding
    UNDELIVERED  `undelivered_after_s` passed without a receipt; retries go on
    PARTIAL      some, not all, recipients of a group message signed a receipt
    DELIVERED    signed receipts from the recipients: any CP for "all CPs", every NSP for a bulletin

Events: HANDED and HEARD come from our own radio (hints); CUSTODY_RECEIPT, PARTIAL_RECEIPT and
FULL_RECEIPT are signed by others; TIMEOUT is the engine's timer at `undelivered_after_s`.

Rules:
1. Nothing moves backward: a late hint never hides a later state. HANDED and HEARD change nothing
   once a message is HEARD, in CUSTODY, UNDELIVERED or PARTIAL.
2. Only a recipient's signed receipt leads to PARTIAL or DELIVERED, from any state before it.
   HEARD and CUSTODY are never delivery.
3. HEARD needs HANDED first: the device can only report a repeat of what it was given.
4. TIMEOUT fires once, from QUEUED, HANDED, HEARD or CUSTODY. Never from PARTIAL: who has
   receipted says more than "overdue", and the outbox ranks partial above undelivered.
5. UNDELIVERED is a state, not a flag: hints and custody leave it as it is; a receipt still
   moves it to PARTIAL or DELIVERED.
6. A relay's custody counts only while no recipient has receipted: refused from PARTIAL.
7. DELIVERED is terminal: the engine forgets the message.

What the engine reports (an `Outcome`): every move to a new state; and a receipt that names
someone new while the state stays: another recipient of a PARTIAL message, or the first relay to
hold an UNDELIVERED one (an Outcome CUSTODY, so the log keeps who holds it).

A message we carry for someone else has no delivery state of ours, only a `CustodyPhase`.
"""

from __future__ import annotations

from enum import Enum
from typing import Final

from nsplink.protocol.errors import ProtocolError


class DeliveryState(Enum):
    """One truthful state per outgoing message of ours; declared in rank order (see above)."""

    QUEUED = "queued"
    HANDED = "handed"
    HEARD = "heard"
    CUSTODY = "custody"
    UNDELIVERED = "undelivered"
    PARTIAL = "partial"
    DELIVERED = "delivered"


class DeliveryEvent(Enum):
    HANDED = "handed"  # the radio accepted a frame of it
    HEARD = "heard"  # the device heard a neighbour repeat it, or the destination node acked
    CUSTODY_RECEIPT = "custody_receipt"  # a relay (not a recipient) signed that it holds it
    PARTIAL_RECEIPT = "partial_receipt"  # a recipient signed; others still owe a receipt
    FULL_RECEIPT = "full_receipt"  # the last receipt it needs was signed
    TIMEOUT = "timeout"  # `undelivered_after_s` since it was submitted


class CustodyPhase(Enum):
    """A message we carry for someone else: TENTATIVE until `custody_confirm_s` passed without
    the destination's receipt passing by (then dropped silently, nothing was promised), then HELD:
    durable, custody receipt signed, released when the destination receipts it."""

    TENTATIVE = "tentative"
    HELD = "held"


Phase = DeliveryState | CustodyPhase  # the one lifecycle field of `outgoing.Outgoing`

_S = DeliveryState
_E = DeliveryEvent

TABLE: Final[dict[tuple[DeliveryState, DeliveryEvent], DeliveryState]] = {
    (_S.QUEUED, _E.HANDED): _S.HANDED,
    (_S.QUEUED, _E.CUSTODY_RECEIPT): _S.CUSTODY,  # an attempt from before a restart was carried
    (_S.QUEUED, _E.PARTIAL_RECEIPT): _S.PARTIAL,
    (_S.QUEUED, _E.FULL_RECEIPT): _S.DELIVERED,
    (_S.QUEUED, _E.TIMEOUT): _S.UNDELIVERED,
    #
    (_S.HANDED, _E.HANDED): _S.HANDED,  # another fragment, another attempt
    (_S.HANDED, _E.HEARD): _S.HEARD,
    (_S.HANDED, _E.CUSTODY_RECEIPT): _S.CUSTODY,
    (_S.HANDED, _E.PARTIAL_RECEIPT): _S.PARTIAL,
    (_S.HANDED, _E.FULL_RECEIPT): _S.DELIVERED,
    (_S.HANDED, _E.TIMEOUT): _S.UNDELIVERED,
    #
    (_S.HEARD, _E.HANDED): _S.HEARD,
    (_S.HEARD, _E.HEARD): _S.HEARD,
    (_S.HEARD, _E.CUSTODY_RECEIPT): _S.CUSTODY,
    (_S.HEARD, _E.PARTIAL_RECEIPT): _S.PARTIAL,
    (_S.HEARD, _E.FULL_RECEIPT): _S.DELIVERED,
    (_S.HEARD, _E.TIMEOUT): _S.UNDELIVERED,
    #
    (_S.CUSTODY, _E.HANDED): _S.CUSTODY,
    (_S.CUSTODY, _E.HEARD): _S.CUSTODY,
    (_S.CUSTODY, _E.CUSTODY_RECEIPT): _S.CUSTODY,  # the first holder stays the holder
    (_S.CUSTODY, _E.PARTIAL_RECEIPT): _S.PARTIAL,
    (_S.CUSTODY, _E.FULL_RECEIPT): _S.DELIVERED,
    (_S.CUSTODY, _E.TIMEOUT): _S.UNDELIVERED,
    #
    (_S.UNDELIVERED, _E.HANDED): _S.UNDELIVERED,
    (_S.UNDELIVERED, _E.HEARD): _S.UNDELIVERED,
    (_S.UNDELIVERED, _E.CUSTODY_RECEIPT): _S.UNDELIVERED,
    (_S.UNDELIVERED, _E.PARTIAL_RECEIPT): _S.PARTIAL,
    (_S.UNDELIVERED, _E.FULL_RECEIPT): _S.DELIVERED,
    #
    (_S.PARTIAL, _E.HANDED): _S.PARTIAL,
    (_S.PARTIAL, _E.HEARD): _S.PARTIAL,
    (_S.PARTIAL, _E.PARTIAL_RECEIPT): _S.PARTIAL,  # one more recipient, still not all
    (_S.PARTIAL, _E.FULL_RECEIPT): _S.DELIVERED,
}


class TransitionRefused(ProtocolError):
    """The table has no move for `event` in `state`: the engine asked for something its own
    checks should have ruled out."""

    code = "protocol.delivery.refused"
    key = "protocol.delivery.refused"

    def __init__(self, state: DeliveryState, event: DeliveryEvent) -> None:
        self.state = state
        self.event = event
        super().__init__(
            f"delivery event {event.value} is refused in state {state.value}",
            state=state.value,
            event=event.value,
        )


def allowed(state: DeliveryState, event: DeliveryEvent) -> bool:
    return (state, event) in TABLE


def transition(state: DeliveryState, event: DeliveryEvent) -> DeliveryState:
    """The state after `event`; raises TransitionRefused for a pair the table does not list."""
    try:
        return TABLE[(state, event)]
    except KeyError:
        raise TransitionRefused(state, event) from None

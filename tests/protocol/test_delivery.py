"""The delivery state machine (protocol/delivery.py): the whole table walked, its rules checked as
properties of the table, and the engine driven through UNDELIVERED and out of it again."""

from __future__ import annotations

import itertools

import pytest

from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    Destination,
    MessageId,
    Priority,
    ProtocolError,
    Receipt,
    ReceiptKind,
    State,
    minutes_since_epoch,
)
from nsplink.protocol.delivery import (
    TABLE,
    DeliveryEvent,
    DeliveryState,
    TransitionRefused,
    allowed,
    transition,
)
from nsplink.protocol.effects import Outcome, Sent
from nsplink.store.projector import OUTBOX_STATES
from tests.protocol.test_engine import T0, Site, make, signed
from tests.scenario.helpers import bulletin, sitrep

S = DeliveryState
E = DeliveryEvent
RECEIPTS = {E.PARTIAL_RECEIPT, E.FULL_RECEIPT}

# Written out independently of TABLE: the pairs the engine must never ask for, and why.
REFUSED = {
    (S.QUEUED, E.HEARD),  # nothing was handed to the radio, so nothing can be repeated
    (S.UNDELIVERED, E.TIMEOUT),  # reported once
    (S.PARTIAL, E.CUSTODY_RECEIPT),  # a recipient receipted: a relay's custody says nothing
    (S.PARTIAL, E.TIMEOUT),  # who receipted says more than "overdue"
    *((S.DELIVERED, e) for e in E),  # terminal
}
ALL_PAIRS = list(itertools.product(S, E))


@pytest.mark.parametrize(("state", "event"), ALL_PAIRS, ids=lambda x: x.value)
def test_every_pair_moves_where_the_table_says_or_is_refused(
    state: DeliveryState, event: DeliveryEvent
) -> None:
    if (state, event) in REFUSED:
        assert not allowed(state, event)
        with pytest.raises(TransitionRefused) as exc:
            transition(state, event)
        assert (exc.value.state, exc.value.event) == (state, event)
        assert isinstance(exc.value, ProtocolError)
        assert exc.value.code == "protocol.delivery.refused"
    else:
        assert allowed(state, event)
        assert transition(state, event) is TABLE[(state, event)]


def test_the_table_lists_exactly_the_pairs_not_refused() -> None:
    assert set(TABLE) == set(ALL_PAIRS) - REFUSED


def test_delivered_is_terminal() -> None:
    assert not [e for e in E if allowed(S.DELIVERED, e)]
    assert not [k for k in TABLE if k[0] is S.DELIVERED]


def test_nothing_moves_backward_in_the_enums_rank_order() -> None:
    rank = {s: i for i, s in enumerate(S)}
    for (state, event), new in TABLE.items():
        assert rank[new] >= rank[state], (state, event, new)


def test_the_enum_order_is_the_only_order_the_table_allows() -> None:
    # each state leads directly to the next one in the enum: no other order is forward-only
    for a, b in itertools.pairwise(S):
        assert any(TABLE.get((a, e)) is b for e in E), (a, b)


def _reachable(start: DeliveryState, events: set[DeliveryEvent]) -> set[DeliveryState]:
    seen, todo = {start}, [start]
    while todo:
        state = todo.pop()
        for e in events:
            new = TABLE.get((state, e))
            if new is not None and new not in seen:
                seen.add(new)
                todo.append(new)
    return seen


@pytest.mark.parametrize("start", [s for s in S if s is not S.DELIVERED], ids=lambda s: s.value)
def test_only_a_signed_receipt_leads_to_partial_or_delivered(start: DeliveryState) -> None:
    hints = set(E) - RECEIPTS
    reached = _reachable(start, hints)
    if start is not S.PARTIAL:
        assert S.PARTIAL not in reached
    assert S.DELIVERED not in reached


def test_heard_never_leads_to_delivered_without_a_receipt_event() -> None:
    assert S.DELIVERED not in _reachable(S.HEARD, set(E) - RECEIPTS)
    assert transition(S.HEARD, E.FULL_RECEIPT) is S.DELIVERED


def test_undelivered_is_a_state_that_a_receipt_still_leaves_and_the_timer_never_reenters() -> None:
    for before in (S.QUEUED, S.HANDED, S.HEARD, S.CUSTODY):
        assert transition(before, E.TIMEOUT) is S.UNDELIVERED
    for hint in (E.HANDED, E.HEARD, E.CUSTODY_RECEIPT):
        assert transition(S.UNDELIVERED, hint) is S.UNDELIVERED
    assert transition(S.UNDELIVERED, E.PARTIAL_RECEIPT) is S.PARTIAL
    assert transition(S.UNDELIVERED, E.FULL_RECEIPT) is S.DELIVERED
    # the timeout fires once: no state after UNDELIVERED lets it fire again
    assert not [s for s in _reachable(S.UNDELIVERED, set(E)) if allowed(s, E.TIMEOUT)]


def test_the_projectors_order_is_the_enums() -> None:
    ranked = tuple(s.value for s in S)  # the table's rank order (checked above)
    assert ("created", *ranked) == OUTBOX_STATES


# -- the engine through UNDELIVERED -----------------------------------------------------------


def _receipt(site: Site, mid: MessageId, to: Site, seq: int, kind: ReceiptKind) -> bytes:
    body = Receipt.build(kind, {mid: State.ONTV})
    return signed(site, body, Destination.to_site(to.ident.key_id), Priority.P2, seq).frame


def _states(site: Site, mid: MessageId) -> list[DeliveryState]:
    return [o.state for o in site.outcomes() if o.mid == mid]


def test_an_undelivered_message_that_gets_its_receipt_is_delivered() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp"}, undelivered_after_s=600.0)
    nsp, cp = sites["nsp"], sites["cp"]
    m = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 900)
    nsp.run(nsp.engine.submit(m, T0), T0)
    nsp.tick(T0 + 1800)
    assert nsp.engine.outbox[m.id].state is S.UNDELIVERED
    assert _states(nsp, m.id) == [S.HANDED, S.UNDELIVERED]
    now = T0 + 1801
    nsp.run(nsp.engine.on_frame(_receipt(cp, m.id, nsp, 5, ReceiptKind.DELIVERY), 2, 1, now), now)
    assert _states(nsp, m.id)[-1] is S.DELIVERED
    assert m.id not in nsp.engine.outbox


def test_heard_after_undelivered_changes_nothing_and_the_timer_fires_once() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp"}, undelivered_after_s=600.0)
    nsp = sites["nsp"]
    m = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 901)
    nsp.run(nsp.engine.submit(m, T0), T0)
    nsp.tick(T0 + 1800)
    last = [s for s in nsp.effects if isinstance(s, Sent) and s.mid == m.id][-1]
    assert nsp.engine.on_acked(last.packet_id, True, T0 + 1801) == []
    assert nsp.engine.outbox[m.id].state is S.UNDELIVERED
    nsp.tick(T0 + 3 * 3600)
    assert _states(nsp, m.id).count(S.UNDELIVERED) == 1


def test_a_relay_holding_an_undelivered_message_is_reported_once_and_slows_its_retries() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp", "relay": "relay"}, undelivered_after_s=600.0)
    nsp, relay = sites["nsp"], sites["relay"]
    m = signed(nsp, sitrep(), Destination.to_site(sites["cp"].ident.key_id), Priority.P1, 902)
    nsp.run(nsp.engine.submit(m, T0), T0)
    nsp.tick(T0 + 900)
    out = nsp.engine.outbox[m.id]
    assert out.state is S.UNDELIVERED and not out.relay_holds
    for i, now in enumerate((T0 + 901, T0 + 902)):
        frame = _receipt(relay, m.id, nsp, 7 + i, ReceiptKind.CUSTODY)
        nsp.run(nsp.engine.on_frame(frame, 3, 1, now), now)
    custody = [o for o in nsp.outcomes() if o.mid == m.id and o.state is S.CUSTODY]
    assert [o.recipient for o in custody] == [relay.ident.key_id]  # the holder, once
    assert out.state is S.UNDELIVERED and out.relay_holds
    assert out.next_retry is not None
    assert out.next_retry >= T0 + 902 + nsp.engine.config.retry_cap_s * 0.8


def test_a_group_message_goes_partial_then_delivered_and_partial_does_not_time_out() -> None:
    sites, _ = make({"cp": "cp", "a": "nsp", "b": "nsp"}, undelivered_after_s=600.0)
    cp, a, b = sites["cp"], sites["a"], sites["b"]
    m = signed(cp, bulletin(minutes_since_epoch(T0) + 600), ALL_NSPS, Priority.P3, 903)
    cp.run(cp.engine.submit(m, T0), T0)
    now = T0 + 5
    cp.run(cp.engine.on_frame(_receipt(a, m.id, cp, 11, ReceiptKind.DELIVERY), 4, 1, now), now)
    assert cp.engine.outbox[m.id].state is S.PARTIAL
    cp.tick(T0 + 1800)
    assert S.UNDELIVERED not in _states(cp, m.id)  # partial says who is missing
    now = T0 + 1801
    cp.run(cp.engine.on_frame(_receipt(b, m.id, cp, 12, ReceiptKind.DELIVERY), 5, 1, now), now)
    assert _states(cp, m.id) == [S.HANDED, S.PARTIAL, S.DELIVERED]
    outcomes = [o for o in cp.outcomes() if o.mid == m.id and isinstance(o, Outcome)]
    assert [o.recipient for o in outcomes[1:]] == [a.ident.key_id, b.ident.key_id]

"""Ownership of reports from the log (issue 23): the projector keeps every claim once, the owner
is the protocol's rule over them, and a rebuild from the log gives the same answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from nsplink.protocol import KeyId
from nsplink.store import Event, EventInvalid, Store
from nsplink.store import events as ev

REF = "010203-7"


def claim(by: str, minute: int, seq: int, state: str = "GEZ", at: float = 1.0) -> Event:
    data = {"by": by, "minute": minute, "seq": seq, "state": state}
    return Event(ev.CLAIM_HEARD, at, "cp-noord", REF, data)


async def test_the_owner_is_the_earliest_claim_whatever_the_log_order(db_path: Path) -> None:
    async with await Store.open(db_path) as store:
        await store.append(claim("200000", 100, 5))
        await store.append(claim("100000", 101, 3))
        await store.append(claim("200000", 100, 5))  # the same receipt heard again
        await store.append(claim("200000", 104, 6, "MKAMER"))
        owners = await store.ownership()
        seen = owners[REF]
        assert seen.owner is not None and str(seen.owner.cp) == "200000"
        assert seen.contenders == (KeyId.parse("100000"),)
        assert len(await store.claims([REF])) == 3
        live = await store.projections()
        await store.rebuild()
        assert await store.projections() == live
        assert await store.check_views() is None
    # the same claims appended in another order name the same owner
    other = db_path.with_name("other.db")
    async with await Store.open(other) as store:
        for e in (
            claim("200000", 104, 6, "MKAMER"),
            claim("100000", 101, 3),
            claim("200000", 100, 5),
        ):
            await store.append(e)
        assert (await store.ownership())[REF] == seen


async def test_a_claim_without_its_fields_or_with_an_unknown_state_is_refused(store: Store) -> None:
    with pytest.raises(EventInvalid):
        await store.append(Event(ev.CLAIM_HEARD, 1.0, "cp", REF, {"by": "100000", "seq": 1}))
    with pytest.raises(EventInvalid):
        await store.append(claim("100000", 1, 1, state="NOPE"))
    assert await store.ownership() == {}

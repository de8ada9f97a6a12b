"""A simulated site's journal (scenario/journal.py) over a real SQLite file: the head it keeps for
beacons is the store's own head, read afresh, after every kind of write."""

from __future__ import annotations

import random
from pathlib import Path

from nsplink.protocol import EngineConfig, Identity, KeyRing, PeerKey, SiteEngine
from nsplink.scenario.journal import SiteJournal
from nsplink.store import Store
from nsplink.store import events as ev

T0 = 1_767_225_600.0


def _engine(ident: Identity, ring: KeyRing) -> SiteEngine:
    return SiteEngine(ident, ring, EngineConfig(role="nsp"), rng=random.Random(1), now=T0)


async def test_the_kept_head_is_the_head_the_store_reads(tmp_path: Path) -> None:
    ident = Identity(bytes(range(32)))
    ring = KeyRing()
    ring.add(PeerKey("nsp-a", "nsp", ident.public_key))
    store = await Store.open(tmp_path / "site.sqlite")
    try:
        sj = SiteJournal("nsp-a", _engine(ident, ring), ring, store, lambda: T0)
        heads = [await sj.head()]
        assert heads[-1] == await store.head()
        sj.note(ev.DAEMON_STARTED, "", {"scenario": "t", "seed": 1})
        assert await sj.head() == await store.head() == heads[-1]  # kept, not yet written
        for n in range(3):
            await sj.flush()
            heads.append(await sj.head())
            assert heads[-1] == await store.head()
            sj.note(ev.DAEMON_STARTED, "", {"scenario": "t", "seed": n + 2})
        await sj.restore(_engine(ident, ring), T0)
        assert await sj.head() == await store.head()
        await sj.flush()
        assert await sj.head() == await store.head()
        # every flush of new rows moved the head: the journal did not answer from an old read
        assert heads[1] != heads[0] and heads[2] != heads[1] and heads[3] != heads[2]
    finally:
        await store.close()

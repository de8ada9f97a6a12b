"""What the console's views are built from, over a CP's real SQLite log (no browser)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nsplink.app.site import SiteHome
from nsplink.app.thread import Threads
from nsplink.cli.queue_cmd import TriageStep, apply_triage, find_item, site_threads
from nsplink.cli.sitefiles import LocalSite, load_site
from nsplink.console.pages import item_version, queue_page
from nsplink.console.sitemap import BadPositions, load_positions
from nsplink.protocol import Priority, State
from nsplink.store import Store
from tests.cli.cli_sites import homes, queue, receive
from tests.scenario.helpers import emergency, sitrep


async def test_most_urgent_first_then_new_before_seen_then_oldest(tmp_path: Path) -> None:
    sites = homes(tmp_path)
    cp, nsp = sites["cp-utrecht"], sites["nsp-houten"]
    refs = []
    for i, body in enumerate([emergency("eerste"), sitrep(), emergency("tweede")]):
        _, frame = await queue(nsp, body)
        refs.append(await receive(cp, frame, "nsp-houten", at=time.time() - 100 + i))
    first, report, second = refs
    site = load_site(cp)
    async with await Store.open(cp.db_path) as store:
        q = await queue_page(store, site, "nl", False, {})
        assert [r.ref for r in q.rows] == [first, second, report]  # reports, then the sitrep
        item = await find_item(store, "1")
        before = await item_version(store, site, item, await _threads(store, site))
        await apply_triage(store, site, TriageStep(item, State.GEZ, "", "Anna", None, time.time()))
        q = await queue_page(store, site, "nl", False, {})
        assert [r.ref for r in q.rows] == [second, first, report]  # seen sinks below new
        assert [r.new for r in q.rows] == [True, False, True]
        assert [r.operator for r in q.rows] == ["", "Anna", ""]  # who has it in hand
        item = await find_item(store, "1")
        after = await item_version(store, site, item, await _threads(store, site))
        assert after > before  # a step moves the version a change must have seen
        # the CP's own priority counts: the sitrep raised to P1 goes above both reports
        step = TriageStep(await find_item(store, "2"), State.GEZ, "", "Anna", Priority.P1,
                          time.time())  # fmt: skip
        await apply_triage(store, site, step)
        q = await queue_page(store, site, "nl", False, {})
        assert [r.ref for r in q.rows] == [report, second, first]
        assert [r.priority for r in q.rows] == ["P1", "P2", "P2"]


async def _threads(store: Store, site: LocalSite) -> Threads:
    return await site_threads(store, site)


def test_positions_in_degrees_or_rd_metres(tmp_path: Path) -> None:
    cp = homes(tmp_path)["cp-utrecht"]
    (cp.root / "positions.toml").write_text(
        '"cp-utrecht" = { lat = 52.0907, lon = 5.1214 }\n'
        '"nsp-houten" = { x = 140000, y = 450000 }\n'
    )
    got = load_positions(load_site(cp))
    x, y = got["cp-utrecht"]
    assert abs(x - 136_000) < 2_000 and abs(y - 456_000) < 2_000  # Utrecht in RD New
    assert got["nsp-houten"] == (140000.0, 450000.0)
    (cp.root / "positions.toml").write_text('"nsp-houten" = { lat = "noord" }\n')
    with pytest.raises(BadPositions):
        load_positions(load_site(cp))


def test_no_positions_file_is_no_positions(tmp_path: Path) -> None:
    cp: SiteHome = homes(tmp_path)["cp-utrecht"]
    assert load_positions(load_site(cp)) == {}

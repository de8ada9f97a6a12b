"""A site's clock jumping back or forward by 30 days changes nothing that matters (issue 18 H).

Two daemons in one process on the simulated medium; the NSP's wall clock is the shared virtual
clock plus an offset the test moves. The CP's radio is off when the report is queued, so the
NSP must retry across the jump; then the report is delivered once, the receipt is accepted, the
log stays in its own order and verifies, `clock.jumped` is logged and `nsplink status` says so.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from nsplink.app.daemon import Daemon, DaemonOptions
from nsplink.app.site import SiteHome
from nsplink.cli.sitefiles import load_site
from nsplink.cli.status_cmd import status_lines
from nsplink.radio.sim import Medium
from nsplink.radio.sim.driver import RealtimeDriver, SimRadio
from nsplink.store import Store
from nsplink.store import events as ev
from tests.app.daemon.simmesh import EPOCH, SPEEDUP, wait_for
from tests.app.daemon.sites import make_sites
from tests.app.daemon.test_daemon_inprocess import _queue_emergency

DAY = 86400.0


@pytest.mark.parametrize("jump", [-30 * DAY, 30 * DAY])
async def test_a_report_is_delivered_across_a_30_day_clock_jump(
    tmp_path: Path, jump: float
) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    medium = Medium(seed=5)
    nsp_node, cp_node = (medium.add_node(0x30 + i, position=(i * 800.0, 0.0)) for i in range(2))
    driver = RealtimeDriver(medium, speedup=SPEEDUP)
    offset = [0.0]

    def cp_clock() -> float:
        return EPOCH + driver.virtual_now()

    def nsp_clock() -> float:
        return EPOCH + driver.virtual_now() + offset[0]

    opts = DaemonOptions(status_interval_s=0, fallback_check_s=3600, clock_check_s=1.0)

    def daemon(name: str, node, clock) -> Daemon:  # type: ignore[no-untyped-def]
        radio = SimRadio(node, driver, portnum=287)
        return Daemon(homes[name], radio=radio, options=opts, clock=clock)

    nsp_home: SiteHome = homes["NSP Zuid"]
    async with asyncio.TaskGroup() as tg:
        drive = tg.create_task(driver.run())
        nsp = daemon("NSP Zuid", nsp_node, nsp_clock)
        cp = daemon("CP Noord", cp_node, cp_clock)
        runs = [tg.create_task(nsp.run()), tg.create_task(cp.run())]

        async def radios_open() -> bool:  # a radio powered off before it opened never comes back
            return all(d.radio.node_num is not None for d in (nsp, cp))

        await wait_for(radios_open)
        medium.power_off(cp_node.node_num)
        async with await Store.open(nsp_home.db_path) as nsp_store:
            mid = await _queue_emergency(nsp_store, nsp_home, nsp_clock())

            async def sent_once() -> bool:
                return bool(await nsp_store.events(kinds=(ev.MESSAGE_SENT,), ref=str(mid)))

            await wait_for(sent_once)  # the first try goes out into nothing
            offset[0] = jump
            await asyncio.sleep(0.5)
            medium.power_on(cp_node.node_num)

            async def delivered() -> bool:
                item = await nsp_store.outbox_item(str(mid))
                return item is not None and item.state == "delivered"

            await wait_for(delivered, timeout=90.0)

            async def jumped() -> bool:
                return bool(await nsp_store.events(kinds=(ev.CLOCK_JUMPED,)))

            await wait_for(jumped, timeout=90.0)  # the timer loop wakes every clock_check_s
        for d in (nsp, cp):
            d.request_stop()
        await asyncio.gather(*runs)
        drive.cancel()

    async with await Store.open(homes["CP Noord"].db_path) as cp_store:
        inbox = await cp_store.inbox()
        assert [(i.ref, i.trust) for i in inbox] == [(str(mid), "verified")]  # once, trusted
        assert not await cp_store.events(kinds=(ev.MESSAGE_REJECTED,))
    async with await Store.open(nsp_home.db_path) as nsp_store:
        (row,) = await nsp_store.events(kinds=(ev.CLOCK_JUMPED,))
        assert abs(row.data["by_s"] - jump) < 3600  # the size, give or take the wake interval
        assert (await nsp_store.verify()).ok  # the log is in its own order (ids), whatever `at`
        records = await nsp_store.events()
        assert [r.id for r in records] == sorted(r.id for r in records)
        site = load_site(nsp_home)
        lines = await status_lines(nsp_store, site, "en", nsp_clock())
    word = "set back" if jump < 0 else "jumped forward"
    assert any(word in line and " d " in line for line in lines), lines  # "29 d 23 h"

"""The daemon destroys personal data after the retention term by itself; counts, timings and the
hash chain stay."""

from __future__ import annotations

import asyncio
from pathlib import Path

from nsplink.app.compose import queue_message
from nsplink.app.daemon import Daemon, DaemonOptions
from nsplink.app.keys import load_identity
from nsplink.protocol import ALL_CPS, Priority
from nsplink.radio.sim import Medium
from nsplink.radio.sim.driver import RealtimeDriver, SimRadio
from nsplink.store import Store
from tests.app.daemon.sites import make_sites
from tests.scenario.helpers import emergency

T0 = 1_767_225_600.0
DAY = 86400.0


async def test_personal_data_older_than_the_term_is_erased_at_start(tmp_path: Path) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    home = homes["NSP Zuid"]
    async with await Store.open(home.db_path) as store:
        ident = load_identity(home.key_path)
        mid, _ = await queue_message(
            store, ident, "NSP Zuid", emergency(), ALL_CPS, Priority.P1, T0
        )
    medium = Medium(seed=1)
    node = medium.add_node(0x51)
    driver = RealtimeDriver(medium)
    later = T0 + 91 * DAY  # past the default 90-day term
    daemon = Daemon(
        home,
        radio=SimRadio(node, driver, portnum=287),
        options=DaemonOptions(status_interval_s=0),
        clock=lambda: later,
    )
    task = asyncio.create_task(daemon.run())

    async def erased() -> bool:
        async with await Store.open(home.db_path) as s:
            return bool(await s.events(kinds=("retention.erased",)))

    for _ in range(200):
        if await erased():
            break
        await asyncio.sleep(0.05)
    daemon.request_stop()
    await task
    async with await Store.open(home.db_path) as store:
        created = await store.events(ref=str(mid), kinds=("message.created",), with_personal=True)
        assert created and created[0].erased and created[0].frame is None
        assert (await store.outbox_item(str(mid))) is not None  # the count and times stay
        assert (await store.verify()).ok

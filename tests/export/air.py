"""Messages from one site to another the real way for export and feed tests: both sites' daemons on
a simulated radio medium, until the receiver has verified every message."""

from __future__ import annotations

import asyncio
import time

from nsplink.app.compose import queue_message
from nsplink.app.daemon import Daemon, DaemonOptions
from nsplink.app.keys import load_identity
from nsplink.app.site import SiteHome
from nsplink.protocol import Destination, Message, Priority
from nsplink.radio.sim import Medium
from nsplink.radio.sim.driver import RealtimeDriver, SimRadio
from nsplink.store import Store
from tests.app.daemon.simmesh import SPEEDUP, wait_for


async def queue(
    home: SiteHome, body: Message, dest: Destination, prio: Priority, now: float | None = None
) -> str:
    """What `nsplink send` does: signed, logged; the message number."""
    ident = load_identity(home.key_path)
    async with await Store.open(home.db_path) as store:
        mid, _ = await queue_message(
            store, ident, home.root.name, body, dest, prio, now or time.time(), home=home
        )
    return str(mid)


async def over_the_air(sender: SiteHome, receiver: SiteHome, refs: list[str]) -> None:
    medium = Medium(seed=23)
    nodes = [medium.add_node(0x30 + i, position=(i * 800.0, 0.0)) for i in range(2)]
    driver = RealtimeDriver(medium, speedup=SPEEDUP)
    start = time.time()
    opts = DaemonOptions(status_interval_s=0, fallback_check_s=1)
    daemons = [
        Daemon(home, radio=SimRadio(node, driver, portnum=287), options=opts,
               clock=lambda: start + driver.virtual_now())
        for home, node in ((sender, nodes[0]), (receiver, nodes[1]))
    ]  # fmt: skip
    async with asyncio.TaskGroup() as tg:
        drive = tg.create_task(driver.run())
        runs = [tg.create_task(d.run()) for d in daemons]
        async with await Store.open(receiver.db_path) as store:

            async def verified() -> bool:
                got = {r.ref for r in await store.events(kinds=("message.verified",))}
                return set(refs) <= got

            await wait_for(verified, 90)
        for d in daemons:
            d.request_stop()
        await asyncio.gather(*runs)
        drive.cancel()

"""A junk flood costs a CP daemon's log a bounded number of rows (issue 18 E), end to end: a rogue
node on the simulated medium sends short junk with its duty cycle removed. While the daemon runs,
the last minute's counts are written by its timer when the minute ends (not only at the next
rejection or at a stop): full rows plus counts equal the junk frames the CP's radio received."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from nsplink.app.daemon import Daemon, DaemonOptions
from nsplink.app.rejects import FULL_PER_MINUTE, MINUTE_S
from nsplink.lora.dutycycle import DutyCycleLedger
from nsplink.radio.base import RadioEvent, Received
from nsplink.radio.sim import Medium
from nsplink.radio.sim.driver import RealtimeDriver, SimRadio
from nsplink.store import Store
from nsplink.store import events as ev
from tests.app.daemon.simmesh import EPOCH, SPEEDUP, wait_for
from tests.app.daemon.sites import make_sites

ROGUE = 0x1FF


class CountingRadio(SimRadio):
    """The CP's radio, counting what the rogue got through to it."""

    junk = 0

    async def next_event(self) -> RadioEvent:
        event = await super().next_event()
        if isinstance(event, Received) and event.from_node == ROGUE:
            self.junk += 1
        return event


async def test_a_flood_costs_a_bounded_number_of_rows_and_every_frame_is_counted(
    tmp_path: Path,
) -> None:
    homes = make_sites(tmp_path, [("CP Noord", "cp")])
    medium = Medium(seed=6)
    cp_node = medium.add_node(0x40, position=(0.0, 0.0))
    rogue = medium.add_node(ROGUE, position=(300.0, 0.0))
    rogue.duty_pct = 100.0  # firmware altered to ignore the legal limit
    rogue.ledger = DutyCycleLedger(100.0, boot_s=medium.now)
    rng = random.Random(6)
    for i in range(150):  # five virtual minutes of junk, one frame every 2 s
        medium.call_at(
            5.0 + 2.0 * i,
            lambda: rogue.send(dest=0xFFFFFFFF, payload=rng.randbytes(8), portnum=287, hop_limit=3),
        )
    driver = RealtimeDriver(medium, speedup=SPEEDUP)

    def clock() -> float:
        return EPOCH + driver.virtual_now()

    radio = CountingRadio(cp_node, driver, portnum=287)
    # the daemon sleeps real seconds on virtual deadlines: wake often enough for a 20x clock
    opts = DaemonOptions(status_interval_s=0, fallback_check_s=3600, clock_check_s=1.0)
    cp = Daemon(homes["CP Noord"], radio=radio, options=opts, clock=clock)
    async with asyncio.TaskGroup() as tg:
        drive = tg.create_task(driver.run())
        run = tg.create_task(cp.run())
        await asyncio.sleep(0.2)
        async with await Store.open(homes["CP Noord"].db_path) as store:

            async def counted_while_running() -> bool:
                return bool(await store.events(kinds=(ev.REJECTS_COUNTED,)))

            await wait_for(counted_while_running, timeout=60.0)

            async def all_accounted() -> bool:
                # the flood is over and its last minute has closed: the daemon's timer wrote it
                full = await store.events(kinds=(ev.MESSAGE_REJECTED,))
                counted = await store.events(kinds=(ev.REJECTS_COUNTED,))
                total = len(full) + sum(r.data["frames"] for r in counted)
                return driver.virtual_now() > 5.0 + 2.0 * 150 and total == radio.junk

            await wait_for(all_accounted, timeout=60.0)
        cp.request_stop()
        await run
        drive.cancel()

    async with await Store.open(homes["CP Noord"].db_path) as store:
        full = await store.events(kinds=(ev.MESSAGE_REJECTED,))
        counted = await store.events(kinds=(ev.REJECTS_COUNTED,))
        assert radio.junk > 100  # it really flooded
        assert len(full) + sum(r.data["frames"] for r in counted) == radio.junk
        per_minute: dict[int, int] = {}
        for r in full:
            per_minute[int(r.at // MINUTE_S)] = per_minute.get(int(r.at // MINUTE_S), 0) + 1
        for r in counted:
            m = int(r.data["minute_at"] // MINUTE_S)
            per_minute[m] = per_minute.get(m, 0) + 1
        assert max(per_minute.values()) <= FULL_PER_MINUTE + 1
        assert len(full) + len(counted) < radio.junk / 5
        assert (await store.verify()).ok

"""Daemons in one process over the simulated medium (SimRadio), on one shared virtual clock: the
set-up the in-process daemon tests share. The daemons are the real ones (their stores, their
loops, the CLI's nudges); only the radio is simulated."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from nsplink.app.daemon import Daemon, DaemonOptions
from nsplink.app.site import SiteHome
from nsplink.radio.sim import Medium
from nsplink.radio.sim.driver import RealtimeDriver, SimRadio

EPOCH = 1_767_225_600.0
SPEEDUP = 20.0
PORTNUM = 287


async def wait_for(pred: Callable[[], Awaitable[bool]], timeout: float = 40.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await pred():
        assert loop.time() < end, "condition not reached in time"
        await asyncio.sleep(0.05)


class SimMesh:
    """One radio per site on a line, `spacing` metres apart, in the order of `names`."""

    def __init__(
        self,
        homes: dict[str, SiteHome],
        names: Sequence[str],
        *,
        seed: int,
        first_node: int,
        options: DaemonOptions,
        spacing: float = 800.0,
    ) -> None:
        self.homes, self.options = homes, options
        self.medium = Medium(seed=seed)
        self.nodes = {
            name: self.medium.add_node(first_node + i, position=(i * spacing, 0.0))
            for i, name in enumerate(names)
        }
        self.driver = RealtimeDriver(self.medium, speedup=SPEEDUP)

    def clock(self) -> float:
        return EPOCH + self.driver.virtual_now()

    def daemon(self, name: str) -> Daemon:
        radio = SimRadio(self.nodes[name], self.driver, portnum=PORTNUM)
        return Daemon(self.homes[name], radio=radio, options=self.options, clock=self.clock)

    @asynccontextmanager
    async def running(self, names: Sequence[str] = ()) -> AsyncIterator[dict[str, Daemon]]:
        """The named daemons (all by default) and the medium run for the block; then each is
        asked to stop and has stopped before the block is left."""
        daemons = {name: self.daemon(name) for name in names or self.nodes}
        async with asyncio.TaskGroup() as tg:
            drive = tg.create_task(self.driver.run())
            runs = [tg.create_task(d.run()) for d in daemons.values()]
            try:
                yield daemons
            finally:
                for d in daemons.values():
                    d.request_stop()
                await asyncio.gather(*runs)
                drive.cancel()

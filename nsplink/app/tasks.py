"""Long-running loops that stop together: the daemon's and the bridge's."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class _Stopped(Exception):
    pass


async def run_until_stopped(stop: asyncio.Event, *loops: Coroutine[Any, Any, None]) -> None:
    """Run `loops` in one task group until `stop` is set (then all are cancelled and this
    returns) or one of them fails (then its error comes out, in an ExceptionGroup)."""

    async def stopper() -> None:
        await stop.wait()
        raise _Stopped

    try:
        async with asyncio.TaskGroup() as tg:
            tg.create_task(stopper())
            for loop in loops:
                tg.create_task(loop)
    except* _Stopped:
        pass

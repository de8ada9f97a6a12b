"""One poller tells every open browser that the log moved.

The daemon and the CLI write the same SQLite file from other processes, so the console cannot be
told; it reads the head of the hash chain a few times a second (one indexed row) and, when it
moved, puts the new head id in every subscriber's queue. Each browser then fetches the parts of
its page that show live data. Five browsers cost one poll, not five.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

from nsplink.store import Store

POLL_S = 0.2
_CLOSED = -1


class Hub:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.head = 0
        self._subscribers: set[asyncio.Queue[int]] = set()
        self._task: asyncio.Task[None] | None = None
        self.closed = False

    async def start(self) -> None:
        self.head = (await self.store.head())[0]
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def close(self) -> None:
        """End every stream (the server is stopping: it waits for open responses to finish)."""
        self.closed = True
        for q in self._subscribers:
            if q.full():
                q.get_nowait()
            q.put_nowait(_CLOSED)

    async def poke(self) -> None:
        """After our own write: tell everyone now rather than at the next poll."""
        await self._check()

    async def _check(self) -> None:
        head = (await self.store.head())[0]
        if head != self.head:
            self.head = head
            for q in self._subscribers:
                if q.full():  # a slow browser needs only the newest head
                    q.get_nowait()
                q.put_nowait(head)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            with contextlib.suppress(Exception):  # a busy or locked file: try again next time
                await self._check()

    async def subscribe(self) -> AsyncGenerator[int, None]:
        q: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
        self._subscribers.add(q)
        try:
            yield self.head
            while not self.closed:
                head = await q.get()
                if head == _CLOSED:
                    return
                yield head
        finally:
            self._subscribers.discard(q)

"""One poller tells every open browser that the log moved (or who is logged in changed).

The daemon and the CLI write the same SQLite file from other processes, so the console cannot be
told; it reads the head of the hash chain a few times a second (one indexed row) and, when it
moved, puts the new state ("head.presence") in every subscriber's queue. Each browser then
fetches the parts of its page that show live data. Five browsers cost one poll, not five.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

from nsplink.store import Store

POLL_S = 0.2
_CLOSED = ""


class Hub:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.head = 0
        self.presence = 0  # counts logins and logouts of the live pages
        self._subscribers: set[asyncio.Queue[str]] = set()
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
        self._tell(_CLOSED)

    async def poke(self) -> None:
        """After our own write: tell everyone now rather than at the next poll."""
        await self._check()

    def state(self) -> str:
        return f"{self.head}.{self.presence}"

    def presence_changed(self) -> None:
        """An operator's live page opened or closed: the others show who is on."""
        self.presence += 1
        self._tell(self.state())

    def _tell(self, value: str) -> None:
        for q in self._subscribers:
            if q.full():  # a slow browser needs only the newest state
                q.get_nowait()
            q.put_nowait(value)

    async def _check(self) -> None:
        head = (await self.store.head())[0]
        if head != self.head:
            self.head = head
            self._tell(self.state())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            with contextlib.suppress(Exception):  # a busy or locked file: try again next time
                await self._check()

    async def subscribe(self) -> AsyncGenerator[str, None]:
        q: asyncio.Queue[str] = asyncio.Queue(maxsize=1)
        self._subscribers.add(q)
        try:
            yield self.state()
            while not self.closed:
                state = await q.get()
                if state == _CLOSED:
                    return
                yield state
        finally:
            self._subscribers.discard(q)

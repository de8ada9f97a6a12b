"""Real daemon subprocesses over the emulated mesh (the meshtastic library on both sides of a
TCP link to the emulator): emergency + receipt, bulletin to every NSP, a partition that heals,
and an NSP daemon killed with SIGKILL while sending."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from nsplink.app.compose import queue_message
from nsplink.app.keys import load_identity
from nsplink.app.roster import load_roster
from nsplink.app.site import SiteHome
from nsplink.protocol import ALL_CPS, ALL_NSPS, minutes_since_epoch
from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread
from nsplink.store import Store
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.app.daemon.sites import make_sites
from tests.scenario.helpers import bulletin, emergency, sitrep

SPEEDUP = 4.0
SITES = [("CP", "cp"), ("NSP-A", "nsp"), ("NSP-B", "nsp")]


@pytest.fixture
def mesh() -> Iterator[EmulatorThread]:
    with EmulatorThread(EmulatedMesh(len(SITES), speedup=SPEEDUP, seed=7)) as emu:
        yield emu


@pytest.fixture
def homes(tmp_path: Path, mesh: EmulatorThread) -> dict[str, SiteHome]:
    radios = {
        name: f"tcp://127.0.0.1:{dev.tcp_port}"
        for (name, _), dev in zip(SITES, mesh.mesh.devices, strict=True)
    }
    return make_sites(tmp_path, SITES, radios=radios)


@pytest.fixture
def daemons(homes: dict[str, SiteHome], tmp_path: Path) -> Iterator[dict[str, DaemonProc]]:
    procs = {name: DaemonProc(home, tmp_path) for name, home in homes.items()}
    for p in procs.values():
        p.start()
    yield procs
    for p in procs.values():
        p.stop()


async def queue(home: SiteHome, body, dest, prio=None):  # type: ignore[no-untyped-def]
    import time

    from nsplink.protocol import suggested_priority

    async with await Store.open(home.db_path) as store:
        ident = load_identity(home.key_path)
        mid, _ = await queue_message(
            store,
            ident,
            home.root.name,
            body,
            dest,
            prio or suggested_priority(body),
            time.time(),
            home=home,
            recipients=_nsps(home) if dest is ALL_NSPS else (),
        )
    return str(mid)


def _nsps(home: SiteHome):  # type: ignore[no-untyped-def]
    from nsplink.app.roster import keyring

    _, entries = load_roster(home.roster_path)
    return [p.key_id for p in keyring(entries) if p.role == "nsp"]


async def outbox_state(home: SiteHome, ref: str) -> str | None:
    async with await Store.open(home.db_path) as store:
        item = await store.outbox_item(ref)
        return item.state if item else None


async def all_connected(homes: dict[str, SiteHome], procs: list[DaemonProc]) -> None:
    for home in homes.values():
        await wait_until(lambda h=home: radio_connected(h), 60, "radio link", procs)


async def test_emergency_reaches_cp_and_receipt_comes_back(
    homes: dict[str, SiteHome], daemons: dict[str, DaemonProc]
) -> None:
    procs = list(daemons.values())
    await all_connected(homes, procs)
    ref = await queue(homes["NSP-A"], emergency(), ALL_CPS)

    async def delivered() -> bool:
        return await outbox_state(homes["NSP-A"], ref) == "delivered"

    await wait_until(delivered, 90, "emergency receipt", procs)
    async with await Store.open(homes["CP"].db_path) as cp:
        inbox = await cp.inbox()
        assert [(i.ref, i.type, i.trust, i.sender_site) for i in inbox] == [
            (ref, "emergency", "verified", "NSP-A")
        ]
    for p in procs:
        assert p.stop() == 0, p.output()[-2000:]
    assert all("Traceback" not in p.output() for p in procs)


async def test_bulletin_reaches_every_nsp(
    homes: dict[str, SiteHome], daemons: dict[str, DaemonProc]
) -> None:
    procs = list(daemons.values())
    await all_connected(homes, procs)
    import time

    ref = await queue(homes["CP"], bulletin(minutes_since_epoch(time.time()) + 600), ALL_NSPS)

    async def delivered() -> bool:
        return await outbox_state(homes["CP"], ref) == "delivered"

    await wait_until(delivered, 120, "bulletin receipts from both NSPs", procs)
    async with await Store.open(homes["CP"].db_path) as cp:
        assert set((await cp.recipients(ref)).values()) == {"delivered"}
    for name in ("NSP-A", "NSP-B"):
        async with await Store.open(homes[name].db_path) as nsp:
            assert [i.ref for i in await nsp.inbox()] == [ref]


async def test_partition_heals_and_queued_messages_flow(
    homes: dict[str, SiteHome], daemons: dict[str, DaemonProc], mesh: EmulatorThread
) -> None:
    procs = list(daemons.values())
    await all_connected(homes, procs)
    nums = [d.node_num for d in mesh.mesh.devices]
    mesh.call(lambda: mesh.mesh.medium.partition([[nums[0]], nums[1:]]))
    refs = [await queue(homes["NSP-B"], sitrep(v), ALL_CPS) for v in (10, 20, 30)]

    async def sent_while_cut() -> bool:
        async with await Store.open(homes["NSP-B"].db_path) as s:
            return len(await s.events(kinds=("message.sent",))) >= 3

    await wait_until(sent_while_cut, 60, "sends during the partition", procs)
    for ref in refs:
        assert await outbox_state(homes["NSP-B"], ref) != "delivered"
    mesh.call(lambda: mesh.mesh.medium.heal())

    async def all_delivered() -> bool:
        return all([await outbox_state(homes["NSP-B"], r) == "delivered" for r in refs])

    await wait_until(all_delivered, 240, "delivery after the partition healed", procs)
    async with await Store.open(homes["CP"].db_path) as cp:
        assert sorted(i.ref for i in await cp.inbox()) == sorted(refs)


async def test_sigkill_while_sending_loses_nothing_and_shows_nothing_twice(
    homes: dict[str, SiteHome], daemons: dict[str, DaemonProc]
) -> None:
    procs = list(daemons.values())
    await all_connected(homes, procs)
    nsp = daemons["NSP-A"]
    refs = [await queue(homes["NSP-A"], sitrep(v), ALL_CPS) for v in range(12)]
    rng = random.Random(11)
    for round_ in range(3):
        # kill in the middle of sending: after some hand-overs, at a random moment
        async def some_sent(n: int = 2 + 3 * round_) -> bool:
            async with await Store.open(homes["NSP-A"].db_path) as s:
                return len(await s.events(kinds=("message.sent",))) >= n

        await wait_until(some_sent, 90, "hand-overs before the kill", procs)
        import asyncio

        await asyncio.sleep(rng.uniform(0.0, 1.5))
        nsp.kill()
        nsp.start()

    async def all_delivered() -> bool:
        return all([await outbox_state(homes["NSP-A"], r) == "delivered" for r in refs])

    await wait_until(all_delivered, 300, "every queued sitrep delivered after the kills", procs)
    async with await Store.open(homes["CP"].db_path) as cp:
        inbox = await cp.inbox()
        assert sorted(i.ref for i in inbox) == sorted(refs)  # each exactly once
        assert (await cp.verify()).ok
    async with await Store.open(homes["NSP-A"].db_path) as s:
        assert (await s.verify()).ok

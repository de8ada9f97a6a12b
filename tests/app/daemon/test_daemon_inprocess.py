"""Two daemons in one process over the simulated medium (SimRadio), on a shared virtual clock:
a queued emergency report reaches the CP, its signed receipt comes back, and both logs say so."""

from __future__ import annotations

import asyncio
from pathlib import Path

from nsplink.app.compose import queue_message
from nsplink.app.daemon import Daemon, DaemonOptions
from nsplink.app.keys import load_identity
from nsplink.app.nudge import nudge
from nsplink.app.site import SiteHome
from nsplink.protocol import ALL_CPS, MessageId, Priority
from nsplink.radio.sim import Medium
from nsplink.radio.sim.driver import RealtimeDriver, SimRadio
from nsplink.store import Event, Record, Store
from nsplink.store import events as ev
from tests.app.daemon.simmesh import EPOCH, SPEEDUP, SimMesh, wait_for
from tests.app.daemon.sites import make_sites
from tests.scenario.helpers import emergency


async def _queue_emergency(store: Store, home: SiteHome, now: float) -> MessageId:
    """What `nsplink send emergency` does at the NSP: signed, logged, nudged."""
    ident = load_identity(home.key_path)
    mid, _ = await queue_message(
        store, ident, "NSP Zuid", emergency(), ALL_CPS, Priority.P1, now, home=home
    )
    return mid


async def test_emergency_delivered_and_receipted(tmp_path: Path) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    # no fallback check within the test: the CLI's nudge alone must wake the daemons
    opts = DaemonOptions(status_interval_s=0, fallback_check_s=3600)
    mesh = SimMesh(homes, ("NSP Zuid", "CP Noord"), seed=3, first_node=0x10, options=opts)
    clock = mesh.clock
    async with mesh.running():
        await asyncio.sleep(0.2)
        async with await Store.open(homes["NSP Zuid"].db_path) as nsp_store:
            mid = await _queue_emergency(nsp_store, homes["NSP Zuid"], clock())

            async def delivered() -> bool:
                item = await nsp_store.outbox_item(str(mid))
                return item is not None and item.state == "delivered"

            await wait_for(delivered)
            # the CP operator marks it seen: the NSP's outbox shows "Ontvangen door CP"
            async with await Store.open(homes["CP Noord"].db_path) as cp_store:
                await cp_store.append(
                    Event(
                        ev.TRIAGE_CHANGED,
                        clock(),
                        "CP Noord",
                        str(mid),
                        {"state": "GEZ", "operator": "Jan"},
                    )
                )
            nudge(homes["CP Noord"])

            async def seen_by_cp() -> bool:
                item = await nsp_store.outbox_item(str(mid))
                return item is not None and item.remote_state == "GEZ"

            await wait_for(seen_by_cp)

    async with await Store.open(homes["CP Noord"].db_path) as cp_store:
        inbox = await cp_store.inbox()
        assert [(i.ref, i.type, i.trust) for i in inbox] == [(str(mid), "emergency", "verified")]
        assert inbox[0].receipted_at is not None
        assert (await cp_store.verify()).ok


async def test_triage_lost_while_the_nsp_is_off_arrives_after_a_cp_restart(tmp_path: Path) -> None:
    """The CP marks a report "doorgezet naar meldkamer" while the NSP's radio has no power: that
    receipt is lost on air. The CP daemon then restarts (its engine memory gone); the receipt
    is resent from the CP's log until the NSP confirms it, and the NSP's outbox shows MKAMER."""
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    medium = Medium(seed=4)
    nsp_node, cp_node = (medium.add_node(0x20 + i, position=(i * 800.0, 0.0)) for i in range(2))
    driver = RealtimeDriver(medium, speedup=SPEEDUP)

    def clock() -> float:
        return EPOCH + driver.virtual_now()

    opts = DaemonOptions(status_interval_s=0, fallback_check_s=3600)

    def daemon(name: str, node) -> Daemon:  # type: ignore[no-untyped-def]
        return Daemon(
            homes[name], radio=SimRadio(node, driver, portnum=287), options=opts, clock=clock
        )

    async with asyncio.TaskGroup() as tg:
        drive = tg.create_task(driver.run())
        nsp, cp = daemon("NSP Zuid", nsp_node), daemon("CP Noord", cp_node)
        nsp_run, cp_run = tg.create_task(nsp.run()), tg.create_task(cp.run())
        await asyncio.sleep(0.2)
        async with (
            await Store.open(homes["NSP Zuid"].db_path) as nsp_store,
            await Store.open(homes["CP Noord"].db_path) as cp_store,
        ):
            mid = await _queue_emergency(nsp_store, homes["NSP Zuid"], clock())

            async def remote_state(want: str | None) -> bool:
                item = await nsp_store.outbox_item(str(mid))
                return item is not None and item.state == "delivered" and item.remote_state == want

            await wait_for(lambda: remote_state(None))
            medium.power_off(nsp_node.node_num)
            sent_before = medium.stats["tx_own"]  # the NSP is off: only the CP transmits now
            triage = Event(ev.TRIAGE_CHANGED, clock(), "CP Noord", str(mid),
                           {"state": "MKAMER", "operator": "Jan"})  # fmt: skip
            await cp_store.append(triage)
            nudge(homes["CP Noord"])

            async def triage_receipts() -> list[Record]:
                made = await cp_store.events(kinds=("receipt.created",))
                return [r for r in made if r.data["kind"] == "TRIAGE"]

            async def receipt_created() -> bool:
                return bool(await triage_receipts())

            await wait_for(receipt_created)

            async def cp_transmitted() -> bool:
                return medium.stats["tx_own"] > sent_before

            await wait_for(cp_transmitted)  # its first try goes out into nothing
            cp.request_stop()
            await cp_run
            cp = daemon("CP Noord", cp_node)
            cp_run = tg.create_task(cp.run())

            async def cp_restarted() -> bool:
                return len(await cp_store.events(kinds=(ev.DAEMON_STARTED,))) == 2

            await wait_for(cp_restarted)  # its engine memory is gone: only the log has it
            medium.power_on(nsp_node.node_num)
            await wait_for(lambda: remote_state("MKAMER"), timeout=60.0)

            async def confirmed() -> bool:
                return bool(await cp_store.events(kinds=("receipt.confirmed",)))

            await wait_for(confirmed)
            # one signed receipt, sent again from the log (not a second one made up)
            created = await triage_receipts()
            assert len(created) == 1
            got = await nsp_store.events(kinds=(ev.RECEIPT_RECEIVED,), ref=str(mid))
            assert [(r.data["state"], r.data["receipt"]) for r in got] == [
                ("MKAMER", created[0].ref)
            ]
            assert (await nsp_store.verify()).ok and (await cp_store.verify()).ok
        for d in (nsp, cp):
            d.request_stop()
        await asyncio.gather(nsp_run, cp_run)
        drive.cancel()


async def test_an_nsp_a_cp_has_heard_skips_the_beacons_that_say_nothing_new(tmp_path: Path) -> None:
    """Both daemons beacon every 5 s. Once the CP has receipted the NSP's report, the NSP's
    next beacons (same power, empty outbox) are skipped, while the CP's, how an NSP knows it
    still has a connection, keep going (protocol/beacon.py). One of the NSP's may still go: a
    beacon that carries the log's head always does. Beaconing as before, the NSP would send
    3 or more while the CP sends 5. (Every 2 s, a beacon could fall between the report and
    its receipt on a loaded machine: it showed the backlog, so the next one had news, and
    from then on nothing of the NSP's had reached a CP since its last beacon. Every 5 s it
    still did, once in five runs with the machine busy, so the report is typed just after a
    beacon of the NSP's.)"""
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    opts = DaemonOptions(status_interval_s=5, fallback_check_s=3600)
    mesh = SimMesh(homes, ("NSP Zuid", "CP Noord"), seed=3, first_node=0x10, options=opts)
    async with (
        mesh.running(),
        await Store.open(homes["NSP Zuid"].db_path) as nsp_store,
        await Store.open(homes["CP Noord"].db_path) as cp_store,
    ):

        async def beacons(store: Store) -> int:
            return len(await store.events(kinds=("status.sent",)))

        async def first_beacons() -> bool:
            return await beacons(nsp_store) >= 1 and await beacons(cp_store) >= 1

        await wait_for(first_beacons)
        # typed just after one of the NSP's beacons, so that the report and its receipt (one
        # retry included) fall before the next: a beacon in between showed the backlog
        # (news), and then every later one went (nothing of the NSP's had reached a CP since)
        before = await beacons(nsp_store)

        async def nsp_beaconed() -> bool:
            return await beacons(nsp_store) > before

        await wait_for(nsp_beaconed)
        mid = await _queue_emergency(nsp_store, homes["NSP Zuid"], mesh.clock())

        async def delivered() -> bool:
            item = await nsp_store.outbox_item(str(mid))
            return item is not None and item.state == "delivered"

        await wait_for(delivered)
        nsp_sent, cp_sent = await beacons(nsp_store), await beacons(cp_store)

        async def cp_beaconed_five_times() -> bool:
            return await beacons(cp_store) >= cp_sent + 5

        await wait_for(cp_beaconed_five_times)
        assert await beacons(nsp_store) <= nsp_sent + 1

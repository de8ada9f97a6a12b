"""Derived tables edited while the daemon is stopped (issue 18 A): `log verify` and `queue` say
so, and the daemon rebuilds them from the log at its start, so the edit changes nothing it does."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from nsplink.app.daemon import Daemon, DaemonOptions
from nsplink.cli.app import app
from nsplink.radio.sim import Medium
from nsplink.radio.sim.driver import RealtimeDriver, SimRadio
from nsplink.store import Store
from nsplink.store import events as ev
from tests.app.daemon.simmesh import EPOCH, SPEEDUP, wait_for
from tests.app.daemon.sites import make_sites
from tests.app.daemon.test_daemon_inprocess import _queue_emergency


def _sql(db: Path, sql: str) -> None:
    raw = sqlite3.connect(db)
    assert raw.execute(sql).rowcount == 1
    raw.commit()
    raw.close()


def _invoke(home: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["--home", str(home), "--lang", "en", *args])
    return result.exit_code, result.stdout, result.stderr


async def _cli(home: Path, *args: str) -> tuple[int, str, str]:
    return await asyncio.to_thread(_invoke, home, *args)  # the CLI runs its own event loop


async def test_edited_outbox_and_inbox_are_caught_and_rebuilt_at_start(tmp_path: Path) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    nsp, cp = homes["NSP Zuid"], homes["CP Noord"]
    medium = Medium(seed=5)
    nodes = [medium.add_node(0x20 + i, position=(i * 800.0, 0.0)) for i in range(2)]
    driver = RealtimeDriver(medium, speedup=SPEEDUP)

    def clock() -> float:
        return EPOCH + driver.virtual_now()

    opts = DaemonOptions(status_interval_s=0, fallback_check_s=1)

    def daemon(home, node) -> Daemon:  # type: ignore[no-untyped-def]
        return Daemon(home, radio=SimRadio(node, driver, portnum=287), options=opts, clock=clock)

    # queued while no daemon runs, then marked delivered behind the program's back
    async with await Store.open(nsp.db_path) as store:
        mid = await _queue_emergency(store, nsp, clock())
    _sql(nsp.db_path, f"UPDATE outbox SET state = 'delivered' WHERE ref = '{mid}'")
    code, _, err = await _cli(nsp.root, "log", "verify")
    assert code == 1 and "View 'outbox' differs from the log at " + str(mid) in err
    assert "state is 'delivered', the log says 'queued'" in err
    code, _, err = await _cli(nsp.root, "outbox")
    assert code == 0 and "outbox" in err

    async with asyncio.TaskGroup() as tg:
        drive = tg.create_task(driver.run())
        daemons = [daemon(nsp, nodes[0]), daemon(cp, nodes[1])]
        runs = [tg.create_task(d.run()) for d in daemons]
        async with await Store.open(nsp.db_path) as store:

            async def delivered() -> bool:
                recs = await store.events(kinds=(ev.MESSAGE_DELIVERED,), ref=str(mid))
                return bool(recs)

            await wait_for(delivered, 60)  # it was sent after all
            rebuilt = await store.events(kinds=(ev.VIEWS_REBUILT,))
            assert [r.data["table"] for r in rebuilt] == ["outbox"]
        for d in daemons:
            d.request_stop()
        await asyncio.gather(*runs)

        # at the CP: the report deleted from the queue while the daemon is stopped
        code, out, _ = await _cli(cp.root, "queue")
        assert code == 0 and "NSP Zuid" in out
        _sql(cp.db_path, f"DELETE FROM inbox WHERE ref = '{mid}'")
        code, out, err = await _cli(cp.root, "queue")
        assert "View 'inbox' differs from the log" in err and "row is missing" in err
        assert (await _cli(cp.root, "log", "verify"))[0] == 1
        again = daemon(cp, nodes[1])
        run = tg.create_task(again.run())
        async with await Store.open(cp.db_path) as store:

            async def back() -> bool:
                return [i.ref for i in await store.inbox()] == [str(mid)]

            await wait_for(back)
        again.request_stop()
        await run
        drive.cancel()
    code, out, err = await _cli(cp.root, "queue")
    assert code == 0 and err == "" and "NSP Zuid" in out
    assert (await _cli(cp.root, "log", "verify"))[0] == 0
    assert (await _cli(nsp.root, "log", "verify"))[0] == 0

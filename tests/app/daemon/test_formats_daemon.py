"""Issue 24 with real daemons: a mixed region during an upgrade. NSP West is configured as a
release from before format 3 (`newest_format = 2` in its site.toml); NSP Zuid and CP Noord read
format 3 and say so in their beacons. Zuid's report reaches the CP in format 3, West's in
format 2, and both are delivered on the CP's signed receipt."""

from __future__ import annotations

from pathlib import Path

from nsplink.app.compose import queue_message
from nsplink.app.config import load_config, save_config
from nsplink.app.daemon import DaemonOptions
from nsplink.app.keys import load_identity
from nsplink.protocol import ALL_CPS, FORMAT_V3, FORMAT_VERSION, Priority
from nsplink.store import Store
from nsplink.store import events as ev
from tests.app.daemon.simmesh import SimMesh, wait_for
from tests.app.daemon.sites import make_sites
from tests.scenario.helpers import sitrep

NAMES = ("NSP Zuid", "NSP West", "CP Noord")


async def test_old_and_new_sites_on_one_mesh(tmp_path: Path) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("NSP West", "nsp"), ("CP Noord", "cp")])
    cfg = load_config(homes["NSP West"])
    cfg.newest_format = FORMAT_VERSION
    save_config(homes["NSP West"], cfg)
    opts = DaemonOptions(status_interval_s=2.0, fallback_check_s=3600)
    mesh = SimMesh(homes, NAMES, seed=7, first_node=0x40, spacing=500.0, options=opts)
    clock = mesh.clock
    async with (
        mesh.running(),
        await Store.open(homes["NSP Zuid"].db_path) as zuid,
        await Store.open(homes["NSP West"].db_path) as west,
    ):

        async def zuid_heard_the_cp() -> bool:
            heads = await zuid.events(kinds=(ev.HEAD_HEARD,))
            return any(r.data.get("sender_site") == "CP Noord" for r in heads)

        await wait_for(zuid_heard_the_cp, timeout=60.0)
        mids = {}
        for name, store in (("NSP Zuid", zuid), ("NSP West", west)):
            ident = load_identity(homes[name].key_path)
            mids[name], _ = await queue_message(
                store, ident, name, sitrep(12), ALL_CPS, Priority.P3, clock(), home=homes[name]
            )

        async def both_delivered() -> bool:
            pairs = (("NSP Zuid", zuid), ("NSP West", west))
            items = [await s.outbox_item(str(mids[n])) for n, s in pairs]
            return all(i is not None and i.state == "delivered" for i in items)

        await wait_for(both_delivered, timeout=90.0)

    async with await Store.open(homes["CP Noord"].db_path) as cp:
        got = {r.ref: r.frame for r in await cp.events(kinds=(ev.MESSAGE_RECEIVED,))}
        assert (await cp.verify()).ok
    zuid_frame, west_frame = got[str(mids["NSP Zuid"])], got[str(mids["NSP West"])]
    assert zuid_frame is not None and zuid_frame[0] >> 4 == FORMAT_V3
    assert west_frame is not None and west_frame[0] >> 4 == FORMAT_VERSION

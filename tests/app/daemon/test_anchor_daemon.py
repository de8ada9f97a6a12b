"""Issue 18, anchoring end to end: two real daemons over the simulated medium send status beacons
carrying their log heads; each records the other's (head.heard) in its own log; afterwards
`nsplink log verify --against` (a real process) finds the NSP's log intact, and then finds the
row an attacker rewrote, hashes and head recomputed, that plain `log verify` cannot see."""

from __future__ import annotations

import json
import re
from pathlib import Path

from nsplink.app.config import load_config
from nsplink.app.daemon import DaemonOptions
from nsplink.app.roster import load_trusted_roster
from nsplink.protocol import HEAD_HASH_BYTES, decode
from nsplink.store import Record, Store
from nsplink.store import events as ev
from tests.app.daemon.simmesh import SimMesh, wait_for
from tests.app.daemon.sites import make_sites
from tests.cli.live import nsplink as live
from tests.cli.test_anchor import nsplink, rewrite


async def test_beacons_carry_heads_that_the_other_site_records(tmp_path: Path) -> None:
    homes = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])
    opts = DaemonOptions(status_interval_s=2.0, fallback_check_s=3600)
    mesh = SimMesh(homes, ("NSP Zuid", "CP Noord"), seed=5, first_node=0x30, options=opts)
    heard: dict[str, list[Record]] = {}
    async with (
        mesh.running(),
        await Store.open(homes["NSP Zuid"].db_path) as nsp_store,
        await Store.open(homes["CP Noord"].db_path) as cp_store,
    ):

        async def both_heard() -> bool:
            for name, store in (("CP Noord", cp_store), ("NSP Zuid", nsp_store)):
                heard[name] = await store.events(kinds=(ev.HEAD_HEARD,))
            return all(heard.values())

        await wait_for(both_heard, timeout=60.0)

    async with await Store.open(homes["NSP Zuid"].db_path) as nsp_store:
        sent = await nsp_store.events(kinds=("status.sent",))
        rows = {r.id: r.hash for r in await nsp_store.events()}
    first = heard["CP Noord"][0]
    assert first.data["sender_site"] == "NSP Zuid" and first.frame is not None
    # the same signed beacon; on air it may have gone in format 3, re-signed (capability.py)
    ring = load_trusted_roster(homes["CP Noord"], load_config(homes["CP Noord"]).region)
    logged = {decode(r.frame, ring).envelope for r in sent if r.frame}
    assert decode(first.frame, ring).envelope in logged
    count = first.data["count"]
    assert 0 < count < len(rows)  # what the NSP had logged when it sent that beacon
    assert rows[count][:HEAD_HASH_BYTES].hex() == first.data["hash"]
    assert heard["NSP Zuid"][0].data["sender_site"] == "CP Noord"

    nsp_home = homes["NSP Zuid"]
    nsp, cp = nsp_home.root, homes["CP Noord"].root
    res = nsplink(nsp, "verify", "--against", str(cp), lang="en")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "announced heads of NSP Zuid checked, all match" in res.stdout
    assert "announced heads of CP Noord checked, all match" in res.stdout  # the other way round too

    # the head as words for the paper log, the same in verify, status and handover
    paper = re.search(r"Kop voor het papieren logboek: #\d+( [a-z]+){4}", live(nsp_home, "status"))
    assert paper is not None
    assert paper.group(0) in nsplink(nsp, "verify").stdout
    assert paper.group(0) in live(nsp_home, "handover")

    rewrite(nsp / "nsplink.db", "UPDATE events SET at = at + 1 WHERE id = 1")
    assert nsplink(nsp, "verify").returncode == 0
    res = nsplink(nsp, "verify", "--against", str(cp), lang="en")
    assert res.returncode == 4
    assert f"NSP Zuid REWRITTEN: row #{count} no longer matches" in res.stderr

    # An altered witness: a copy of the CP's log (its export) in which a head "heard" from the
    # NSP says what the NSP's beacon never said. The recorded beacon is the NSP's signed frame,
    # so that copy is named as altered and no false alarm is raised against the NSP.
    rewrite(nsp / "nsplink.db", "UPDATE events SET at = at - 1 WHERE id = 1")  # undo the attack
    assert nsplink(nsp, "verify", "--against", str(cp), lang="en").returncode == 0
    export = cp / "copy.jsonl"
    assert nsplink(cp, "export", "--output", str(export)).returncode == 0
    rows = [json.loads(line) for line in export.read_text().splitlines()]
    for row in rows:
        if row["id"] == first.id:
            data = json.loads(row["data"]) if isinstance(row["data"], str) else row["data"]
            data["hash"] = "ffffffffffff"
            row["data"] = json.dumps(data) if isinstance(row["data"], str) else data
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = nsplink(nsp, "verify", "--against", str(export), lang="en")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "recorded head(s) of NSP Zuid are not signed by NSP Zuid" in res.stdout
    assert "REWRITTEN" not in res.stdout + res.stderr

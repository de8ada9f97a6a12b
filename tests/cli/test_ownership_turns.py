"""Issue 23 at the second CP's screen: reports whose turn order names another CP first wait in
its queue below its own, say so in words, and are taken only on purpose (real CLI processes
over real site logs; no radio needed)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from nsplink.cli.queue_cmd import my_key
from nsplink.cli.sitefiles import load_site
from nsplink.protocol import KeyId, MessageId, turn_order
from nsplink.store import Store
from tests.app.daemon.sites import make_sites
from tests.cli.cli_sites import queue, receive
from tests.cli.live import run_nsplink
from tests.scenario.helpers import emergency

SITES = [("cp-noord", "cp"), ("cp-zuid", "cp"), ("nsp-houten", "nsp")]


def test_reports_first_for_another_cp_wait_below_and_are_taken_only_on_purpose(
    tmp_path: Path,
) -> None:
    sites = make_sites(tmp_path, SITES)
    zuid = sites["cp-zuid"]
    keys = [KeyId.parse(my_key(load_site(sites[n]))) for n in ("cp-noord", "cp-zuid")]

    def first(ref: str) -> KeyId:
        return turn_order(MessageId.parse(ref), keys)[0]

    async def arrive() -> list[str]:
        """Reports until each CP comes first for two (the keys are new each run)."""
        refs: list[str] = []
        for i in range(64):
            _, frame = await queue(sites["nsp-houten"], emergency(f"Rook uit schuur {i}"))
            refs.append(await receive(zuid, frame, "nsp-houten"))
            if all(sum(first(r) == k for r in refs) >= 2 for k in keys):
                break
        return refs

    refs = asyncio.run(arrive())
    theirs = [r for r in refs if first(r) == keys[0]]
    ours = [r for r in refs if first(r) == keys[1]]
    assert len(theirs) >= 2 and len(ours) >= 2

    out = run_nsplink(zuid, "queue").stdout
    rows = [line for line in out.splitlines() if "Noodhulpmelding" in line]
    waiting = [i for i, line in enumerate(rows) if "eerst voor cp-noord" in line]
    assert len(waiting) == len(theirs)
    assert waiting == list(range(len(rows) - len(theirs), len(rows)))  # below our own
    assert all("geen claim sinds" in rows[i] for i in waiting)

    ident = theirs[0]
    refused = run_nsplink(zuid, "handle", ident, "--status", "GEZ", "--operator", "Bo")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    text = " ".join((refused.stdout + refused.stderr).split())
    assert "eerst voor cp-noord" in text and "--take-over" in text
    assert (
        run_nsplink(zuid, "handle", ours[0], "--status", "GEZ", "--operator", "Bo").returncode == 0
    )
    took = run_nsplink(zuid, "handle", ident, "--status", "GEZ", "--operator", "Bo", "--take-over")
    assert took.returncode == 0, took.stderr

    async def states() -> dict[str, str]:
        async with await Store.open(zuid.db_path) as store:
            return {i.ref: i.triage for i in await store.inbox()}

    got = asyncio.run(states())
    assert got[ident] == "GEZ" and got[ours[0]] == "GEZ"
    assert re.search(r"eerst voor cp-noord", run_nsplink(zuid, "show", theirs[1]).stdout)

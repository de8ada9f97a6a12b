"""Issue 23 at the second CP's screen: reports whose turn order names another CP first wait in
its queue below its own, say so in words, and are taken only on purpose (real CLI processes
over real site logs; no radio needed)."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from nsplink.app.keys import load_identity
from nsplink.app.radiostate import Neighbour, RadioState, write_state
from nsplink.app.setup import sign_for_sites
from nsplink.cli.queue_cmd import my_key
from nsplink.cli.sitefiles import load_site
from nsplink.protocol import KeyId, MessageId, SiteEntry, decode_unverified, turn_order
from nsplink.store import Event, Store
from nsplink.store import events as ev
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


def test_a_cp_gone_quiet_hands_over_only_the_reports_it_did_not_hold_for_an_hour(
    tmp_path: Path,
) -> None:
    """CP Zuid's radio last heard CP Noord two hours ago. Of the reports first for Noord, one
    that came ten minutes ago is Zuid's now (Noord's five-minute turn is over): on top, as
    Zuid's own; one that came a minute ago becomes Zuid's in four; one that came three and a
    half hours ago, while Noord was still heard for an hour and a half, stays Noord's (its claim
    only missed Zuid)."""
    sites = make_sites(tmp_path, SITES)
    nodes = {"cp-noord": 0x1001, "cp-zuid": 0x1002, "nsp-houten": 0x2001}
    entries = [
        SiteEntry(n, role, load_identity(sites[n].key_path).public_key, node=nodes[n])
        for n, role in SITES
    ]
    sign_for_sites(tmp_path, sites, entries)  # the same keys, now with their radios
    zuid = sites["cp-zuid"]
    now = time.time()
    noord = Neighbour(nodes["cp-noord"], now - 2 * 3600)
    state = RadioState(now, 1, "up", now - 4 * 3600, nodes["cp-zuid"], "", {noord.node: noord})
    write_state(zuid, state)
    keys = [KeyId.parse(my_key(load_site(sites[n]))) for n in ("cp-noord", "cp-zuid")]
    ago = {"held": 3.5 * 3600, "ours": 600, "soon": 60}

    async def arrive() -> dict[str, str]:
        """Three reports first for CP Noord, received `ago` seconds ago."""
        refs: dict[str, str] = {}
        for i in range(96):
            _, frame = await queue(sites["nsp-houten"], emergency(f"Rook uit schuur {i}"))
            mid = decode_unverified(frame).id
            if turn_order(mid, keys)[0] == keys[0]:
                name = list(ago)[len(refs)]
                refs[name] = await receive(zuid, frame, "nsp-houten", at=now - ago[name])
                if len(refs) == len(ago):
                    return refs
        raise AssertionError("no three reports first for CP Noord")

    refs = asyncio.run(arrive())
    out = run_nsplink(zuid, "queue").stdout
    rows = [line for line in out.splitlines() if "Noodhulpmelding" in line]
    assert len(rows) == 3 and "eerst voor" not in rows[0], out  # Zuid's own now, on top
    waiting = " ".join(rows[1:])  # below: the two still first for CP Noord
    assert "stil; daarna voor u" in waiting and "geen claim sinds" in waiting, out

    def turn(ref: str) -> str:
        return " ".join(run_nsplink(zuid, "show", ref).stdout.split())

    assert "eerst voor" not in turn(refs["ours"])
    assert "stil; daarna voor u" in turn(refs["soon"]) and "geen claim sinds" in turn(refs["held"])
    took = run_nsplink(zuid, "handle", refs["ours"], "--status", "GEZ", "--operator", "Bo")
    assert took.returncode == 0, took.stderr
    for name in ("soon", "held"):
        refused = run_nsplink(zuid, "handle", refs[name], "--status", "GEZ", "--operator", "Bo")
        assert refused.returncode == 2 and "--take-over" in refused.stdout + refused.stderr


def test_a_report_its_nsp_handed_over_is_this_cps_own_at_once(tmp_path: Path) -> None:
    """Two reports first for CP Noord, which CP Zuid has never heard (its turn never ends by
    itself). The NSP hands one of them to Zuid, as the daemon logs it (`report.handed`,
    protocol/handover.py): that one is Zuid's own on top, its form says who handed it over
    and why, and Zuid takes it up without --take-over; the other still waits for Noord."""
    sites = make_sites(tmp_path, SITES)
    zuid, houten = sites["cp-zuid"], sites["nsp-houten"]
    keys = [KeyId.parse(my_key(load_site(sites[n]))) for n in ("cp-noord", "cp-zuid")]
    now = time.time()

    async def arrive() -> list[str]:
        refs: list[str] = []
        for i in range(96):
            _, frame = await queue(houten, emergency(f"Rook uit schuur {i}"))
            if turn_order(decode_unverified(frame).id, keys)[0] == keys[0]:
                refs.append(await receive(zuid, frame, "nsp-houten", at=now - 900))
                if len(refs) == 2:
                    return refs
        raise AssertionError("no two reports first for CP Noord")

    async def hand(ref: str) -> None:
        data = {"by": my_key(load_site(houten)), "receipt": f"{ref.split('-')[0]}-999"}
        async with await Store.open(zuid.db_path) as store:
            await store.append(Event(ev.REPORT_HANDED, now - 60, "cp-zuid", ref, data))

    handed, waiting = asyncio.run(arrive())
    asyncio.run(hand(handed))
    out = run_nsplink(zuid, "queue").stdout
    rows = [line for line in out.splitlines() if "Noodhulpmelding" in line]
    assert len(rows) == 2 and "eerst voor" not in rows[0] and "eerst voor cp-noord" in rows[1]
    shown = " ".join(run_nsplink(zuid, "show", handed).stdout.split())
    assert "Overgedragen" in shown and "door nsp-houten" in shown, shown
    assert "geen CP had de melding na 30 minuten opgepakt; nu voor u" in shown
    assert "eerst voor" not in shown
    english = " ".join(run_nsplink(zuid, "--lang", "en", "show", handed).stdout.split())
    assert "Handed over" in english and "yours now" in english, english
    took = run_nsplink(zuid, "handle", handed, "--status", "GEZ", "--operator", "Bo")
    assert took.returncode == 0, took.stderr
    refused = run_nsplink(zuid, "handle", waiting, "--status", "GEZ", "--operator", "Bo")
    assert refused.returncode == 2 and "--take-over" in refused.stdout + refused.stderr

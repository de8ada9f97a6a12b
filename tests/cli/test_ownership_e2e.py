"""Issue 23 end to end: two CPs of one region take the same emergency report at once, one of
them with its daemon down (SIGKILL) so it cannot have heard the other. Over the emulated LoRa
mesh alone both CPs end up naming the same owner, both operators are told, the loser cannot
take it further, the NSP sees who handles its report, and a rebuild from the log agrees.

The report's turn order (ownership.py) names one CP first; the other's operator is refused
until its turn comes, and takes it anyway with --take-over: the race this test is about."""

from __future__ import annotations

import re

import pytest

from nsplink.app.site import SiteHome
from nsplink.cli.queue_cmd import my_key
from nsplink.cli.sitefiles import load_site
from nsplink.protocol import KeyId, MessageId, turn_order
from nsplink.store import Store
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.cli.live import nsplink, run_nsplink

pytestmark = pytest.mark.slow
SITES = [("cp-noord", "cp"), ("cp-zuid", "cp"), ("nsp-houten", "nsp")]
MESH_SEED = 23


async def owner_at(home: SiteHome, ref: str) -> str | None:
    async with await Store.open(home.db_path) as store:
        own = (await store.ownership([ref])).get(ref)
        return str(own.owner.cp) if own and own.owner else None


async def conflicts_at(home: SiteHome, ref: str) -> int:
    async with await Store.open(home.db_path) as store:
        return len(await store.events(kinds=("claim.conflict",), ref=ref))


async def in_inbox(home: SiteHome, ref: str) -> bool:
    async with await Store.open(home.db_path) as store:
        return any(i.ref == ref for i in await store.inbox())


async def test_two_cps_take_one_report_and_agree_on_its_owner_over_lora(
    live_sites: dict[str, SiteHome], live_daemons: list[DaemonProc]
) -> None:
    sites, daemons = live_sites, live_daemons
    nsp = sites["nsp-houten"]
    nsp_d = daemons[2]
    for home in sites.values():
        await wait_until(lambda h=home: radio_connected(h), 60, "radio link", daemons)
    out = nsplink(
        nsp, "send", "emergency", "--no-interactive", "--incident", "BRA", "--services", "B",
        "--people-involved", "2", "--street", "Dorpsstraat", "--number", "9", "--place", "Houten",
        "--text", "Schuurbrand naast woning",
    )  # fmt: skip
    ref = re.search(r"Berichtnummer: (\S+)", out).group(1)  # type: ignore[union-attr]
    for cp in ("cp-noord", "cp-zuid"):
        await wait_until(
            lambda h=sites[cp]: in_inbox(h, ref), 120, "the report at both CPs", daemons
        )

    # "noord" is the CP whose turn comes first for this report, "zuid" the other
    keys = {cp: my_key(load_site(sites[cp])) for cp in ("cp-noord", "cp-zuid")}
    first = str(turn_order(MessageId.parse(ref), [KeyId.parse(k) for k in keys.values()])[0])
    order = sorted(keys, key=lambda cp: keys[cp] != first)
    noord, zuid = sites[order[0]], sites[order[1]]
    noord_d, zuid_d = (
        daemons[0 if order[0] == "cp-noord" else 1],
        daemons[1 if order[0] == "cp-noord" else 0],
    )

    # the second CP's operator is refused while it is the first CP's turn: one line, exit 2
    early = run_nsplink(zuid, "handle", ref, "--status", "gezien", "--operator", "Bram")
    assert early.returncode == 2 and "Traceback" not in early.stderr
    assert f"eerst voor {order[0]}" in early.stderr + early.stdout
    assert "--take-over" in early.stderr + early.stdout
    assert f"eerst voor {order[0]}" in nsplink(zuid, "queue")
    assert await owner_at(zuid, ref) is None

    # ZUID's daemon dies hard; NOORD takes the report, and the NSP learns who handles it
    zuid_d.kill()
    nsplink(noord, "handle", ref, "--status", "gezien", "--operator", "Anna")
    await wait_until(lambda: _has_owner(nsp, ref), 120, "the owner at the NSP", [noord_d, nsp_d])
    noord_key = await owner_at(nsp, ref) or ""
    assert noord_key == await owner_at(noord, ref) == first
    # ZUID, not knowing, takes it over on purpose (its CLI writes to its log, daemon down)
    nsplink(zuid, "handle", ref, "--status", "BEH", "--operator", "Bram", "--take-over")
    zuid_d.start()

    # The rule reads the claims' signed minutes, then the lowest key id: when both fall in the
    # same minute either CP may win, but every site must name the same one and both are told.
    async def agreed() -> bool:
        owners = {await owner_at(h, ref) for h in (noord, zuid, nsp)}
        return len(owners) == 1 and None not in owners and await conflicts_at(noord, ref) > 0

    await wait_until(agreed, 180, "every site naming the same owner", daemons)
    assert await conflicts_at(zuid, ref) > 0  # both operators are told
    owner = await owner_at(noord, ref)
    minutes = await claim_minutes(noord, ref)
    if minutes[noord_key] < min(m for k, m in minutes.items() if k != noord_key):
        assert owner == noord_key  # the earlier minute wins
    win, lose = (noord, zuid) if owner == noord_key else (zuid, noord)
    win_name, lose_name = (order[0], order[1]) if win is noord else (order[1], order[0])

    win_show = nsplink(win, "show", ref)
    assert "Afgehandeld door" in win_show and "bij deze CP" in win_show
    assert f"ook genomen door {lose_name}" in win_show
    lose_show = nsplink(lose, "show", ref)
    assert f"LET OP: {win_name} nam deze melding eerder" in lose_show
    assert f"in behandeling bij {win_name}" in nsplink(lose, "queue")
    # the loser cannot take it further: one line, exit 2, nothing logged
    done = run_nsplink(lose, "handle", ref, "--status", "MKAMER", "--operator", "Bram")
    assert done.returncode == 2
    assert f"al in behandeling bij {win_name}" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    # the NSP sees which CP handles its report
    nsp_show = nsplink(nsp, "show", ref)
    assert "Afgehandeld door" in nsp_show and win_name in nsp_show

    for p in daemons:
        assert p.stop() == 0, p.output()[-2000:]
    for home in (noord, zuid, nsp):
        before = await owner_at(home, ref)
        nsplink(home, "log", "rebuild")
        assert await owner_at(home, ref) == before == owner
    assert nsplink(lose, "show", ref) == lose_show


async def claim_minutes(home: SiteHome, ref: str) -> dict[str, int]:
    """The signed minute of each CP's first claim on `ref`, as this site heard them."""
    async with await Store.open(home.db_path) as store:
        out: dict[str, int] = {}
        for rec in await store.events(kinds=("claim.heard",), ref=ref):
            out.setdefault(str(rec.data["by"]), int(rec.data["minute"]))
        return out


async def _has_owner(home: SiteHome, ref: str) -> bool:
    return await owner_at(home, ref) is not None

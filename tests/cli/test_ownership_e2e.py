"""Issue 23 end to end: two CPs of one region take the same emergency report at once, one of
them with its daemon down (SIGKILL) so it cannot have heard the other. Over the emulated LoRa
mesh alone both CPs end up naming the same owner, both operators are told, the loser cannot
take it further, the NSP sees who handles its report, and a rebuild from the log agrees."""

from __future__ import annotations

import re

import pytest

from nsplink.app.site import SiteHome
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
    noord, zuid, nsp = sites["cp-noord"], sites["cp-zuid"], sites["nsp-houten"]
    noord_d, zuid_d, nsp_d = daemons
    for home in sites.values():
        await wait_until(lambda h=home: radio_connected(h), 60, "radio link", daemons)
    out = nsplink(
        nsp, "send", "emergency", "--no-interactive", "--incident", "BRA", "--services", "B",
        "--people-involved", "2", "--street", "Dorpsstraat", "--number", "9", "--place", "Houten",
        "--text", "Schuurbrand naast woning",
    )  # fmt: skip
    ref = re.search(r"Berichtnummer: (\S+)", out).group(1)  # type: ignore[union-attr]
    for cp in (noord, zuid):
        await wait_until(lambda h=cp: in_inbox(h, ref), 120, "the report at both CPs", daemons)

    # ZUID's daemon dies hard; NOORD takes the report, and the NSP learns who handles it
    zuid_d.kill()
    nsplink(noord, "handle", ref, "--status", "gezien", "--operator", "Anna")
    await wait_until(lambda: _has_owner(nsp, ref), 120, "the owner at the NSP", [noord_d, nsp_d])
    noord_key = await owner_at(nsp, ref) or ""
    assert noord_key == await owner_at(noord, ref)
    # ZUID, not knowing, takes it too (its CLI writes to its log while its daemon is down)
    nsplink(zuid, "handle", ref, "--status", "BEH", "--operator", "Bram")
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
    win_name, lose_name = ("cp-noord", "cp-zuid") if win is noord else ("cp-zuid", "cp-noord")

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

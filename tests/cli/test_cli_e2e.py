"""The whole chain as people use it: CLI processes and real daemons over the emulated mesh.

An NSP volunteer sends an emergency report with `nsplink send`; the CP operator sees it with
`queue`/`show` (personal fields opened) and marks it `gezien`, then `doorgezet naar meldkamer`
with `handle`; the NSP's `outbox` follows in words. The CP's `send bulletin` arrives in the
NSP's `bulletins`. Everything goes through the real meshtastic library and signed receipts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nsplink.app.site import SiteHome
from nsplink.store import Store
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.cli.live import nsplink

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
SITES = [("cp-utrecht", "cp"), ("nsp-houten", "nsp")]
MESH_SEED = 11


async def remote_state(home: SiteHome, ref: str) -> str | None:
    async with await Store.open(home.db_path) as store:
        item = await store.outbox_item(ref)
        return item.remote_state if item else None


async def test_volunteer_to_operator_and_back(
    live_sites: dict[str, SiteHome], live_daemons: list[DaemonProc]
) -> None:
    sites, daemons = live_sites, live_daemons
    cp, nsp = sites["cp-utrecht"], sites["nsp-houten"]
    for home in sites.values():
        await wait_until(lambda h=home: radio_connected(h), 60, "radio link", daemons)

    out = nsplink(
        nsp, "send", "emergency", "--no-interactive", "--incident", "APP", "--services", "A",
        "--people-involved", "1", "--street", "Lindenlaan", "--number", "4", "--place", "Houten",
        "--reporter", "Zoë", "--text", "Thuisbeademing valt uit; accu nog ½ uur",
    )  # fmt: skip
    assert "Bericht opgeslagen — wordt verstuurd zodra er verbinding is." in out
    match = re.search(r"Berichtnummer: (\S+)", out)
    assert match is not None
    ref = match.group(1)

    async def at_cp() -> bool:
        async with await Store.open(cp.db_path) as store:
            return any(i.ref == ref for i in await store.inbox())

    await wait_until(at_cp, 90, "the report at the CP", daemons)
    queue = nsplink(cp, "queue")
    assert "medisch apparaat uitgevallen — Lindenlaan 4, Houten" in queue
    assert "NIET GEVERIFIEERD" not in queue
    shown = nsplink(cp, "show", "1")
    assert "Zoë" in shown and "Thuisbeademing valt uit; accu nog ½ uur" in shown

    assert "gezien" in nsplink(cp, "handle", "1", "--status", "gezien", "--operator", "JdV")

    async def seen() -> bool:
        return await remote_state(nsp, ref) == "GEZ"

    await wait_until(seen, 90, "the GEZ receipt at the NSP", daemons)
    assert "Ontvangen door CP" in nsplink(nsp, "outbox")

    nsplink(cp, "handle", ref, "--status", "MKAMER", "--note", "112 gebeld")

    async def forwarded() -> bool:
        return await remote_state(nsp, ref) == "MKAMER"

    await wait_until(forwarded, 90, "the MKAMER receipt at the NSP", daemons)
    assert "Doorgezet naar 112" in nsplink(nsp, "outbox")

    nsplink(
        cp, "send", "bulletin", "--no-interactive", "--headline", "Water bij de kazerne",
        "--body", "Haal drinkwater bij de brandweerkazerne.", "--issuer", "VR Utrecht",
        "--valid-until", "6h",
    )  # fmt: skip

    async def bulletin_in() -> bool:
        async with await Store.open(nsp.db_path) as store:
            return any(i.type == "bulletin" for i in await store.inbox(trust=("verified",)))

    await wait_until(bulletin_in, 90, "the bulletin at the NSP", daemons)
    assert "Water bij de kazerne" in nsplink(nsp, "bulletins")
    status = nsplink(nsp, "status")
    assert "Achtergronddienst: actief" in status and "Radio: verbonden sinds" in status
    for p in daemons:
        assert p.stop() == 0, p.output()[-2000:]

"""The console's other views in a real headless Chromium: the map of the region from site
positions (RD New, inline SVG), link and airtime; composing a bulletin with preview and its
delivery per NSP; the printable shift log. Screenshots of each for a person to look at."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from nsplink.app.radiostate import Neighbour, RadioState, write_state
from nsplink.app.roster import load_roster
from nsplink.app.setup import sign_for_sites
from nsplink.app.site import SiteHome
from nsplink.protocol import NspState, Power, Sitrep
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.cli.cli_sites import queue, receive
from tests.console.browser import shot
from tests.console.test_console_web import login, report_at_cp

POSITIONS = """\
"nsp-houten" = { lat = 52.0284, lon = 5.1681 }
"""


async def test_map_bulletin_and_shift_log(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any, tmp_path: Path
) -> None:
    cp = sites["cp-utrecht"]
    # the region placed Utrecht in the signed roster; the CP placed Houten itself
    entries = [e if e.site != "cp-utrecht" else replace(e, rd=(136_013, 455_998))
               for e in load_roster(cp.roster_path)[1]]  # fmt: skip
    entries = [e if e.site != "nsp-houten" else replace(e, node=0x4E530002) for e in entries]
    sign_for_sites(tmp_path, sites, entries)
    # what the CP's daemon last heard of Houten's radio, directly (radio-state.json)
    heard = Neighbour(0x4E530002, time.time(), snr=6.5, rssi=-98, hops=0, packets=3)
    write_state(cp, RadioState(reported_at=time.time(), link="up", neighbours={heard.node: heard}))
    (cp.root / "positions.toml").write_text(POSITIONS)
    sitrep = Sitrep(nsp_state=NspState.OPEN, power=Power.AGG, power_hours=9, staff_pro=1,
                    staff_vol=4, visitors=30, text="Rustig.")  # fmt: skip
    _, frame = await queue(sites["nsp-houten"], sitrep)
    await receive(cp, frame, "nsp-houten")
    await report_at_cp(sites)
    console = console_at(cp)
    await console.ready()
    page = await login(chromium, console.base, "Anna")

    await page.click("text=Kaart en verbinding")
    houten = page.locator("g.site[data-site='nsp-houten']")
    utrecht = page.locator("g.site[data-site='cp-utrecht']")
    assert await houten.get_attribute("class") == "site open nsp"
    # the live map is drawn anew on every log change: ask again if it was swapped meanwhile
    for _ in range(50):
        await houten.wait_for(state="visible")
        await utrecht.wait_for(state="visible")
        h, u = await houten.bounding_box(), await utrecht.bounding_box()
        if h is not None and u is not None:
            break
        await asyncio.sleep(0.1)
    assert h is not None and u is not None
    assert u["y"] < h["y"] and u["x"] < h["x"]  # Utrecht lies north-west of Houten
    table = await page.locator("table.sites").inner_text()
    assert "9 u" in table and "nsp-bunnik" in table
    assert "SNR 6,5 dB, RSSI -98 dBm (goed)" in table  # link quality from our radio
    assert "1,1 s · 0,3 % budget · 0,0 % kanaal" in table
    assert "nsp-bunnik" in await page.locator("p.warn").inner_text()  # no position given
    await shot(page, "map")

    # a beacon from Bunnik arrives: the map's table follows without a reload
    async with await Store.open(cp.db_path) as store:
        data = {"sender_site": "nsp-bunnik", "power": "NET", "battery_pct": 80,
                "power_hours": 30, "queue_depth": 0, "hops": 1}  # fmt: skip
        await store.append(Event("status.received", time.time(), "cp-utrecht", "x-1", data))
    await page.wait_for_selector("table.sites >> text=30 u", timeout=20_000)
    assert "1 doorgevers" in await page.locator("table.sites").inner_text()

    await page.click("text=Mededeling")
    await page.fill("input[name=headline]", "Drinkwater bij de sporthal")
    await page.fill("textarea[name=body]", "Vanaf 14:00 drinkwater bij sporthal De Wetering.")
    await page.fill("input[name=issuer]", "Gemeente Houten")
    await page.click("#preview-button")
    preview = await page.locator("#preview").inner_text()
    assert "Drinkwater bij de sporthal" in preview and "2" in preview  # to 2 NSPs
    await shot(page, "bulletin-preview")
    async with await Store.open(cp.db_path) as store:
        assert not [o for o in await store.outbox() if o.type == "bulletin"]  # not yet
    await page.click("#send")
    await page.wait_for_selector("#message.ok")
    per_nsp = await page.locator("ul.per-nsp").inner_text()
    assert "nsp-houten: nog niet bevestigd" in per_nsp
    assert "nsp-bunnik: nog niet bevestigd" in per_nsp
    async with await Store.open(cp.db_path) as store:
        (item,) = [o for o in await store.outbox() if o.type == "bulletin"]
        created = await store.events(kinds=(ev.MESSAGE_CREATED,), ref=item.ref)
    assert created and created[0].site == "cp-utrecht"
    await shot(page, "bulletin-sent")

    # a second one for Houten alone: only Houten must confirm it
    await page.fill("input[name=headline]", "Aggregaat Houten")
    await page.fill("textarea[name=body]", "Monteur komt om 16:00.")
    await page.fill("input[name=issuer]", "Gemeente Houten")
    await page.check("input[name=sites][value='nsp-houten']")
    await page.click("#preview-button")
    assert "nsp-houten" in await page.locator("#preview").inner_text()
    await page.click("#send")
    await page.wait_for_selector("#message.ok")
    newest = await page.locator("div.bulletin-sent ul.per-nsp").first.inner_text()
    assert "nsp-houten" in newest and "nsp-bunnik" not in newest

    await page.click("text=Dienstlog")
    log = await page.locator("pre.shiftlog").inner_text()
    assert "Overdracht cp-utrecht" in log and "Open (2)" in log  # the report and the sitrep
    await page.emulate_media(media="print")
    assert not await page.locator("header.bar").is_visible()  # the printout is the log alone
    assert await page.locator("text=Afgedrukt door Anna").is_visible()
    await shot(page, "shiftlog-print")

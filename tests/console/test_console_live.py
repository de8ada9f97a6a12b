"""Issue 22 end to end: real daemons on the emulated mesh, the CP's console in a real headless
Chromium. A report an NSP volunteer sends at the CLI appears in the open browser without a
reload; the operator's question, typed in the browser, reaches the NSP through the CP's daemon."""

from __future__ import annotations

import re
from typing import Any

import pytest

from nsplink.app.site import SiteHome
from nsplink.store import Store
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.cli.live import nsplink
from tests.console.browser import shot
from tests.console.test_console_web import login

pytestmark = pytest.mark.slow
SITES = [("cp-utrecht", "cp"), ("nsp-houten", "nsp")]
MESH_SEED = 22
QUESTION = "Hoeveel mensen zijn nog binnen?"


async def test_report_over_the_mesh_appears_live_and_the_question_goes_back(
    live_sites: dict[str, SiteHome], live_daemons: list[DaemonProc], console_at: Any, chromium: Any
) -> None:
    cp, nsp = live_sites["cp-utrecht"], live_sites["nsp-houten"]
    for home in live_sites.values():
        await wait_until(lambda h=home: radio_connected(h), 60, "radio link", live_daemons)
    console = console_at(cp)
    await console.ready()
    page = await login(chromium, console.base, "Anna")
    await page.evaluate("window.notReloaded = true")

    out = nsplink(
        nsp, "send", "emergency", "--no-interactive", "--incident", "BRA", "--services", "BP",
        "--people-involved", "2", "--life-threat", "JA", "--street", "Lindenlaan",
        "--number", "4", "--place", "Houten", "--text", "Rook uit de bovenwoning",
    )  # fmt: skip
    ref = re.search(r"Berichtnummer: (\S+)", out).group(1)  # type: ignore[union-attr]
    row = page.locator(f"tr[data-ref='{ref}']")
    await row.wait_for(timeout=90_000)
    assert await page.evaluate("window.notReloaded === true")
    text = await row.inner_text()
    assert "LEVENSGEVAAR" in text and "brandweer, politie" in text and "Lindenlaan" in text
    assert await row.get_attribute("class") == "p1 new life flash"
    await shot(page, "live-queue")

    await row.locator("a").first.click()
    await page.select_option("select[name=state]", "NAVR")
    await page.fill("textarea[name=note]", QUESTION)
    await page.click("form#triage button[type=submit]")
    await page.wait_for_selector("#message.ok")

    async def question_at_nsp() -> bool:
        async with await Store.open(nsp.db_path) as store:
            return any(i.type == "note" for i in await store.inbox())

    await wait_until(question_at_nsp, 120, "the question at the NSP", live_daemons)
    shown = nsplink(nsp, "show", ref)
    assert QUESTION in shown and "Anna" in shown
    await page.wait_for_selector("pre.readout >> text=Hoeveel mensen")
    await shot(page, "live-report")
    assert console.stop() == 0, console.output()

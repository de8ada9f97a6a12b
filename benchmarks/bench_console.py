"""Issue 22: the CP console in a real headless Chromium (the system's), five operators' sessions
open on a queue of 500 items. Figures, never assertions:

- latency from a frame arriving at the CP (its reception committed to the CP's log, as the
  daemon commits it) to its row visible in every browser, p50/p95 over 20 arrivals;
- page weight of the queue page with 500 items (HTML, script, style);
- first contentful paint of the login page and of the 500-item queue.

The reference in the same run is the console's own poll interval (live.POLL_S): the part of the
latency that is waiting for the next poll, against the part that is rendering and fetching.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from nsplink.app.compose import queue_message
from nsplink.app.keys import load_identity
from nsplink.console.live import POLL_S
from nsplink.devtools.sound import TARGET as ALERT_WAV
from nsplink.protocol import ALL_CPS, MessageType, decode_unverified, suggested_priority
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.app.daemon.sites import make_sites
from tests.console.browser import CHROMIUM, CHROMIUM_ARGS, ConsoleProc
from tests.scenario.helpers import emergency, sitrep

BROWSERS = 5
ITEMS = 500
ARRIVALS = 20
OBSERVE = """() => {
  window.seenAt = {};
  const mark = () => document.querySelectorAll("#queue tr[data-ref]").forEach(r => {
    if (!(r.dataset.ref in window.seenAt)) window.seenAt[r.dataset.ref] = Date.now();
  });
  mark();
  new MutationObserver(mark).observe(document.getElementById("queue"),
                                     {childList: true, subtree: true});
}"""


async def _frames(home: Any, count: int, start: int) -> list[bytes]:
    ident = load_identity(home.key_path)
    out = []
    async with await Store.open(home.db_path) as store:
        for i in range(start, start + count):
            body = emergency(f"Melding {i}") if i % 3 == 0 else sitrep(visitors=i % 90)
            _, frame = await queue_message(
                store, ident, home.root.name, body, ALL_CPS, suggested_priority(body),
                time.time(), home=home,
            )  # fmt: skip
            out.append(frame)
    return out


def _received(frame: bytes, site: str, cp: str) -> list[Event]:
    env = decode_unverified(frame)
    ref, now = str(env.id), time.time()
    data = {"sender": str(env.sender), "seq": env.seq, "sender_site": site,
            "type": env.type.value, "priority": env.priority.value}  # fmt: skip
    seal = env.type is MessageType.EMERGENCY
    return [
        Event(ev.MESSAGE_RECEIVED, now, cp, ref, data, frame, seal_frame=seal),
        Event(ev.MESSAGE_VERIFIED, now, cp, ref, {}),
    ]


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


async def run(root: Path) -> None:
    from playwright.async_api import async_playwright

    homes = make_sites(root, [("cp-utrecht", "cp"), ("nsp-houten", "nsp")])
    cp, nsp = homes["cp-utrecht"], homes["nsp-houten"]
    t0 = time.perf_counter()
    frames = await _frames(nsp, ITEMS + ARRIVALS, 0)
    async with await Store.open(cp.db_path) as store:
        await store.append_many(
            [e for f in frames[:ITEMS] for e in _received(f, "nsp-houten", "cp-utrecht")]
        )
    print(f"set-up: {ITEMS} items signed and stored at the CP in "
          f"{time.perf_counter() - t0:.1f} s")  # fmt: skip

    console = ConsoleProc(cp, root)
    console.start()
    try:
        await console.ready()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            pages = []
            for i in range(BROWSERS):
                context = await browser.new_context(viewport={"width": 1280, "height": 800})
                page = await context.new_page()
                if i == 0:
                    await page.goto(console.base + "/login")
                    login_fcp = await page.evaluate(
                        "performance.getEntriesByName('first-contentful-paint')[0].startTime"
                    )
                await page.goto(console.base + "/login")
                await page.fill("input[name=name]", f"Operator {i + 1}")
                start = time.perf_counter()
                await page.click("button[type=submit]")
                await page.wait_for_url(console.base + "/")
                if i == 0:
                    login_to_queue = time.perf_counter() - start
                    queue_fcp = await page.evaluate(
                        "performance.getEntriesByName('first-contentful-paint')[0].startTime"
                    )
                await page.wait_for_selector("#live:not(.off)")
                await page.evaluate(OBSERVE)
                pages.append(page)
            rows = await pages[0].locator("#queue tr[data-ref]").count()
            weights = {
                path: len(await (await pages[0].request.get(console.base + path)).body())
                for path in ("/", "/static/console.js", "/static/console.css")
            }

            latencies: list[float] = []
            async with await Store.open(cp.db_path) as store:
                for frame in frames[ITEMS:]:
                    ref = str(decode_unverified(frame).id)
                    arrived = time.time()
                    await store.append_many(_received(frame, "nsp-houten", "cp-utrecht"))
                    seen = []
                    for page in pages:  # the observer in the page took the time; poll it
                        at = None
                        while at is None:
                            at = await page.evaluate(f"window.seenAt['{ref}']")
                            await asyncio.sleep(0.02)
                        seen.append(at)
                    latencies.append(max(seen) / 1000 - arrived)  # the last browser to show it
            await browser.close()
    finally:
        console.stop()

    ms = [x * 1000 for x in latencies]
    print(f"queue: {rows} rows shown of {ITEMS} stored items, {BROWSERS} browser sessions open")
    print(
        f"frame at the CP -> row visible in all {BROWSERS} browsers, {ARRIVALS} arrivals: "
        f"p50 {_pct(ms, 50):.0f} ms, p95 {_pct(ms, 95):.0f} ms, max {max(ms):.0f} ms"
    )
    print(
        f"reference: poll interval {POLL_S * 1000:.0f} ms (mean wait {POLL_S * 500:.0f} ms); "
        f"p50 / poll interval = {_pct(ms, 50) / (POLL_S * 1000):.1f}"
    )
    html, total = weights["/"], sum(weights.values())
    print(
        f"page weight of the queue with {ITEMS} items: HTML {html / 1024:.0f} KiB, "
        f"script + style {(total - html) / 1024:.1f} KiB, nothing else "
        f"(the P1 sound, {Path(ALERT_WAV).stat().st_size / 1024:.1f} KiB, loads on demand)"
    )
    print(
        f"first contentful paint: login page {login_fcp:.0f} ms, queue with {ITEMS} items "
        f"{queue_fcp:.0f} ms; login click -> queue loaded {login_to_queue * 1000:.0f} ms"
    )


def main() -> None:
    if not Path(CHROMIUM).exists():
        print(f"skipped: no Chromium at {CHROMIUM} (make sysdeps installs it)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(Path(tmp)))


if __name__ == "__main__":
    main()

"""The CP console in a real headless Chromium against `nsplink console` as a subprocess, over a
CP site's real SQLite log (issue 22): login, live queue, triage by two operators at once with a
refused conflict, CSRF, hostile text, and no resource from anywhere else."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from nsplink.app.config import load_config, save_config
from nsplink.app.site import SiteHome
from nsplink.protocol import Answer, Emergency, Services
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.cli.cli_sites import forged, queue, receive
from tests.cli.live import nsplink
from tests.console.browser import ROOT, shot
from tests.protocol.test_hostile_text import HOSTILE
from tests.scenario.helpers import emergency

FIRE = dataclasses.replace(
    emergency("Rook uit de bovenwoning"),
    services=Services.A | Services.B,
    life_threat=Answer.JA,
    street="Lindenlaan",
    number="4",
    place="Houten",
)


async def report_at_cp(sites: dict[str, SiteHome], body: Emergency = FIRE) -> str:
    """A report signed at the NSP and stored at the CP as its daemon stores a reception."""
    _, frame = await queue(sites["nsp-houten"], body)
    return await receive(sites["cp-utrecht"], frame, "nsp-houten")


# Count the sounds a page starts (and whether the browser let it play), without changing them.
PLAYS = """
window.plays = [];
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  const started = play.call(this);
  started.then(() => window.plays.push(this.src), () => window.plays.push("refused"));
  return started;
};
"""


async def until(page: Any, js: str, timeout: float = 20.0) -> None:
    """Poll `js` from here: the console's CSP (no eval) stops Playwright's in-page polling."""
    end = time.monotonic() + timeout
    while not await page.evaluate(js):
        assert time.monotonic() < end, f"timed out waiting for {js}"
        await asyncio.sleep(0.05)


async def login(browser: Any, base: str, name: str, password: str | None = None) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_init_script(PLAYS)
    page = await context.new_page()
    await page.goto(f"{base}/login")
    await page.fill("input[name=name]", name)
    if password is not None:
        await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/")
    await page.wait_for_selector("#live:not(.off)")  # the event stream is open
    return page


async def triage_events(home: SiteHome) -> list[Any]:
    async with await Store.open(home.db_path) as store:
        return await store.events(kinds=(ev.TRIAGE_CHANGED,))


async def test_two_operators_live_queue_triage_and_a_refused_overwrite(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any
) -> None:
    cp = sites["cp-utrecht"]
    ref = await report_at_cp(sites)
    console = console_at(cp)
    await console.ready()
    anna = await login(chromium, console.base, "Anna")
    piet = await login(chromium, console.base, "Piet")
    # each sees who else is on, without a reload
    await anna.wait_for_selector("#online >> text=Anna, Piet")
    row = anna.locator(f"tr[data-ref='{ref}']")
    assert "LEVENSGEVAAR" in await row.inner_text()
    assert "ambulance, brandweer" in await row.inner_text()
    assert "NIEUW" in await row.inner_text()
    await shot(anna, "queue")

    # a second report arrives while both look: it appears without a reload, a P1 flashes
    anna_url = anna.url
    second = await report_at_cp(sites, dataclasses.replace(FIRE, street="Dorpsstraat"))
    for page in (anna, piet):
        await page.wait_for_selector(f"tr[data-ref='{second}'].flash", timeout=20_000)
    assert anna.url == anna_url
    for page in (anna, piet):  # the alert sounded once, from the console's own file
        await until(page, "window.plays.length > 0")
        assert await page.evaluate("window.plays") == [f"{console.base}/static/p1.wav"]
    # most urgent first, then what nobody has looked at: both P1 and new, the oldest first
    refs = await anna.locator("table.queue tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.ref)"
    )
    assert refs == [ref, second]
    await shot(anna, "queue-new-p1")

    wall = await piet.context.new_page()  # the queue on the beamer, in Piet's browser
    await wall.goto(console.base + "/")
    await wall.wait_for_selector("#live:not(.off)")
    await anna.goto(f"{console.base}/item/1")
    await piet.goto(f"{console.base}/item/1")
    readout = await anna.locator("pre.readout").inner_text()
    assert "Lodewijk" in readout  # the street spelled for the meldkamer (Lindenlaan)
    await shot(anna, "report")

    await anna.select_option("select[name=state]", "BEH")
    await anna.fill("textarea[name=note]", "Ambulance is onderweg.")
    await anna.click("form#triage button[type=submit]")
    await anna.wait_for_selector("#message.ok")
    assert "Anna" in await anna.locator("#message").inner_text()

    # the queue in the other browser shows Anna's step at once, and whose it is
    await wall.wait_for_selector(f"tr[data-ref='{ref}'] >> text=in behandeling (Anna)")
    await shot(wall, "queue-after-triage")
    # Piet sees Anna's step at once, without reloading, with a warning
    await piet.wait_for_selector("#moved", timeout=20_000)
    assert "Ambulance is onderweg." in await piet.locator("pre.readout").inner_text()
    assert "Anna" in await piet.locator("pre.readout").inner_text()
    # ... and his own change, based on what he saw before, is refused, his note kept
    await piet.select_option("select[name=state]", "AFG")
    await piet.fill("textarea[name=note]", "Klaar.")
    await piet.click("form#triage button[type=submit]")
    await piet.wait_for_selector("#message.error")
    assert "andere operator" in await piet.locator("#message").inner_text()
    assert await piet.locator("textarea[name=note]").input_value() == "Klaar."
    await shot(piet, "conflict")
    steps = await triage_events(cp)
    assert [(s.data["state"], s.data["operator"]) for s in steps] == [("BEH", "Anna")]

    # having now seen Anna's step, Piet may record his
    await piet.click("form#triage button[type=submit]")
    await piet.wait_for_selector("#message.ok")
    steps = await triage_events(cp)
    assert [(s.data["state"], s.data["operator"]) for s in steps] == [
        ("BEH", "Anna"),
        ("AFG", "Piet"),
    ]
    # the CLI beside it reads the same log
    shown = nsplink(cp, "show", "1")
    assert "Anna" in shown and "Piet" in shown and "Ambulance is onderweg." in shown


async def test_a_change_without_the_csrf_token_or_from_elsewhere_is_refused(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any
) -> None:
    cp = sites["cp-utrecht"]
    await report_at_cp(sites)
    console = console_at(cp)
    await console.ready()
    page = await login(chromium, console.base, "Anna")
    await page.goto(f"{console.base}/item/1")
    seen = await page.locator("input[name=seen]").input_value()
    csrf = await page.locator("form#triage input[name=csrf]").input_value()
    url = f"{console.base}/item/1/triage"
    forged_posts = [
        {"state": "AFG", "seen": seen},  # no token
        {"state": "AFG", "seen": seen, "csrf": "x" * len(csrf)},  # a guessed token
    ]
    for form in forged_posts:
        got = await page.request.post(url, form=form, max_redirects=0)
        assert got.status == 403, await got.text()
        assert "CSRF" in await got.text()
    # the right token from another site's page (a browser says where a form came from)
    got = await page.request.post(
        url, form={"state": "AFG", "seen": seen, "csrf": csrf},
        headers={"Origin": "http://evil.example"}, max_redirects=0,
    )  # fmt: skip
    assert got.status == 403
    # the cookie itself cannot be read by a script and is never sent cross-site
    (cookie,) = await page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert await page.evaluate("document.cookie") == ""
    assert await triage_events(cp) == []
    # and the real form still works
    await page.click("form#triage button[type=submit]")
    await page.wait_for_selector("#message.ok")
    assert len(await triage_events(cp)) == 1


RAW = "".join(c for c in HOSTILE.values())


async def test_hostile_unicode_is_shown_escaped(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any, monkeypatch: Any
) -> None:
    cp = sites["cp-utrecht"]
    with monkeypatch.context() as m:  # rows from before the check existed, or a tamperer's
        m.setattr(Emergency, "validate", lambda self: None)
        frame = forged(emergency(f"Man onwel{RAW} ademt zwaar"))
    now = time.time()
    async with await Store.open(cp.db_path) as store:
        got = {"sender": "abcdef", "seq": 1, "sender_site": f"nsp{RAW}houten"}
        got |= {"type": "emergency", "priority": "P1"}
        await store.append_many([
            Event(ev.MESSAGE_RECEIVED, now, "cp-utrecht", "abcdef-1", got, frame, seal_frame=True),
            Event(ev.MESSAGE_QUARANTINED, now, "cp-utrecht", "abcdef-1", {"code": "x"}),
        ])  # fmt: skip
        data = {"state": "BEH", "operator": f"Jan{RAW}", "note": f"bel{RAW}terug"}
        await store.append(Event(ev.TRIAGE_CHANGED, now, "cp-utrecht", "abcdef-1", data))
    console = console_at(cp)
    await console.ready()
    page = await login(chromium, console.base, "Anna")
    for path, name in (("/?all=1", "hostile-queue"), ("/item/1", "hostile-report")):
        await page.goto(console.base + path)
        html = await page.content()
        text = await page.locator("main").inner_text()
        for ch in HOSTILE.values():
            assert ch not in text, (path, hex(ord(ch)))
            assert ch not in html, (path, hex(ord(ch)))
        assert "\\u202e" in text
        await shot(page, name)
    assert "NIET GEVERIFIEERD" in await page.locator("main").inner_text()


async def test_no_resource_from_anywhere_else(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any
) -> None:
    await report_at_cp(sites)
    console = console_at(sites["cp-utrecht"])
    await console.ready()
    context = await chromium.new_context()
    page = await context.new_page()
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    pages = ["/login"]
    await page.goto(console.base + "/login")
    await page.fill("input[name=name]", "Anna")
    await page.click("button[type=submit]")
    pages += ["/", "/?all=1", "/item/1"]
    for path in pages:
        await page.goto(console.base + path)
        await page.wait_for_load_state("networkidle")
        html = await page.content()
        foreign = re.findall(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", html)
        assert foreign == [], (path, foreign)
    assert requested and all(u.startswith(console.base + "/") for u in requested), requested
    assert any(u.endswith("/static/console.js") for u in requested)
    assert any(u.endswith("/static/console.css") for u in requested)


def _cli(home: SiteHome, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nsplink", "--home", str(home.root), *args],
        input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT,
        env={"NSPLINK_LANG": "nl", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip


async def test_accounts_passwords_and_the_delay_after_a_failed_login(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any, tmp_path: Path
) -> None:
    cp = sites["cp-utrecht"]
    refused = _cli(cp, "console", "--listen", "0.0.0.0", "--port", "1")
    assert refused.returncode == 2 and "operatoraccounts" in refused.stderr
    added = _cli(cp, "console", "user", "add", "Anna", "--password-stdin", stdin="lang-geheim-1\n")
    assert added.returncode == 0, added.stderr
    assert "Anna" in _cli(cp, "console", "user", "list").stdout
    console = console_at(cp)
    await console.ready()
    context = await chromium.new_context()
    page = await context.new_page()
    await page.goto(console.base + "/login")
    for attempt, least in ((1, 1.0), (2, 2.0)):
        await page.fill("input[name=name]", "Anna" if attempt == 1 else "")
        if attempt == 2:
            await page.fill("input[name=name]", "Anna")
        await page.fill("input[name=password]", f"fout-{attempt}-wachtwoord")
        start = time.monotonic()
        await page.click("button[type=submit]")
        await page.wait_for_selector("p.error")
        assert time.monotonic() - start >= least
        assert "klopt niet" in await page.locator("p.error").inner_text()
        assert await context.cookies() == []
    await shot(page, "login-failed")
    page = await login(chromium, console.base, "Anna", "lang-geheim-1")
    assert "Operator: Anna" in await page.locator("header").inner_text()
    # English per session, the default stays Dutch for the next operator
    await page.click("text=English")
    await page.wait_for_selector("text=Log out")
    await shot(page, "queue-english")
    await asyncio.sleep(0)


async def test_english_by_setting_only_at_a_cp_and_logging_out(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any
) -> None:
    at_nsp = _cli(sites["nsp-houten"], "console", "--port", "1")
    assert at_nsp.returncode == 2 and "coördinatiepunt" in at_nsp.stderr
    cp = sites["cp-utrecht"]
    save_config(cp, dataclasses.replace(load_config(cp), lang="en"))  # lang = "en" in site.toml
    console = console_at(cp, lang=None)  # no NSPLINK_LANG in the environment
    await console.ready()
    context = await chromium.new_context()
    page = await context.new_page()
    await page.goto(console.base + "/")
    assert page.url == console.base + "/login"  # nothing without logging in
    assert await page.locator("h1").inner_text() == "Log in"
    page = await login(chromium, console.base, "Anna")
    assert "Queue" in await page.locator("main h1").inner_text()
    await page.click("text=Log out")
    await page.wait_for_url(console.base + "/login")
    assert await page.context.cookies() == []
    got = await page.request.get(console.base + "/queue/rows")
    assert got.status == 401


async def test_a_store_fault_is_a_page_in_words_and_nothing_half_done(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any
) -> None:
    cp = sites["cp-utrecht"]
    await report_at_cp(sites)
    console = console_at(cp)
    await console.ready()
    page = await login(chromium, console.base, "Anna")
    await page.goto(console.base + "/item/1")
    # another program holds the log's write lock longer than the store waits (5 s)
    blocker = sqlite3.connect(cp.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        await page.click("form#triage button[type=submit]")
        await page.wait_for_selector("p.error", timeout=20_000)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    text = await page.locator("main").inner_text()
    assert "te lang bezet" in text and "Traceback" not in text
    assert await triage_events(cp) == []
    await page.goto(console.base + "/item/1")  # once free, the same step goes through
    await page.click("form#triage button[type=submit]")
    await page.wait_for_selector("#message.ok")
    assert len(await triage_events(cp)) == 1


async def test_parallel_guesses_wait_out_each_others_delay(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any
) -> None:
    cp = sites["cp-utrecht"]
    assert _cli(cp, "console", "user", "add", "Anna", "--password-stdin",
                stdin="lang-geheim-1\n").returncode == 0  # fmt: skip
    console = console_at(cp)
    await console.ready()
    context = await chromium.new_context()
    start = time.monotonic()
    answers = await asyncio.gather(*(
        context.request.post(console.base + "/login", max_redirects=0,
                             form={"name": "Anna", "password": f"gok-nummer-{i}"})
        for i in range(3)
    ))  # fmt: skip
    assert [a.status for a in answers] == [401, 401, 401]
    assert time.monotonic() - start >= 1 + 2 + 4  # one after the other, each delay in full


async def test_a_report_another_cp_took_is_refused_in_words_and_the_note_kept(
    sites: dict[str, SiteHome], console_at: Any, chromium: Any
) -> None:
    """Issue 23 in the browser: while the operator reads the report, another CP's claim on it
    is heard. Their step is refused with the CLI's one line (not a server error), nothing is
    logged, and what they typed stays in the form."""
    cp = sites["cp-utrecht"]
    ref = await report_at_cp(sites)
    console = console_at(cp)
    await console.ready()
    page = await login(chromium, console.base, "Anna")
    await page.goto(console.base + "/item/1")
    async with await Store.open(cp.db_path) as store:  # CP Noord's claim, as the daemon logs it
        claim = {"by": "0d0e0f", "minute": int(time.time() // 60), "seq": 4, "state": "GEZ"}
        await store.append(Event(ev.CLAIM_HEARD, time.time(), "cp-utrecht", ref, claim))
    await page.fill("textarea[name=note]", "Ambulance onderweg?")
    await page.click("form#triage button[type=submit]")
    await page.wait_for_selector("p.error")
    text = await page.locator("#message").inner_text()
    assert "al in behandeling bij 0d0e0f" in text and "Traceback" not in text
    assert await page.input_value("textarea[name=note]") == "Ambulance onderweg?"
    assert await triage_events(cp) == []


async def _first_for_noord(tmp_path: Path) -> tuple[SiteHome, str, int]:
    """CP Zuid's site with one report whose turn order names CP Noord first (the keys are new
    each run): the site, the report and its number in Zuid's queue."""
    from nsplink.cli.queue_cmd import my_key
    from nsplink.cli.sitefiles import load_site
    from nsplink.protocol import KeyId, MessageId, turn_order
    from tests.app.daemon.sites import make_sites

    sites = make_sites(tmp_path, [("cp-noord", "cp"), ("cp-zuid", "cp"), ("nsp-houten", "nsp")])
    zuid = sites["cp-zuid"]
    keys = [KeyId.parse(my_key(load_site(sites[n]))) for n in ("cp-noord", "cp-zuid")]
    for n in range(1, 65):
        _, frame = await queue(sites["nsp-houten"], FIRE)
        ref = await receive(zuid, frame, "nsp-houten")
        if turn_order(MessageId.parse(ref), keys)[0] == keys[0]:
            return zuid, ref, n
    raise AssertionError("no report first for CP Noord")


async def test_a_report_first_for_another_cp_is_taken_only_with_the_checkbox(
    tmp_path: Path, console_at: Any, chromium: Any
) -> None:
    """Issue 23: a report whose turn order names the other CP first is refused in words that
    point at the 'Overnemen' checkbox; ticked, the step is recorded."""
    zuid, ref, number = await _first_for_noord(tmp_path)
    console = console_at(zuid)
    await console.ready()
    page = await login(chromium, console.base, "Anna")
    await page.goto(f"{console.base}/item/{number}")
    await page.click("form#triage button[type=submit]")
    await page.wait_for_selector("p.error")
    text = await page.locator("#message").inner_text()
    assert "eerst voor cp-noord" in text and "Overnemen" in text and "--take-over" not in text
    assert await triage_events(zuid) == []
    await page.check("input[name=take_over]")
    await page.click("form#triage button[type=submit]")
    await page.wait_for_selector("#message.ok")
    assert [e.ref for e in await triage_events(zuid)] == [ref]


async def test_a_report_its_nsp_handed_over_is_taken_without_the_checkbox(
    tmp_path: Path, console_at: Any, chromium: Any
) -> None:
    """The NSP handed a report first for CP Noord to CP Zuid (protocol/handover.py, logged by
    the daemon as report.handed): the page says who handed it over and why, and the step is
    recorded without the checkbox."""
    zuid, ref, number = await _first_for_noord(tmp_path)
    async with await Store.open(zuid.db_path) as store:
        nsp = ref.split("-")[0]
        handed = {"by": nsp, "receipt": f"{nsp}-900"}
        await store.append(Event(ev.REPORT_HANDED, time.time(), "cp-zuid", ref, handed))
    console = console_at(zuid)
    await console.ready()
    page = await login(chromium, console.base, "Anna")
    await page.goto(f"{console.base}/item/{number}")
    text = " ".join((await page.locator("body").inner_text()).split())
    assert "Overgedragen" in text and "door nsp-houten" in text, text
    assert "geen CP had de melding na 30 minuten opgepakt; nu voor u" in text
    assert "eerst voor cp-noord" not in text
    await shot(page, "item-handed-over")
    await page.click("form#triage button[type=submit]")
    await page.wait_for_selector("#message.ok")
    assert [e.ref for e in await triage_events(zuid)] == [ref]

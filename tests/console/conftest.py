"""Fixtures of the console tests: a CP site (real keys, roster, SQLite), its console as a
subprocess, and the system's headless Chromium. The live mesh fixtures are the CLI tests'."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from nsplink.app.site import SiteHome
from tests.cli.cli_sites import homes
from tests.cli.conftest import live_daemons, live_mesh, live_sites  # noqa: F401  (fixtures)
from tests.console.browser import CHROMIUM_ARGS, ConsoleProc, chromium_or_skip


@pytest.fixture
def sites(tmp_path: Path) -> dict[str, SiteHome]:
    return homes(tmp_path)


@pytest.fixture
def console_at(tmp_path: Path) -> Iterator[Any]:
    """console_at(home, *args) starts `nsplink console` for that home; all stop at the end."""
    procs: list[ConsoleProc] = []

    def start(home: SiteHome, *extra: str, lang: str | None = "nl") -> ConsoleProc:
        proc = ConsoleProc(home, tmp_path, lang=lang)
        proc.start(*extra)
        procs.append(proc)
        return proc

    yield start
    for p in procs:
        p.stop()


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    path = chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()

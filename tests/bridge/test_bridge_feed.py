"""Issue 23: the crisis organisation's feed over the broker. A real `nsplink bridge` at a CP that
holds two bulletins (the second superseding the first) and an NSP's sitrep, supply request and
emergency report (carried over a simulated radio by both daemons); a plain MQTT subscriber that
knows nothing of nsplink reads the region's feed: CAP 1.2 valid against OASIS's XSD, JSON valid
against the shipped schema, retained and QoS 1, and no emergency report."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from pathlib import Path

import aiomqtt
import jsonschema
import paho.mqtt.publish as mqtt_publish
import pytest
from lxml import etree

from nsplink.app.feed import feed_topic
from nsplink.app.setup import make_sites
from nsplink.app.site import SiteHome
from nsplink.devtools.mosquitto import Mosquitto
from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    Category,
    MessageId,
    Priority,
    Supply,
    Unit,
    minutes_since_epoch,
)
from nsplink.store import Store
from tests.app.daemon.procs import wait_until
from tests.bridge.procs import BridgeProc
from tests.export.air import over_the_air, queue
from tests.export.test_export import CAP, FEED_SCHEMA, SCHEMA
from tests.scenario.helpers import bulletin, emergency, sitrep

pytestmark = pytest.mark.slow


def item_validator(kind: str) -> jsonschema.Draft202012Validator:
    """One feed item's schema: the shipped file's own definition for that message type."""
    return jsonschema.Draft202012Validator(
        {"$ref": f"#/$defs/{kind}", "$defs": FEED_SCHEMA["$defs"]}
    )


async def retained(port: int, topic_filter: str, marker: str) -> dict[str, aiomqtt.Message]:
    """Everything retained under the filter. The broker sends a subscription's retained
    messages before those of a later one, so once the marker (retained, subscribed second)
    is here, the feed's are all here."""
    got: dict[str, aiomqtt.Message] = {}
    async with aiomqtt.Client("127.0.0.1", port, identifier="crisis-org") as client:
        await client.subscribe(topic_filter, qos=1)
        await client.subscribe(marker, qos=1)
        async for m in client.messages:
            if str(m.topic) == marker:
                return got
            got[str(m.topic)] = m
    raise AssertionError("the subscription ended")


async def test_a_plain_subscriber_reads_bulletins_as_cap_and_sitreps_supply_as_json(
    tmp_path: Path,
) -> None:
    homes: dict[str, SiteHome] = make_sites(tmp_path, [("cp-a", "cp"), ("nsp-a", "nsp")])
    cp, nsp = homes["cp-a"], homes["nsp-a"]
    need = Supply(category=Category.VOED, quantity=3, unit=Unit.DOOS, item="Broodpakketten")
    from_nsp = [
        await queue(nsp, sitrep(visitors=55), ALL_CPS, Priority.P3),
        await queue(nsp, need, ALL_CPS, Priority.P3),
        await queue(nsp, emergency(), ALL_CPS, Priority.P1),
    ]
    await over_the_air(nsp, cp, from_nsp)
    later = minutes_since_epoch(time.time()) + 600
    first = await queue(cp, bulletin(later), ALL_NSPS, Priority.P3)
    newer = dataclasses.replace(
        bulletin(later), headline="Drinkwater nu bij de kerk", supersedes=MessageId.parse(first)
    )
    second = await queue(cp, newer, ALL_NSPS, Priority.P3)

    broker = Mosquitto(tmp_path / "broker")
    broker.start()
    bridge = BridgeProc(cp, broker.port, tmp_path)
    try:
        bridge.start()

        async def all_published() -> bool:
            async with await Store.open(cp.db_path) as store:
                rows = await store.events(kinds=("bridge.published",))
            return sum(r.data.get("feed", 0) for r in rows) >= 4

        await wait_until(all_published, 60, "the feed published", [bridge])  # type: ignore[list-item]
        bridge.stop()  # retained: the feed outlives the bridge
        marker = "test/marker"
        await asyncio.to_thread(_publish_retained, broker.port, marker)
        feed = await retained(broker.port, feed_topic("VR01"), marker)
    finally:
        bridge.stop()
        broker.stop()

    sitrep_id, supply_id, emergency_id = from_nsp
    root = "nsplink/feed/v1/VR01"
    assert set(feed) == {
        f"{root}/cap/nsplink-VR01-{first}",
        f"{root}/cap/nsplink-VR01-{second}",
        f"{root}/sitrep/{sitrep_id}",
        f"{root}/supply/{supply_id}",
    }  # the emergency report is not on the feed
    assert all(m.retain and m.qos == 1 for m in feed.values())
    assert not [m for m in feed.values() if emergency_id.encode() in bytes(m.payload)]  # type: ignore[arg-type]

    update = feed[f"{root}/cap/nsplink-VR01-{second}"]
    doc = etree.fromstring(bytes(update.payload))  # type: ignore[arg-type]
    SCHEMA.assertValid(doc)
    SCHEMA.assertValid(etree.fromstring(bytes(feed[f"{root}/cap/nsplink-VR01-{first}"].payload)))  # type: ignore[arg-type]
    assert doc.findtext(f"{CAP}msgType") == "Update" and first in doc.findtext(f"{CAP}references")
    assert doc.findtext(f"{CAP}info/{CAP}headline") == "Drinkwater nu bij de kerk"

    report = json.loads(feed[f"{root}/sitrep/{sitrep_id}"].payload)  # type: ignore[arg-type]
    item_validator("sitrep").validate(report)
    assert (report["from"], report["visitors"]) == ("nsp-a", 55)
    supply = json.loads(feed[f"{root}/supply/{supply_id}"].payload)  # type: ignore[arg-type]
    item_validator("supply").validate(supply)
    assert (supply["item"], supply["quantity"], supply["unit"]) == ("Broodpakketten", 3, "DOOS")


def _publish_retained(port: int, topic: str) -> None:
    mqtt_publish.single(topic, b"end", qos=1, retain=True, hostname="127.0.0.1", port=port)

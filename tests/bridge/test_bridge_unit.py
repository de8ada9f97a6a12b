"""The bridge's own rules, without radios: what it accepts from the broker, its bounded back-off,
its options; and against a real mosquitto, one bridge's log as its outbox (issue 23)."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import paho.mqtt.publish as mqtt_publish
import pytest

from nsplink.app.bridge import (
    MAX_PAYLOAD,
    BadPayload,
    BadTopic,
    Bridge,
    BridgeOptions,
    backoff,
    check_incoming,
    topic_for,
)
from nsplink.app.keys import load_identity
from nsplink.app.setup import make_sites
from nsplink.cli.bridge_cmd import BadBroker, parse_broker
from nsplink.devtools.mosquitto import Mosquitto, free_port
from nsplink.protocol import KeyId
from nsplink.store import Event, Store

KEY = KeyId(b"\xab\xcd\xef")


def test_only_a_cps_topic_of_this_region_and_a_frame_sized_payload_are_taken() -> None:
    assert check_incoming(topic_for("VR01", KEY), b"\x01frame", "VR01") == KEY
    for topic in ("nsplink/v1/VR02/abcdef", "nsplink/v1/VR01/ABCDEF", "nsplink/v1/VR01/abcdef/x",
                  "nsplink/v1/VR01/", "other/abcdef", "nsplink/v1/VR01/../abcdef"):  # fmt: skip
        with pytest.raises(BadTopic):
            check_incoming(topic, b"x", "VR01")
    for payload in (b"", b"\x00" * (MAX_PAYLOAD + 1)):
        with pytest.raises(BadPayload):
            check_incoming(topic_for("VR01", KEY), payload, "VR01")


def test_backoff_doubles_from_the_minimum_and_never_passes_the_maximum() -> None:
    rng = random.Random(1)
    waits = [backoff(n, 0.5, 30.0, rng) for n in range(40)]
    assert 0.35 <= waits[0] <= 0.5
    assert all(w <= 30.0 for w in waits) and max(waits) > 20
    assert waits[3] > waits[0]


def test_broker_addresses() -> None:
    assert parse_broker("broker.vr01.nl") == ("broker.vr01.nl", 1883)
    assert parse_broker("10.0.0.5:8883") == ("10.0.0.5", 8883)
    for bad in ("", ":1883", "host:0", "host:x", "host:70000"):
        with pytest.raises(BadBroker):
            parse_broker(bad)


async def test_without_a_broker_the_bridge_retries_bounded_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    homes = make_sites(tmp_path, [("cp-a", "cp")])
    home = homes["cp-a"]
    me = load_identity(home.key_path).key_id
    opts = BridgeOptions("127.0.0.1", free_port(), backoff_min_s=0.05, backoff_max_s=0.2)
    bridge = Bridge(home, "cp-a", "VR01", me, opts)
    task = asyncio.create_task(bridge.run())
    await asyncio.sleep(1.5)
    bridge.request_stop()
    await asyncio.wait_for(task, 10)
    async with await Store.open(home.db_path) as store:
        lost = await store.events(kinds=("bridge.disconnected",))
    assert len(lost) >= 4  # it kept trying, at most 0.2 s apart, and did not crash


async def test_the_log_is_the_outbox_a_frame_logged_while_the_broker_is_down_goes_later(
    tmp_path: Path,
) -> None:
    """A frame the CP signed while the broker was away is published when it is back, exactly
    once per acknowledged cursor; junk from the broker becomes a bridge.rejected row."""
    homes = make_sites(tmp_path / "sites", [("cp-a", "cp")])
    home = homes["cp-a"]
    me = load_identity(home.key_path).key_id
    broker = Mosquitto(tmp_path / "broker")
    opts = BridgeOptions("127.0.0.1", broker.port, backoff_min_s=0.05, backoff_max_s=0.3)
    bridge = Bridge(home, "cp-a", "VR01", me, opts)
    async with await Store.open(home.db_path) as store:
        await store.append(
            Event("receipt.created", time.time(), "cp-a", f"{me}-1", {"kind": "TRIAGE"}, b"\x02s1")
        )
    task = asyncio.create_task(bridge.run())
    await asyncio.sleep(0.5)  # no broker yet
    assert bridge.published == 0
    broker.start()
    try:
        for _ in range(100):
            if bridge.published:
                break
            await asyncio.sleep(0.1)
        assert bridge.published == 1
        mqtt_publish.single("nsplink/v1/VR01/zz", b"junk", hostname="127.0.0.1", port=broker.port)
        for _ in range(50):
            async with await Store.open(home.db_path) as store:
                if await store.events(kinds=("bridge.rejected",)):
                    break
            await asyncio.sleep(0.1)
    finally:
        bridge.request_stop()
        await asyncio.wait_for(task, 10)
        broker.stop()
    async with await Store.open(home.db_path) as store:
        cursor = await store.events(kinds=("bridge.published",))
        assert [r.data["frames"] for r in cursor] == [1]
        (junk,) = await store.events(kinds=("bridge.rejected",))
        assert junk.data["code"] == "bridge.bad_topic"

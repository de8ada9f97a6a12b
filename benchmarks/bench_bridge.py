"""The bridge (issue 23): CP -> broker -> CP latency (p50/p95) and frames per second, against a
bare MQTT client publishing the same frames to the same real mosquitto in the same run.

Two CP sites with real SQLite logs and two in-process bridges. A frame is "sent" when it is
appended to CP A's log (as the daemon does) and "arrived" when CP B's bridge has written it to
B's log. The bare client publishes from memory and its subscriber only counts: what the bridge
adds is the log on both ends (durability) and its polling of the log (`poll_s`).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiomqtt

from nsplink.app.bridge import QUIET, Bridge, BridgeOptions, topic_for
from nsplink.app.bridgelog import FRAME_IN
from nsplink.app.keys import load_identity
from nsplink.app.setup import make_sites
from nsplink.devtools.mosquitto import Mosquitto
from nsplink.store import Event, Store

LATENCY_N = 150
BULK_N = 2000


class TimedBridge(Bridge):
    """A bridge that notes when each frame reached its log."""

    arrived: dict[bytes, float]

    async def _append(self, event: Event) -> None:
        await super()._append(event)
        if event.kind == FRAME_IN and event.frame is not None:
            self.arrived[event.frame] = time.perf_counter()


def _frame(i: int, tag: bytes) -> bytes:
    return b"\x02" + tag + i.to_bytes(4, "big") + bytes(80)  # a receipt-sized frame


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


async def _bridge_run(root: Path, port: int, poll_s: float) -> dict[str, Any]:
    homes = make_sites(root, [("cp-a", "cp"), ("cp-b", "cp")])
    bridges: dict[str, TimedBridge] = {}
    for name, home in homes.items():
        me = load_identity(home.key_path).key_id
        b = TimedBridge(home, name, "VR01", me, BridgeOptions("127.0.0.1", port, poll_s=poll_s))
        b.arrived = {}
        bridges[name] = b
    tasks = [asyncio.create_task(b.run()) for b in bridges.values()]
    b = bridges["cp-b"]
    await asyncio.sleep(1.0)  # both connected and subscribed
    lat: list[float] = []
    async with await Store.open(homes["cp-a"].db_path) as store:
        for i in range(LATENCY_N):
            f = _frame(i, b"L")
            t0 = time.perf_counter()
            await store.append(Event("receipt.created", time.time(), "cp-a", f"x-{i}", {}, f))
            while f not in b.arrived:
                await asyncio.sleep(0.001)
            lat.append(b.arrived[f] - t0)
        frames = [_frame(i, b"B") for i in range(BULK_N)]
        t0 = time.perf_counter()
        await store.append_many(
            [
                Event("receipt.created", time.time(), "cp-a", f"y-{i}", {}, f)
                for i, f in enumerate(frames)
            ]
        )
        while not all(f in b.arrived for f in frames[-50:]) or len(b.arrived) < LATENCY_N + BULK_N:
            await asyncio.sleep(0.01)
        bulk_s = time.perf_counter() - t0
    for x in bridges.values():
        x.request_stop()
    await asyncio.gather(*tasks)
    return {
        "p50": _pct(lat, 0.5),
        "p95": _pct(lat, 0.95),
        "rate": BULK_N / bulk_s,
        "mean": statistics.mean(lat),
    }


async def _bare_run(port: int) -> dict[str, Any]:
    topic = topic_for("VR01", load_identity_free())
    got: dict[bytes, float] = {}
    async with (
        aiomqtt.Client(
            "127.0.0.1", port, identifier="bench-sub", clean_session=False, logger=QUIET
        ) as sub,
        aiomqtt.Client("127.0.0.1", port, identifier="bench-pub", logger=QUIET) as pub,
    ):
        await sub.subscribe("nsplink/v1/VR01/+", qos=1)

        async def reader() -> None:
            async for m in sub.messages:
                if isinstance(m.payload, bytes):
                    got[m.payload] = time.perf_counter()

        rt = asyncio.create_task(reader())
        await asyncio.sleep(0.3)
        lat: list[float] = []
        for i in range(LATENCY_N):
            f = _frame(i, b"l")
            t0 = time.perf_counter()
            await pub.publish(topic, f, qos=1)
            while f not in got:
                await asyncio.sleep(0.001)
            lat.append(got[f] - t0)
        frames = [_frame(i, b"b") for i in range(BULK_N)]
        t0 = time.perf_counter()
        for k in range(0, BULK_N, 32):  # the same in-flight window as the bridge
            await asyncio.gather(*(pub.publish(topic, f, qos=1) for f in frames[k : k + 32]))
        while not all(f in got for f in frames):
            await asyncio.sleep(0.005)
        bulk_s = time.perf_counter() - t0
        rt.cancel()
    return {
        "p50": _pct(lat, 0.5),
        "p95": _pct(lat, 0.95),
        "rate": BULK_N / bulk_s,
        "mean": statistics.mean(lat),
    }


def load_identity_free() -> Any:
    from nsplink.protocol import KeyId

    return KeyId(b"\xbe\x0c\x01")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        broker = Mosquitto(root / "broker")
        broker.start()
        try:
            bare = asyncio.run(_bare_run(broker.port))
            fast = asyncio.run(_bridge_run(root / "fast", broker.port, poll_s=0.01))
            default = asyncio.run(_bridge_run(root / "default", broker.port, poll_s=0.2))
        finally:
            broker.stop()
    print(f"frames of {len(_frame(0, b'x'))} bytes; latency over {LATENCY_N} one at a time, "
          f"throughput over {BULK_N} at once; one mosquitto on 127.0.0.1, QoS 1")  # fmt: skip
    print(f"{'':34} {'p50 ms':>8} {'p95 ms':>8} {'frames/s':>9}")
    rows = (("bare MQTT client (memory to memory)", bare),
            ("bridge, log polled every 10 ms", fast),
            ("bridge, default poll 200 ms", default))  # fmt: skip
    for label, r in rows:
        print(f"{label:34} {r['p50'] * 1000:8.1f} {r['p95'] * 1000:8.1f} {r['rate']:9.0f}")
    print(f"bridge (default) / bare: latency p50 x{default['p50'] / bare['p50']:.0f}, "
          f"throughput x{default['rate'] / bare['rate']:.2f}")  # fmt: skip

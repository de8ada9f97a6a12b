"""Issue 23, the bridge, end to end with real parts: two LoRa islands (two emulated meshes, no
radio path between them), each with a CP and an NSP and their daemons, and the two CPs' bridges
(real `nsplink bridge` processes) on a real mosquitto on 127.0.0.1. Island A has a second CP
without any IP link, coordinated over LoRa alone.

On the way: the broker is restarted mid-traffic, one bridge is SIGKILLed mid-publish and started
again, frames are delivered twice, a forged frame and junk are injected on the broker. At the
end: every report reached the other island's CP, none is shown twice, the forged one is never
trusted, and the CPs agree on one owner per report."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.publish as mqtt_publish
import pytest

from nsplink.app.setup import make_sites
from nsplink.app.site import SiteHome
from nsplink.devtools.mosquitto import Mosquitto
from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread
from nsplink.store import Store
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.bridge.procs import BridgeProc
from tests.cli.live import nsplink, run_nsplink

pytestmark = pytest.mark.slow
ISLAND_A = [("cp-a", "cp"), ("nsp-a", "nsp"), ("cp-a2", "cp")]  # cp-a2: no IP link
ISLAND_B = [("cp-b", "cp"), ("nsp-b", "nsp")]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Mosquitto]:
    m = Mosquitto(tmp_path / "broker")
    m.start()
    yield m
    m.stop()


@pytest.fixture
def islands(tmp_path: Path) -> Iterator[dict[str, SiteHome]]:
    with (
        EmulatorThread(EmulatedMesh(3, speedup=4.0, seed=231)) as mesh_a,
        EmulatorThread(EmulatedMesh(2, speedup=4.0, seed=232)) as mesh_b,
    ):
        radios = {}
        for spec, mesh in ((ISLAND_A, mesh_a), (ISLAND_B, mesh_b)):
            for (name, _), dev in zip(spec, mesh.mesh.devices, strict=True):
                radios[name] = f"tcp://127.0.0.1:{dev.tcp_port}"
        yield make_sites(tmp_path / "sites", ISLAND_A + ISLAND_B, radios=radios)


async def rows(home: SiteHome, kind: str, **kw: object) -> list:  # type: ignore[type-arg]
    async with await Store.open(home.db_path) as store:
        return await store.events(kinds=(kind,), **kw)


async def inbox(home: SiteHome) -> dict[str, tuple[str, int]]:
    async with await Store.open(home.db_path) as store:
        return {i.ref: (i.trust, i.duplicates) for i in await store.inbox()}


async def owner_at(home: SiteHome, ref: str) -> str | None:
    async with await Store.open(home.db_path) as store:
        own = (await store.ownership([ref])).get(ref)
        return str(own.owner.cp) if own and own.owner else None


def send_report(nsp: SiteHome, n: int) -> str:
    out = nsplink(
        nsp, "send", "emergency", "--no-interactive", "--incident", "MED", "--services", "A",
        "--people-involved", "1", "--street", "Brugstraat", "--number", str(n),
        "--place", "Winschoten", "--text", f"Melding {n} over de brug",
    )  # fmt: skip
    return re.search(r"Berichtnummer: (\S+)", out).group(1)  # type: ignore[union-attr]


def handle(home: SiteHome, *args: str) -> subprocess.CompletedProcess[str]:
    return run_nsplink(home, "handle", *args)


async def test_two_islands_over_the_broker_nothing_lost_nothing_twice_forgery_refused(
    islands: dict[str, SiteHome], broker: Mosquitto, tmp_path: Path
) -> None:
    homes = islands
    cp_a, nsp_a, cp_b = homes["cp-a"], homes["nsp-a"], homes["cp-b"]
    daemons = [DaemonProc(h, tmp_path) for h in homes.values()]
    bridges = {n: BridgeProc(homes[n], broker.port, tmp_path) for n in ("cp-a", "cp-b")}
    try:
        for d in daemons:
            d.start()
        for b in bridges.values():
            b.start()
        for h in homes.values():
            await wait_until(lambda h=h: radio_connected(h), 60, "radio link", daemons)
        for name in bridges:
            await wait_until(
                lambda n=name: _connected(homes[n]), 30, f"bridge {name} connected", daemons
            )

        # 1. a report on island A reaches CP B only over the broker, verified, once
        first = send_report(nsp_a, 1)
        await wait_until(lambda: _has(cp_b, first), 120, "report 1 at CP B", daemons)
        got = await rows(cp_b, "message.received", ref=first)
        assert len(got) == 1 and got[0].data["from_node"] == 0  # came over the bridge

        # 2. traffic while the broker restarts, and while A's bridge is SIGKILLed mid-publish
        refs = [first]
        refs.append(send_report(nsp_a, 2))
        broker.stop()
        refs.append(send_report(nsp_a, 3))
        await asyncio.sleep(2)
        broker.start()
        refs.append(send_report(nsp_a, 4))
        await wait_until(lambda: _has(cp_a, refs[-1]), 120, "report 4 at CP A", daemons)
        bridges["cp-a"].kill()
        refs.append(send_report(nsp_a, 5))
        await wait_until(lambda: _has(cp_a, refs[-1]), 120, "report 5 at CP A", daemons)
        bridges["cp-a"].start()
        for ref in refs:
            await wait_until(lambda r=ref: _has(cp_b, r), 120, f"{ref} at CP B", daemons)

        # 3. duplicates on the broker (a QoS 1 redelivery, a replay): shown once. B's bridge
        # is restarted first, so its own memory of recent frames cannot hide them: the
        # daemon's engine must recognise them
        frame = (await rows(cp_a, "message.received", ref=refs[1], with_personal=True))[0].frame
        topic_a = f"nsplink/v1/VR01/{_key(cp_a)}"
        before = len(await rows(cp_b, "bridge.connected"))
        bridges["cp-b"].kill()
        bridges["cp-b"].start()
        await wait_until(lambda: _connected(cp_b, before + 1), 30, "B's bridge again", daemons)
        for _ in range(3):
            mqtt_publish.single(topic_a, frame, qos=1, hostname="127.0.0.1", port=broker.port)

        # 4. a forged frame (a real report with one byte of its signature changed) and junk
        forged = frame[:-1] + bytes([frame[-1] ^ 0x01])
        mqtt_publish.single(topic_a, forged, qos=1, hostname="127.0.0.1", port=broker.port)
        mqtt_publish.single(
            "nsplink/v1/VR01/not-a-key", b"junk", hostname="127.0.0.1", port=broker.port
        )
        mqtt_publish.single(topic_a, b"\x00" * 9000, hostname="127.0.0.1", port=broker.port)

        async def refused_at_b() -> bool:
            rejected = await rows(cp_b, "message.rejected") + await rows(cp_b, "rejects.counted")
            junk = await rows(cp_b, "bridge.rejected")
            return bool(rejected) and len(junk) >= 2

        await wait_until(refused_at_b, 60, "the forgery and the junk refused at CP B", daemons)
        await wait_until(lambda: _dup_seen(cp_b, refs[1]), 60, "the replay counted", daemons)

        # 5. CP B takes report 1: its claim reaches CP A over the broker; A may not take it
        # (its operator takes it on purpose: the report's turn order may name another CP first)
        took = handle(cp_b, first, "--status", "gezien", "--operator", "Bo", "--take-over")
        assert took.returncode == 0, took.stderr
        key_b = _key(cp_b)
        await wait_until(lambda: _owner_is(cp_a, first, key_b), 120, "B's claim at A", daemons)
        done = handle(cp_a, first, "--status", "BEH", "--operator", "Ada")
        assert done.returncode == 2 and "al in behandeling bij cp-b" in done.stdout + done.stderr
        # ... and CP A says B's claim once on island A's air: the CP there without a link and
        # the report's NSP learn it over LoRa
        cp_a2 = homes["cp-a2"]
        await wait_until(lambda: _owner_is(cp_a2, first, key_b), 120, "B's claim at A2", daemons)
        await wait_until(lambda: _owner_is(nsp_a, first, key_b), 120, "B's claim at NSP A", daemons)
        assert (
            "cp-b" in nsplink(nsp_a, "show", first).split("Afgehandeld door", 1)[1].split("\n")[0]
        )

        # 6. a CP without a link takes a report over LoRa: CP A hears its claim on the radio and
        # passes it over the broker, so CP B, on the other island, does not take it too
        sixth = send_report(nsp_a, 6)
        refs.append(sixth)
        await wait_until(lambda: _has(cp_a2, sixth), 120, "report 6 at CP A2", daemons)
        await wait_until(lambda: _has(cp_b, sixth), 120, "report 6 at CP B", daemons)
        took = handle(cp_a2, sixth, "--status", "gezien", "--operator", "Cas", "--take-over")
        assert took.returncode == 0, took.stderr
        key_a2 = _key(cp_a2)
        await wait_until(lambda: _owner_is(cp_b, sixth, key_a2), 120, "A2's claim at B", daemons)
        done = handle(cp_b, sixth, "--status", "MKAMER", "--operator", "Bo")
        assert done.returncode == 2 and "al in behandeling bij cp-a2" in done.stdout + done.stderr

        # zero lost, zero shown twice, the forged frame never trusted
        shown = await inbox(cp_b)
        for ref in refs:
            assert shown[ref][0] == "verified"
            assert len(await rows(cp_b, "message.received", ref=ref)) == 1
        assert all(trust != "quarantined" for trust, _ in shown.values())
        assert not (await rows(cp_b, "message.verified", ref="x"))
        for name, b in bridges.items():
            assert b.stop() == 0, name + b.output()[-2000:]
        for d in daemons:
            assert d.stop() == 0, d.output()[-2000:]
        # the bridge's outbox survived the SIGKILL: every frame it owed was acknowledged
        assert await rows(cp_a, "bridge.published")
    finally:
        for b in bridges.values():
            b.stop()
        for d in daemons:
            d.stop()


def _key(home: SiteHome) -> str:
    from nsplink.app.keys import load_identity

    return str(load_identity(home.key_path).key_id)


async def _connected(home: SiteHome, times: int = 1) -> bool:
    return len(await rows(home, "bridge.connected")) >= times


async def _has(home: SiteHome, ref: str) -> bool:
    return ref in await inbox(home)


async def _dup_seen(home: SiteHome, ref: str) -> bool:
    return bool(await rows(home, "message.duplicate", ref=ref))


async def _owner_is(home: SiteHome, ref: str, key: str) -> bool:
    return await owner_at(home, ref) == key

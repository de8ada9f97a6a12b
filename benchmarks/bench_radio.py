"""Radio path costs: stream framing, the config handshake, the adapter's send round trip and
how long the event loop ever stalls while the adapter works. Each figure comes with a
reference measured in the same run (see the `ref` column)."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

from meshtastic.protobuf import mesh_pb2

from nsplink.radio.base import OutgoingPacket
from nsplink.radio.emulator import EmulatedMesh
from nsplink.radio.emulator.framing import FrameDecoder, encode_frame
from nsplink.radio.meshtastic import MeshtasticRadio


def _row(name: str, value: float, unit: str, ref_name: str, ref: float) -> None:
    ratio = value / ref if ref else float("nan")
    left = f"{name:<38} {value:>10.3f} {unit:<6}"
    print(f"{left} ref {ref_name:<30} {ref:>10.3f} {unit:<6} x{ratio:.2f}")


def bench_framing() -> None:
    pkt = mesh_pb2.FromRadio()
    pkt.packet.decoded.payload = bytes(range(200))
    pkt.packet.decoded.portnum = 287  # type: ignore[assignment]
    body = pkt.SerializeToString()
    stream = encode_frame(body) * 20000
    t0 = time.perf_counter()
    dec = FrameDecoder()
    n = 0
    for i in range(0, len(stream), 4096):  # socket-sized reads
        n += len(dec.feed(stream[i : i + 4096]))
    t_dec = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(n):
        mesh_pb2.FromRadio.FromString(body)
    t_parse = time.perf_counter() - t0
    _row(
        "deframe 20k FromRadio (us/frame)",
        t_dec / n * 1e6,
        "us",
        "protobuf parse (us/frame)",
        t_parse / n * 1e6,
    )


async def _raw_handshake(port: int) -> float:
    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(encode_frame(mesh_pb2.ToRadio(want_config_id=7).SerializeToString()))
    dec = FrameDecoder()
    done = False
    while not done:
        for f in dec.feed(await reader.read(65536)):
            done = done or mesh_pb2.FromRadio.FromString(f).config_complete_id == 7
    writer.close()
    return time.perf_counter() - t0


async def bench_link() -> None:
    async with EmulatedMesh(2, speedup=50.0) as mesh:
        a, b = mesh.devices
        raw = [await _raw_handshake(a.tcp_port) for _ in range(5)]

        radio = MeshtasticRadio(f"tcp://127.0.0.1:{a.tcp_port}")
        gaps: list[float] = []
        stop = asyncio.Event()

        async def ticker() -> None:
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.005)
                now = time.perf_counter()
                gaps.append(now - last - 0.005)
                last = now

        idle_task = asyncio.create_task(ticker())
        await asyncio.sleep(0.5)
        stop.set()
        await idle_task
        idle_gap = max(gaps)
        gaps.clear()
        stop.clear()
        busy_task = asyncio.create_task(ticker())
        t0 = time.perf_counter()
        await radio.open()
        t_open = time.perf_counter() - t0
        sends: list[float] = []
        for i in range(40):
            t0 = time.perf_counter()
            await radio.send(OutgoingPacket(bytes([i]) * 40, dest=b.node_num))
            sends.append(time.perf_counter() - t0)
            await asyncio.sleep(0.05)  # let the 16-slot device queue drain
        stop.set()
        await busy_task
        busy_gap = max(gaps)
        await radio.close()

        lib = await asyncio.to_thread(_library_round_trips, a.tcp_port, b.node_num)

    _row(
        "adapter open: library handshake (ms)",
        t_open * 1e3,
        "ms",
        "raw handshake (ms, median)",
        statistics.median(raw) * 1e3,
    )
    _row(
        "adapter send->QueueStatus (ms, median)",
        statistics.median(sends) * 1e3,
        "ms",
        "library sendData+qs (median)",
        statistics.median(lib) * 1e3,
    )
    p95 = sorted(sends)[int(0.95 * len(sends)) - 1]
    _row(
        "adapter send p95 (ms)",
        p95 * 1e3,
        "ms",
        "library p95",
        sorted(lib)[int(0.95 * len(lib)) - 1] * 1e3,
    )
    _row(
        "worst loop stall while radio busy (ms)",
        busy_gap * 1e3,
        "ms",
        "worst stall, loop idle",
        idle_gap * 1e3,
    )


def _library_round_trips(port: int, dest: int) -> list[float]:
    import meshtastic.tcp_interface

    iface: Any = meshtastic.tcp_interface.TCPInterface("127.0.0.1", portNumber=port, timeout=20)
    out = []
    try:
        for i in range(40):
            t0 = time.perf_counter()
            p = iface.sendData(bytes([i]) * 40, dest, portNum=287)
            deadline = time.monotonic() + 5
            while (
                iface.queueStatus is None or iface.queueStatus.mesh_packet_id != p.id
            ) and time.monotonic() < deadline:
                time.sleep(0.0005)
            out.append(time.perf_counter() - t0)
            time.sleep(0.05)
    finally:
        iface.close()
    return out


def main() -> None:
    print(f"{'figure':<38} {'value':>10} {'':<6}     {'reference':<30} {'value':>10}")
    bench_framing()
    asyncio.run(bench_link())


if __name__ == "__main__":
    main()

"""A whole emulated mesh: one sim medium, driven in real time, with an `EmulatedDevice` per node.

Used by `nsplink radio emulate`, by tests (the real `meshtastic` library and CLI connect to the
TCP ports or ptys), and by the daemon/scenario work. `EmulatorThread` runs a mesh on its own
event loop in a background thread, for callers that are not asyncio code themselves.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from meshtastic.protobuf import mesh_pb2

from nsplink.radio.emulator.device import EmulatedDevice
from nsplink.radio.emulator.state import StateStore

T = TypeVar("T")

NODE_NUM_BASE = 0x4E530000  # "NS" + index: readable node ids (!4e530001, ...)
DEFAULT_SPACING_M = 1000.0  # well inside LONG_FAST range, so a line of nodes is one mesh


class EmulatedMesh:
    def __init__(
        self,
        nodes: int = 2,
        *,
        base_port: int = 0,
        host: str = "127.0.0.1",
        state_dir: Path | None = None,
        pty: bool = False,
        preset: str = "LONG_FAST",
        seed: int = 0,
        speedup: float = 1.0,
        node_nums: Sequence[int] | None = None,
        positions: Sequence[tuple[float, float]] | None = None,
        roles: Sequence[str] | None = None,
        reboot_scale: float = 1.0,
        duty_pct: float = 10.0,
    ) -> None:
        if nodes < 1:
            raise ValueError("an emulated mesh needs at least one node")
        self.count = nodes
        self.base_port = base_port
        self.host = host
        self.state_dir = state_dir
        self.use_pty = pty
        self.preset = preset
        self.seed = seed
        self.speedup = speedup
        self.node_nums = list(node_nums or [NODE_NUM_BASE + i + 1 for i in range(nodes)])
        self.positions = list(positions or [(i * DEFAULT_SPACING_M, 0.0) for i in range(nodes)])
        self.roles = list(roles or ["CLIENT"] * nodes)
        if not len(self.node_nums) == len(self.positions) == len(self.roles) == nodes:
            raise ValueError("node_nums, positions and roles must have one entry per node")
        self.reboot_scale = reboot_scale
        self.duty_pct = duty_pct  # EU_868: 10 %; tests lower it to reach the limit quickly
        self.devices: list[EmulatedDevice] = []
        self.medium: Any = None
        self._driver: Any = None
        self._driver_task: asyncio.Task[Any] | None = None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._epoch0 = 0.0

    def device(self, node_num: int) -> EmulatedDevice:
        for dev in self.devices:
            if dev.node_num == node_num:
                return dev
        raise KeyError(f"no emulated node {node_num:08x}")

    def _lookup_user(self, num: int) -> mesh_pb2.User | None:
        for dev in self.devices:
            if dev.node_num == num:
                return dev.state.owner
        return None

    async def start(self) -> None:
        from nsplink.radio.sim.driver import RealtimeDriver
        from nsplink.radio.sim.medium import Medium
        from nsplink.radio.sim.telemetry import report_metrics

        self.medium = Medium(preset=self.preset, seed=self.seed, duty_pct=self.duty_pct)
        self._driver = RealtimeDriver(self.medium, speedup=self.speedup)
        self._epoch0 = time.time() - float(self.medium.now) / self.speedup
        store = StateStore(self.state_dir)
        pty_dir: Path | None = None
        if self.use_pty:
            if self.state_dir is not None:
                pty_dir = self.state_dir
            else:
                self._tmp = tempfile.TemporaryDirectory(prefix="nsplink-emu-")
                pty_dir = Path(self._tmp.name)
        try:
            for i, num in enumerate(self.node_nums):
                node = self.medium.add_node(num, position=self.positions[i], role=self.roles[i])
                report_metrics(self.medium, node)  # the device's minute DeviceMetrics
                dev = EmulatedDevice(
                    num,
                    node,
                    store,
                    preset=self.preset,
                    host=self.host,
                    port=self.base_port + i if self.base_port else 0,
                    pty_path=None if pty_dir is None else pty_dir / f"node-{num:08x}.tty",
                    epoch=self._epoch,
                    wake=self._driver.wake,
                    sync=self._driver.sync,
                    now=self._medium_now,
                    lookup_user=self._lookup_user,
                    reboot_scale=self.reboot_scale,
                )
                self.devices.append(dev)
                await dev.start()
        except BaseException:
            await self.stop()
            raise
        self._driver_task = asyncio.get_running_loop().create_task(self._driver.run())

    def _medium_now(self) -> float:
        return float(self.medium.now)

    def _epoch(self, medium_time: float) -> int:
        """Medium seconds -> unix seconds, for rx_time and last_heard."""
        return int(self._epoch0 + medium_time / self.speedup)

    async def stop(self) -> None:
        if self._driver_task is not None:
            self._driver_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._driver_task
            self._driver_task = None
        for dev in self.devices:
            await dev.stop()
        self.devices.clear()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    async def __aenter__(self) -> EmulatedMesh:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


class EmulatorThread:
    """Run an `EmulatedMesh` on its own loop in a daemon thread.

    with EmulatorThread(EmulatedMesh(2)) as emu:
        port = emu.mesh.devices[0].tcp_port
        emu.call(lambda: emu.mesh.devices[0].drop_connection())
    """

    def __init__(self, mesh: EmulatedMesh, start_timeout: float = 20.0) -> None:
        self.mesh = mesh
        self.start_timeout = start_timeout
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._started = concurrent.futures.Future[None]()

    def __enter__(self) -> EmulatorThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="nsplink-emulator", daemon=True)
        self._thread.start()
        self._started.result(timeout=self.start_timeout)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._stopped = asyncio.Event()
        try:
            await self.mesh.start()
        except BaseException as exc:
            self._started.set_exception(exc)
            return
        self._started.set_result(None)
        try:
            await self._stopped.wait()
        finally:
            await self.mesh.stop()

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run `fn` on the emulator's loop (fault hooks are not thread-safe) and return its
        result."""
        assert self.loop is not None

        async def run() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        if self.loop is not None and self._stopped is not None and self._thread is not None:
            with contextlib.suppress(RuntimeError):
                self.loop.call_soon_threadsafe(self._stopped.set)
            self._thread.join(timeout)

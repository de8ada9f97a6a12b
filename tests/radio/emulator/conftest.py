"""Emulated meshes for the library tests, each on its own loop thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nsplink.radio.emulator import EmulatedMesh, EmulatorThread

SPEEDUP = 20.0  # LoRa seconds pass 20x faster; airtime and retries keep their order


@pytest.fixture
def emu(tmp_path: Path) -> Iterator[EmulatorThread]:
    with EmulatorThread(
        EmulatedMesh(2, state_dir=tmp_path / "state", pty=True, speedup=SPEEDUP, reboot_scale=0.02)
    ) as thread:
        yield thread


def wait_until(cond: Callable[[], object], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll a condition set by library threads; fail (not hang) after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class Inbox:
    """Collects pubsub receive callbacks of one interface, thread-safely."""

    def __init__(self, iface: object) -> None:
        self.iface = iface
        self.packets: list[dict[str, object]] = []
        self._lock = threading.Lock()

    def __call__(self, packet: dict[str, object], interface: object) -> None:
        if interface is self.iface:
            with self._lock:
                self.packets.append(packet)

    def find(self, pred: Callable[[dict[str, object]], bool]) -> dict[str, object] | None:
        with self._lock:
            return next((p for p in self.packets if pred(p)), None)

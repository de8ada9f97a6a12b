"""An emulated radio for provisioning tests: one node of the project's emulator, reached
through the real `meshtastic` library over TCP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nsplink.radio.emulator import EmulatedDevice, EmulatedMesh, EmulatorThread
from nsplink.radio.emulator.faults import Faults

REBOOT_SCALE = 0.02  # the firmware's 7 s restart after a commit becomes 0.14 s


class Radio:
    def __init__(self, emu: EmulatorThread) -> None:
        self.emu = emu

    @property
    def device(self) -> EmulatedDevice:
        return self.emu.mesh.devices[0]

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.device.tcp_port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.device.tcp_port}"

    def faults(self, **changes: object) -> None:
        """Set fault hooks on the emulator's own loop (they are not thread-safe)."""

        def apply() -> None:
            f: Faults = self.device.faults
            for name, value in changes.items():
                setattr(f, name, value)

        self.emu.call(apply)

    def state_json(self) -> dict[str, object]:
        """The committed (saved) device state, as the emulator keeps it in flash."""
        return self.emu.call(lambda: self.device.state.to_json())

    @property
    def serial_url(self) -> str:
        """The device's pseudo-terminal, as a USB radio appears (only with `pty=True`)."""
        return f"serial://{self.device.pty_path}"


@contextmanager
def emulated_radio(state_dir: Path, pty: bool = False) -> Iterator[Radio]:
    mesh = EmulatedMesh(1, state_dir=state_dir, reboot_scale=REBOOT_SCALE, pty=pty)
    with EmulatorThread(mesh) as emu:
        yield Radio(emu)

"""Emulated Meshtastic devices: the real stream API (TCP on 127.0.0.1, optional pty) in front of
nodes of the simulated LoRa medium, so the unmodified `meshtastic` library and CLI can be tested
without radio hardware."""

from nsplink.radio.emulator.device import EmulatedDevice
from nsplink.radio.emulator.faults import Faults
from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread
from nsplink.radio.emulator.state import EmulatorStateInvalid

__all__ = ["EmulatedDevice", "EmulatedMesh", "EmulatorStateInvalid", "EmulatorThread", "Faults"]

"""Fault hooks of an emulated device, for tests and for provisioning checks.

Set them on `EmulatedDevice.faults` (from the emulator's event loop, or through
`EmulatorThread.call`). Each hook mimics something a real radio or cable does.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Faults:
    # Pull the cable after this many more admin messages have been handled (the Nth is handled
    # and answered, then every client link is dropped). None: never.
    drop_after_admin: int | None = None
    # Config sections ("lora", "device", "mqtt", ...) or "owner" / "channel" whose set_* the
    # device refuses with a BAD_REQUEST routing error, as firmware does for invalid input.
    reject_sections: set[str] = field(default_factory=set)
    # Dotted fields ("lora.hop_limit") the device acknowledges but silently keeps unchanged,
    # like firmware clamping or ignoring a value.
    ignore_fields: set[str] = field(default_factory=set)
    # A hung device: the link stays open but nothing is answered or delivered.
    silent: bool = False

    def admin_handled(self) -> bool:
        """Count one handled admin message; True when the link must now be dropped."""
        if self.drop_after_admin is None:
            return False
        self.drop_after_admin -= 1
        if self.drop_after_admin <= 0:
            self.drop_after_admin = None
            return True
        return False

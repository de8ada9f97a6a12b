"""What the laptop knows about its own power, from /sys/class/power_supply (Linux)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SYS_POWER = Path("/sys/class/power_supply")


@dataclass(frozen=True)
class PowerReading:
    on_mains: bool | None  # None: no supply information at all
    battery_pct: int | None
    hours_left: float | None


def _read(path: Path) -> str | None:
    try:
        return path.read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _int(path: Path) -> int | None:
    text = _read(path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def read_power(root: Path = SYS_POWER) -> PowerReading:
    """Best effort; every field may be None on a machine without the information."""
    try:
        supplies = sorted(p for p in root.iterdir() if p.is_dir())
    except OSError:
        return PowerReading(None, None, None)
    on_mains: bool | None = None
    pct: int | None = None
    hours: float | None = None
    for sup in supplies:
        kind = _read(sup / "type")
        if kind == "Mains":
            online = _int(sup / "online")
            if online is not None:
                on_mains = bool(online) or bool(on_mains)
        elif kind == "Battery":
            cap = _int(sup / "capacity")
            if cap is not None:
                pct = max(0, min(100, cap))
            energy, rate = _int(sup / "energy_now"), _int(sup / "power_now")
            if energy is None or rate is None:
                energy, rate = _int(sup / "charge_now"), _int(sup / "current_now")
            if energy is not None and rate:
                hours = energy / rate
    return PowerReading(on_mains, pct, hours)

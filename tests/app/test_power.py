"""Power readings for the status beacon, from a sysfs-like tree of real files."""

from __future__ import annotations

from pathlib import Path

from nsplink.app.power import read_power


def supply(root: Path, name: str, **files: str) -> None:
    d = root / name
    d.mkdir(parents=True)
    for key, value in files.items():
        (d / key).write_text(value + "\n")


def test_laptop_on_battery(tmp_path: Path) -> None:
    supply(tmp_path, "AC", type="Mains", online="0")
    supply(
        tmp_path, "BAT0", type="Battery", capacity="62", energy_now="31000000", power_now="7750000"
    )
    reading = read_power(tmp_path)
    assert reading.on_mains is False
    assert reading.battery_pct == 62
    assert reading.hours_left == 4.0


def test_on_mains_with_charge_counters_and_odd_values(tmp_path: Path) -> None:
    supply(tmp_path, "ADP1", type="Mains", online="1")
    supply(tmp_path, "BAT1", type="Battery", capacity="104", charge_now="2000", current_now="0")
    reading = read_power(tmp_path)
    assert reading.on_mains is True
    assert reading.battery_pct == 100  # clamped
    assert reading.hours_left is None  # no discharge rate: unknown, not infinite


def test_no_power_information(tmp_path: Path) -> None:
    assert read_power(tmp_path / "missing") == read_power(tmp_path / "missing")
    reading = read_power(tmp_path / "missing")
    assert (reading.on_mains, reading.battery_pct, reading.hours_left) == (None, None, None)

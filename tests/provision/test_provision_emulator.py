"""Provisioning against an emulated radio through the real meshtastic library: configured in
full, or left as it was, never half; verified by reading back, and by the device's saved state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from nsplink.provision import Provisioner, check, load_profile, parse_radio_url
from nsplink.provision.errors import RadioTimeout, RadioUnreachable
from nsplink.provision.settings import Target
from nsplink.texts import render_error
from tests.provision.conftest import PROFILES
from tests.provision.emu import REBOOT_SCALE, Radio, emulated_radio

PSK = bytes(range(1, 33))
ALL_SECTIONS = {
    "device",
    "position",
    "power",
    "network",
    "display",
    "lora",
    "bluetooth",
    "security",
    "mqtt",
    "telemetry",
    "neighbor_info",
    "range_test",
    "store_forward",
    "owner",
    "channel",
}


@pytest.fixture
def radio(tmp_path: Path) -> Iterator[Radio]:
    with emulated_radio(tmp_path / "emu") as r:
        yield r


def target(
    name: str = "nsp", psk: bytes | None = PSK, long_name: str | None = "NSP Zuid"
) -> Target:
    short = None if long_name is None else "NSPZ"
    return Target(load_profile(PROFILES / f"{name}.yaml"), psk, long_name, short)


def saved(radio: Radio) -> dict[str, object]:
    """The part of the saved device state provisioning may change."""
    st = radio.state_json()
    return {k: st[k] for k in ("owner", "config", "module_config", "channels")}


def test_provision_then_check_finds_no_drift(radio: Radio) -> None:
    addr = parse_radio_url(radio.url)
    events: list[str] = []
    result = Provisioner(addr, target(), notify=lambda k, p: events.append(k)).run()
    assert result.outcome == "configured" and result.ok
    assert result.attempts == []
    changed = {c.path: (c.before, c.after) for c in result.changed}
    assert changed["config.lora.tx_power"] == ("27", "22")
    assert changed["owner.long_name"][1] == "NSP Zuid"
    assert changed["channel.0.psk"] == ("default public key", changed["channel.0.psk"][1])
    assert changed["channel.0.psk"][1].startswith("256-bit key ")
    assert "provision.ev_verifying" in events
    # the read-back came after the restart the commit causes, so from flash, not from RAM
    assert events.index("provision.ev_restart") < events.index("provision.ev_verifying")
    assert radio.state_json()["reboot_count"] == 1
    # the device saved it (a fresh connection is no cache of ours)
    st = radio.state_json()
    assert st["config"]["lora"]["tx_power"] == 22  # type: ignore[index]
    assert st["owner"]["long_name"] == "NSP Zuid"  # type: ignore[index]
    _, drifts = check(addr, target())
    assert drifts == []


def test_second_run_writes_nothing(radio: Radio) -> None:
    addr = parse_radio_url(radio.url)
    assert Provisioner(addr, target()).run().outcome == "configured"
    assert radio.state_json()["reboot_count"] == 1  # the commit's restart, waited for
    result = Provisioner(addr, target()).run()
    assert result.outcome == "already" and result.changed == []
    time.sleep(10 * REBOOT_SCALE * 7)  # well past when a commit would have restarted it
    assert radio.state_json()["reboot_count"] == 1  # nothing committed, so no restart


def test_check_lists_drift_after_someone_changes_the_radio(radio: Radio) -> None:
    addr = parse_radio_url(radio.url)
    Provisioner(addr, target()).run()
    other = target("relay")  # a ROUTER profile on a CLIENT radio
    _, drifts = check(addr, other)
    by_path = {d.path: d for d in drifts}
    assert by_path["config.device.role"].have == "CLIENT"
    assert by_path["config.device.role"].want == "ROUTER"
    assert by_path["config.lora.tx_power"].want == "20"


def test_check_with_the_wrong_key_and_without_a_key(radio: Radio) -> None:
    addr = parse_radio_url(radio.url)
    _, fresh = check(addr, target(psk=None, long_name=None))
    assert any(d.path == "channel.0.psk" and d.have == "default public key" for d in fresh)
    Provisioner(addr, target()).run()
    _, no_key = check(addr, target(psk=None))
    assert no_key == []  # private 256-bit key present, so it passes without the secret
    _, wrong = check(addr, target(psk=bytes(range(2, 34))))
    assert [d.path for d in wrong] == ["channel.0.psk"]


@pytest.mark.parametrize("cut_after", [1, 2, 3, 5, 7])
def test_a_radio_that_disconnects_halfway_is_retried_and_ends_fully_configured(
    radio: Radio, cut_after: int
) -> None:
    """The link drops after `cut_after` admin messages (the transaction is open); the device
    throws the staged half away, we report it, retry, and end with everything on the radio."""
    before = saved(radio)
    radio.faults(drop_after_admin=cut_after)
    result = Provisioner(parse_radio_url(radio.url), target()).run()
    assert result.outcome == "configured"
    # the failed attempt is on record: either a write saw the link go, or (when every write
    # was already in the socket buffer) the read-back found nothing committed
    assert len(result.attempts) == 1
    failed = result.attempts[0]
    assert failed.error is not None or len(failed.drift) > 5
    assert saved(radio) != before
    _, drifts = check(parse_radio_url(radio.url), target())
    assert drifts == []


def test_a_radio_that_keeps_disconnecting_is_left_untouched(radio: Radio) -> None:
    before = saved(radio)

    def rearm(key: str, params: dict[str, object]) -> None:
        if key == "provision.ev_attempt":
            radio.faults(drop_after_admin=3)

    result = Provisioner(parse_radio_url(radio.url), target(), attempts=3, notify=rearm).run()
    assert result.outcome == "untouched" and not result.ok
    assert [a.number for a in result.attempts] == [1, 2, 3]
    assert all(a.error is not None or a.drift for a in result.attempts)
    assert saved(radio) == before


def test_a_setting_the_radio_will_not_take_ends_with_the_old_settings_back(radio: Radio) -> None:
    """The device acks lora but keeps tx_power (firmware clamping): the commit lands, but the
    read-back shows drift. After the retries the radio must be put back as it was."""
    before = saved(radio)
    radio.faults(ignore_fields={"lora.tx_power"})
    result = Provisioner(parse_radio_url(radio.url), target(), attempts=2).run()
    assert result.outcome == "restored"
    # (an attempt may also meet the restart that follows a commit: then it is a link error)
    drifts = [[d.path for d in a.drift] for a in result.attempts if a.drift]
    assert drifts and all(paths == ["config.lora.tx_power"] for paths in drifts)
    assert saved(radio) == before


def test_when_even_the_restore_fails_the_result_says_partial(radio: Radio) -> None:
    radio.faults(ignore_fields={"lora.tx_power"})

    def refuse_restore(key: str, params: dict[str, object]) -> None:
        if key == "provision.ev_restoring":
            radio.faults(reject_sections=set(ALL_SECTIONS))

    result = Provisioner(
        parse_radio_url(radio.url), target(), attempts=2, notify=refuse_restore
    ).run()
    assert result.outcome == "partial" and not result.ok
    assert any(c.path == "owner.long_name" for c in result.changed)  # what is on it now
    assert [d.path for d in result.remaining] == ["config.lora.tx_power"]


def test_a_hung_radio_times_out_with_a_typed_error(radio: Radio) -> None:
    radio.faults(silent=True)
    with pytest.raises(RadioTimeout) as info:
        Provisioner(parse_radio_url(radio.url), target(), timeout=2.0, settle_wait=0.0).run()
    assert "2 s" in render_error(info.value, "en") and "connect" in render_error(info.value, "en")


def test_nothing_listening_is_unreachable(radio: Radio) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RadioUnreachable) as info:
        check(parse_radio_url(f"tcp://127.0.0.1:{port}"), target(), wait=0.0)
    assert "kabel" in render_error(info.value, "nl")


def test_provision_over_serial_with_a_pulled_cable(tmp_path: Path) -> None:
    """The same over the USB-serial path (a pseudo-terminal): the link drops during the
    transaction, the cable comes back, the retry configures the radio in full."""
    with emulated_radio(tmp_path / "emu", pty=True) as radio:
        addr = parse_radio_url(radio.serial_url)
        radio.faults(drop_after_admin=4)
        result = Provisioner(addr, target()).run()
        assert result.outcome == "configured"
        assert len(result.attempts) == 1
        _, drifts = check(addr, target())
        assert drifts == []

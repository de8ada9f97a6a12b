"""The pure parts: key files, names, radio addresses, and the diff/apply logic (no radio)."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from meshtastic.protobuf import channel_pb2, config_pb2, localonly_pb2

from nsplink.provision.device import parse_radio_url
from nsplink.provision.errors import (
    PskExposed,
    PskInvalid,
    PskMissing,
    RadioNameInvalid,
    RadioUrlInvalid,
)
from nsplink.provision.profile import load_profile
from nsplink.provision.secret import describe_psk, generate_psk, parse_psk, read_psk
from nsplink.provision.settings import (
    RadioSettings,
    Target,
    apply_target,
    changes,
    check_names,
    derive_short_name,
    diff,
)
from nsplink.texts import render_error
from tests.provision.conftest import PROFILES

PSK = bytes(range(1, 33))


def fresh_radio() -> RadioSettings:
    cfg = localonly_pb2.LocalConfig()
    cfg.lora.region = config_pb2.Config.LoRaConfig.RegionCode.US
    cfg.lora.tx_power = 30
    cfg.lora.hop_limit = 7
    cfg.bluetooth.enabled = True
    cfg.security.private_key = b"k" * 32  # a radio's own key: never touched
    cfg.security.serial_enabled = True
    primary = channel_pb2.Channel(index=0, role=channel_pb2.Channel.Role.PRIMARY)
    primary.settings.psk = b"\x01"
    primary.settings.uplink_enabled = True
    public = channel_pb2.Channel(index=1, role=channel_pb2.Channel.Role.SECONDARY)
    public.settings.name = "LongFast"
    return RadioSettings(1, "Meshtastic 0001", "0001", cfg, channels=[primary, public])


def target(name: str = "nsp") -> Target:
    return Target(load_profile(PROFILES / f"{name}.yaml"), PSK, "NSP Zuid", "NSPZ")


def test_apply_then_diff_is_empty_and_keeps_what_the_profile_does_not_mention() -> None:
    radio = fresh_radio()
    drifts = {d.path for d in diff(target(), radio)}
    assert {
        "config.lora.region",
        "config.lora.tx_power",
        "channel.0.psk",
        "channel.1.role",
    } <= drifts
    assert "channel.0.uplink_enabled" in drifts
    done = apply_target(target(), radio)
    assert diff(target(), done) == []
    assert done.config.security.private_key == b"k" * 32
    assert radio.config.lora.tx_power == 30  # the input is not modified
    todo = changes(radio, done)
    assert todo.owner and set(todo.channels) == {0, 1}
    assert "lora" in todo.config and "security" not in todo.config
    assert "telemetry" in todo.module_config


@settings(max_examples=60, deadline=None)
@given(
    region=st.sampled_from(config_pb2.Config.LoRaConfig.RegionCode.keys()),
    power=st.integers(min_value=-10, max_value=40),
    hops=st.integers(min_value=0, max_value=7),
    psk=st.binary(max_size=32),
    extra=st.lists(st.integers(min_value=1, max_value=7), max_size=7),
    kind=st.sampled_from(["nsp", "cp", "relay"]),
)
def test_any_radio_ends_matching_after_apply(
    region: str, power: int, hops: int, psk: bytes, extra: list[int], kind: str
) -> None:
    radio = fresh_radio()
    radio.config.lora.region = config_pb2.Config.LoRaConfig.RegionCode.Value(region)
    radio.config.lora.tx_power = power
    radio.config.lora.hop_limit = hops
    radio.channels[0].settings.psk = psk
    for i in extra:
        radio.channels.append(channel_pb2.Channel(index=i, role=channel_pb2.Channel.Role.SECONDARY))
    t = target(kind)
    after = apply_target(t, radio)
    assert diff(t, after) == []
    assert changes(after, apply_target(t, after)).empty  # applying twice writes nothing


def test_check_without_a_key_only_asks_for_a_private_one() -> None:
    t = Target(load_profile(PROFILES / "cp.yaml"))
    done = apply_target(Target(t.profile, PSK), fresh_radio())
    assert diff(t, done) == []
    done.channels[0].settings.psk = b"\x01"
    assert [(d.path, d.have) for d in diff(t, done)] == [("channel.0.psk", "default public key")]


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        (b"", "none (unencrypted)"),
        (b"\x00", "none (unencrypted)"),
        (b"\x01", "default public key"),
        (b"\x03", "public key simple2"),
    ],
)
def test_public_keys_are_named_as_such(key: bytes, shown: str) -> None:
    assert describe_psk(key) == shown


def test_a_key_is_shown_by_fingerprint_only() -> None:
    shown = describe_psk(PSK)
    assert shown.startswith("256-bit key ") and base64.b64encode(PSK).decode() not in shown
    assert shown != describe_psk(bytes(range(2, 34)))


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("NSP Zuid", "NSPZ"),
        ("CP Haaglanden", "CPH"),
        ("Relais", "Rel"),
        ("Ölst-Noord", "ÖlN"),
        ("NSP Zuid Oost", "NSZO"),
        ("Ö Ü Ä Ë", "ÖÜ"),
    ],
)
def test_short_names(name: str, short: str) -> None:
    assert derive_short_name(name) == short
    check_names(name, short)


@pytest.mark.parametrize(
    ("long", "short"), [("", "A"), (" NSP", "N"), ("N" * 40, "N"), ("NSP\x07", "N"), ("NSP", "ÖÖÖ")]
)
def test_bad_names_are_refused(long: str, short: str) -> None:
    with pytest.raises(RadioNameInvalid) as info:
        check_names(long, short)
    assert render_error(info.value, "nl") != render_error(info.value, "en")


def test_generated_key_file_is_0600_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "k.psk"
    key = generate_psk(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_psk(path) == key and len(key) == 32
    with pytest.raises(FileExistsError):
        generate_psk(path)
    assert read_psk(path) == key


def test_key_file_checks(tmp_path: Path) -> None:
    with pytest.raises(PskMissing):
        read_psk(tmp_path / "none.psk")
    path = tmp_path / "k.psk"
    path.write_text("base64:" + base64.b64encode(PSK).decode() + "\n")
    os.chmod(path, 0o640)
    with pytest.raises(PskExposed):
        read_psk(path)
    os.chmod(path, 0o600)
    assert read_psk(path) == PSK  # the meshtastic "base64:" spelling is accepted too


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_random_key_text_is_a_typed_error_or_a_32_byte_key(text: str) -> None:
    try:
        assert len(parse_psk(text, "k.psk")) == 32
    except PskInvalid as err:
        assert "k.psk" in render_error(err, "nl")


@pytest.mark.parametrize(
    ("url", "kind", "where"),
    [
        ("tcp://127.0.0.1:4403", "tcp", ("127.0.0.1", 4403)),
        ("tcp://radio.local", "tcp", ("radio.local", 4403)),
        ("serial:///dev/ttyUSB0", "serial", "/dev/ttyUSB0"),
    ],
)
def test_radio_addresses(url: str, kind: str, where: object) -> None:
    addr = parse_radio_url(url)
    assert addr.kind == kind
    assert ((addr.host, addr.port) if kind == "tcp" else addr.path) == where


@pytest.mark.parametrize(
    "url", ["", "ble://NSP", "tcp://", "tcp://h:99999", "serial://dev/ttyUSB0", "/dev/ttyUSB0", "ü"]
)
def test_bad_radio_addresses(url: str) -> None:
    with pytest.raises(RadioUrlInvalid) as info:
        parse_radio_url(url)
    assert "serial:///dev/ttyUSB0" in render_error(info.value, "nl")

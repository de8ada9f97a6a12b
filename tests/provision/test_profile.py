"""Profiles: the shipped ones are valid and readable by meshtastic itself; illegal ones are
rejected with file, line and field named, in Dutch and English."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from meshtastic.__main__ import _profile_from_yaml

from nsplink.provision.errors import ProfileInvalid, ProfileMissing, ProfileUnreadable
from nsplink.provision.profile import find_profile, load_profile, parse_profile, profile_files
from nsplink.provision.schema import read_value
from nsplink.texts import render_error
from tests.provision.conftest import PROFILES, line_of, shipped, variant


def reject(text: str, name: str = "nsp") -> ProfileInvalid:
    with pytest.raises(ProfileInvalid) as info:
        parse_profile(text, f"/x/{name}.yaml")
    return info.value


@pytest.mark.parametrize(
    ("name", "role", "kind"),
    [("nsp", "CLIENT", "nsp"), ("cp", "CLIENT", "cp"), ("relay", "ROUTER", "relay")],
)
def test_shipped_profiles_are_valid(name: str, role: str, kind: str) -> None:
    p = load_profile(PROFILES / f"{name}.yaml")
    v = p.values()
    assert (p.name, p.kind, p.version) == (name, kind, 1)
    assert v["config.device.role"].value == role
    assert v["config.lora.region"].value == "EU_868"
    assert 0 < v["config.lora.tx_power"].value <= 27
    assert v["config.position.gps_mode"].value == "DISABLED"
    assert v["module_config.mqtt.enabled"].value is False
    assert p.channel_name == "nsplink"
    assert not any("psk" in s.dotted for s in p.settings)


def test_profile_dir_lists_exactly_the_three_profiles() -> None:
    assert [p.stem for p in profile_files(PROFILES)] == ["cp", "nsp", "relay"]


@pytest.mark.parametrize("name", ["nsp", "cp", "relay"])
def test_meshtastic_reads_our_profile_to_the_same_values(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The layout is the one `meshtastic --configure` reads: its own parser must end up with
    exactly our values, and ignore the nsplink_profile block."""
    text = shipped(name)
    ours = parse_profile(text, PROFILES / f"{name}.yaml")
    theirs = _profile_from_yaml(yaml.safe_load(text))
    assert not theirs.channel_url and not theirs.long_name
    for s in ours.settings:
        section, *rest = s.path
        msg = theirs.config if section == "config" else theirs.module_config
        assert read_value(msg, tuple(rest)) == s.value, s.dotted
    assert "does not have" not in capsys.readouterr().out  # meshtastic knew every key


def test_30_dbm_is_rejected_naming_file_line_and_field() -> None:
    text = variant(shipped("nsp"), r"^    txPower: 22.*$", "    txPower: 30")
    err = reject(text)
    assert len(err.issues) == 1
    nl, en = render_error(err, "nl"), render_error(err, "en")
    line = line_of(text, "txPower: 30")
    assert f"/x/nsp.yaml, regel {line}, veld config.lora.txPower" in nl
    assert "30 dBm" in nl and "27 dBm" in nl
    assert f"line {line}, field config.lora.txPower" in en and "legal limit" in en


def test_hop_limit_9_is_rejected() -> None:
    err = reject(variant(shipped("relay"), r"^    hopLimit: 3$", "    hopLimit: 9"), "relay")
    assert [i.field for i in err.issues] == ["config.lora.hopLimit"]
    assert "1 to 7" in render_error(err, "en") and "1 tot en met 7" in render_error(err, "nl")


@pytest.mark.parametrize("region", ["US", "EU_433", "UNSET", "ANZ"])
def test_a_region_other_than_eu_868_is_rejected(region: str) -> None:
    err = reject(variant(shipped("cp"), r"^    region: EU_868$", f"    region: {region}"), "cp")
    assert [i.field for i in err.issues] == ["config.lora.region"]
    assert f"not {region}" in render_error(err, "en")


def test_unknown_region_name_lists_choices() -> None:
    err = reject(variant(shipped("nsp"), r"^    region: EU_868$", "    region: EU868"))
    assert "EU_868" in render_error(err, "en") and "choose from" in render_error(err, "en")


def test_typo_in_a_key_is_caught_with_a_hint_not_silently_skipped() -> None:
    text = variant(shipped("nsp"), r"^    txPower: 22.*$", "    txPowr: 22")
    err = reject(text)
    rendered = render_error(err, "en")
    assert "config.lora.txPowr" in rendered and "did you mean txPower" in rendered
    assert "config.lora.tx_power" in rendered  # and the real field is now missing


def test_duplicate_key_is_an_error_not_last_one_wins() -> None:
    text = variant(shipped("nsp"), r"^    hopLimit: 3$", "    hopLimit: 3\n    hopLimit: 5")
    err = reject(text)
    assert "appears twice" in render_error(err, "en")
    assert f"first on line {line_of(text, 'hopLimit: 3')}" in render_error(err, "en")


def test_bad_yaml_reports_the_line() -> None:
    text = variant(shipped("nsp"), r"^    hopLimit: 3$", "    hopLimit: [3")
    err = reject(text)
    assert "not valid YAML" in render_error(err, "en")
    assert err.issues[0].line >= line_of(text, "hopLimit: [3")


def test_channel_url_would_leak_the_psk_and_is_refused() -> None:
    text = shipped("nsp") + "channel_url: https://meshtastic.org/e/#CgMSAQESBggBQANIAQ\n"
    err = reject(text)
    assert [i.field for i in err.issues] == ["channel_url"]
    assert "PSK" in render_error(err, "en")


@pytest.mark.parametrize(
    ("pattern", "replacement", "field"),
    [
        (r"^    wifiEnabled: false$", "    wifiEnabled: false\n    wifiPsk: geheim123", "wifiPsk"),
        (
            r"^    enabled: false  .*a relay.*$",
            "    enabled: true\n    fixedPin: 123456",
            "fixedPin",
        ),
    ],
)
def test_secrets_never_belong_in_a_profile(pattern: str, replacement: str, field: str) -> None:
    name = "relay"
    err = reject(variant(shipped(name), pattern, replacement), name)
    assert any(i.field.endswith(field) for i in err.issues)
    assert "secret" in render_error(err, "en")


@pytest.mark.parametrize(
    ("pattern", "replacement", "expect"),
    [
        (r"^    txPower: 22.*$", '    txPower: "hoog"', "whole number"),
        (r"^    txEnabled: true$", "    txEnabled: ja", "true or false"),
        (r"^    role: CLIENT$", "    role: 1", "not a valid choice"),
        (r"^    nodeInfoBroadcastSecs: 21600.*$", "    nodeInfoBroadcastSecs: -5", "whole number"),
        (r"^    nodeInfoBroadcastSecs: 21600.*$", "    nodeInfoBroadcastSecs: 900", "too short"),
        (r"^    overrideDutyCycle: false$", "    overrideDutyCycle: true", "must be false"),
        (r"^    gpsMode: DISABLED$", "    gpsMode: ENABLED", "privacy"),
        (r"^    role: CLIENT$", "    role: ROUTER", "does not fit a nsp radio"),
        (r"^    role: CLIENT$", "    role: TRACKER", "does not fit"),
        (r"^  network:\n    wifiEnabled: false$", "  network: off", "group of settings"),
        (r"^    modemPreset: LONG_FAST$", "    modemPreset: LONG_TURBO", "does not fit EU_868"),
        (r"^  version: 1$", "  version: zero", "version must be"),
        (r"^  kind: nsp$", "  kind: zolder", "does not exist"),
        (r"^  name: nsp$", "  name: other", "must equal the file name"),
        (r"^    name: nsplink$", "    name: Zuid-Holland-Noord", "1 to 11 bytes"),
        (r"^    name: nsplink$", "    name: nsp link", "without spaces"),
    ],
)
def test_wrong_values_and_types_are_rejected(pattern: str, replacement: str, expect: str) -> None:
    err = reject(variant(shipped("nsp"), pattern, replacement))
    assert expect in render_error(err, "en")
    assert all(i.line >= 1 for i in err.issues)


def test_missing_required_setting_points_at_its_group() -> None:
    text = variant(shipped("nsp"), r"^    region: EU_868\n", "")
    err = reject(text)
    assert [i.field for i in err.issues] == ["config.lora.region"]
    assert err.issues[0].line == line_of(text, "  lora:")
    assert "is missing" in render_error(err, "en") and "ontbreekt" in render_error(err, "nl")


def test_every_problem_is_listed_at_once() -> None:
    text = variant(shipped("nsp"), r"^    txPower: 22.*$", "    txPower: 30")
    text = variant(text, r"^    hopLimit: 3$", "    hopLimit: 9")
    text = variant(text, r"^    region: EU_868$", "    region: US")
    err = reject(text)
    assert {i.field for i in err.issues} == {
        "config.lora.txPower",
        "config.lora.hopLimit",
        "config.lora.region",
    }
    assert render_error(err, "nl").count("\n") == 3


def test_snake_case_keys_are_accepted_like_meshtastic_does() -> None:
    text = variant(shipped("nsp"), r"^    txPower: 22.*$", "    tx_power: 20")
    p = parse_profile(text, "/x/nsp.yaml")
    assert p.values()["config.lora.tx_power"].value == 20


def test_dutch_diacritics_in_description_are_fine() -> None:
    text = variant(
        shipped("cp"), r"^  description: .*$", "  description: Coördinatiepunt Café ’t Hoëk"
    )
    p = parse_profile(text, "/x/cp.yaml")
    assert p.description == "Coördinatiepunt Café ’t Hoëk"


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just words\n", "{}\n"])
def test_empty_or_non_mapping_files_are_rejected(text: str) -> None:
    err = reject(text)
    assert err.issues


def test_unknown_top_level_and_owner_keys() -> None:
    err = reject(shipped("nsp") + "owner: NSP Zuid\nringtone: x\n")
    fields = {i.field: i for i in err.issues}
    assert "--name" in fields["owner"].render("en")
    assert "unknown" in fields["ringtone"].render("en")


def test_non_utf8_file_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "nsp.yaml"
    path.write_bytes(b"config:\n  lora:\n    region: \xff\xfe\n")
    with pytest.raises(ProfileUnreadable) as info:
        load_profile(path)
    assert "UTF-8" in render_error(info.value, "en")


def test_find_profile_by_name_and_path(tmp_path: Path) -> None:
    assert find_profile("relay", PROFILES) == PROFILES / "relay.yaml"
    assert find_profile(str(PROFILES / "cp.yaml")) == PROFILES / "cp.yaml"
    with pytest.raises(ProfileMissing) as info:
        find_profile("zolder", PROFILES)
    assert "cp, nsp, relay" in render_error(info.value, "en")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_random_text_gives_a_typed_error_or_a_profile(text: str) -> None:
    try:
        parse_profile(text, "/x/nsp.yaml")
    except ProfileInvalid as err:
        assert err.issues and render_error(err, "nl")


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(shipped("relay"))))
def test_truncated_profiles_give_a_typed_error(cut: int) -> None:
    text = shipped("relay")[:cut]
    try:
        parse_profile(text, "/x/relay.yaml")
    except ProfileInvalid as err:
        assert render_error(err, "en")
    else:
        assert cut >= len(text.rstrip()) - 40  # only a cut in the trailing part can still be valid


def test_alias_bombs_stop_with_a_clear_error() -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 12):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    err = reject("\n".join(lines) + "\n")
    assert "too large" in render_error(err, "en")


def test_an_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "nsp.yaml"
    path.write_text(shipped("nsp") + "#" * (300 * 1024))
    with pytest.raises(ProfileUnreadable) as info:
        load_profile(path)
    assert "te groot" in render_error(info.value, "nl")

"""Admin handling and persisted device state, without a transport: what the firmware's
AdminModule answers, what lands in the state file, and what a transaction makes atomic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from meshtastic.protobuf import admin_pb2, channel_pb2, mesh_pb2

from nsplink.radio.emulator.admin import AdminHandler
from nsplink.radio.emulator.faults import Faults
from nsplink.radio.emulator.state import EmulatorStateInvalid, StateStore
from nsplink.texts import render_error

NODE = 0x4E530001
Err = mesh_pb2.Routing.Error


def handler(tmp_path: Path, faults: Faults | None = None) -> tuple[AdminHandler, StateStore]:
    store = StateStore(tmp_path)
    return AdminHandler(store.load(NODE), store.save, faults or Faults()), store


def set_hop_limit(h: AdminHandler, hops: int) -> None:
    msg = admin_pb2.AdminMessage()
    msg.set_config.lora.CopyFrom(h.view.config.lora)
    msg.set_config.lora.hop_limit = hops
    assert h.handle(msg).error == Err.NONE


def test_fresh_device_is_eu868_long_fast_hop3_with_a_primary_channel(tmp_path: Path) -> None:
    h, _ = handler(tmp_path)
    lora = h.state.config.lora
    assert (lora.region, lora.modem_preset, lora.hop_limit) == (3, 0, 3)  # EU_868, LONG_FAST
    assert h.state.channels[0].role == channel_pb2.Channel.Role.PRIMARY
    assert [c.index for c in h.state.channels] == list(range(8))


def test_getters_answer_with_the_section_and_a_session_passkey(tmp_path: Path) -> None:
    h, _ = handler(tmp_path)
    req = admin_pb2.AdminMessage(get_config_request=admin_pb2.AdminMessage.LORA_CONFIG)
    out = h.handle(req)
    assert out.reply is not None and out.reply.get_config_response.lora.hop_limit == 3
    assert len(out.reply.session_passkey) == 8
    ch = h.handle(admin_pb2.AdminMessage(get_channel_request=1)).reply
    assert ch is not None and ch.get_channel_response.role == channel_pb2.Channel.Role.PRIMARY
    assert h.handle(admin_pb2.AdminMessage(get_channel_request=9)).error == Err.BAD_REQUEST
    meta = h.handle(admin_pb2.AdminMessage(get_device_metadata_request=True)).reply
    assert meta is not None and meta.get_device_metadata_response.firmware_version


def test_set_config_is_saved_at_once_and_survives_a_restart(tmp_path: Path) -> None:
    h, store = handler(tmp_path)
    set_hop_limit(h, 5)
    assert store.load(NODE).config.lora.hop_limit == 5
    assert json.loads(store.path(NODE).read_text())["config"]["lora"]["hop_limit"] == 5  # type: ignore[union-attr]


def test_owner_with_dutch_diacritics_round_trips_through_the_file(tmp_path: Path) -> None:
    h, store = handler(tmp_path)
    msg = admin_pb2.AdminMessage()
    msg.set_owner.long_name = "NSP Coöperatie Zuidbroek é"
    msg.set_owner.short_name = "Zö"
    assert h.handle(msg).error == Err.NONE
    assert store.load(NODE).owner.long_name == "NSP Coöperatie Zuidbroek é"
    blank = admin_pb2.AdminMessage()
    blank.set_owner.long_name = "   "
    assert h.handle(blank).error == Err.BAD_REQUEST


def test_transaction_applies_all_or_nothing(tmp_path: Path) -> None:
    h, store = handler(tmp_path)
    h.handle(admin_pb2.AdminMessage(begin_edit_settings=True))
    set_hop_limit(h, 6)
    owner = admin_pb2.AdminMessage()
    owner.set_owner.long_name = "CP Regio"
    h.handle(owner)
    assert store.load(NODE).config.lora.hop_limit == 3  # nothing saved yet
    assert h.state.config.lora.hop_limit == 3  # nor live
    assert h.view.config.lora.hop_limit == 6  # the editing client sees its changes
    out = h.handle(admin_pb2.AdminMessage(commit_edit_settings=True))
    assert out.reboot_in is not None  # firmware restarts after a commit
    saved = store.load(NODE)
    assert (saved.config.lora.hop_limit, saved.owner.long_name) == (6, "CP Regio")


def test_aborted_transaction_leaves_the_old_settings(tmp_path: Path) -> None:
    h, store = handler(tmp_path)
    h.handle(admin_pb2.AdminMessage(begin_edit_settings=True))
    set_hop_limit(h, 7)
    h.abort_transaction()
    assert h.view.config.lora.hop_limit == 3
    assert store.load(NODE).config.lora.hop_limit == 3


def test_fault_hooks_reject_a_section_and_ignore_a_field(tmp_path: Path) -> None:
    faults = Faults(reject_sections={"device"}, ignore_fields={"lora.hop_limit"})
    h, store = handler(tmp_path, faults)
    dev = admin_pb2.AdminMessage()
    dev.set_config.device.role = 2
    assert h.handle(dev).error == Err.BAD_REQUEST
    msg = admin_pb2.AdminMessage()
    msg.set_config.lora.CopyFrom(h.state.config.lora)
    msg.set_config.lora.hop_limit = 6
    msg.set_config.lora.tx_power = 20
    assert h.handle(msg).error == Err.NONE  # acknowledged...
    saved = store.load(NODE).config.lora
    assert (saved.hop_limit, saved.tx_power) == (3, 20)  # ...but the hop limit kept


def test_radio_parameter_change_reboots_hop_limit_does_not(tmp_path: Path) -> None:
    h, _ = handler(tmp_path)
    msg = admin_pb2.AdminMessage()
    msg.set_config.lora.CopyFrom(h.state.config.lora)
    msg.set_config.lora.hop_limit = 4
    assert h.handle(msg).reboot_in is None
    msg.set_config.lora.modem_preset = 3  # MEDIUM_SLOW
    assert h.handle(msg).reboot_in is not None


def test_unknown_or_empty_admin_message_does_not_crash(tmp_path: Path) -> None:
    h, _ = handler(tmp_path)
    assert h.handle(admin_pb2.AdminMessage()).error == Err.BAD_REQUEST
    assert h.handle(admin_pb2.AdminMessage(set_time_only=1_700_000_000)).error == Err.NONE


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b'{"version": 99}',
        b"[]",
        b'{"version": 1, "node_num": 5}',
        b'{"version": 1, "node_num": 1314062337, "config": {"lora": {"hop_limit": "x"}}}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_corrupt_state_file_is_a_typed_error(tmp_path: Path, content: bytes) -> None:
    store = StateStore(tmp_path)
    path = store.path(NODE)
    assert path is not None
    path.write_bytes(content)
    with pytest.raises(EmulatorStateInvalid) as info:
        store.load(NODE)
    assert info.value.code == "emulator.state_invalid"
    assert str(path) in render_error(info.value, "nl")


def test_save_is_atomic_no_temp_file_left(tmp_path: Path) -> None:
    h, _store = handler(tmp_path)
    set_hop_limit(h, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"node-{NODE:08x}.json"]


def test_a_failed_save_leaves_the_live_settings_unchanged(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    calls: list[int] = []

    def failing_save(state: object) -> None:
        calls.append(1)
        raise OSError(28, "No space left on device")

    h = AdminHandler(store.load(NODE), failing_save, Faults())
    msg = admin_pb2.AdminMessage()
    msg.set_config.lora.CopyFrom(h.state.config.lora)
    msg.set_config.lora.hop_limit = 7
    with pytest.raises(OSError):
        h.handle(msg)
    assert calls and h.state.config.lora.hop_limit == 3

"""Admin messages from the local client, answered as the firmware's AdminModule does.

Getters answer with the matching *_response (carrying a session passkey, which the library
stores and sends back); setters change the device state and answer a want_response with a
routing ACK. Outside a settings transaction every change is saved at once; between
begin_edit_settings and commit_edit_settings changes go to a staging copy that replaces the live
state in one step on commit, and is thrown away if the link drops first, so a provisioning run
cut off halfway never leaves a half-configured radio.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from meshtastic.protobuf import admin_pb2, config_pb2, mesh_pb2

from nsplink.radio.emulator.faults import Faults
from nsplink.radio.emulator.state import (
    DEVICE_STATE_VERSION,
    FIRMWARE_VERSION,
    MAX_CHANNELS,
    DeviceState,
)

log = logging.getLogger("nsplink.radio.emulator")

Routing = mesh_pb2.Routing
CONFIG_FIELDS = [f.name for f in config_pb2.Config.DESCRIPTOR.fields]
MODULE_FIELDS = [
    f.name
    for f in admin_pb2.AdminMessage.DESCRIPTOR.fields_by_name[
        "set_module_config"
    ].message_type.fields
]
DEFAULT_REBOOT_SECONDS = 7  # firmware DEFAULT_REBOOT_SECONDS


@dataclass
class AdminOutcome:
    reply: admin_pb2.AdminMessage | None = None  # a data response
    error: int = Routing.Error.NONE  # else a routing ack (NONE) or nak
    reboot_in: float | None = None  # seconds until the device restarts
    state_changed: bool = False  # the live state changed (saved already)


def device_metadata(state: DeviceState) -> mesh_pb2.DeviceMetadata:
    md = mesh_pb2.DeviceMetadata()
    md.firmware_version = FIRMWARE_VERSION
    md.device_state_version = DEVICE_STATE_VERSION
    md.canShutdown = True
    md.hasBluetooth = True
    md.role = state.config.device.role
    md.position_flags = state.config.position.position_flags
    md.hw_model = mesh_pb2.HardwareModel.PORTDUINO
    md.hasPKC = True
    return md


class AdminHandler:
    """One per device. `save` persists the live state; `faults` may refuse or ignore settings."""

    def __init__(
        self, state: DeviceState, save: Callable[[DeviceState], None], faults: Faults
    ) -> None:
        self.state = state
        self._save = save
        self.faults = faults
        self.staging: DeviceState | None = None  # open settings transaction
        self.passkey = secrets.token_bytes(8)

    @property
    def view(self) -> DeviceState:
        """What getters see: the staged settings while a transaction is open, as on a device."""
        return self.staging if self.staging is not None else self.state

    def abort_transaction(self) -> None:
        if self.staging is not None:
            log.info("node %08x: settings transaction dropped uncommitted", self.state.node_num)
        self.staging = None

    def handle(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        which = msg.WhichOneof("payload_variant")
        if which is None:
            return AdminOutcome(error=Routing.Error.BAD_REQUEST)
        getter = getattr(self, f"_get_{which}", None)
        if getter is not None:
            reply = admin_pb2.AdminMessage()
            err = getter(msg, reply)
            if err:
                return AdminOutcome(error=err)
            reply.session_passkey = self.passkey
            return AdminOutcome(reply=reply)
        setter = getattr(self, f"_do_{which}", None)
        if setter is None:
            log.info("node %08x: admin %s not emulated, acknowledged", self.state.node_num, which)
            return AdminOutcome()
        return setter(msg)  # type: ignore[no-any-return]

    # --- getters: fill `reply`, return a routing error or 0 ------------------------------------

    def _get_get_owner_request(self, msg: admin_pb2.AdminMessage, r: admin_pb2.AdminMessage) -> int:
        r.get_owner_response.CopyFrom(self.view.owner)
        return 0

    def _get_get_config_request(
        self, msg: admin_pb2.AdminMessage, r: admin_pb2.AdminMessage
    ) -> int:
        idx = msg.get_config_request
        if not 0 <= idx < len(CONFIG_FIELDS):
            return int(Routing.Error.BAD_REQUEST)
        name = CONFIG_FIELDS[idx]
        if name == "sessionkey":
            r.get_config_response.sessionkey.SetInParent()
        elif name == "device_ui":
            r.get_config_response.device_ui.SetInParent()
        else:
            getattr(r.get_config_response, name).CopyFrom(getattr(self.view.config, name))
        return 0

    def _get_get_module_config_request(
        self, msg: admin_pb2.AdminMessage, r: admin_pb2.AdminMessage
    ) -> int:
        idx = msg.get_module_config_request
        if not 0 <= idx < len(MODULE_FIELDS):
            return int(Routing.Error.BAD_REQUEST)
        name = MODULE_FIELDS[idx]
        getattr(r.get_module_config_response, name).CopyFrom(getattr(self.view.module_config, name))
        return 0

    def _get_get_channel_request(
        self, msg: admin_pb2.AdminMessage, r: admin_pb2.AdminMessage
    ) -> int:
        idx = msg.get_channel_request - 1
        if not 0 <= idx < MAX_CHANNELS:
            return int(Routing.Error.BAD_REQUEST)
        r.get_channel_response.CopyFrom(self.view.channels[idx])
        return 0

    def _get_get_device_metadata_request(
        self, msg: admin_pb2.AdminMessage, r: admin_pb2.AdminMessage
    ) -> int:
        r.get_device_metadata_response.CopyFrom(device_metadata(self.view))
        return 0

    def _get_get_ringtone_request(
        self, msg: admin_pb2.AdminMessage, r: admin_pb2.AdminMessage
    ) -> int:
        r.get_ringtone_response = self.view.ringtone
        return 0

    def _get_get_canned_message_module_messages_request(
        self, msg: admin_pb2.AdminMessage, r: admin_pb2.AdminMessage
    ) -> int:
        r.get_canned_message_module_messages_response = self.view.canned_messages
        return 0

    # --- setters -----------------------------------------------------------------------------

    def _apply(self, change: Callable[[DeviceState], None], reboot: bool) -> AdminOutcome:
        """Apply now and save, or stage it when a transaction is open."""
        if self.staging is not None:
            change(self.staging)
            return AdminOutcome()
        new = self.state.copy()  # saved first, then made live: a failed save changes nothing
        change(new)
        self._save(new)
        self.state = new
        return AdminOutcome(
            state_changed=True, reboot_in=DEFAULT_REBOOT_SECONDS if reboot else None
        )

    def _keep_ignored(self, section: str, old: object, new: object) -> None:
        for dotted in self.faults.ignore_fields:
            sec, _, fname = dotted.partition(".")
            if sec == section and fname:
                setattr(new, fname, getattr(old, fname))

    def _do_set_config(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        section = msg.set_config.WhichOneof("payload_variant")
        if section is None or section in ("sessionkey", "device_ui"):
            return AdminOutcome(error=Routing.Error.BAD_REQUEST)
        if section in self.faults.reject_sections:
            return AdminOutcome(error=Routing.Error.BAD_REQUEST)
        new = getattr(msg.set_config, section)
        old = getattr(self.view.config, section)
        self._keep_ignored(section, old, new)
        # firmware restarts for radio changes, not for a hop limit or a name
        reboot = section == "lora" and _radio_params(old) != _radio_params(new)

        def change(st: DeviceState) -> None:
            getattr(st.config, section).CopyFrom(new)

        return self._apply(change, reboot)

    def _do_set_module_config(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        section = msg.set_module_config.WhichOneof("payload_variant")
        if section is None or section in self.faults.reject_sections:
            return AdminOutcome(error=Routing.Error.BAD_REQUEST)
        new = getattr(msg.set_module_config, section)
        self._keep_ignored(section, getattr(self.view.module_config, section), new)

        def change(st: DeviceState) -> None:
            getattr(st.module_config, section).CopyFrom(new)

        return self._apply(change, reboot=False)

    def _do_set_owner(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        o = msg.set_owner
        if "owner" in self.faults.reject_sections:
            return AdminOutcome(error=Routing.Error.BAD_REQUEST)
        for name in (o.long_name, o.short_name):
            if name and not name.strip():
                return AdminOutcome(error=Routing.Error.BAD_REQUEST)

        def change(st: DeviceState) -> None:
            if o.long_name:
                st.owner.long_name = o.long_name[:39]
            if o.short_name:
                st.owner.short_name = o.short_name[:4]
            st.owner.is_licensed = o.is_licensed
            if o.HasField("is_unmessagable"):
                st.owner.is_unmessagable = o.is_unmessagable

        return self._apply(change, reboot=False)

    def _do_set_channel(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        ch = msg.set_channel
        if not 0 <= ch.index < MAX_CHANNELS or "channel" in self.faults.reject_sections:
            return AdminOutcome(error=Routing.Error.BAD_REQUEST)

        def change(st: DeviceState) -> None:
            st.channels[ch.index].CopyFrom(ch)

        return self._apply(change, reboot=False)

    def _do_set_ringtone_message(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        def change(st: DeviceState) -> None:
            st.ringtone = msg.set_ringtone_message

        return self._apply(change, reboot=False)

    def _do_set_canned_message_module_messages(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        def change(st: DeviceState) -> None:
            st.canned_messages = msg.set_canned_message_module_messages

        return self._apply(change, reboot=False)

    def _do_set_fixed_position(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        def change(st: DeviceState) -> None:
            st.fixed_position = mesh_pb2.Position()
            st.fixed_position.CopyFrom(msg.set_fixed_position)
            st.config.position.fixed_position = True

        return self._apply(change, reboot=False)

    def _do_remove_fixed_position(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        def change(st: DeviceState) -> None:
            st.fixed_position = None
            st.config.position.fixed_position = False

        return self._apply(change, reboot=False)

    def _do_begin_edit_settings(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        if self.staging is None:
            self.staging = self.state.copy()
        return AdminOutcome()

    def _do_commit_edit_settings(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        if self.staging is None:
            return AdminOutcome()
        staged, self.staging = self.staging, None
        staged.nodes = self.state.nodes  # heard while editing: the node DB is not a setting
        self._save(staged)  # saved first: a crash here leaves the old or the new file
        self.state = staged
        # firmware saves everything and restarts after a commit
        return AdminOutcome(state_changed=True, reboot_in=DEFAULT_REBOOT_SECONDS)

    def _do_reboot_seconds(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        return AdminOutcome(reboot_in=max(0.0, float(msg.reboot_seconds)))

    def _do_factory_reset_config(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        from nsplink.radio.emulator.state import default_state

        fresh = default_state(self.state.node_num)
        fresh.reboot_count = self.state.reboot_count
        self.staging = None
        self._save(fresh)
        self.state = fresh
        return AdminOutcome(state_changed=True, reboot_in=DEFAULT_REBOOT_SECONDS)

    def _do_nodedb_reset(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        def change(st: DeviceState) -> None:
            st.nodes.clear()

        return self._apply(change, reboot=True)

    def _do_remove_by_nodenum(self, msg: admin_pb2.AdminMessage) -> AdminOutcome:
        def change(st: DeviceState) -> None:
            st.nodes.pop(msg.remove_by_nodenum, None)

        return self._apply(change, reboot=False)


def _radio_params(lora: config_pb2.Config.LoRaConfig) -> tuple[object, ...]:
    return (
        lora.use_preset,
        lora.region,
        lora.modem_preset,
        lora.bandwidth,
        lora.spread_factor,
        lora.coding_rate,
        lora.tx_power,
        lora.frequency_offset,
        lora.override_frequency,
        lora.channel_num,
        lora.sx126x_rx_boosted_gain,
    )

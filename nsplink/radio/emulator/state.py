"""What an emulated device keeps in flash: owner, config, module config, channels, canned
messages, ringtone and the nodes it has heard. Saved per node as one JSON file (the protobufs in
their JSON form, so a person can read it) and replaced atomically, so a crash mid-save leaves the
old or the new file, never half of one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from meshtastic.protobuf import channel_pb2, config_pb2, localonly_pb2, mesh_pb2

from nsplink.errors import NsplinkError
from nsplink.i18n import register

register(
    {
        "emulator.state_bad": (
            "De opgeslagen toestand van geëmuleerde radio {path} is onleesbaar: {detail}. "
            "Verwijder het bestand om met standaardinstellingen te beginnen.",
            "The saved state of emulated radio {path} cannot be read: {detail}. "
            "Delete the file to start from default settings.",
        ),
    }
)

STATE_VERSION = 1
MAX_CHANNELS = 8
DEFAULT_HOP_LIMIT = 3
DEFAULT_PSK = b"\x01"  # firmware shorthand for the well-known default key
FIRMWARE_VERSION = "2.7.15.emulated"
DEVICE_STATE_VERSION = 24


class EmulatorStateInvalid(NsplinkError):
    code = "emulator.state_invalid"
    key = "emulator.state_bad"


@dataclass
class KnownNode:
    """A node this device has heard, as the firmware's NodeDB keeps it."""

    user: mesh_pb2.User
    last_heard: int = 0
    snr: float = 0.0
    hops_away: int = 0


@dataclass
class DeviceState:
    node_num: int
    owner: mesh_pb2.User
    config: localonly_pb2.LocalConfig
    module_config: localonly_pb2.LocalModuleConfig
    channels: list[channel_pb2.Channel]
    canned_messages: str = ""
    ringtone: str = ""
    reboot_count: int = 0
    fixed_position: mesh_pb2.Position | None = None
    nodes: dict[int, KnownNode] = field(default_factory=dict)

    def copy(self) -> DeviceState:
        """A deep copy, used as the staging area of a settings transaction."""
        return DeviceState.from_json(self.to_json())

    # --- persistence -------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        def d(msg: Any) -> dict[str, Any]:
            return json_format.MessageToDict(msg, preserving_proto_field_name=True)

        return {
            "version": STATE_VERSION,
            "node_num": self.node_num,
            "owner": d(self.owner),
            "config": d(self.config),
            "module_config": d(self.module_config),
            "channels": [d(c) for c in self.channels],
            "canned_messages": self.canned_messages,
            "ringtone": self.ringtone,
            "reboot_count": self.reboot_count,
            "fixed_position": d(self.fixed_position) if self.fixed_position else None,
            "nodes": {
                str(num): {
                    "user": d(n.user),
                    "last_heard": n.last_heard,
                    "snr": n.snr,
                    "hops_away": n.hops_away,
                }
                for num, n in self.nodes.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DeviceState:
        def p(msg: Any, value: Any) -> Any:
            json_format.ParseDict(value or {}, msg)
            return msg

        channels = [p(channel_pb2.Channel(), c) for c in data.get("channels", [])]
        state = cls(
            node_num=int(data["node_num"]),
            owner=p(mesh_pb2.User(), data.get("owner")),
            config=p(localonly_pb2.LocalConfig(), data.get("config")),
            module_config=p(localonly_pb2.LocalModuleConfig(), data.get("module_config")),
            channels=_fill_channels(channels),
            canned_messages=str(data.get("canned_messages", "")),
            ringtone=str(data.get("ringtone", "")),
            reboot_count=int(data.get("reboot_count", 0)),
            fixed_position=(
                p(mesh_pb2.Position(), data["fixed_position"])
                if data.get("fixed_position")
                else None
            ),
        )
        for num, n in (data.get("nodes") or {}).items():
            state.nodes[int(num)] = KnownNode(
                user=p(mesh_pb2.User(), n.get("user")),
                last_heard=int(n.get("last_heard", 0)),
                snr=float(n.get("snr", 0.0)),
                hops_away=int(n.get("hops_away", 0)),
            )
        return state


def node_id(node_num: int) -> str:
    return f"!{node_num:08x}"


def default_user(node_num: int) -> mesh_pb2.User:
    user = mesh_pb2.User()
    user.id = node_id(node_num)
    user.long_name = f"Meshtastic {node_num & 0xFFFF:04x}"
    user.short_name = f"{node_num & 0xFFFF:04x}"
    user.hw_model = mesh_pb2.HardwareModel.PORTDUINO
    user.role = config_pb2.Config.DeviceConfig.Role.CLIENT
    return user


def default_state(node_num: int, preset: str = "LONG_FAST") -> DeviceState:
    """A fresh device as a technician finds it: EU_868, the given preset, hop limit 3, one
    primary channel with the default key."""
    cfg = localonly_pb2.LocalConfig()
    cfg.device.role = config_pb2.Config.DeviceConfig.Role.CLIENT
    cfg.device.node_info_broadcast_secs = 10800
    cfg.position.position_broadcast_secs = 900
    cfg.power.ls_secs = 300
    cfg.network.ntp_server = "meshtastic.pool.ntp.org"
    cfg.display.screen_on_secs = 600
    cfg.lora.use_preset = True
    cfg.lora.modem_preset = config_pb2.Config.LoRaConfig.ModemPreset.Value(preset)
    cfg.lora.region = config_pb2.Config.LoRaConfig.RegionCode.EU_868
    cfg.lora.hop_limit = DEFAULT_HOP_LIMIT
    cfg.lora.tx_enabled = True
    cfg.lora.tx_power = 27
    cfg.bluetooth.enabled = True
    cfg.bluetooth.fixed_pin = 123456
    cfg.security.serial_enabled = True
    cfg.version = DEVICE_STATE_VERSION
    mod = localonly_pb2.LocalModuleConfig()
    mod.mqtt.address = "mqtt.meshtastic.org"
    mod.mqtt.encryption_enabled = True
    mod.telemetry.device_update_interval = 1800
    mod.version = DEVICE_STATE_VERSION
    primary = channel_pb2.Channel(index=0, role=channel_pb2.Channel.Role.PRIMARY)
    primary.settings.psk = DEFAULT_PSK
    return DeviceState(
        node_num=node_num,
        owner=default_user(node_num),
        config=cfg,
        module_config=mod,
        channels=_fill_channels([primary]),
    )


def _fill_channels(channels: list[channel_pb2.Channel]) -> list[channel_pb2.Channel]:
    by_index = {c.index: c for c in channels if 0 <= c.index < MAX_CHANNELS}
    out = []
    for i in range(MAX_CHANNELS):
        ch = by_index.get(i) or channel_pb2.Channel(role=channel_pb2.Channel.Role.DISABLED)
        ch.index = i
        out.append(ch)
    return out


class StateStore:
    """One JSON file per node in the state directory; None keeps the state in memory only."""

    def __init__(self, state_dir: Path | None) -> None:
        self.state_dir = state_dir

    def path(self, node_num: int) -> Path | None:
        return None if self.state_dir is None else self.state_dir / f"node-{node_num:08x}.json"

    def load(self, node_num: int, preset: str = "LONG_FAST") -> DeviceState:
        path = self.path(node_num)
        if path is None or not path.exists():
            return default_state(node_num, preset)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
                raise ValueError("unknown state version")
            state = DeviceState.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, json_format.ParseError) as exc:
            raise EmulatorStateInvalid(str(exc), path=path) from exc
        if state.node_num != node_num:
            raise EmulatorStateInvalid(f"file holds node {state.node_num:08x}", path=path)
        return state

    def save(self, state: DeviceState) -> None:
        path = self.path(state.node_num)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state.to_json(), fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)

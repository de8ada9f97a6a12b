"""The config burst a device sends after `want_config_id`, in the firmware's PhoneAPI order:
my_info, own node_info, metadata, channels, config sections, module config sections, the other
known nodes, then config_complete_id carrying the client's nonce.
"""

from __future__ import annotations

from meshtastic.protobuf import localonly_pb2, mesh_pb2

from nsplink.radio.emulator.admin import device_metadata
from nsplink.radio.emulator.state import DeviceState, KnownNode

# firmware SPECIAL_NONCE_ONLY_CONFIG / SPECIAL_NONCE_ONLY_NODES (library NODELESS_WANT_CONFIG_ID)
NONCE_ONLY_CONFIG = 69420
NONCE_ONLY_NODES = 69421
MIN_APP_VERSION = 30200

CONFIG_SECTIONS = [
    f.name for f in localonly_pb2.LocalConfig.DESCRIPTOR.fields if f.name != "version"
]
MODULE_SECTIONS = [
    f.name for f in localonly_pb2.LocalModuleConfig.DESCRIPTOR.fields if f.name != "version"
]


def own_node_info(state: DeviceState, now: int) -> mesh_pb2.NodeInfo:
    info = mesh_pb2.NodeInfo(num=state.node_num, last_heard=now)
    info.user.CopyFrom(state.owner)
    if state.fixed_position is not None:
        info.position.CopyFrom(state.fixed_position)
    info.device_metrics.battery_level = 101  # 101 = on external power
    return info


def known_node_info(num: int, node: KnownNode) -> mesh_pb2.NodeInfo:
    info = mesh_pb2.NodeInfo(
        num=num, last_heard=node.last_heard, snr=node.snr, hops_away=node.hops_away
    )
    info.user.CopyFrom(node.user)
    return info


def config_burst(state: DeviceState, nonce: int, now: int) -> list[mesh_pb2.FromRadio]:
    out: list[mesh_pb2.FromRadio] = []
    if nonce != NONCE_ONLY_NODES:
        my = mesh_pb2.FromRadio()
        my.my_info.my_node_num = state.node_num
        my.my_info.reboot_count = state.reboot_count
        my.my_info.min_app_version = MIN_APP_VERSION
        my.my_info.pio_env = "native"
        my.my_info.nodedb_count = len(state.nodes) + 1
        out.append(my)
    own = mesh_pb2.FromRadio()
    own.node_info.CopyFrom(own_node_info(state, now))
    out.append(own)
    if nonce != NONCE_ONLY_NODES:
        md = mesh_pb2.FromRadio()
        md.metadata.CopyFrom(device_metadata(state))
        out.append(md)
        for ch in state.channels:
            fr = mesh_pb2.FromRadio()
            fr.channel.CopyFrom(ch)
            out.append(fr)
        for name in CONFIG_SECTIONS:
            fr = mesh_pb2.FromRadio()
            getattr(fr.config, name).CopyFrom(getattr(state.config, name))
            out.append(fr)
        for name in MODULE_SECTIONS:
            fr = mesh_pb2.FromRadio()
            getattr(fr.moduleConfig, name).CopyFrom(getattr(state.module_config, name))
            out.append(fr)
    if nonce != NONCE_ONLY_CONFIG:
        for num, node in sorted(state.nodes.items()):
            fr = mesh_pb2.FromRadio()
            fr.node_info.CopyFrom(known_node_info(num, node))
            out.append(fr)
    done = mesh_pb2.FromRadio()
    done.config_complete_id = nonce
    out.append(done)
    return out

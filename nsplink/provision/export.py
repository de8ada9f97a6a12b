"""Write a radio's settings as a profile: every setting spelled out, secrets left out.

The result reads like `meshtastic --export-config` output (camelCase keys, enums by name), with
the `nsplink_profile` block added and without `channel_url`, owner names or keys, so it can be
reviewed, committed and given to `nsplink radio provision` or `meshtastic --configure`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from nsplink.i18n import Lang, register, t
from nsplink.provision.mark import read_mark
from nsplink.provision.profile import PROFILE_KEY
from nsplink.provision.schema import SECRET_FIELDS, WRITABLE_MODULE_SECTIONS, file_key, read_value
from nsplink.provision.settings import RadioSettings

ROUTER_ROLES = ("ROUTER", "ROUTER_LATE")

register(
    {
        "export.description": (
            "Overgenomen van radio !{node} ({mark}).",
            "Exported from radio !{node} ({mark}).",
        ),
        "export.no_mark": ("zonder profielmerk", "no profile mark"),
        "export.mark": ("ingericht met profiel {label}", "provisioned with profile {label}"),
        "export.header": (
            "# nsplink-profiel, overgenomen van radio !{node} op {date}.\n"
            "# De kanaalsleutel (PSK), de eigen sleutels van de radio en zijn namen staan er"
            " bewust niet in.\n"
            "# Controleer het met 'nsplink radio profiles {file}', verhoog 'version' bij elke"
            " wijziging,\n"
            "# en zet het op een radio met 'nsplink radio provision --profile {file} ...'.\n"
            "# De sleutels hieronder zijn die van de Meshtastic-firmware en blijven Engels.\n",
            "# nsplink profile exported from radio !{node} on {date}.\n"
            "# The channel key (PSK), the radio's own keys and its names are left out on"
            " purpose.\n"
            "# Check it with 'nsplink radio profiles {file}', raise 'version' on every change,\n"
            "# and apply it with 'nsplink radio provision --profile {file} ...'.\n"
            "# The keys below are the Meshtastic firmware's and stay in English.\n",
        ),
    }
)


def guess_kind(settings: RadioSettings) -> str:
    role = read_value(settings.config, ("device", "role"))
    return "relay" if role in ROUTER_ROLES else "nsp"


def export_profile(
    settings: RadioSettings,
    name: str,
    kind: str,
    version: int = 1,
    lang: Lang | None = None,
    date: str = "",
) -> str:
    """The profile text; its comments and description in `lang` (Dutch by default)."""
    node = f"{settings.node_num:08x}"
    found = read_mark(settings.long_name)
    mark = t("export.mark", lang, label=found.label) if found else t("export.no_mark", lang)
    meta: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "version": version,
        "description": t("export.description", lang, node=node, mark=mark),
        "channel": {"name": settings.channel(0).settings.name or "nsplink"},
    }
    doc: dict[str, Any] = {
        PROFILE_KEY: meta,
        "config": _groups(settings.config, "config"),
        "module_config": _groups(settings.module_config, "module_config"),
    }
    header = "# start of Meshtastic configure yaml\n" + t(
        "export.header", lang, node=node, date=date or "?", file=f"{name}.yaml"
    )
    return header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _groups(msg: Any, section: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fd in msg.DESCRIPTOR.fields:
        if fd.message_type is None:
            continue  # e.g. `version`
        if section == "module_config" and fd.name not in WRITABLE_MODULE_SECTIONS:
            continue
        values = _fields(getattr(msg, fd.name), fd.message_type, (section, fd.name))
        if values:
            out[file_key(fd)] = values
    return out


def _fields(msg: Any, desc: Descriptor, path: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fd in desc.fields:
        fpath = (*path, fd.name)
        if fpath in SECRET_FIELDS or fd.is_repeated or fd.type == FieldDescriptor.TYPE_BYTES:
            continue
        if fd.message_type is not None:
            sub = _fields(getattr(msg, fd.name), fd.message_type, fpath)
            if sub:
                out[file_key(fd)] = sub
            continue
        out[file_key(fd)] = read_value(msg, (fd.name,))
    return out


def write_new_file(path: Path, text: str, overwrite: bool) -> None:
    """Write atomically; never replace an existing profile unless asked to."""
    if path.exists() and not overwrite:
        raise FileExistsError(str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)

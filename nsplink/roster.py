"""The region's roster on disk: which sites exist, their role, public key and radio node.

A roster is a JSON file in the site home (`roster.json`):

    {"region": "VR01", "sites": [{"site": "NSP Zuid", "role": "nsp",
                                  "public_key": "<64 hex>", "node": 305419896}]}

Loading checks every entry and refuses duplicate short key ids (KeyRing does), so a site
that cannot be told apart on air never gets in.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nsplink.config import ROLES
from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.protocol import KeyIdCollision, KeyRing, PeerKey

register(
    {
        "roster.missing": (
            "Geen deelnemerslijst gevonden ({path}). Zet de lijst van de regio in de posmap.",
            "No roster found ({path}). Put the region's roster in the site directory.",
        ),
        "roster.invalid": (
            "De deelnemerslijst {path} is ongeldig: {detail}.",
            "The roster {path} is invalid: {detail}.",
        ),
    }
)


class RosterMissing(NsplinkError):
    code = "roster.missing"
    key = "roster.missing"


class RosterInvalid(NsplinkError):
    code = "roster.invalid"
    key = "roster.invalid"


@dataclass(frozen=True)
class RosterEntry:
    site: str
    role: str
    public_key: bytes
    node: int | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "site": self.site,
            "role": self.role,
            "public_key": self.public_key.hex(),
        }
        if self.node is not None:
            out["node"] = self.node
        return out


def parse_roster(data: Any, path: Path | str = "<roster>") -> tuple[str, list[RosterEntry]]:
    if not isinstance(data, dict) or not isinstance(data.get("sites"), list):
        raise RosterInvalid("expected an object with a 'sites' list", path=path)
    region = data.get("region", "")
    if not isinstance(region, str):
        raise RosterInvalid("'region' must be text", path=path)
    entries: list[RosterEntry] = []
    for i, raw in enumerate(data["sites"], start=1):
        where = f"site {i}"
        if not isinstance(raw, dict):
            raise RosterInvalid(f"{where} is not an object", path=path)
        site, role, key, node = (
            raw.get("site"),
            raw.get("role"),
            raw.get("public_key"),
            raw.get("node"),
        )
        if not isinstance(site, str) or not site.strip():
            raise RosterInvalid(f"{where}: 'site' must be a name", path=path)
        if role not in ROLES:
            raise RosterInvalid(f"{where} ({site}): role must be nsp, cp or relay", path=path)
        try:
            public = bytes.fromhex(key) if isinstance(key, str) else b""
        except ValueError:
            public = b""
        if len(public) != 32:
            raise RosterInvalid(f"{where} ({site}): public_key must be 64 hex digits", path=path)
        if node is not None and (
            isinstance(node, bool) or not isinstance(node, int) or not 0 < node < 0xFFFFFFFF
        ):
            raise RosterInvalid(f"{where} ({site}): node must be a radio node number", path=path)
        entries.append(RosterEntry(site.strip(), str(role), public, node))
    return region, entries


def keyring(entries: list[RosterEntry], path: Path | str = "<roster>") -> KeyRing:
    ring = KeyRing()
    for e in entries:
        try:
            ring.add(PeerKey(e.site, e.role, e.public_key))
        except KeyIdCollision as exc:
            raise RosterInvalid(f"two sites share key id: {exc}", path=path) from exc
    return ring


def load_roster(path: Path) -> tuple[str, list[RosterEntry]]:
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise RosterMissing(str(path), path=path) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise RosterInvalid(str(exc), path=path) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RosterInvalid(f"not JSON ({exc.msg}, line {exc.lineno})", path=path) from exc
    return parse_roster(data, path)


def save_roster(path: Path, region: str, entries: list[RosterEntry]) -> None:
    body = json.dumps(
        {"region": region, "sites": [e.to_json() for e in entries]}, indent=2, ensure_ascii=False
    )
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(body + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)

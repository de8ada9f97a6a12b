"""Exports for the crisis organisation (issue 23): bulletins as CAP 1.2 XML (the format behind
NL-Alert), and a documented JSON feed of bulletins, situation reports, supply requests and
emergency reports, for a USB stick when there is no link at all.

Only what this site verified (or signed itself) is exported, from the log. Personal data leaves
only sealed, or not at all, unless the region allows more: an emergency report's reporter,
callback number and address travel sealed to the CPs on the air. The region's policy file
(`export-policy.toml` in the site directory) decides: `personal = "none"` (the default: codes
only), `"sealed"` (the sealed block goes along, base64, for the meldkamer liaison who holds the
key) or `"open"` with `liaison = "<who>"` (a CP opens the block with its sealing key and the
fields go in the clear, for that liaison only; a report this site cannot open goes sealed).
The JSON feed's shape is the JSON Schema `export.schema.json` beside this module
(app/exportschema.py writes it from the codes). Nothing here reads a clock: the caller passes
the time of the export.
"""

from __future__ import annotations

import base64
import json
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nsplink.app.roster import open_personal
from nsplink.app.site import SiteHome
from nsplink.errors import NsplinkError
from nsplink.i18n import register
from nsplink.protocol import (
    PERSONAL_FIELDS,
    Bulletin,
    DecodeError,
    Emergency,
    Envelope,
    KeyLookup,
    SignedMessage,
    Sitrep,
    Supply,
    Topic,
    Urgent,
    decode,
    unix_from_minutes,
)
from nsplink.store import Store

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
JSON_SCHEMA_VERSION = 2  # 2: services as letters, the "open" policy, the JSON Schema
POLICY_FILE = "export-policy.toml"
PERSONAL_CHOICES = ("none", "sealed", "open")
# an item's "personal": withheld (codes only), sealed (block attached), open (fields attached)
ITEM_PERSONAL = ("withheld", "sealed", "open")

register(
    {
        "export.bad_policy": (
            "Exportbeleid {path} niet bruikbaar: personal moet een van {choices} zijn.",
            "Export policy {path} not usable: personal must be one of {choices}.",
        ),
        "export.open_needs_liaison": (
            'Exportbeleid {path}: personal = "open" alleen met liaison = "<voor wie>" '
            "(de meldkamer-liaison die de gegevens krijgt).",
            'Export policy {path}: personal = "open" only with liaison = "<for whom>" '
            "(the meldkamer liaison who receives the data).",
        ),
    }
)


class BadPolicy(NsplinkError):
    code = "export.bad_policy"
    key = "export.bad_policy"


class OpenNeedsLiaison(BadPolicy):
    code = "export.open_needs_liaison"
    key = "export.open_needs_liaison"


@dataclass(frozen=True)
class Policy:
    personal: str = "none"  # "none": stays home; "sealed": the sealed block; "open": the fields
    liaison: str | None = None  # with "open": the meldkamer liaison the region allows it for


def load_policy(home: SiteHome) -> Policy:
    path = home.root / POLICY_FILE
    if not path.exists():
        return Policy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadPolicy(str(path), path=path, choices=", ".join(PERSONAL_CHOICES)) from exc
    personal = data.get("personal", "none")
    if personal not in PERSONAL_CHOICES:
        raise BadPolicy(str(path), path=path, choices=", ".join(PERSONAL_CHOICES))
    liaison = data.get("liaison")
    if personal == "open" and not (isinstance(liaison, str) and liaison.strip()):
        raise OpenNeedsLiaison(str(path), path=path)
    return Policy(personal, liaison.strip() if personal == "open" and liaison else None)


Opener = Callable[[SignedMessage], Envelope | None]
"""Opens an emergency report's sealed personal fields (None: this site cannot)."""


# CAP categories and events for our bulletin topics (CAP 1.2 §3.2.2 <category>)
_CAP_CATEGORY = {
    Topic.ALG: ("Other", "Algemene mededeling"),
    Topic.WATER: ("Infra", "Drinkwater"),
    Topic.OPVANG: ("Rescue", "Opvang"),
    Topic.ZORG: ("Health", "Zorg"),
    Topic.VEILIG: ("Safety", "Veiligheid"),
    Topic.STROOM: ("Infra", "Stroomvoorziening"),
    Topic.VERKEER: ("Transport", "Verkeer"),
}


def cap_time(unix_s: float) -> str:
    """CAP's dateTime: no fractions, an explicit offset (UTC here: "+00:00")."""
    return datetime.fromtimestamp(int(unix_s), UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def cap_identifier(region: str, msg: SignedMessage) -> str:
    return f"nsplink-{region}-{msg.id}"


def cap_sender(region: str, msg: SignedMessage) -> str:
    return f"{msg.envelope.sender}@{region}.nsplink.invalid"  # no spaces, commas or '<&'


def bulletin_cap(
    msg: SignedMessage, region: str, superseded: SignedMessage | None = None
) -> ET.Element:
    """One bulletin as a CAP 1.2 <alert>."""
    body = msg.envelope.body
    assert isinstance(body, Bulletin)
    sent = unix_from_minutes(msg.envelope.created)
    q = f"{{{CAP_NS}}}"
    alert = ET.Element(q + "alert")

    def sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
        el = ET.SubElement(parent, q + tag)
        el.text = text
        return el

    sub(alert, "identifier", cap_identifier(region, msg))
    sub(alert, "sender", cap_sender(region, msg))
    sub(alert, "sent", cap_time(sent))
    sub(alert, "status", "Actual")
    sub(alert, "msgType", "Update" if superseded is not None else "Alert")
    sub(alert, "source", msg.signer.site)
    sub(alert, "scope", "Restricted" if body.internal else "Public")
    if body.internal:
        sub(alert, "restriction", "Alleen voor medewerkers van noodsteunpunten")
    if superseded is not None:
        old = unix_from_minutes(superseded.envelope.created)
        ref = (
            f"{cap_sender(region, superseded)},{cap_identifier(region, superseded)},{cap_time(old)}"
        )
        sub(alert, "references", ref)
    info = ET.SubElement(alert, q + "info")
    category, event = _CAP_CATEGORY.get(body.topic, ("Other", "Mededeling"))
    sub(info, "language", "nl-NL")
    sub(info, "category", category)
    sub(info, "event", event)
    sub(info, "urgency", "Immediate" if body.urgent is Urgent.SPOED else "Expected")
    sub(info, "severity", "Moderate" if body.urgent is Urgent.SPOED else "Minor")
    sub(info, "certainty", "Observed")
    sub(info, "effective", cap_time(sent))
    sub(info, "expires", cap_time(unix_from_minutes(body.valid_until)))
    sub(info, "senderName", body.issuer)
    sub(info, "headline", body.headline)
    sub(info, "description", body.body)
    area = ET.SubElement(info, q + "area")
    where = f"gemeente GM{body.municipality:04d}" if body.municipality else f"regio {region}"
    sub(area, "areaDesc", where)
    if body.municipality:
        code = ET.SubElement(area, q + "geocode")
        sub(code, "valueName", "CBS-gemeentecode")
        sub(code, "value", f"GM{body.municipality:04d}")
    return alert


def cap_document(alert: ET.Element) -> bytes:
    """One <alert> as a UTF-8 XML document (CAP has one alert per document)."""
    ET.register_namespace("", CAP_NS)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True)


async def verified_messages(store: Store, keys: KeyLookup) -> list[SignedMessage]:
    """Every message this site verified or signed, once, in log order."""
    out: dict[str, SignedMessage] = {}
    trusted = {r.ref for r in await store.events(kinds=("message.verified",))}
    for rec in await store.events(
        kinds=("message.created", "message.received"), with_personal=True
    ):
        if rec.ref in out or rec.frame is None:
            continue
        if rec.kind == "message.received" and rec.ref not in trusted:
            continue  # quarantined or rejected: never exported as fact
        try:
            out[rec.ref] = decode(rec.frame, keys)
        except DecodeError:
            continue
    return list(out.values())


def cap_files(msgs: list[SignedMessage], region: str) -> dict[str, bytes]:
    """File name -> CAP document, one per bulletin (CAP has one alert per document)."""
    by_id = {m.id: m for m in msgs}
    files: dict[str, bytes] = {}
    for m in msgs:
        body = m.envelope.body
        if isinstance(body, Bulletin):
            old = by_id.get(body.supersedes) if body.supersedes else None
            name = f"{cap_identifier(region, m)}.xml"
            files[name] = cap_document(bulletin_cap(m, region, old))
    return files


def json_item(
    m: SignedMessage, policy: Policy = Policy(), opener: Opener | None = None
) -> dict[str, Any] | None:
    """One message as an item of the JSON feed (the item schemas of export.schema.json); None
    for what is not for the crisis organisation (receipts, beacons, notes). `opener` is used
    only under the "open" policy."""
    env = m.envelope
    body = env.body
    item: dict[str, Any] = {
        "id": str(m.id),
        "type": env.type.value,
        "from": m.signer.site,
        "priority": env.priority.value,
        "created": cap_time(unix_from_minutes(env.created)),
    }
    if isinstance(body, Bulletin):
        item |= {
            "headline": body.headline,
            "body": body.body,
            "issuer": body.issuer,
            "valid_until": cap_time(unix_from_minutes(body.valid_until)),
            "topic": body.topic.value,
            "urgent": body.urgent is Urgent.SPOED,
            "internal": body.internal,
            "supersedes": str(body.supersedes) if body.supersedes else None,
        }
    elif isinstance(body, Sitrep):
        item |= {
            "nsp_state": body.nsp_state.value,
            "power": body.power.value,
            "power_hours": body.power_hours,
            "fuel_l": body.fuel_l,
            "staff_pro": body.staff_pro,
            "staff_vol": body.staff_vol,
            "visitors": body.visitors,
            "needs": [c.value for c in body.needs],
            "observations": [o.value for o in body.observations],
            "text": body.text,
        }
    elif isinstance(body, Supply):
        item |= {
            "category": body.category.value,
            "item": body.item,
            "quantity": body.quantity,
            "unit": body.unit.value,
            "persons": body.persons,
            "urgency": body.urgency.value,
            "text": body.text,
        }
    elif isinstance(body, Emergency):
        item |= {
            "incident": body.incident.value,
            "services": body.services.codes(),
            "life_threat": body.life_threat.value,
            "people_involved": body.people_involved,
        }
        item |= _personal_part(m, policy, opener)
    else:
        return None
    return item


def _personal_part(m: SignedMessage, policy: Policy, opener: Opener | None) -> dict[str, Any]:
    """What an emergency report carries of its reporter, callback number and address."""
    body = m.envelope.body
    assert isinstance(body, Emergency)
    if policy.personal == "open":
        opened = opener(m) if opener is not None and body.sealed_personal else m.envelope
        if opened is not None and isinstance(opened.body, Emergency):
            fields = {f: getattr(opened.body, f) for f in PERSONAL_FIELDS}
            fields |= {"lat": opened.body.lat, "lon": opened.body.lon}
            return {"personal": "open", "personal_data": fields}
    if policy.personal in ("sealed", "open") and body.sealed_personal:
        sealed = base64.b64encode(body.sealed_personal).decode()
        return {"personal": "sealed", "sealed_personal_b64": sealed}
    return {"personal": "withheld"}  # codes only; nothing of the person leaves


def site_opener(home: SiteHome) -> Opener:
    """Opens with this CP's sealing key; an NSP, or a CP without the key file, cannot."""

    def opener(m: SignedMessage) -> Envelope | None:
        try:
            return open_personal(home, m.envelope, m.signer.public_key)
        except (NsplinkError, OSError):
            return None

    return opener


def json_feed(
    msgs: list[SignedMessage],
    region: str,
    site: str,
    now: float,
    policy: Policy,
    opener: Opener | None = None,
) -> dict[str, Any]:
    """The documented JSON feed (export.schema.json, docs/design.md §8): one item per message,
    codes as on the air (docs/setting.md §3), times in CAP's form (UTC)."""
    items = [i for m in msgs if (i := json_item(m, policy, opener)) is not None]
    feed: dict[str, Any] = {
        "schema": "nsplink-export",
        "version": JSON_SCHEMA_VERSION,
        "region": region,
        "site": site,
        "exported": cap_time(now),
        "personal": policy.personal,
        "items": items,
    }
    if policy.liaison is not None:
        feed["liaison"] = policy.liaison
    return feed


def write_json(path: Path, feed: dict[str, Any]) -> None:
    path.write_text(json.dumps(feed, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

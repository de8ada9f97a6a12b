"""The JSON Schema of the export feed (issue 23): `nsplink/app/export.schema.json`, shipped in the
package for the crisis organisation's systems, written from the protocol's own code lists so it
cannot drift from what `export.json_item` writes.

    python -m nsplink.app.exportschema          # write the file (`make docs` runs this)
    python -m nsplink.app.exportschema --check  # exit 1 if the file is stale

The same item schemas describe the broker feed (app/bridge.py): one item per MQTT message.
"""

from __future__ import annotations

import argparse
import json
import sys
from enum import Enum
from pathlib import Path
from typing import Any

from nsplink.app.export import ITEM_PERSONAL, JSON_SCHEMA_VERSION, PERSONAL_CHOICES
from nsplink.protocol import (
    PERSONAL_FIELDS,
    Answer,
    Category,
    Incident,
    NspState,
    Observation,
    Power,
    Priority,
    Topic,
    Unit,
    Urgency,
)

SCHEMA_PATH = Path(__file__).with_name("export.schema.json")
TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[-+]\d\d:\d\d$"}


def _codes(enum: type[Enum], what: str) -> dict[str, Any]:
    return {"enum": [e.value for e in enum], "description": what}


def _count(what: str, nullable: bool = False) -> dict[str, Any]:
    kind: Any = ["integer", "null"] if nullable else "integer"
    return {"type": kind, "minimum": 0, "description": what}


def _text(what: str) -> dict[str, Any]:
    return {"type": "string", "description": what}


def _item(type_: str, what: str, props: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One message type's item: the common fields, its own, nothing else."""
    return {
        "description": what,
        "$ref": "#/$defs/common",
        "properties": {"type": {"const": type_}, **props},
        "required": ["type", *props],
        "unevaluatedProperties": False,
        **extra,
    }


def schema() -> dict[str, Any]:
    personal_data = {
        "type": "object",
        "description": "The reporter's fields, opened by a CP (policy open only).",
        "properties": {
            **{f: {"type": "string"} for f in PERSONAL_FIELDS},
            "lat": {"type": ["number", "null"]},
            "lon": {"type": ["number", "null"]},
        },
        "required": [*PERSONAL_FIELDS, "lat", "lon"],
        "additionalProperties": False,
    }
    # each way personal data leaves carries its own part, and only then
    emergency_personal = [
        {
            "if": {"properties": {"personal": {"const": value}}},
            "then": {"required": [part]},
            "else": {"not": {"required": [part]}},
        }
        for value, part in (("open", "personal_data"), ("sealed", "sealed_personal_b64"))
    ]
    defs: dict[str, Any] = {
        "time": {**TIME, "description": "CAP 1.2's dateTime form, UTC: no fractions."},
        "common": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "description": "Message number (key id-seq)."},
                "type": {"type": "string"},
                "from": _text("The signing site."),
                "priority": _codes(Priority, "Priority on the air."),
                "created": {"$ref": "#/$defs/time"},
            },
            "required": ["id", "type", "from", "priority", "created"],
        },
        "bulletin": _item(
            "bulletin",
            "Mededeling of a CP (also sent as CAP 1.2).",
            {
                "headline": _text("Headline."),
                "body": _text("Text."),
                "issuer": _text("Who issues it."),
                "valid_until": {"$ref": "#/$defs/time"},
                "topic": _codes(Topic, "Topic code."),
                "urgent": {"type": "boolean"},
                "internal": {"type": "boolean", "description": "For NSP staff only."},
                "supersedes": {"type": ["string", "null"], "description": "Message replaced."},
            },
        ),
        "sitrep": _item(
            "sitrep",
            "Situatierapport of an NSP.",
            {
                "nsp_state": _codes(NspState, "State of the NSP."),
                "power": _codes(Power, "Power source."),
                "power_hours": _count("Hours of power left."),
                "fuel_l": _count("Fuel in litres.", nullable=True),
                "staff_pro": _count("Professional staff."),
                "staff_vol": _count("Volunteers."),
                "visitors": _count("Visitors now."),
                "needs": {"type": "array", "items": _codes(Category, "Need.")},
                "observations": {"type": "array", "items": _codes(Observation, "Observation.")},
                "text": _text("Free text."),
            },
        ),
        "supply": _item(
            "supply",
            "Hulpvraag: a supply request of an NSP.",
            {
                "category": _codes(Category, "What kind."),
                "item": _text("What exactly."),
                "quantity": {"type": "integer", "minimum": 1},
                "unit": _codes(Unit, "Unit of the quantity."),
                "persons": _count("For how many people.", nullable=True),
                "urgency": _codes(Urgency, "How soon."),
                "text": _text("Free text."),
            },
        ),
        "emergency": _item(
            "emergency",
            "Noodhulpmelding, as codes; the person only as the policy allows.",
            {
                "incident": _codes(Incident, "Incident code."),
                "services": {"type": "string", "pattern": "^A?B?P?$", "description": "A, B, P."},
                "life_threat": _codes(Answer, "Danger to life."),
                "people_involved": _count("People involved."),
                "personal": {
                    "enum": list(ITEM_PERSONAL),
                    "description": "withheld (codes only), sealed (block) or open (fields).",
                },
            },
            allOf=emergency_personal,
        ),
        "personal_data": personal_data,
        "item": {"oneOf": [{"$ref": f"#/$defs/{k}"} for k in BODY_TYPES]},
    }
    defs["emergency"]["properties"] |= {
        "sealed_personal_b64": {"type": "string", "contentEncoding": "base64"},
        "personal_data": {"$ref": "#/$defs/personal_data"},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"urn:nsplink:export:{JSON_SCHEMA_VERSION}",
        "title": "nsplink export feed",
        "description": (
            "What a site verified or signed, for the crisis organisation (docs/design.md §8). "
            "Written by nsplink.app.exportschema; do not edit."
        ),
        "type": "object",
        "properties": {
            "schema": {"const": "nsplink-export"},
            "version": {"const": JSON_SCHEMA_VERSION},
            "region": _text("Veiligheidsregio."),
            "site": _text("The exporting site."),
            "exported": {"$ref": "#/$defs/time"},
            "personal": {"enum": list(PERSONAL_CHOICES), "description": "The region's policy."},
            "liaison": _text("With policy open: the meldkamer liaison it is for."),
            "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
        },
        "required": ["schema", "version", "region", "site", "exported", "personal", "items"],
        "additionalProperties": False,
        "$defs": defs,
    }


BODY_TYPES = ("bulletin", "sitrep", "supply", "emergency")


def rendered() -> str:
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    if args.check:
        stale = not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text(encoding="utf-8") != rendered()
        if stale:
            print(f"{SCHEMA_PATH} is stale: run make docs", file=sys.stderr)
        return 1 if stale else 0
    SCHEMA_PATH.write_text(rendered(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

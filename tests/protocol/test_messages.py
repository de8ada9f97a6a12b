"""Every validation rule names its field and has a Dutch and an English fix-it text."""

from __future__ import annotations

import dataclasses

import pytest

from nsplink import protocol as p
from nsplink.i18n import keys, t
from nsplink.protocol.messages import TEXT_MAX
from nsplink.texts import code_label, render_error
from tests.protocol.conftest import sample_bodies

B = sample_bodies()
KID = p.KeyId(b"\x01\x02\x03")

CASES: list[tuple[str, dict[str, object], str]] = [
    ("emergency", {"incident": "MED"}, "emergency.incident"),
    ("emergency", {"services": p.Services.NONE}, "emergency.services"),
    ("emergency", {"life_threat": True}, "emergency.life_threat"),
    ("emergency", {"people_involved": 256}, "emergency.people_involved"),
    ("emergency", {"people_involved": -1}, "emergency.people_involved"),
    ("emergency", {"people_involved": True}, "emergency.people_involved"),
    ("emergency", {"injured": 1000}, "emergency.injured"),
    ("emergency", {"hazards": [p.Hazard.CO]}, "emergency.hazards"),
    ("emergency", {"callback": "TEL"}, "emergency.callback"),
    ("emergency", {"callback_number": "bel mij"}, "emergency.callback_number"),
    ("emergency", {"street": "x" * 61}, "emergency.street"),
    ("emergency", {"postcode": "12345678"}, "emergency.postcode"),
    ("emergency", {"access": "a\x00b"}, "emergency.access"),
    ("emergency", {"reporter": "Jan\nde Vries"}, "emergency.reporter"),
    ("emergency", {"text": "x" * (TEXT_MAX + 1)}, "emergency.text"),
    ("emergency", {"text": "\ud800"}, "emergency.text"),
    ("emergency", {"street": "", "landmark": ""}, "emergency.location"),
    ("emergency", {"number": "", "landmark": ""}, "emergency.location"),
    ("emergency", {"lat": 91.0}, "emergency.coordinates"),
    ("emergency", {"lon": None}, "emergency.coordinates"),
    ("emergency", {"sealed_personal": b"x" * 513}, "emergency.sealed_personal"),
    ("sitrep", {"nsp_state": None}, "sitrep.nsp_state"),
    ("sitrep", {"power": "AGG"}, "sitrep.power"),
    ("sitrep", {"power_hours": 256}, "sitrep.power_hours"),
    ("sitrep", {"fuel_l": -5}, "sitrep.fuel_l"),
    ("sitrep", {"staff_vol": 1.5}, "sitrep.staff_vol"),
    ("sitrep", {"visitors": "veel"}, "sitrep.visitors"),
    ("sitrep", {"needs": (p.Category.WATER, "VOED")}, "sitrep.needs"),
    ("sitrep", {"observations": (p.Observation.KOU,) * 17}, "sitrep.observations"),
    ("sitrep", {"period_from": 600_000}, "sitrep.period"),
    ("sitrep", {"text": 5}, "sitrep.text"),
    ("supply", {"quantity": 0}, "supply.quantity"),
    ("supply", {"unit": "liter"}, "supply.unit"),
    ("supply", {"urgency": None}, "supply.urgency"),
    ("supply", {"category": "X"}, "supply.category"),
    ("supply", {"item": "x" * 41}, "supply.item"),
    ("supply", {"persons": 0}, "supply.persons"),
    ("supply", {"deliver_to_site": "a1b2c3"}, "supply.deliver_to_site"),
    ("supply", {"deliver_to_address": "\x07"}, "supply.deliver_to_address"),
    ("bulletin", {"headline": "   "}, "bulletin.headline"),
    ("bulletin", {"headline": "x" * 61}, "bulletin.headline"),
    ("bulletin", {"body": ""}, "bulletin.body"),
    ("bulletin", {"issuer": ""}, "bulletin.issuer"),
    ("bulletin", {"valid_until": 2**24}, "bulletin.valid_until"),
    ("bulletin", {"supersedes": "a1b2c3-1"}, "bulletin.supersedes"),
    ("bulletin", {"municipality": 0}, "bulletin.municipality"),
    ("bulletin", {"sites": (KID,) * 33}, "bulletin.sites"),
    ("bulletin", {"internal": "ja"}, "bulletin.internal"),
    ("bulletin", {"urgent": "SPOED"}, "bulletin.urgent"),
    ("bulletin", {"topic": 1}, "bulletin.topic"),
    ("bulletin", {"body": "😀" * 5000}, "bulletin.body"),
    (
        "receipt",
        {"entries": (p.ReceiptEntry(KID, 1, 5), p.ReceiptEntry(KID, 5, 6))},
        "receipt.entries",
    ),
    ("receipt", {"entries": ()}, "receipt.entries"),
    ("receipt", {"kind": "GEZ"}, "receipt.kind"),
    ("receipt", {"entries": (p.ReceiptEntry(KID, 5, 4),)}, "receipt.entries"),
    ("receipt", {"entries": (p.ReceiptEntry(KID, 0, 70_000),)}, "receipt.entries"),
    ("receipt", {"entries": (p.ReceiptEntry(KID, 1, 1, "GEZ"),)}, "receipt.entries"),  # type: ignore[arg-type]
    ("status", {"battery_pct": 101}, "status.battery_pct"),
    ("status", {"power_hours": 300}, "status.power_hours"),
    ("status", {"queue_depth": -1}, "status.queue_depth"),
    ("status", {"last_heard": (p.PeerHeard(KID, 1),) * 17}, "status.last_heard"),
    ("status", {"rssi": 100}, "status.rssi"),
    ("status", {"snr": 99.0}, "status.snr"),
    ("status", {"power": None}, "status.power"),
    ("roster_update", {"payload": "text"}, "roster_update.payload"),
]


@pytest.mark.parametrize(("name", "change", "field"), CASES)
def test_validation_names_the_field(name: str, change: dict[str, object], field: str) -> None:
    body = dataclasses.replace(B[name], **change)  # type: ignore[type-var]
    with pytest.raises(p.ValidationError) as err:
        body.validate()
    assert err.value.field == field
    nl, en = render_error(err.value, "nl"), render_error(err.value, "en")
    assert nl != en
    assert not nl.startswith("field.") and "hint." not in nl and "hint." not in en


def test_all_samples_are_valid() -> None:
    for body in B.values():
        body.validate()


def test_labels_exist_in_both_languages() -> None:
    field_keys = [k for k in keys() if k.startswith("field.")]
    for _, _, field in CASES:
        assert f"field.{field}" in field_keys
    for enum in (p.Incident, p.Category, p.State, p.Priority, p.MessageType, p.Observation):
        for code in enum:
            nl, en = code_label(code, "nl"), code_label(code, "en")
            assert nl and en and not nl.startswith("code.")
    assert code_label(p.State.GEZ, "nl") == "Ontvangen door CP"
    assert t("field.emergency.incident", "nl") == "Wat is er gebeurd?"


def test_codes_are_short_ascii() -> None:
    for enum in (p.Incident, p.Answer, p.Hazard, p.Callback, p.NspState, p.Power, p.Category,
                 p.Observation, p.Unit, p.Urgency, p.Topic, p.Urgent, p.State):  # fmt: skip
        for code in enum:
            assert code.value.isascii() and code.value.isupper() and len(code.value) <= 10


def test_services_parse_and_codes() -> None:
    s = p.Services.parse("a, p")
    assert s == p.Services.A | p.Services.P
    assert s.codes() == "AP"
    with pytest.raises(ValueError):
        p.Services.parse("AX")


def test_receipt_build_collapses_ranges_and_answers_state() -> None:
    items = {p.MessageId(KID, s): p.State.ONTV for s in (1, 2, 3, 5, 6)}
    items[p.MessageId(KID, 4)] = p.State.QUAR
    other = p.KeyId(b"\x09\x09\x09")
    items[p.MessageId(other, 7)] = p.State.ONTV
    r = p.Receipt.build(p.ReceiptKind.DELIVERY, items)
    assert [(e.sender, e.first, e.last, e.state) for e in r.entries] == [
        (KID, 1, 3, p.State.ONTV),
        (KID, 4, 4, p.State.QUAR),
        (KID, 5, 6, p.State.ONTV),
        (other, 7, 7, p.State.ONTV),
    ]
    assert r.state_of(p.MessageId(KID, 4)) is p.State.QUAR
    assert r.state_of(p.MessageId(KID, 9)) is None
    r.validate()


def test_many_acks_fit_one_receipt_frame() -> None:
    """One frame confirms 40 scattered messages from 4 senders."""
    ident = p.Identity(bytes(32))
    senders = [p.KeyId(bytes([i, i, i])) for i in range(4)]
    items = {p.MessageId(s, n * 3): p.State.ONTV for s in senders for n in range(10)}
    env = p.Envelope(ident.key_id, 1, 0, p.Receipt.build(p.ReceiptKind.DELIVERY, items))
    assert len(p.encode(env, ident)) <= p.MAX_FRAME


def test_suggested_priority() -> None:
    assert p.suggested_priority(B["emergency"]) is p.Priority.P1
    calm = dataclasses.replace(B["emergency"], life_threat=p.Answer.NEE, incident=p.Incident.MED)
    assert p.suggested_priority(calm) is p.Priority.P2
    assert p.suggested_priority(B["status"]) is p.Priority.P4
    assert p.suggested_priority(B["supply"]) is p.Priority.P2
    assert p.suggested_priority(B["sitrep"]) is p.Priority.P3

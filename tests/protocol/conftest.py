"""Shared fixtures: deterministic identities (fixed seeds, tests only) and sample messages."""

from __future__ import annotations

import pytest

from nsplink import protocol as p

SEED_NSP = bytes(range(32))
SEED_CP = bytes(range(100, 132))
SEED_OTHER = bytes(range(200, 232))


@pytest.fixture
def nsp() -> p.Identity:
    return p.Identity(SEED_NSP)


@pytest.fixture
def cp() -> p.Identity:
    return p.Identity(SEED_CP)


@pytest.fixture
def ring(nsp: p.Identity, cp: p.Identity) -> p.KeyRing:
    return p.KeyRing(
        [
            p.PeerKey("NSP Dorpshuis Zaltbommel", "nsp", nsp.public_key),
            p.PeerKey("CP Rivierenland", "cp", cp.public_key),
        ]
    )


def sample_bodies() -> dict[str, p.Message]:
    """One realistic, fully filled body per type (Dutch diacritics included)."""
    kid = p.Identity(SEED_CP).key_id
    return {
        "emergency": p.Emergency(
            incident=p.Incident.APP,
            services=p.Services.A | p.Services.B,
            people_involved=2,
            life_threat=p.Answer.JA,
            conscious=p.Answer.JA,
            breathing=p.Answer.NEE,
            injured=1,
            hazards=(p.Hazard.CO, p.Hazard.ROOK),
            callback=p.Callback.TEL,
            callback_number="06 12345678",
            street="Burgemeester de Vriesstraat",
            number="14a",
            postcode="5301 AB",
            place="Zaltbommel",
            landmark="naast de bakkerij",
            lat=51.81234,
            lon=5.24567,
            access="3e verdieping, lift doet het niet",
            reporter="J. de Vries",
            text="Thuisbeademing stopt over 2 uur; mevrouw is benauwd. Café-eigenaar helpt.",
        ),
        "sitrep": p.Sitrep(
            nsp_state=p.NspState.BEPERKT,
            power=p.Power.AGG,
            power_hours=6,
            staff_pro=1,
            staff_vol=7,
            visitors=142,
            fuel_l=40,
            queue=12,
            reports_sent=3,
            needs=(p.Category.WATER, p.Category.BRST),
            observations=(p.Observation.KOU, p.Observation.WATERDRUK),
            period_from=500_000,
            period_to=500_240,
            text="Veel vragen over drinkwater. Waterdruk in de flats aan de Kerkstraat is weg.",
        ),
        "supply": p.Supply(
            category=p.Category.BRST,
            quantity=3,
            unit=p.Unit.JC,
            urgency=p.Urgency.DIRECT,
            item="diesel voor aggregaat",
            persons=80,
            deliver_to_site=kid,
            text="Aggregaat heeft nog brandstof voor 3 uur.",
        ),
        "bulletin": p.Bulletin(
            headline="Drinkwater bij het dorpshuis",
            body="Vanaf 14:00 uur is er drinkwater. Neem zelf flessen mee.\nGeef dit door.",
            valid_until=501_000,
            issuer="Veiligheidsregio Gelderland-Zuid",
            supersedes=p.MessageId(kid, 17),
            municipality=297,
            sites=(kid,),
            internal=False,
            urgent=p.Urgent.SPOED,
            topic=p.Topic.WATER,
        ),
        "receipt": p.Receipt.build(
            p.ReceiptKind.TRIAGE,
            {
                p.MessageId(kid, 1): p.State.GEZ,
                p.MessageId(kid, 2): p.State.GEZ,
                p.MessageId(kid, 3): p.State.GEZ,
                p.MessageId(kid, 9): p.State.MKAMER,
            },
        ),
        "status": p.Status(
            power=p.Power.ACCU,
            battery_pct=62,
            power_hours=5,
            queue_depth=3,
            last_heard=(p.PeerHeard(kid, 4),),
            rssi=-97,
            snr=-7.25,
        ),
        "roster_update": p.RosterUpdate(payload=b"\x01\x02reserved"),
        "note": p.Note(
            p.NoteKind.QUESTION,
            "Is de brand uit? Hoeveel mensen zijn nog binnen?",
            "Anna (CP Tiel)",
            about=p.MessageId(kid, 17),
            state=p.State.NAVR,
        ),
    }

"""Labels of the core's coded values (docs/setting.md §3-§4): what a volunteer reads for a code.

Keys are `code.<Enum>.<value>` (see `nsplink.texts.code_label`). Every member of every Code enum
has a label here, checked at import, so a new code without Dutch and English words fails early.
"""

from __future__ import annotations

from nsplink.i18n import register
from nsplink.protocol import (
    Answer,
    Callback,
    Category,
    Code,
    Hazard,
    Incident,
    MessageType,
    NoteKind,
    NspState,
    Observation,
    Power,
    Priority,
    ReceiptKind,
    State,
    Topic,
    Unit,
    Urgency,
    Urgent,
)


def _labels(enum: type[Code], pairs: dict[str, tuple[str, str]]) -> None:
    missing = {c.value for c in enum} ^ set(pairs)
    if missing:
        raise ValueError(f"labels of {enum.__name__} do not match its codes: {sorted(missing)}")
    register({f"code.{enum.__name__}.{k}": v for k, v in pairs.items()})


register(
    {
        "code.Services.A": ("ambulance", "ambulance"),
        "code.Services.B": ("brandweer", "fire brigade"),
        "code.Services.P": ("politie", "police"),
    }
)
_labels(
    Priority,
    {
        "P1": ("Levensgevaar / direct", "Immediate"),
        "P2": ("Spoed", "Urgent"),
        "P3": ("Normaal", "Routine"),
        "P4": ("Ter info", "Information"),
    },
)
_labels(
    MessageType,
    {
        "emergency": ("Noodhulpmelding", "Emergency report"),
        "sitrep": ("Situatierapport", "Situation report"),
        "supply": ("Hulpvraag", "Supply request"),
        "bulletin": ("Mededeling", "Bulletin"),
        "receipt": ("Ontvangstbevestiging", "Receipt"),
        "status": ("Statusbericht", "Status beacon"),
        "roster_update": ("Wijziging deelnemerslijst", "Roster update"),
        "note": ("Bericht over melding", "Message about a report"),
    },
)
_labels(
    Incident,
    {
        "MED": ("onwel / ziek", "unwell / ill"),
        "LET": ("letsel / ongeval", "injury / accident"),
        "REA": ("reanimatie", "resuscitation"),
        "BRA": ("brand", "fire"),
        "CO": ("koolmonoxide", "carbon monoxide"),
        "GAS": ("gaslucht", "smell of gas"),
        "LIFT": ("opgesloten in lift", "trapped in a lift"),
        "APP": ("medisch apparaat uitgevallen", "medical device failed"),
        "GEW": ("geweld / misdrijf", "violence / crime"),
        "WAT": ("water / riool", "water / sewer"),
        "VER": ("vermissing", "missing person"),
        "OVR": ("overig", "other"),
    },
)
_labels(
    Answer,
    {"JA": ("ja", "yes"), "NEE": ("nee", "no"), "ONB": ("weet ik niet", "unknown")},
)
_labels(
    Hazard,
    {
        "GEEN": ("geen", "none"),
        "VUUR": ("vuur", "fire"),
        "ROOK": ("rook", "smoke"),
        "GAS": ("gas", "gas"),
        "CO": ("koolmonoxide", "carbon monoxide"),
        "WATER": ("water", "water"),
        "INSTORT": ("instortingsgevaar", "risk of collapse"),
        "AGRESSIE": ("agressie", "aggression"),
    },
)
_labels(
    Callback,
    {
        "NSP": ("melder wacht op het NSP", "reporter waits at the NSP"),
        "TER": ("melder blijft op het adres", "reporter stays at the address"),
        "TEL": ("telefoon", "phone"),
        "GEEN": ("niet bereikbaar", "not reachable"),
    },
)
_labels(
    NspState,
    {
        "OPEN": ("open", "open"),
        "BEPERKT": ("beperkt open", "limited"),
        "DICHT": ("dicht", "closed"),
        "VERPLAATST": ("verplaatst", "moved"),
    },
)
_labels(
    Power,
    {
        "AGG": ("aggregaat", "generator"),
        "NET": ("netstroom", "mains"),
        "ACCU": ("accu", "battery"),
        "ZON": ("zonne-energie", "solar"),
        "GEEN": ("geen stroom", "no power"),
    },
)
_labels(
    Observation,
    {
        "GEEN": ("geen bijzonderheden", "nothing to report"),
        "KOU": ("kou in woningen", "cold in homes"),
        "CO": ("koolmonoxide", "carbon monoxide"),
        "WATERDRUK": ("weinig waterdruk", "low water pressure"),
        "RIOOL": ("riool loopt over", "sewer overflowing"),
        "BRAND": ("brand", "fire"),
        "ONRUST": ("onrust", "unrest"),
        "KWETSBAAR": ("kwetsbare mensen", "vulnerable people"),
        "PLUNDER": ("plundering", "looting"),
        "VERKEER": ("verkeersproblemen", "traffic problems"),
    },
)
_labels(
    Category,
    {
        "WATER": ("drinkwater", "drinking water"),
        "VOED": ("voedsel", "food"),
        "MEDI": ("medicijnen", "medicine"),
        "ZORG": ("medische zorg", "medical care"),
        "BRST": ("brandstof", "fuel"),
        "WARM": ("dekens / warmte", "blankets / heating"),
        "OPVG": ("opvang / onderdak", "shelter"),
        "VERV": ("vervoer", "transport"),
        "LICHT": ("verlichting / batterijen", "lighting / batteries"),
        "HYG": ("hygiëne / sanitair", "hygiene / sanitation"),
        "COMM": ("communicatiemiddelen", "communication equipment"),
        "PERS": ("extra personeel", "extra staff"),
        "OVR": ("overig", "other"),
    },
)
_labels(
    Unit,
    {
        "ST": ("stuks", "pieces"),
        "L": ("liter", "litres"),
        "KG": ("kilo", "kg"),
        "PERS": ("personen", "persons"),
        "DOOS": ("dozen", "boxes"),
        "PAL": ("pallets", "pallets"),
        "JC": ("jerrycans", "jerrycans"),
    },
)
_labels(
    Urgency,
    {
        "DIRECT": ("direct (binnen 1 uur)", "immediately (within 1 hour)"),
        "VANDAAG": ("vandaag (binnen 6 uur)", "today (within 6 hours)"),
        "MORGEN": ("morgen", "tomorrow"),
        "INFO": ("ter info", "for information"),
    },
)
_labels(
    Topic,
    {
        "ALG": ("algemeen", "general"),
        "WATER": ("water", "water"),
        "OPVANG": ("opvang", "shelter"),
        "ZORG": ("zorg", "care"),
        "VEILIG": ("veiligheid", "safety"),
        "STROOM": ("stroom", "power"),
        "VERKEER": ("verkeer", "traffic"),
    },
)
_labels(Urgent, {"NORMAAL": ("normaal", "normal"), "SPOED": ("spoed", "urgent")})
_labels(
    ReceiptKind,
    {
        "DELIVERY": ("bezorgd", "delivered"),
        "TRIAGE": ("afhandelstatus", "handling state"),
        "CUSTODY": ("in bewaring bij doorgeefpunt", "in custody of a relay"),
        "HAND": ("overgedragen door de NSP", "handed over by the NSP"),
    },
)
_labels(
    State,
    {
        "ONTV": ("Ontvangen", "Received"),
        "GEZ": ("Ontvangen door CP", "Seen by CP"),
        "BEH": ("In behandeling bij CP", "In progress at CP"),
        "MKAMER": ("Doorgezet naar 112", "Forwarded to 112"),
        "TOEG": ("Toegewezen", "Assigned"),
        "AFG": ("Afgehandeld", "Done"),
        "NAVR": ("Navraag", "More information asked"),
        "WACHT": ("Wacht", "Waiting"),
        "NUITV": ("Niet uitvoerbaar", "Cannot be done"),
        "DUB": ("Dubbel", "Duplicate"),
        "INGT": ("Ingetrokken", "Withdrawn"),
        "QUAR": ("Onbetrouwbaar / quarantaine", "Untrusted / quarantined"),
    },
)
_labels(
    NoteKind,
    {
        "NOTE": ("notitie", "note"),
        "QUESTION": ("navraag", "question"),
        "REPLY": ("antwoord", "answer"),
        "ADDENDUM": ("aanvulling", "addendum"),
        "MESSAGE": ("bericht", "message"),
    },
)

"""The coded values of docs/domain.md §3-§4: short ASCII codes, shown translated.

Each enum's values are the stable codes (what logs, exports and the CLI use); `label(lang)` gives
the Dutch or English words a volunteer reads. The wire numbers live in nsplink.proto.
"""

from __future__ import annotations

from enum import IntFlag, StrEnum

from nsplink.i18n import Lang, register, t


class Code(StrEnum):
    """A short ASCII code with a translated label (`code.<Enum>.<CODE>`)."""

    def label(self, lang: Lang | None = None) -> str:
        return t(f"code.{type(self).__name__}.{self.value}", lang)


def _labels(enum: type[Code], pairs: dict[str, tuple[str, str]]) -> None:
    missing = {c.value for c in enum} ^ set(pairs)
    if missing:
        raise ValueError(f"labels of {enum.__name__} do not match its codes: {sorted(missing)}")
    register({f"code.{enum.__name__}.{k}": v for k, v in pairs.items()})


class Priority(Code):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"


class MessageType(Code):
    EMERGENCY = "emergency"
    SITREP = "sitrep"
    SUPPLY = "supply"
    BULLETIN = "bulletin"
    RECEIPT = "receipt"
    STATUS = "status"
    ROSTER_UPDATE = "roster_update"


class Incident(Code):
    MED = "MED"
    LET = "LET"
    REA = "REA"
    BRA = "BRA"
    CO = "CO"
    GAS = "GAS"
    LIFT = "LIFT"
    APP = "APP"
    GEW = "GEW"
    WAT = "WAT"
    VER = "VER"
    OVR = "OVR"


class Answer(Code):
    JA = "JA"
    NEE = "NEE"
    ONB = "ONB"


class Hazard(Code):
    GEEN = "GEEN"
    VUUR = "VUUR"
    ROOK = "ROOK"
    GAS = "GAS"
    CO = "CO"
    WATER = "WATER"
    INSTORT = "INSTORT"
    AGRESSIE = "AGRESSIE"


class Callback(Code):
    NSP = "NSP"
    TER = "TER"
    TEL = "TEL"
    GEEN = "GEEN"


class NspState(Code):
    OPEN = "OPEN"
    BEPERKT = "BEPERKT"
    DICHT = "DICHT"
    VERPLAATST = "VERPLAATST"


class Power(Code):
    AGG = "AGG"
    NET = "NET"
    ACCU = "ACCU"
    ZON = "ZON"
    GEEN = "GEEN"


class Observation(Code):
    GEEN = "GEEN"
    KOU = "KOU"
    CO = "CO"
    WATERDRUK = "WATERDRUK"
    RIOOL = "RIOOL"
    BRAND = "BRAND"
    ONRUST = "ONRUST"
    KWETSBAAR = "KWETSBAAR"
    PLUNDER = "PLUNDER"
    VERKEER = "VERKEER"


class Category(Code):
    WATER = "WATER"
    VOED = "VOED"
    MEDI = "MEDI"
    ZORG = "ZORG"
    BRST = "BRST"
    WARM = "WARM"
    OPVG = "OPVG"
    VERV = "VERV"
    LICHT = "LICHT"
    HYG = "HYG"
    COMM = "COMM"
    PERS = "PERS"
    OVR = "OVR"


class Unit(Code):
    ST = "ST"
    L = "L"
    KG = "KG"
    PERS = "PERS"
    DOOS = "DOOS"
    PAL = "PAL"
    JC = "JC"


class Urgency(Code):
    DIRECT = "DIRECT"
    VANDAAG = "VANDAAG"
    MORGEN = "MORGEN"
    INFO = "INFO"


class Topic(Code):
    ALG = "ALG"
    WATER = "WATER"
    OPVANG = "OPVANG"
    ZORG = "ZORG"
    VEILIG = "VEILIG"
    STROOM = "STROOM"
    VERKEER = "VERKEER"


class Urgent(Code):
    NORMAAL = "NORMAAL"
    SPOED = "SPOED"


class ReceiptKind(Code):
    DELIVERY = "DELIVERY"
    TRIAGE = "TRIAGE"
    CUSTODY = "CUSTODY"


class State(Code):
    """Delivery and CP handling state carried by receipts (docs/domain.md §4.2), in triage order."""

    ONTV = "ONTV"
    GEZ = "GEZ"
    BEH = "BEH"
    MKAMER = "MKAMER"
    TOEG = "TOEG"
    AFG = "AFG"
    NAVR = "NAVR"
    WACHT = "WACHT"
    NUITV = "NUITV"
    DUB = "DUB"
    INGT = "INGT"
    QUAR = "QUAR"


class Services(IntFlag):
    """Which emergency services are needed; several may be set."""

    NONE = 0
    A = 1  # ambulance
    B = 2  # brandweer
    P = 4  # politie

    def codes(self) -> str:
        return "".join(s.name or "" for s in (Services.A, Services.B, Services.P) if s in self)

    @classmethod
    def parse(cls, text: str) -> Services:
        """'AB' or 'a,p' -> Services; raises ValueError naming the unknown letter."""
        out = cls.NONE
        for ch in text.upper().replace(",", "").replace(" ", ""):
            if ch not in "ABP":
                raise ValueError(ch)
            out |= cls[ch]
        return out


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

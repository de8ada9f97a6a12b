"""The coded values of docs/setting.md §3-§4: short ASCII codes, shown translated.

Each enum's values are the stable codes (what logs, exports and the CLI use). The Dutch or English
words a volunteer reads are presentation: `nsplink.texts.code_label(code, lang)`, texts in
nsplink/texts/codes.py. The wire numbers live in nsplink.proto.
"""

from __future__ import annotations

from enum import IntFlag, StrEnum


class Code(StrEnum):
    """A short ASCII code; its label is `code.<Enum>.<CODE>` in the catalog."""


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
    NOTE = "note"  # issue 19: a step of the conversation about a report (type code 8 on air)


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
    HAND = "HAND"  # the report's NSP hands it to a CP that has it: nobody took it up


class State(Code):
    """Delivery and CP handling state carried by receipts (docs/setting.md §4.2), triage order."""

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


class NoteKind(Code):
    """What one step of a report's conversation is (issue 19)."""

    NOTE = "NOTE"
    QUESTION = "QUESTION"
    REPLY = "REPLY"
    ADDENDUM = "ADDENDUM"
    MESSAGE = "MESSAGE"


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

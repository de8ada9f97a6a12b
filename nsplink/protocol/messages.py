"""Typed message bodies (docs/setting.md §3); validation names the field and says how to fix it.

Bodies are frozen dataclasses; `validate()` raises `ValidationError` for the first problem. Text
fields are listed in `TEXT_FIELDS` in wire order (the codec compresses them together).
Times are whole minutes since `EPOCH_UNIX` (see envelope.py), passed in by the caller.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import ClassVar

from nsplink.protocol.codes import (
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
    ReceiptKind,
    Services,
    State,
    Topic,
    Unit,
    Urgency,
    Urgent,
)
from nsplink.protocol.errors import ValidationError
from nsplink.protocol.identity import KeyId, MessageId

U8 = 255
U32 = 2**32 - 1
MINUTES_MAX = 2**24 - 1  # the header's 3-byte time field
TEXT_MAX = 8000  # characters of one long free-text field (a 4 KiB bulletin must fit)
MAX_TEXT_BYTES = 16384  # all text of one message, UTF-8; also the decoder's inflate limit
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_PHONE = re.compile(r"^\+?[0-9 ()-]{3,20}$")


def _check_text(
    name: str, value: object, max_chars: int, *, required: bool = False, multiline: bool = False
) -> None:
    if not isinstance(value, str):
        raise ValidationError(name, "hint.required" if value is None else "hint.control")
    if required and not value.strip():
        raise ValidationError(name, "hint.required")
    if len(value) > max_chars:
        raise ValidationError(name, "hint.too_long", length=len(value), max=max_chars)
    if (_CONTROL if multiline else _CONTROL_ONE_LINE).search(value):
        raise ValidationError(name, "hint.control")
    if not value.isprintable():  # the common case (plain text) never gets here
        _check_visible(name, value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates cannot travel
        raise ValidationError(name, "hint.control") from exc


# What an operator cannot see yet changes what they read: C1 controls (Cc), bidi overrides and
# isolates, zero-width and other format characters (Cf), lone surrogates (Cs), and the Unicode
# line/paragraph separators (Zl, Zp). Refused when composing and, as decode validates, on
# receipt. The newline and tab of multi-line free text are checked above.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _check_visible(name: str, value: str) -> None:
    for ch in value:
        if ch in "\n\t":
            continue
        if unicodedata.category(ch) in INVISIBLE_CATEGORIES:
            raise ValidationError(name, "hint.invisible", char=f"U+{ord(ch):04X}")


def _check_int(name: str, value: object, lo: int = 0, hi: int = U32) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationError(name, "hint.range", lo=lo, hi=hi)


def _check_opt_int(name: str, value: object, lo: int = 0, hi: int = U32) -> None:
    if value is not None:
        _check_int(name, value, lo, hi)


def _check_code(name: str, value: object, enum: type[Code]) -> None:
    if not isinstance(value, enum):
        raise ValidationError(name, "hint.choice", choices=", ".join(c.value for c in enum))


def _check_codes(name: str, values: object, enum: type[Code], max_items: int = 16) -> None:
    if not isinstance(values, tuple) or len(values) > max_items:
        raise ValidationError(name, "hint.choice", choices=", ".join(c.value for c in enum))
    for v in values:
        _check_code(name, v, enum)


def _check_key_id(name: str, value: object) -> None:
    if not isinstance(value, KeyId):
        raise ValidationError(name, "hint.key_id")


class Body:
    """Common behaviour of all message bodies."""

    TYPE: ClassVar[MessageType]
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ()

    def validate(self) -> None:
        raise NotImplementedError

    def texts(self) -> tuple[str, ...]:
        return tuple(getattr(self, name) for name in self.TEXT_FIELDS)

    def _check_total_text(self) -> None:
        sizes = {
            n: len(t.encode("utf-8")) for n, t in zip(self.TEXT_FIELDS, self.texts(), strict=True)
        }
        total = sum(sizes.values())
        if total > MAX_TEXT_BYTES:
            name = f"{self.TYPE.value}.{max(sizes, key=lambda n: sizes[n])}"  # the one to shorten
            raise ValidationError(name, "hint.text_total", length=total, max=MAX_TEXT_BYTES)


@dataclass(frozen=True)
class Emergency(Body):
    """Noodhulpmelding: a report relayed towards 112 (docs/setting.md §3.1). Its time is the
    envelope's."""

    TYPE: ClassVar[MessageType] = MessageType.EMERGENCY
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = (
        "street", "number", "postcode", "place", "landmark", "access", "reporter",
        "callback_number", "text",
    )  # fmt: skip

    incident: Incident
    services: Services
    people_involved: int = 1
    life_threat: Answer = Answer.ONB
    conscious: Answer = Answer.ONB
    breathing: Answer = Answer.ONB
    injured: int | None = None
    hazards: tuple[Hazard, ...] = ()
    callback: Callback = Callback.NSP
    callback_number: str = ""
    street: str = ""
    number: str = ""
    postcode: str = ""
    place: str = ""
    landmark: str = ""
    lat: float | None = None
    lon: float | None = None
    access: str = ""
    reporter: str = ""
    text: str = ""
    sealed_personal: bytes = b""  # issue 11: reporter, number and address sealed to the CPs

    def validate(self) -> None:
        p = "emergency."
        _check_code(p + "incident", self.incident, Incident)
        if not isinstance(self.services, Services) or not self.services & Services(7):
            raise ValidationError(p + "services", "hint.services")
        for name in ("life_threat", "conscious", "breathing"):
            _check_code(p + name, getattr(self, name), Answer)
        _check_int(p + "people_involved", self.people_involved, 0, U8)
        _check_opt_int(p + "injured", self.injured, 0, U8)
        _check_codes(p + "hazards", self.hazards, Hazard)
        _check_code(p + "callback", self.callback, Callback)
        limits = {"street": 60, "number": 10, "postcode": 7, "place": 40, "landmark": 80,
                  "access": 80, "reporter": 40, "callback_number": 20}  # fmt: skip
        for name, limit in limits.items():
            _check_text(p + name, getattr(self, name), limit)
        _check_text(p + "text", self.text, TEXT_MAX, multiline=True)
        if not isinstance(self.sealed_personal, bytes) or len(self.sealed_personal) > 512:
            raise ValidationError(p + "sealed_personal", "hint.bytes", max=512)
        has_address = bool(self.street.strip() and self.number.strip())
        if not (has_address or self.landmark.strip() or self.sealed_personal):
            raise ValidationError(p + "location", "hint.location")
        if (self.lat is None) != (self.lon is None) or (
            self.lat is not None
            and self.lon is not None
            and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180)
        ):
            raise ValidationError(p + "coordinates", "hint.coordinates")
        if (
            self.callback is Callback.TEL
            and not self.sealed_personal
            and not _PHONE.match(self.callback_number)
        ):
            raise ValidationError(p + "callback_number", "hint.phone")
        self._check_total_text()


@dataclass(frozen=True)
class Sitrep(Body):
    """Situatierapport of an NSP (docs/setting.md §3.2)."""

    TYPE: ClassVar[MessageType] = MessageType.SITREP
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("text",)

    nsp_state: NspState
    power: Power
    power_hours: int
    staff_pro: int
    staff_vol: int
    visitors: int
    fuel_l: int | None = None
    queue: int | None = None
    reports_sent: int | None = None
    needs: tuple[Category, ...] = ()
    observations: tuple[Observation, ...] = ()
    period_from: int | None = None
    period_to: int | None = None
    text: str = ""

    def validate(self) -> None:
        p = "sitrep."
        _check_code(p + "nsp_state", self.nsp_state, NspState)
        _check_code(p + "power", self.power, Power)
        _check_int(p + "power_hours", self.power_hours, 0, U8)
        _check_opt_int(p + "fuel_l", self.fuel_l, 0, 100_000)
        for name in ("staff_pro", "staff_vol"):
            _check_int(p + name, getattr(self, name), 0, 1000)
        _check_int(p + "visitors", self.visitors, 0, 1_000_000)
        _check_opt_int(p + "queue", self.queue, 0, 100_000)
        _check_opt_int(p + "reports_sent", self.reports_sent, 0, 100_000)
        _check_codes(p + "needs", self.needs, Category)
        _check_codes(p + "observations", self.observations, Observation)
        _check_opt_int(p + "period", self.period_from, 0, MINUTES_MAX)
        _check_opt_int(p + "period", self.period_to, 0, MINUTES_MAX)
        if (
            self.period_from is not None
            and self.period_to is not None
            and self.period_from > self.period_to
        ):
            raise ValidationError(p + "period", "hint.period")
        _check_text(p + "text", self.text, TEXT_MAX, multiline=True)
        self._check_total_text()


@dataclass(frozen=True)
class Supply(Body):
    """Hulpvraag: a supply request (docs/setting.md §3.3). No deliver-to means: the sending NSP."""

    TYPE: ClassVar[MessageType] = MessageType.SUPPLY
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("item", "deliver_to_address", "text")

    category: Category
    quantity: int
    unit: Unit
    urgency: Urgency = Urgency.VANDAAG
    item: str = ""
    persons: int | None = None
    deliver_to_site: KeyId | None = None
    deliver_to_address: str = ""
    text: str = ""

    def validate(self) -> None:
        p = "supply."
        _check_code(p + "category", self.category, Category)
        _check_int(p + "quantity", self.quantity, 1, 1_000_000)
        _check_code(p + "unit", self.unit, Unit)
        _check_code(p + "urgency", self.urgency, Urgency)
        _check_text(p + "item", self.item, 40)
        _check_opt_int(p + "persons", self.persons, 1, 1_000_000)
        if self.deliver_to_site is not None:
            _check_key_id(p + "deliver_to_site", self.deliver_to_site)
        _check_text(p + "deliver_to_address", self.deliver_to_address, 80)
        _check_text(p + "text", self.text, TEXT_MAX, multiline=True)
        self._check_total_text()


@dataclass(frozen=True)
class Bulletin(Body):
    """Mededeling from a CP to the NSPs (docs/setting.md §3.4); the envelope's destination routes
    it, `municipality`/`sites` narrow who shows it."""

    TYPE: ClassVar[MessageType] = MessageType.BULLETIN
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("headline", "body", "issuer")

    headline: str
    body: str
    valid_until: int
    issuer: str
    supersedes: MessageId | None = None
    municipality: int | None = None  # CBS code, GM0363 -> 363
    sites: tuple[KeyId, ...] = ()
    internal: bool = False
    urgent: Urgent = Urgent.NORMAAL
    topic: Topic = Topic.ALG

    def validate(self) -> None:
        p = "bulletin."
        _check_text(p + "headline", self.headline, 60, required=True)
        _check_text(p + "body", self.body, TEXT_MAX, required=True, multiline=True)
        _check_int(p + "valid_until", self.valid_until, 0, MINUTES_MAX)
        _check_text(p + "issuer", self.issuer, 60, required=True)
        if self.supersedes is not None and not isinstance(self.supersedes, MessageId):
            raise ValidationError(p + "supersedes", "hint.key_id")
        _check_opt_int(p + "municipality", self.municipality, 1, 9999)
        if not isinstance(self.sites, tuple) or len(self.sites) > 32:
            raise ValidationError(p + "sites", "hint.key_id")
        for site in self.sites:
            _check_key_id(p + "sites", site)
        if not isinstance(self.internal, bool):
            raise ValidationError(p + "internal", "hint.choice", choices="True, False")
        _check_code(p + "urgent", self.urgent, Urgent)
        _check_code(p + "topic", self.topic, Topic)
        self._check_total_text()


RANGE_MAX = 65535  # widest seq range one receipt entry may confirm


@dataclass(frozen=True)
class ReceiptEntry:
    """Messages `sender-first` .. `sender-last` all have `state`."""

    sender: KeyId
    first: int
    last: int
    state: State = State.ONTV

    def covers(self, mid: MessageId) -> bool:
        return mid.sender == self.sender and self.first <= mid.seq <= self.last


@dataclass(frozen=True)
class Receipt(Body):
    """Signed proof: ONE receipt confirms MANY messages, each (range) with its state.

    kind DELIVERY: the addressee has them; TRIAGE: the CP's handling state (gezien, in
    behandeling, doorgezet naar 112, ...); CUSTODY: a relay holds them for forwarding."""

    TYPE: ClassVar[MessageType] = MessageType.RECEIPT

    kind: ReceiptKind
    entries: tuple[ReceiptEntry, ...]

    @classmethod
    def build(
        cls, kind: ReceiptKind, items: dict[MessageId, State] | list[tuple[MessageId, State]]
    ) -> Receipt:
        """Collapse (message id, state) pairs into the fewest ranges."""
        pairs = sorted(dict(items).items() if isinstance(items, list) else items.items())
        entries: list[ReceiptEntry] = []
        for mid, state in pairs:
            last = entries[-1] if entries else None
            if (
                last is not None
                and last.sender == mid.sender
                and last.state is state
                and last.last + 1 == mid.seq
                and mid.seq - last.first <= RANGE_MAX
            ):
                entries[-1] = ReceiptEntry(last.sender, last.first, mid.seq, state)
            else:
                entries.append(ReceiptEntry(mid.sender, mid.seq, mid.seq, state))
        return cls(kind, tuple(entries))

    def state_of(self, mid: MessageId) -> State | None:
        for entry in self.entries:
            if entry.covers(mid):
                return entry.state
        return None

    def validate(self) -> None:
        p = "receipt."
        _check_code(p + "kind", self.kind, ReceiptKind)
        if not isinstance(self.entries, tuple) or not 1 <= len(self.entries) <= 64:
            raise ValidationError(p + "entries", "hint.range", lo=1, hi=64)
        for e in self.entries:
            if not isinstance(e, ReceiptEntry):
                raise ValidationError(p + "entries", "hint.key_id")
            _check_key_id(p + "entries", e.sender)
            _check_int(p + "entries", e.first, 0, U32)
            _check_int(p + "entries", e.last, 0, U32)
            if not 0 <= e.last - e.first <= RANGE_MAX:
                raise ValidationError(p + "entries", "hint.range_order", max=RANGE_MAX)
            _check_code(p + "entries", e.state, State)
        spans = sorted((e.sender, e.first, e.last) for e in self.entries)
        for (s1, _, last1), (s2, first2, _) in itertools.pairwise(spans):
            if s1 == s2 and first2 <= last1:
                raise ValidationError(p + "entries", "hint.overlap")


@dataclass(frozen=True)
class PeerHeard:
    site: KeyId
    minutes_ago: int


HEAD_HASH_BYTES = 6  # of the chain hash in a beacon: 2^48 tries to forge a match


@dataclass(frozen=True)
class ChainHead:
    """The sender's log head in its beacon (issue 18): `count` events, the first bytes of the
    last one's chain hash. Other sites record it; `nsplink log verify --against` checks it."""

    count: int
    hash: bytes


# The head rides on one beacon in four (every 2 hours at the 30-minute default): each beacon
# with it is 8 bytes longer, which in the 72-hour exercise cost 4.5-15 % of all airtime through
# knock-on collisions when every beacon carried it; an announced head anchors everything before
# it, so announcing less often only widens the unanchored tail.
HEAD_EVERY = 4


def beacon_head(beacon_no: int, count: int, digest: bytes) -> ChainHead | None:
    """The log head that a site's `beacon_no`-th beacon (counted from 0 since start) carries."""
    if beacon_no % HEAD_EVERY:
        return None
    return ChainHead(count, digest[:HEAD_HASH_BYTES])


@dataclass(frozen=True)
class Status(Body):
    """Small automatic beacon (docs/setting.md §3.5); no free text."""

    TYPE: ClassVar[MessageType] = MessageType.STATUS

    power: Power
    battery_pct: int
    power_hours: int
    queue_depth: int
    last_heard: tuple[PeerHeard, ...] = ()
    rssi: int | None = None
    snr: float | None = None
    head: ChainHead | None = None
    reads: int | None = None  # the newest frame format the sender reads; None: format 2

    def validate(self) -> None:
        p = "status."
        _check_code(p + "power", self.power, Power)
        _check_int(p + "battery_pct", self.battery_pct, 0, 100)
        _check_int(p + "power_hours", self.power_hours, 0, U8)
        _check_int(p + "queue_depth", self.queue_depth, 0, 100_000)
        if not isinstance(self.last_heard, tuple) or len(self.last_heard) > 16:
            raise ValidationError(p + "last_heard", "hint.range", lo=0, hi=16)
        for peer in self.last_heard:
            if not isinstance(peer, PeerHeard):
                raise ValidationError(p + "last_heard", "hint.key_id")
            _check_key_id(p + "last_heard", peer.site)
            _check_int(p + "last_heard", peer.minutes_ago, 0, MINUTES_MAX)
        _check_opt_int(p + "rssi", self.rssi, -200, 50)
        if self.snr is not None and (
            not isinstance(self.snr, int | float) or not -64 <= self.snr <= 64
        ):
            raise ValidationError(p + "snr", "hint.range", lo=-64, hi=64)
        if self.head is not None:
            if not isinstance(self.head, ChainHead):
                raise ValidationError(p + "head", "hint.bytes", max=HEAD_HASH_BYTES)
            _check_int(p + "head", self.head.count, 0, U32)
            if not isinstance(self.head.hash, bytes) or len(self.head.hash) != HEAD_HASH_BYTES:
                raise ValidationError(p + "head", "hint.bytes", max=HEAD_HASH_BYTES)
        _check_opt_int(p + "reads", self.reads, 3, 15)


@dataclass(frozen=True)
class RosterUpdate(Body):
    """Reserved for issue 11: a signed roster change. Carried opaquely for now."""

    TYPE: ClassVar[MessageType] = MessageType.ROSTER_UPDATE

    payload: bytes = field(default=b"")

    def validate(self) -> None:
        if not isinstance(self.payload, bytes) or len(self.payload) > 8192:
            raise ValidationError("roster_update.payload", "hint.bytes", max=8192)


NOTE_MAX = 500  # characters of one note, question or answer: a few frames at most


@dataclass(frozen=True)
class Note(Body):
    """One step of the conversation about a report (issue 19): a CP's note or question with its
    handling state, an answer from either end, the NSP's addendum; or, without `about`, a free
    message between a CP and one NSP. Sent like a report: signed, receipted, retried."""

    TYPE: ClassVar[MessageType] = MessageType.NOTE
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ("text", "operator")

    kind: NoteKind
    text: str = ""
    operator: str = ""
    about: MessageId | None = None
    state: State | None = None
    sealed: bytes = b""  # text and operator sealed between the report's NSP and the CPs

    def validate(self) -> None:
        p = "note."
        _check_code(p + "kind", self.kind, NoteKind)
        _check_text(p + "text", self.text, NOTE_MAX, multiline=True)
        _check_text(p + "operator", self.operator, 60)
        if self.about is not None and not isinstance(self.about, MessageId):
            raise ValidationError(p + "about", "hint.key_id")
        if (self.about is None) != (self.kind is NoteKind.MESSAGE):
            raise ValidationError(p + "about", "hint.required")  # only a free message has none
        if self.state is not None:
            _check_code(p + "state", self.state, State)
        if not isinstance(self.sealed, bytes) or len(self.sealed) > 1024:
            raise ValidationError(p + "sealed", "hint.bytes", max=1024)
        if not (self.text.strip() or self.sealed or self.state is not None):
            raise ValidationError(p + "text", "hint.required")


Message = Emergency | Sitrep | Supply | Bulletin | Receipt | Status | RosterUpdate | Note
BODY_TYPES: dict[MessageType, type[Body]] = {
    cls.TYPE: cls
    for cls in (Emergency, Sitrep, Supply, Bulletin, Receipt, Status, RosterUpdate, Note)
}

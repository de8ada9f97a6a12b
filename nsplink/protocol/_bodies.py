"""Body <-> generated protobuf message <-> packed bits (bitpack.py). Text fields are NOT in the
packed body (they travel compressed in the text section)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from google.protobuf.message import Message as PbMessage

from nsplink.protocol import bitpack, codes
from nsplink.protocol.codes import State
from nsplink.protocol.errors import MalformedFrame, ValidationError
from nsplink.protocol.identity import KEY_ID_LEN, KeyId, MessageId
from nsplink.protocol.messages import (
    Body,
    Bulletin,
    ChainHead,
    Emergency,
    Message,
    Note,
    PeerHeard,
    Receipt,
    ReceiptEntry,
    RosterUpdate,
    Sitrep,
    Status,
    Supply,
)
from nsplink.protocol.pb import nsplink_pb2 as pb

C = TypeVar("C", bound=codes.Code)
# Coordinates travel relative to a point in the Netherlands: a few bits shorter (nsplink.proto).
LAT0_E5 = 52 * 100_000
LON0_E5 = 5 * 100_000

_PB_ENUMS: dict[type[codes.Code], tuple[Any, str]] = {
    codes.Incident: (pb.Incident, "INCIDENT_"),
    codes.Answer: (pb.Answer, "ANSWER_"),
    codes.Hazard: (pb.Hazard, "HAZARD_"),
    codes.Callback: (pb.Callback, "CALLBACK_"),
    codes.NspState: (pb.NspState, "NSP_STATE_"),
    codes.Power: (pb.Power, "POWER_"),
    codes.Observation: (pb.Observation, "OBSERVATION_"),
    codes.Category: (pb.Category, "CATEGORY_"),
    codes.Unit: (pb.Unit, "UNIT_"),
    codes.Urgency: (pb.Urgency, "URGENCY_"),
    codes.Topic: (pb.Topic, "TOPIC_"),
    codes.Urgent: (pb.Urgent, "URGENT_"),
    codes.ReceiptKind: (pb.ReceiptKind, "RECEIPT_KIND_"),
    codes.State: (pb.State, "STATE_"),
    codes.NoteKind: (pb.NoteKind, "NOTE_KIND_"),
}
# code -> wire number and back; built by name so the .proto and codes.py cannot drift apart.
# Keyed by (enum, ...) because str codes compare equal across enums (Topic.WATER == "WATER").
_TO_WIRE: dict[tuple[type[codes.Code], str], int] = {
    (enum, c.value): int(wrapper.Value(prefix + c.value))
    for enum, (wrapper, prefix) in _PB_ENUMS.items()
    for c in enum
}
_FROM_WIRE: dict[tuple[type[codes.Code], int], codes.Code] = {
    (enum, n): enum(value) for (enum, value), n in _TO_WIRE.items()
}


def wire(code: codes.Code) -> int:
    return _TO_WIRE[(type(code), code.value)]


def unwire(enum: type[C], number: int) -> C:
    code = _FROM_WIRE.get((enum, number))
    if code is None:
        raise MalformedFrame(f"unknown {enum.__name__} code {number}")
    return code  # type: ignore[return-value]


def _unwire_all(enum: type[C], numbers: Iterable[int]) -> tuple[C, ...]:
    return tuple(unwire(enum, n) for n in numbers)


def _key_id(raw: bytes) -> KeyId:
    if len(raw) != KEY_ID_LEN:
        raise MalformedFrame("a key id field has the wrong length")
    return KeyId(raw)


def _services(bits: int) -> codes.Services:
    if bits & ~7:
        raise MalformedFrame(f"unknown service bits {bits:#x}")
    return codes.Services(bits)


def _opt(msg: PbMessage, name: str) -> Any:
    return getattr(msg, name) if msg.HasField(name) else None


# ---- encode -----------------------------------------------------------------------------


def _enc_emergency(b: Emergency) -> PbMessage:
    m = pb.Emergency(
        incident=wire(b.incident),  # type: ignore[arg-type]
        services=int(b.services),
        life_threat=wire(b.life_threat),  # type: ignore[arg-type]
        conscious=wire(b.conscious),  # type: ignore[arg-type]
        breathing=wire(b.breathing),  # type: ignore[arg-type]
        people_involved=b.people_involved,
        hazards=[wire(h) for h in b.hazards],  # type: ignore[misc]
        callback=wire(b.callback),  # type: ignore[arg-type]
        sealed_personal=b.sealed_personal,
    )
    if b.injured is not None:
        m.injured = b.injured
    if b.lat is not None and b.lon is not None:
        m.lat_e5 = round(b.lat * 1e5) - LAT0_E5
        m.lon_e5 = round(b.lon * 1e5) - LON0_E5
    return m


def _enc_sitrep(b: Sitrep) -> PbMessage:
    m = pb.Sitrep(
        nsp_state=wire(b.nsp_state),  # type: ignore[arg-type]
        power=wire(b.power),  # type: ignore[arg-type]
        power_hours=b.power_hours,
        staff_pro=b.staff_pro,
        staff_vol=b.staff_vol,
        visitors=b.visitors,
        needs=[wire(c) for c in b.needs],  # type: ignore[misc]
        observations=[wire(o) for o in b.observations],  # type: ignore[misc]
    )
    for name in ("fuel_l", "queue", "reports_sent", "period_from", "period_to"):
        value = getattr(b, name)
        if value is not None:
            setattr(m, name, value)
    return m


def _enc_supply(b: Supply) -> PbMessage:
    m = pb.Supply(
        category=wire(b.category),  # type: ignore[arg-type]
        quantity=b.quantity,
        unit=wire(b.unit),  # type: ignore[arg-type]
        urgency=wire(b.urgency),  # type: ignore[arg-type]
    )
    if b.persons is not None:
        m.persons = b.persons
    if b.deliver_to_site is not None:
        m.deliver_to_site = b.deliver_to_site.raw
    return m


def _enc_bulletin(b: Bulletin) -> PbMessage:
    m = pb.Bulletin(
        valid_until=b.valid_until,
        sites=[s.raw for s in b.sites],
        internal=b.internal,
        urgent=wire(b.urgent),  # type: ignore[arg-type]
        topic=wire(b.topic),  # type: ignore[arg-type]
    )
    if b.municipality is not None:
        m.municipality = b.municipality
    if b.supersedes is not None:
        m.supersedes.sender = b.supersedes.sender.raw
        m.supersedes.seq = b.supersedes.seq
    return m


def _enc_receipt(b: Receipt) -> PbMessage:
    m = pb.Receipt(kind=wire(b.kind))  # type: ignore[arg-type]
    by_sender: dict[KeyId, list[ReceiptEntry]] = {}
    for e in b.entries:
        by_sender.setdefault(e.sender, []).append(e)
    for sender, entries in by_sender.items():
        entries.sort(key=lambda e: e.first)
        group = m.groups.add(sender=sender.raw)
        nxt = 0
        for e in entries:
            if e.first < nxt:
                raise ValueError("overlapping receipt ranges")  # validate() refuses these first
            group.seq_delta.append(e.first - nxt)
            nxt = e.last + 1
        if any(e.last != e.first for e in entries):
            group.extra.extend(e.last - e.first for e in entries)
        if any(e.state is not State.ONTV for e in entries):
            group.state.extend(wire(e.state) for e in entries)  # type: ignore[misc]
    return m


def _enc_status(b: Status) -> PbMessage:
    m = pb.Status(
        power=wire(b.power),  # type: ignore[arg-type]
        battery_pct=b.battery_pct,
        power_hours=b.power_hours,
        queue_depth=b.queue_depth,
    )
    for peer in b.last_heard:
        m.last_heard.add(site=peer.site.raw, minutes_ago=peer.minutes_ago)
    if b.rssi is not None:
        m.rssi = b.rssi
    if b.snr is not None:
        m.snr_x4 = round(b.snr * 4)
    if b.head is not None:
        m.head.count = b.head.count
        m.head.hash = b.head.hash
    if b.reads is not None:
        m.reads = b.reads
    return m


def _enc_roster(b: RosterUpdate) -> PbMessage:
    return pb.RosterUpdate(payload=b.payload)


def _enc_note(b: Note) -> PbMessage:
    m = pb.Note(kind=wire(b.kind), sealed=b.sealed)  # type: ignore[arg-type]
    if b.about is not None:
        m.about.sender = b.about.sender.raw
        m.about.seq = b.about.seq
    if b.state is not None:
        m.state = wire(b.state)  # type: ignore[assignment]
    return m


_ENCODERS: dict[type[Body], Callable[[Any], PbMessage]] = {
    Emergency: _enc_emergency,
    Sitrep: _enc_sitrep,
    Supply: _enc_supply,
    Bulletin: _enc_bulletin,
    Receipt: _enc_receipt,
    Status: _enc_status,
    RosterUpdate: _enc_roster,
    Note: _enc_note,
}


def body_message(body: Message) -> PbMessage:
    """The protobuf message of `body`'s coded fields (the benchmark compares its wire size)."""
    return _ENCODERS[type(body)](body)


def encode_body(body: Message) -> bytes:
    """The packed body of `body` (text fields left out: they go to the text section)."""
    return bitpack.pack(_ENCODERS[type(body)](body))


# ---- decode -----------------------------------------------------------------------------


def _dec_emergency(m: Any, t: tuple[str, ...]) -> Emergency:
    lat, lon = _opt(m, "lat_e5"), _opt(m, "lon_e5")
    street, number, postcode, place, landmark, access, reporter, cb_number, text = t
    return Emergency(
        incident=unwire(codes.Incident, m.incident),
        services=_services(m.services),
        life_threat=unwire(codes.Answer, m.life_threat),
        conscious=unwire(codes.Answer, m.conscious),
        breathing=unwire(codes.Answer, m.breathing),
        people_involved=m.people_involved,
        injured=_opt(m, "injured"),
        hazards=_unwire_all(codes.Hazard, m.hazards),
        callback=unwire(codes.Callback, m.callback),
        callback_number=cb_number,
        street=street,
        number=number,
        postcode=postcode,
        place=place,
        landmark=landmark,
        lat=None if lat is None else (lat + LAT0_E5) / 1e5,
        lon=None if lon is None else (lon + LON0_E5) / 1e5,
        access=access,
        reporter=reporter,
        text=text,
        sealed_personal=bytes(m.sealed_personal),
    )


def _dec_sitrep(m: Any, t: tuple[str, ...]) -> Sitrep:
    return Sitrep(
        nsp_state=unwire(codes.NspState, m.nsp_state),
        power=unwire(codes.Power, m.power),
        power_hours=m.power_hours,
        staff_pro=m.staff_pro,
        staff_vol=m.staff_vol,
        visitors=m.visitors,
        fuel_l=_opt(m, "fuel_l"),
        queue=_opt(m, "queue"),
        reports_sent=_opt(m, "reports_sent"),
        needs=_unwire_all(codes.Category, m.needs),
        observations=_unwire_all(codes.Observation, m.observations),
        period_from=_opt(m, "period_from"),
        period_to=_opt(m, "period_to"),
        text=t[0],
    )


def _dec_supply(m: Any, t: tuple[str, ...]) -> Supply:
    return Supply(
        category=unwire(codes.Category, m.category),
        quantity=m.quantity,
        unit=unwire(codes.Unit, m.unit),
        urgency=unwire(codes.Urgency, m.urgency),
        persons=_opt(m, "persons"),
        deliver_to_site=_key_id(m.deliver_to_site) if m.HasField("deliver_to_site") else None,
        item=t[0],
        deliver_to_address=t[1],
        text=t[2],
    )


def _dec_bulletin(m: Any, t: tuple[str, ...]) -> Bulletin:
    sup = None
    if m.HasField("supersedes"):
        sup = MessageId(_key_id(m.supersedes.sender), m.supersedes.seq)
    return Bulletin(
        headline=t[0],
        body=t[1],
        issuer=t[2],
        valid_until=m.valid_until,
        supersedes=sup,
        municipality=_opt(m, "municipality"),
        sites=tuple(_key_id(s) for s in m.sites),
        internal=m.internal,
        urgent=unwire(codes.Urgent, m.urgent),
        topic=unwire(codes.Topic, m.topic),
    )


def _dec_receipt(m: Any, t: tuple[str, ...]) -> Receipt:
    entries = []
    for g in m.groups:
        sender = _key_id(g.sender)
        n = len(g.seq_delta)
        if len(g.extra) not in (0, n) or len(g.state) not in (0, n):
            raise MalformedFrame("receipt arrays of different lengths")
        nxt = 0
        for i, delta in enumerate(g.seq_delta):
            first = nxt + delta
            last = first + (g.extra[i] if g.extra else 0)
            state = unwire(codes.State, g.state[i]) if g.state else State.ONTV
            entries.append(ReceiptEntry(sender, first, last, state))
            nxt = last + 1
    return Receipt(kind=unwire(codes.ReceiptKind, m.kind), entries=tuple(entries))


def _dec_status(m: Any, t: tuple[str, ...]) -> Status:
    snr = _opt(m, "snr_x4")
    return Status(
        power=unwire(codes.Power, m.power),
        battery_pct=m.battery_pct,
        power_hours=m.power_hours,
        queue_depth=m.queue_depth,
        last_heard=tuple(PeerHeard(_key_id(p.site), p.minutes_ago) for p in m.last_heard),
        rssi=_opt(m, "rssi"),
        snr=None if snr is None else snr / 4,
        head=ChainHead(m.head.count, bytes(m.head.hash)) if m.HasField("head") else None,
        reads=_opt(m, "reads"),
    )


def _dec_roster(m: Any, t: tuple[str, ...]) -> RosterUpdate:
    return RosterUpdate(payload=bytes(m.payload))


def _dec_note(m: Any, t: tuple[str, ...]) -> Note:
    about = None
    if m.HasField("about"):
        about = MessageId(_key_id(m.about.sender), m.about.seq)
    state = unwire(codes.State, m.state) if m.HasField("state") else None
    kind = unwire(codes.NoteKind, m.kind)
    return Note(kind, t[0], t[1], about, state, bytes(m.sealed))


_DECODERS: dict[type[Body], tuple[type[PbMessage], Callable[[Any, tuple[str, ...]], Body]]] = {
    Emergency: (pb.Emergency, _dec_emergency),
    Sitrep: (pb.Sitrep, _dec_sitrep),
    Supply: (pb.Supply, _dec_supply),
    Bulletin: (pb.Bulletin, _dec_bulletin),
    Receipt: (pb.Receipt, _dec_receipt),
    Status: (pb.Status, _dec_status),
    RosterUpdate: (pb.RosterUpdate, _dec_roster),
    Note: (pb.Note, _dec_note),
}


def decode_body(cls: type[Body], data: bytes, texts: tuple[str, ...]) -> Message:
    """Packed body + text fields -> a validated body; anything off is `MalformedFrame`."""
    pb_cls, build = _DECODERS[cls]
    m = bitpack.unpack(pb_cls, data)
    body = build(m, texts)
    try:
        body.validate()
    except ValidationError as exc:
        raise MalformedFrame(f"{exc.field}: {exc.hint_key}") from exc
    return body  # type: ignore[return-value]

"""What the log records: event kinds (with their data fields), the Event value, validation.

An event is `kind` (a dotted name below), `at` (wall-clock seconds, passed in by the caller and
purely informative: ordering is the log's own row order), `site` (the site that recorded it),
`ref` (the message it is about, as the protocol's text form of (sender key id, seq); opaque here,
empty for lifecycle events), a JSON `data` dict, an optional `frame` (the signed bytes) and
optional `personal` fields. Personal fields (and, with `seal_frame`, the frame) are stored
encrypted with a per-message key kept outside the hash chain, so they can be erased after the
retention term while the chain still verifies.

Kinds not listed here are accepted if they look like `area.name`, so a new part of the system can
log before the store knows it; they are recorded and verified but change no projection.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from nsplink.protocol import MessageType, Priority, State
from nsplink.store.errors import EventInvalid

# -- message lifecycle at the sender -------------------------------------------------------------
MESSAGE_CREATED: Final = "message.created"
"""Typed by a person or made by the daemon. data: type (protocol MessageType code),
destination (text), priority (protocol Priority code P1..P4), sender (key id), seq (int);
optional recipients (list of those that must each receipt a group message)."""
MESSAGE_QUEUED: Final = "message.queued"
"""Durable and waiting for the radio. data: none required."""
MESSAGE_SENT: Final = "message.sent"
"""One hand-over to the radio. data: attempt (1..), packet_id (int), airtime_ms (number);
optional next_retry_at (wall seconds)."""
MESSAGE_REFUSED: Final = "message.refused"
"""Back-pressure: not handed over. data: reason (duty_cycle|queue_full|...);
optional retry_at (wall seconds)."""
MESSAGE_RETRIES_ENDED: Final = "message.retries_ended"
"""No further try although not everyone confirmed: a bulletin superseded or past its validity
(its receipts still count). data: reason (superseded|expired)."""
MESSAGE_HEARD_REPEATED: Final = "message.heard_repeated"
"""A neighbour repeated our packet (implicit ack, not delivery). data: optional packet_id."""
MESSAGE_DELIVERED: Final = "message.delivered"
"""A signed receipt proved delivery. data: optional recipient (per recipient for group
messages), optional partial (true: more recipients are still due), optional receipt_ref."""
MESSAGE_CUSTODY: Final = "message.custody"
"""Custody of a message for an unreachable destination. data: action (taken|confirmed|forwarded),
optional holder, origin, destination. `confirmed` = a relay took custody of OUR message."""
MESSAGE_UNDELIVERED: Final = "message.undelivered"
"""The configured time passed without a receipt; retries continue. data: optional after_s."""

# -- message lifecycle at the receiver -----------------------------------------------------------
MESSAGE_RECEIVED: Final = "message.received"
"""A frame decoded. data: sender (key id), seq, sender_site, type, priority (P1..P4)."""
MESSAGE_VERIFIED: Final = "message.verified"
"""Its signature checked against the roster. data: none required."""
MESSAGE_REJECTED: Final = "message.rejected"
"""Refused with a typed decode/verify error (ref: x- and the frame's hash). data: code; optional
detail, from_node, frame_sha256, claimed (the message id the frame claims, unverified). Only the
first of a node's frames with one code in a minute, at most a few a minute (REJECTS_COUNTED)."""
REJECTS_COUNTED: Final = "rejects.counted"
"""Rejected frames of one wall minute that got no `message.rejected` row of their own
(app/rejects.py). data: minute_at (wall s), frames (their number), by (list of {node, code,
count}: frames after that node's first with that code), others ({code: count}: frames past the
minute's cap on full rows)."""
MESSAGE_QUARANTINED: Final = "message.quarantined"
"""Kept but flagged untrusted (e.g. unverified emergency report). data: code; optional detail."""
MESSAGE_DUPLICATE: Final = "message.duplicate"
"""The same (sender, seq) again; counted, never shown twice. data: sender, seq."""
RECEIPT_SENT: Final = "receipt.sent"
"""We sent a signed receipt for a received message (ref). data: optional packet_id."""
RECEIPT_RECEIVED: Final = "receipt.received"
"""A signed receipt for our message (ref) arrived. data: recipient; optional state (TRIAGE_STATES:
the CP's handling state, shown in our outbox) and receipt (the id of the signed receipt that
said it: only a CP's newer receipt may change the state)."""
RECEIPT_CREATED: Final = "receipt.created"
"""We signed a receipt (ref: its own id; frame). data: kind, refs (the messages it covers)."""
RECEIPT_CONFIRMED: Final = "receipt.confirmed"
"""The NSP receipted our triage receipt (ref), so it is not sent again. data: optional
recipient."""
TRIAGE_CHANGED: Final = "triage.changed"
"""A CP operator changed a received message's handling state. data: state (TRIAGE_STATES),
operator; optional note."""
CLAIM_HEARD: Final = "claim.heard"
"""A CP's signed claim on a report (ref: the report): its triage receipt in a claim state, ours
as we signed it or another CP's as we heard it (issue 23, protocol/ownership.py). data: by (the
CP's key id), minute (the receipt's signed time), seq (the receipt's own number), state;
optional receipt (the receipt's id). The owner is derived from all claims by the one rule."""
CLAIM_CONFLICT: Final = "claim.conflict"
"""More than one CP claimed a report (ref) before hearing the other: the rule named `owner`;
`contenders` (key ids) claimed it too. Logged at each site that sees it, for its operator.
data: owner, contenders (list), mine (whether this site is the owner or a contender)."""
REPORT_HANDED: Final = "report.handed"
"""The report's NSP handed report (ref) to us, a CP: no CP had claimed it half an hour after a
CP receipted it (protocol/handover.py), so it is ours to take up now. data: by (the NSP's key
id), receipt (the id of the signed hand-over)."""

SEQ_RESERVED: Final = "seq.reserved"
"""Sequence numbers of our own key handed out ahead of use (see Store.reserve_seqs), so the CLI
and the daemon never sign two messages with one number. data: sender (key id), first, last;
optional by ("daemon": a block the daemon holds in memory for its receipts and beacons)."""

# -- lifecycle of the parts ----------------------------------------------------------------------
RADIO_CONNECTED: Final = "radio.connected"
"""data: optional uri, node_num, firmware."""
RADIO_DISCONNECTED: Final = "radio.disconnected"
"""data: optional reason."""
RADIO_ERROR: Final = "radio.error"
"""data: code; optional detail."""
DAEMON_STARTED: Final = "daemon.started"
"""data: optional version, pid."""
DAEMON_STOPPED: Final = "daemon.stopped"
"""data: optional reason."""
ROSTER_LOADED: Final = "roster.loaded"
"""data: optional sites (count), digest."""
ROSTER_CHANGED: Final = "roster.changed"
"""data: optional site, change."""
VIEWS_REBUILT: Final = "store.views_rebuilt"
"""At a daemon's start a derived table disagreed with the log (edited behind the program's back)
and was rebuilt from the log. data: table, key, reason (the first difference)."""
CLOCK_JUMPED: Final = "clock.jumped"
"""The daemon saw the wall clock step back, or forward by more than any of its timers (issue 18
H). Nothing depends on it (order is the log's, replay protection is by sequence number); it is
for the operator. data: by_s (seconds, negative = back), was (the clock before)."""
HEAD_HEARD: Final = "head.heard"
"""Another site's signed status beacon announced its log head (issue 18, anchoring): what that
site's log must still contain. ref: the beacon's message id; frame: the signed beacon. data:
sender_site, sender (key id), count (events), hash (hex of the first bytes of the chain hash of
event #count). At most one a site per HEAD_RECORD_EVERY_S, and only when the head moved."""
RETENTION_ERASED: Final = "retention.erased"
"""Per-message keys destroyed after the retention term. data: keys (count), before (wall s)."""

# Handling states at the CP (docs/setting.md §4.2): the protocol's State codes, ONTV (new) first.
TRIAGE_STATES: Final = tuple(s.value for s in State)
PRIORITIES: Final = tuple(p.value for p in Priority)
MESSAGE_TYPES: Final = tuple(m.value for m in MessageType)
CUSTODY_ACTIONS: Final = ("taken", "confirmed", "forwarded")

# Data keys that may hold personal data of an emergency report; `export --redact` drops them
# wherever a careless caller put them in `data` instead of `personal`.
PERSONAL_DATA_KEYS: Final = frozenset(
    {"reporter", "callback", "callback_number", "phone", "location", "address", "text", "note"}
)

_STR = (str,)
_INT = (int,)
_NUM = (int, float)
_LIST = (list,)
# kind -> {field: (allowed types, required)}
_FIELDS: Final[dict[str, dict[str, tuple[tuple[type, ...], bool]]]] = {
    MESSAGE_CREATED: {
        "type": (_STR, True),
        "destination": (_STR, True),
        "priority": (_STR, True),
        "sender": (_STR, True),
        "seq": (_INT, True),
        "recipients": (_LIST, False),
    },
    MESSAGE_QUEUED: {},
    MESSAGE_SENT: {
        "attempt": (_INT, True),
        "packet_id": (_INT, True),
        "airtime_ms": (_NUM, True),
        "next_retry_at": (_NUM, False),
    },
    MESSAGE_REFUSED: {"reason": (_STR, True), "retry_at": (_NUM, False)},
    MESSAGE_RETRIES_ENDED: {"reason": (_STR, True)},
    MESSAGE_HEARD_REPEATED: {"packet_id": (_INT, False)},
    MESSAGE_DELIVERED: {
        "recipient": (_STR, False),
        "partial": ((bool,), False),
        "receipt_ref": (_STR, False),
    },
    MESSAGE_CUSTODY: {
        "action": (_STR, True),
        "holder": (_STR, False),
        "origin": (_STR, False),
        "destination": (_STR, False),
    },
    MESSAGE_UNDELIVERED: {"after_s": (_NUM, False)},
    MESSAGE_RECEIVED: {
        "sender": (_STR, True),
        "seq": (_INT, True),
        "sender_site": (_STR, True),
        "type": (_STR, True),
        "priority": (_STR, True),
    },
    MESSAGE_VERIFIED: {},
    MESSAGE_REJECTED: {"code": (_STR, True), "detail": (_STR, False)},
    MESSAGE_QUARANTINED: {"code": (_STR, True), "detail": (_STR, False)},
    REJECTS_COUNTED: {
        "minute_at": (_NUM, True),
        "frames": (_INT, True),
        "by": (_LIST, True),
        "others": ((dict,), True),
    },
    MESSAGE_DUPLICATE: {"sender": (_STR, True), "seq": (_INT, True)},
    RECEIPT_SENT: {"packet_id": (_INT, False)},
    RECEIPT_RECEIVED: {
        "recipient": (_STR, True),
        "receipt": (_STR, False),
        "state": (_STR, False),
    },
    TRIAGE_CHANGED: {"state": (_STR, True), "operator": (_STR, True), "note": (_STR, False)},
    CLAIM_HEARD: {
        "by": (_STR, True),
        "minute": (_INT, True),
        "seq": (_INT, True),
        "state": (_STR, True),
        "receipt": (_STR, False),
        "from_node": (_INT, False),
    },
    CLAIM_CONFLICT: {"owner": (_STR, True), "contenders": (_LIST, True), "mine": ((bool,), True)},
    REPORT_HANDED: {"by": (_STR, True), "receipt": (_STR, True)},
    RADIO_ERROR: {"code": (_STR, True), "detail": (_STR, False)},
    RETENTION_ERASED: {"keys": (_INT, True), "before": (_NUM, True)},
    CLOCK_JUMPED: {"by_s": (_NUM, True), "was": (_NUM, True)},
    HEAD_HEARD: {
        "sender_site": (_STR, True),
        "sender": (_STR, True),
        "count": (_INT, True),
        "hash": (_STR, True),
    },
    VIEWS_REBUILT: {"table": (_STR, True), "key": (_STR, True), "reason": (_STR, True)},
    SEQ_RESERVED: {"sender": (_STR, True), "first": (_INT, True), "last": (_INT, True)},
}
# Kinds about one message must name it.
_NEEDS_REF: Final = frozenset(k for k in _FIELDS if k.split(".")[0] in ("message", "receipt"))
_NEEDS_REF_TOO: Final = frozenset({TRIAGE_CHANGED, CLAIM_HEARD, CLAIM_CONFLICT, REPORT_HANDED})

KNOWN_KINDS: Final = frozenset(
    {
        *_FIELDS,
        RADIO_CONNECTED,
        RADIO_DISCONNECTED,
        DAEMON_STARTED,
        DAEMON_STOPPED,
        ROSTER_LOADED,
        ROSTER_CHANGED,
    }
)

_KIND_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_TEXT = 200  # kind, site, ref
MAX_DATA = 16 * 1024  # canonical JSON bytes of data / personal
MAX_FRAME = 4 * 1024  # one frame is at most 233 bytes; reassembled messages stay far below this


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened, as the caller hands it to `Store.append`."""

    kind: str
    at: float
    site: str
    ref: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    frame: bytes | None = None
    personal: Mapping[str, Any] | None = None
    seal_frame: bool = False


def canonical_json(value: Mapping[str, Any], what: str) -> str:
    """The one text form of a dict that goes into the chain: sorted keys, no spaces, real UTF-8."""
    try:
        text = json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise EventInvalid(f"{what} is not plain JSON ({exc})") from exc
    if len(text.encode("utf-8")) > MAX_DATA:
        raise EventInvalid(f"{what} is larger than {MAX_DATA} bytes")
    return text


def validate(ev: Event) -> str:
    """Check an event before it is stored; returns its canonical data JSON."""
    if not isinstance(ev.kind, str) or not _KIND_RE.match(ev.kind) or len(ev.kind) > MAX_TEXT:
        raise EventInvalid(f"kind {ev.kind!r} is not a dotted lower-case name")
    for name in ("site", "ref"):
        value = getattr(ev, name)
        if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
            raise EventInvalid(f"{name} must be text of at most {MAX_TEXT} characters")
    if not ev.site:
        raise EventInvalid("site is empty")
    if isinstance(ev.at, bool) or not isinstance(ev.at, int | float) or not math.isfinite(ev.at):
        raise EventInvalid(f"at must be a finite number of seconds, not {ev.at!r}")
    if not isinstance(ev.data, Mapping) or not all(isinstance(k, str) for k in ev.data):
        raise EventInvalid("data must be a mapping with text keys")
    if ev.frame is not None and (not isinstance(ev.frame, bytes) or len(ev.frame) > MAX_FRAME):
        raise EventInvalid(f"frame must be bytes of at most {MAX_FRAME}")
    if ev.seal_frame and ev.frame is None:
        raise EventInvalid("seal_frame without a frame")
    if ev.personal is not None:
        if not isinstance(ev.personal, Mapping) or not all(isinstance(k, str) for k in ev.personal):
            raise EventInvalid("personal must be a mapping with text keys")
        canonical_json(ev.personal, "personal")  # refuse it now, not half-way through a write
    if (ev.personal is not None or ev.seal_frame) and not ev.ref:
        raise EventInvalid("personal data needs a message ref (its key is per message)")
    if (ev.kind in _NEEDS_REF or ev.kind in _NEEDS_REF_TOO) and not ev.ref:
        raise EventInvalid(f"{ev.kind} needs a message ref")
    for name, (types, required) in _FIELDS.get(ev.kind, {}).items():
        if name not in ev.data:
            if required:
                raise EventInvalid(f"{ev.kind} needs data field {name!r}")
            continue
        value = ev.data[name]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise EventInvalid(f"{ev.kind} field {name!r} has the wrong type")
    _check_codes(ev)
    return canonical_json(ev.data, "data")


def _check_codes(ev: Event) -> None:
    d = ev.data
    if ev.kind in (TRIAGE_CHANGED, RECEIPT_RECEIVED, CLAIM_HEARD) and d.get(
        "state", TRIAGE_STATES[0]
    ) not in (TRIAGE_STATES):
        raise EventInvalid(
            f"unknown triage state {d['state']!r} (one of {', '.join(TRIAGE_STATES)})"
        )
    if ev.kind == MESSAGE_CUSTODY and d["action"] not in CUSTODY_ACTIONS:
        raise EventInvalid(f"unknown custody action {d['action']!r}")
    if ev.kind in (MESSAGE_CREATED, MESSAGE_RECEIVED):
        if d["priority"] not in PRIORITIES:
            raise EventInvalid(f"priority must be one of {', '.join(PRIORITIES)}")
        if d["type"] not in MESSAGE_TYPES:
            raise EventInvalid(f"unknown message type {d['type']!r}")

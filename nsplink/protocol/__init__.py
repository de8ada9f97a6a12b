"""nsplink's sans-IO message core: typed messages, the signed compact frame, fragments, replay.

Typical use (the daemon and the CLI):

    from nsplink import protocol as p
    ident = p.Identity(seed)                       # seed from nsplink.app.keys.load_identity
    env = p.Envelope(ident.key_id, seq=7, created=p.minutes_since_epoch(now),
                     body=p.Emergency(...), priority=p.Priority.P1)
    signed = p.encode(env, ident)                  # bytes, validated and signed
    for frame in p.to_frames(signed): radio.send(frame)   # 1 frame, or fragments
    ...
    msg = p.Receiver(roster).receive(frame, now)   # SignedMessage, None (fragment kept) or
                                                   # a DecodeError subclass
No function here reads the clock, sleeps or does I/O, and nothing here holds text for people:
errors carry a `code`, a catalog `key` and `params`, shown by nsplink.texts.

This package's namespace is the one import path for code outside it: everything the daemon, the
CLI, the simulator, the tests' helpers and the benchmarks use is re-exported below.
"""

from nsplink.protocol._bodies import encode_body
from nsplink.protocol.build import SEALED_TYPES, Draft, build_message
from nsplink.protocol.codec import (
    FORMAT_VERSION,
    MAX_FRAME,
    MAX_MESSAGE,
    SIGN_CONTEXT,
    SIGNATURE_LEN,
    Header,
    decode,
    decode_unverified,
    encode,
    is_fragment,
    parse_header,
    verify_with_key,
)
from nsplink.protocol.codes import (
    Answer,
    Callback,
    Category,
    Code,
    Hazard,
    Incident,
    MessageType,
    NspState,
    Observation,
    Power,
    Priority,
    ReceiptKind,
    Services,
    State,
    Topic,
    Unit,
    Urgency,
    Urgent,
)
from nsplink.protocol.compress import (
    CURRENT_DICT,
    DICTIONARIES,
    SEPARATOR,
    compress_texts,
    decompress_texts,
    dictionary,
)
from nsplink.protocol.delivery import DeliveryEvent, DeliveryState, TransitionRefused, transition
from nsplink.protocol.effects import (
    Created,
    CustodyForwarded,
    CustodyReleased,
    CustodyTaken,
    Deliver,
    Effect,
    FailureReason,
    NeedSeqs,
    Outcome,
    PeerSeen,
    RefusalReason,
    Refused,
    Rejected,
    ReleaseReason,
    Sent,
    Transmit,
    Triage,
)
from nsplink.protocol.engine import SiteEngine
from nsplink.protocol.engineconfig import EngineConfig
from nsplink.protocol.envelope import (
    ALL_CPS,
    ALL_NSPS,
    EPOCH_UNIX,
    EVERYONE,
    Destination,
    DestKind,
    Envelope,
    SignedMessage,
    minutes_since_epoch,
    suggested_priority,
    unix_from_minutes,
)
from nsplink.protocol.errors import (
    BadFragment,
    BadSignature,
    DecodeError,
    FrameTooLarge,
    KeyIdCollision,
    MalformedFrame,
    ProtocolError,
    RevokedKey,
    UnknownDictionary,
    UnknownKey,
    UnknownMessageType,
    UnsupportedVersion,
    ValidationError,
    VerifyError,
    WrongKey,
)
from nsplink.protocol.fragments import (
    MAX_FRAGMENTS,
    Fragment,
    Reassembler,
    parse_fragment,
    to_frames,
)
from nsplink.protocol.identity import (
    KEY_ID_LEN,
    SEED_LEN,
    Identity,
    KeyId,
    KeyLookup,
    KeyRing,
    MessageId,
    PeerKey,
)
from nsplink.protocol.messages import (
    TEXT_MAX,
    Body,
    Bulletin,
    Emergency,
    Message,
    PeerHeard,
    Receipt,
    ReceiptEntry,
    RosterUpdate,
    Sitrep,
    Status,
    Supply,
)
from nsplink.protocol.outgoing import (
    PRIO_RANK,
    RADIO_PRIORITY,
    TYPE_RANK,
    Outgoing,
    recipients,
    tracked,
)
from nsplink.protocol.receiver import Receiver
from nsplink.protocol.replay import ReplayGuard, ReplayVerdict, ReplayWindow
from nsplink.protocol.rosterdoc import (
    RegionRoster,
    RosterDoc,
    RosterMalformed,
    RosterSignatureInvalid,
    SiteEntry,
    parse_roster,
    verify_roster,
)
from nsplink.protocol.sealing import (
    MAC_LEN,
    PERSONAL_FIELDS,
    SealError,
    SealKeyError,
    has_personal,
    open_sealed,
    seal,
    seal_public_key,
)

__all__ = [
    "ALL_CPS", "ALL_NSPS", "CURRENT_DICT", "DICTIONARIES", "EPOCH_UNIX", "EVERYONE",
    "FORMAT_VERSION", "KEY_ID_LEN", "MAC_LEN", "MAX_FRAGMENTS", "MAX_FRAME", "MAX_MESSAGE",
    "PERSONAL_FIELDS", "PRIO_RANK", "RADIO_PRIORITY", "SEALED_TYPES", "SEED_LEN", "SEPARATOR",
    "SIGNATURE_LEN", "SIGN_CONTEXT", "TEXT_MAX", "TYPE_RANK", "Answer", "BadFragment",
    "BadSignature", "Body", "Bulletin", "Callback", "Category", "Code", "Created",
    "CustodyForwarded", "CustodyReleased", "CustodyTaken", "DecodeError", "Deliver",
    "DeliveryEvent", "DeliveryState", "DestKind", "Destination", "Draft", "Effect", "Emergency",
    "EngineConfig", "Envelope", "FailureReason", "Fragment", "FrameTooLarge", "Hazard", "Header",
    "Identity", "Incident", "KeyId", "KeyIdCollision", "KeyLookup", "KeyRing", "MalformedFrame",
    "Message", "MessageId", "MessageType", "NeedSeqs", "NspState", "Observation", "Outcome",
    "Outgoing", "PeerHeard", "PeerKey", "PeerSeen", "Power", "Priority", "ProtocolError",
    "Reassembler", "Receipt", "ReceiptEntry", "ReceiptKind", "Receiver", "RefusalReason", "Refused",
    "RegionRoster", "Rejected", "ReleaseReason", "ReplayGuard", "ReplayVerdict", "ReplayWindow",
    "RevokedKey", "RosterDoc", "RosterMalformed", "RosterSignatureInvalid", "RosterUpdate",
    "SealError", "SealKeyError", "Sent", "Services", "SignedMessage", "SiteEngine", "SiteEntry",
    "Sitrep", "State", "Status", "Supply", "Topic", "TransitionRefused", "Transmit", "Triage",
    "Unit", "UnknownDictionary", "UnknownKey", "UnknownMessageType", "UnsupportedVersion",
    "Urgency", "Urgent", "ValidationError", "VerifyError", "WrongKey", "build_message",
    "compress_texts", "decode", "decode_unverified", "decompress_texts", "dictionary", "encode",
    "encode_body", "has_personal", "is_fragment", "minutes_since_epoch", "open_sealed",
    "parse_fragment", "parse_header", "parse_roster", "recipients", "seal", "seal_public_key",
    "suggested_priority", "to_frames", "tracked", "transition", "unix_from_minutes",
    "verify_roster", "verify_with_key"
]  # fmt: skip

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
No function here reads the clock, sleeps or does I/O.
"""

from nsplink.protocol.codec import (
    FORMAT_VERSION,
    MAX_FRAME,
    MAX_MESSAGE,
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
from nsplink.protocol.compress import CURRENT_DICT
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
from nsplink.protocol.fragments import Fragment, Reassembler, parse_fragment, to_frames
from nsplink.protocol.identity import (
    KEY_ID_LEN,
    Identity,
    KeyId,
    KeyLookup,
    KeyRing,
    MessageId,
    PeerKey,
)
from nsplink.protocol.messages import (
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
from nsplink.protocol.receiver import Receiver
from nsplink.protocol.replay import ReplayGuard, ReplayVerdict, ReplayWindow

__all__ = [
    "ALL_CPS", "ALL_NSPS", "CURRENT_DICT", "EPOCH_UNIX", "EVERYONE", "FORMAT_VERSION", "KEY_ID_LEN",
    "MAX_FRAME", "MAX_MESSAGE", "SIGNATURE_LEN", "Answer", "BadFragment", "BadSignature", "Body",
    "Bulletin", "Callback", "Category", "Code", "DecodeError", "DestKind", "Destination",
    "Emergency", "Envelope", "Fragment", "FrameTooLarge", "Hazard", "Header", "Identity",
    "Incident", "KeyId", "KeyIdCollision", "KeyLookup", "KeyRing", "MalformedFrame", "Message",
    "MessageId", "MessageType", "NspState", "Observation", "PeerHeard", "PeerKey", "Power",
    "Priority", "ProtocolError", "Reassembler", "Receipt", "ReceiptEntry", "ReceiptKind",
    "Receiver", "ReplayGuard", "ReplayVerdict", "ReplayWindow", "RevokedKey", "RosterUpdate",
    "Services", "SignedMessage", "Sitrep", "State", "Status", "Supply", "Topic", "Unit",
    "UnknownDictionary", "UnknownKey", "UnknownMessageType", "UnsupportedVersion", "Urgency",
    "Urgent", "ValidationError", "VerifyError", "WrongKey", "decode", "decode_unverified", "encode",
    "is_fragment", "minutes_since_epoch", "parse_fragment", "parse_header", "suggested_priority",
    "to_frames", "unix_from_minutes", "verify_with_key",
]  # fmt: skip

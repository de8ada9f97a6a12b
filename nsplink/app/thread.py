"""The conversation about a report (issue 19): what it is built from, and how a step is sent.

A thread is read from the log, never from a view, so `log rebuild` cannot change it: the report
(our `message.created` at the NSP, the `message.received` at a CP), every Note about it in
either direction (the signed frames, opened where they are sealed), the CP's own triage steps
(`triage.changed`, with their operator) and, at the NSP, the handling states its triage receipts
told it. Notes carry their signed creation minute, so both ends print the same time for them.

Sealing of a note about an emergency (protocol/sealing.py): the NSP pairs its own box key with
the CPs' sealing key, a CP pairs the CPs' sealing secret with that NSP's key. One pair per
report's NSP, in both directions; a site without its half reads "[versleuteld]".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from nsplink.app.compose import queue_message
from nsplink.app.roster import load_seal_secret
from nsplink.app.site import SiteHome
from nsplink.errors import NsplinkError
from nsplink.protocol import (
    ALL_CPS,
    DecodeError,
    Destination,
    Identity,
    KeyId,
    KeyLookup,
    MessageId,
    MessageType,
    Note,
    NoteKind,
    Priority,
    SealError,
    State,
    box_public_of,
    decode,
    open_note,
    unix_from_minutes,
)
from nsplink.store import Store
from nsplink.store import events as ev

# Kinds of step besides the NoteKind codes
REPORT = "REPORT"
TRIAGE = "TRIAGE"  # a CP's handling step without a note (at the CP: with its operator)


@dataclass(frozen=True)
class Step:
    """One line of a thread. `at`: the signed creation time for a report or a note (the same at
    both ends), the log time for a triage step."""

    at: float
    kind: str  # REPORT, TRIAGE or a NoteKind code
    site: str  # the site that said it
    operator: str = ""
    text: str = ""
    state: str = ""
    ref: str = ""  # the signed message of this step, if any
    sealed: bool = False  # a note this site holds no key to open
    log_id: int = 0


@dataclass
class Threads:
    """Every note in the log, by the report it is about; free messages by their own id."""

    about: dict[str, list[Step]] = field(default_factory=dict)
    free: dict[str, Step] = field(default_factory=dict)
    note_about: dict[str, str] = field(default_factory=dict)  # note ref -> report ref

    def steps(self, ref: str) -> list[Step]:
        return self.about.get(ref, [])

    def last_from(self, ref: str, kinds: Iterable[str]) -> Step | None:
        wanted = set(kinds)
        found = [s for s in self.steps(ref) if s.kind in wanted]
        return max(found, key=lambda s: s.log_id) if found else None


class SiteKeys:
    """This site's half of the note seal, loaded once (None where it holds none)."""

    def __init__(self, home: SiteHome, role: str, ring: KeyLookup, seal_key: bytes | None):
        self.role = role
        self.ring = ring
        self.seal_key = seal_key
        self._secret: bytes | None = None
        self._loaded = False
        self.home = home

    def secret(self) -> bytes | None:
        if not self._loaded:
            self._loaded = True
            with contextlib.suppress(NsplinkError, OSError):
                if self.role == "cp":
                    self._secret = load_seal_secret(self.home)
                else:
                    from nsplink.app.keys import load_identity

                    self._secret = load_identity(self.home.key_path).box_secret()
        return self._secret

    def pair_for(self, nsp: KeyId) -> tuple[bytes, bytes] | None:
        """(our secret, their public key) for the thread of `nsp`'s report."""
        secret = self.secret()
        if secret is None:
            return None
        if self.role == "cp":
            peer = self.ring.lookup(nsp)
            return (secret, box_public_of(peer.public_key)) if peer else None
        return (secret, self.seal_key) if self.seal_key else None


def _note_step(note: Note, mid: MessageId, created: int, site: str, log_id: int) -> Step:
    return Step(
        at=float(unix_from_minutes(created)),
        kind=note.kind.value,
        site=site,
        operator=note.operator,
        text=note.text,
        state=note.state.value if note.state else "",
        ref=str(mid),
        sealed=bool(note.sealed),
        log_id=log_id,
    )


async def load_threads(store: Store, keys: SiteKeys, ring: KeyLookup) -> Threads:
    """Every note this site sent or received, opened where it can be."""
    out = Threads()
    kinds = (ev.MESSAGE_CREATED, ev.MESSAGE_RECEIVED)
    async for rec in store.iter_events(kinds=kinds, with_personal=True):
        if rec.data.get("type") != MessageType.NOTE.value or not rec.frame:
            continue
        try:
            msg = decode(rec.frame, ring)
        except DecodeError:
            continue  # a quarantined or erased note: not part of a thread
        env = msg.envelope
        note = env.body
        if not isinstance(note, Note):
            continue
        if note.sealed and note.about is not None:
            pair = keys.pair_for(note.about.sender)
            if pair is not None:
                with contextlib.suppress(SealError):
                    opened = open_note(env, *pair).body
                    if isinstance(opened, Note):
                        note = opened
        step = _note_step(note, msg.id, env.created, msg.signer.site, rec.id)
        if note.about is None:
            out.free.setdefault(step.ref, step)
            continue
        about = str(note.about)
        if step.ref in out.note_about:
            continue  # sent and seen again: once
        out.note_about[step.ref] = about
        out.about.setdefault(about, []).append(step)
    return out


async def triage_steps(store: Store, ref: str, cp_site: str) -> list[Step]:
    """The CP's own handling steps for `ref`, each with who did it."""
    return [
        Step(
            at=rec.at,
            kind=TRIAGE,
            site=cp_site,
            operator=str(rec.data.get("operator") or ""),
            text=str(rec.data.get("note") or ""),
            state=str(rec.data.get("state") or ""),
            log_id=rec.id,
        )
        async for rec in store.iter_events(kinds=(ev.TRIAGE_CHANGED,), ref=ref)
    ]


async def receipt_states(store: Store, ref: str, site_of: dict[str, str]) -> list[Step]:
    """At the NSP: each handling state a CP's signed triage receipt told us about `ref`."""
    steps = []
    async for rec in store.iter_events(kinds=(ev.RECEIPT_RECEIVED,), ref=ref):
        state = rec.data.get("state")
        if state:
            by = str(rec.data.get("recipient") or "")
            steps.append(Step(rec.at, TRIAGE, site_of.get(by, by), state=str(state), log_id=rec.id))
    return steps


def in_order(steps: Iterable[Step]) -> list[Step]:
    """Time order; within one minute, the order the log holds them."""
    return sorted(steps, key=lambda s: (s.at, s.log_id))


# -- sending a step ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """What a note needs to know of the report it is about."""

    ref: MessageId
    type: str
    priority: Priority
    ours: bool  # we sent it (we are its NSP)


def note_draft_args(
    report: Report, role: str, keys: SiteKeys, ring: KeyLookup
) -> tuple[Destination, Priority, bytes | None, bytes | None]:
    """Destination, priority and seal of a note about `report`: to the CPs from the NSP, to the
    report's NSP from a CP; the report's priority (an answer about an emergency travels as one);
    sealed when the report is an emergency."""
    dest = ALL_CPS if role != "cp" else Destination.to_site(report.ref.sender)
    if report.type != MessageType.EMERGENCY.value:
        return dest, report.priority, None, None
    if role == "cp":
        pair = keys.pair_for(report.ref.sender)
        return dest, report.priority, (pair[1] if pair else None), (pair[0] if pair else None)
    return dest, report.priority, keys.seal_key, None


async def queue_note(
    store: Store,
    identity: Identity,
    site: str,
    home: SiteHome,
    note: Note,
    destination: Destination,
    priority: Priority,
    now: float,
    *,
    seal_to: bytes | None,
    seal_with: bytes | None,
) -> MessageId:
    mid, _ = await queue_message(
        store,
        identity,
        site,
        note,
        destination,
        priority,
        now,
        home=home,
        seal_to=seal_to,
        seal_with=seal_with,
    )
    return mid


def note_kind_for(state: State) -> NoteKind:
    return NoteKind.QUESTION if state is State.NAVR else NoteKind.NOTE

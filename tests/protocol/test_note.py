"""Issue 19: the Note message — a step of the conversation about a report, sealed between the
report's NSP and the CPs when the report is an emergency."""

from __future__ import annotations

import random

import pytest

from nsplink import protocol as p

NOW = 1_760_000_000.0
SEAL_SECRET = bytes(range(7, 39))
SEAL_PUBLIC = p.seal_public_key(SEAL_SECRET)
QUESTION = "Is de brand uit? Hoeveel mensen zijn er nog binnen, en kunnen ze zelf naar buiten?"


def _signed(ident: p.Identity, draft: p.Draft, seq: int = 5) -> p.SignedMessage:
    return p.build_message(draft, ident, seq, NOW, p.PeerKey("x", "cp", ident.public_key))


def test_question_from_the_cp_is_sealed_to_the_reports_nsp_only(
    nsp: p.Identity, cp: p.Identity
) -> None:
    report = p.MessageId(nsp.key_id, 17)
    note = p.Note(p.NoteKind.QUESTION, QUESTION, "Anna", report, p.State.NAVR)
    draft = p.Draft(
        note,
        p.Destination.to_site(nsp.key_id),
        p.Priority.P1,
        seal_to=p.box_public_of(nsp.public_key),
        seal_with=SEAL_SECRET,
    )
    msg = _signed(cp, draft)
    assert len(msg.frame) <= p.MAX_FRAME  # a 90-character question fits one frame
    on_air = p.decode_unverified(msg.frame)
    assert isinstance(on_air.body, p.Note)
    assert on_air.body.text == "" and on_air.body.operator == "" and on_air.body.sealed
    assert b"brand" not in msg.frame
    assert on_air.body.state is p.State.NAVR and on_air.body.about == report  # not personal
    opened = p.open_note(on_air, nsp.box_secret(), SEAL_PUBLIC)  # the NSP's own pair
    assert opened.body == note
    other = p.Identity(bytes(range(60, 92)))  # another NSP, or a relay
    with pytest.raises(p.SealError):
        p.open_note(on_air, other.box_secret(), SEAL_PUBLIC)


def test_answer_from_the_nsp_opens_at_the_cp(nsp: p.Identity) -> None:
    report = p.MessageId(nsp.key_id, 17)
    answer = p.Note(p.NoteKind.REPLY, "Brand is uit, twee mensen binnen.", "Piet", report)
    msg = _signed(nsp, p.Draft(answer, p.ALL_CPS, p.Priority.P1, seal_to=SEAL_PUBLIC), 18)
    on_air = p.decode_unverified(msg.frame)
    assert isinstance(on_air.body, p.Note) and on_air.body.sealed
    opened = p.open_note(on_air, SEAL_SECRET, p.box_public_of(nsp.public_key))
    assert opened.body == answer


def test_free_message_is_never_sealed_and_needs_no_report(nsp: p.Identity) -> None:
    free = p.Note(p.NoteKind.MESSAGE, "Aggregaat draait weer.", "Piet")
    msg = _signed(nsp, p.Draft(free, p.ALL_CPS, p.Priority.P3, seal_to=SEAL_PUBLIC))
    assert p.decode_unverified(msg.frame).body == free
    with pytest.raises(p.ValidationError):
        p.Note(p.NoteKind.REPLY, "zonder melding").validate()
    with pytest.raises(p.ValidationError):
        p.Note(p.NoteKind.MESSAGE, "   ").validate()
    with pytest.raises(p.ValidationError):
        p.Note(p.NoteKind.MESSAGE, "x" * (p.NOTE_MAX + 1)).validate()


def test_a_note_about_an_emergency_ranks_with_emergencies(nsp: p.Identity) -> None:
    report = p.MessageId(nsp.key_id, 17)
    note = p.Note(p.NoteKind.ADDENDUM, "Nog iemand gewond.", "Piet", report)

    def env(prio: p.Priority) -> p.Envelope:
        return p.Envelope(nsp.key_id, 3, 1000, note, prio, p.ALL_CPS)

    assert p.type_rank(env(p.Priority.P1)) == p.TYPE_RANK[p.MessageType.EMERGENCY]
    assert p.type_rank(env(p.Priority.P3)) > p.TYPE_RANK[p.MessageType.EMERGENCY]


def test_a_long_answer_travels_as_fragments(nsp: p.Identity, ring: p.KeyRing) -> None:
    report = p.MessageId(nsp.key_id, 17)

    rnd = random.Random(19)  # words that do not repeat: deflate cannot make them one frame
    text = " ".join("".join(rnd.choices("abcdefghijklmnopqrstuvwxyz", k=6)) for _ in range(70))
    note = p.Note(p.NoteKind.REPLY, text[: p.NOTE_MAX], "Piet", report)
    msg = _signed(nsp, p.Draft(note, p.ALL_CPS, p.Priority.P2))
    frames = p.to_frames(msg.frame, p.MAX_FRAME)
    assert len(frames) > 1
    r = p.Reassembler()
    whole = None
    for f in frames:
        whole = r.add(p.parse_fragment(f), 0.0) or whole
    assert whole is not None and p.decode(whole, ring).envelope.body == note

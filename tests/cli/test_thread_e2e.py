"""Issue 19 end to end: the CP asks about a report, the NSP answers and adds to it, both read the
same conversation. Real daemons over the emulated mesh, one of them SIGKILLed on the way, and
`log rebuild` at both ends afterwards."""

from __future__ import annotations

import re

import pytest

from nsplink.app.site import SiteHome
from nsplink.protocol import Note, decode_unverified
from nsplink.store import Store
from tests.app.daemon.procs import DaemonProc, radio_connected, wait_until
from tests.cli.live import nsplink

pytestmark = pytest.mark.slow
SITES = [("cp-utrecht", "cp"), ("nsp-houten", "nsp")]
MESH_SEED = 19
QUESTION = "Is de brand uit? Hoeveel mensen nog binnen?"
ANSWER = "Brand is uit, nog twee mensen binnen op de eerste verdieping."
ADDENDUM = "Eén bewoner heeft brandwonden aan de hand."


def conversation(show_output: str) -> list[str]:
    """The lines of the thread that travelled as notes (each quotes its text)."""
    part = show_output.split("Gesprek:", 1)[1]
    return [line.strip() for line in part.splitlines() if "“" in line]


async def notes_in(home: SiteHome) -> int:
    async with await Store.open(home.db_path) as store:
        return sum(1 for i in await store.inbox() if i.type == "note")


async def received_note_frames(home: SiteHome) -> list[bytes]:
    async with await Store.open(home.db_path) as store:
        recs = await store.events(kinds=("message.received",), with_personal=True)
        return [r.frame for r in recs if r.data.get("type") == "note" and r.frame]


async def test_question_answer_addendum_both_threads_identical(
    live_sites: dict[str, SiteHome], live_daemons: list[DaemonProc]
) -> None:
    sites, daemons = live_sites, live_daemons
    cp, nsp = sites["cp-utrecht"], sites["nsp-houten"]
    cp_daemon, nsp_daemon = daemons
    for home in sites.values():
        await wait_until(lambda h=home: radio_connected(h), 60, "radio link", daemons)

    out = nsplink(
        nsp, "send", "emergency", "--no-interactive", "--incident", "BRA", "--services", "AB",
        "--people-involved", "3", "--street", "Lindenlaan", "--number", "4", "--place", "Houten",
        "--reporter", "Zoë", "--text", "Rook uit de bovenwoning",
    )  # fmt: skip
    ref = re.search(r"Berichtnummer: (\S+)", out).group(1)  # type: ignore[union-attr]

    async def at_cp() -> bool:
        async with await Store.open(cp.db_path) as store:
            return any(i.ref == ref for i in await store.inbox())

    await wait_until(at_cp, 90, "the report at the CP", daemons)

    # the NSP's daemon dies hard; the CP's question waits for it (store and forward)
    nsp_daemon.kill()
    out = nsplink(cp, "handle", "1", "--status", "NAVR", "--note", QUESTION, "--operator", "Anna")
    assert "navraag" in out
    nsp_daemon.start()

    await wait_until(lambda: notes_in(nsp), 120, "the question at the NSP", daemons)
    outbox = nsplink(nsp, "outbox")
    assert QUESTION in outbox and "Anna" in outbox
    shown = nsplink(nsp, "show", ref)
    assert "NAVRAAG van cp-utrecht" in shown and f"nsplink reply {ref}" in shown
    assert "Lindenlaan" in shown  # the NSP reads its own sealed report again
    # a shift change at the NSP now: the question is open, and listed under what changed
    unanswered = nsplink(nsp, "handover", "--since", "2h").split("Vragen nog niet beantwoord")[1]
    assert QUESTION in unanswered and "Anna" in unanswered and ref in unanswered

    nsplink(nsp, "reply", ref, ANSWER, "--operator", "Piet")
    nsplink(nsp, "send", "addendum", ref, ADDENDUM, "--operator", "Piet")

    async def both_at_cp() -> bool:
        return await notes_in(cp) >= 2

    await wait_until(both_at_cp, 120, "the answer and the addendum at the CP", daemons)
    queue = nsplink(cp, "queue")
    assert "antwoord op navraag" in queue
    cp_show = nsplink(cp, "show", "1")
    assert ANSWER in cp_show and ADDENDUM in cp_show and "Piet" in cp_show
    handover = nsplink(cp, "handover", "--since", "2h")
    opened, changed, unanswered = (
        handover.split("Open (")[1].split("Veranderd sinds")[0],
        handover.split("Veranderd sinds")[1].split("Vragen nog niet beantwoord")[0],
        handover.split("Vragen nog niet beantwoord")[1],
    )
    assert ref in opened and "brand" in opened  # not closed yet: still the next shift's
    assert "Bericht over melding" not in handover  # notes are steps of the thread, not items
    assert QUESTION in changed and ANSWER in changed and ADDENDUM in changed
    assert "(geen)" in unanswered  # the question was answered

    # a relay, or any other site, hears only sealed bytes
    for frame in await received_note_frames(cp):
        body = decode_unverified(frame).body
        assert isinstance(body, Note) and body.text == "" and body.sealed
        assert b"brand" not in frame.lower()

    # the CP's daemon dies too; after a restart and a rebuild of both logs nothing differs
    cp_daemon.kill()
    cp_daemon.start()
    await wait_until(lambda: radio_connected(cp), 60, "radio link again", daemons)
    nsp_show = nsplink(nsp, "show", ref)
    cp_show = nsplink(cp, "show", "1")
    assert conversation(cp_show) == conversation(nsp_show)
    assert len(conversation(cp_show)) == 3
    for p in daemons:
        assert p.stop() == 0, p.output()[-2000:]
    for home in (cp, nsp):
        nsplink(home, "log", "rebuild")
    assert nsplink(nsp, "show", ref) == nsp_show
    assert nsplink(cp, "show", "1") == cp_show
    print("\n--- NSP show\n" + nsp_show + "\n--- CP show\n" + cp_show + "\n--- CP queue\n" + queue)
    print("--- CP handover\n" + handover)

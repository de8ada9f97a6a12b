"""The virtual-time runner with a real store per site: repeatable, nothing lost, and a site that
loses power comes back from its SQLite file alone."""

from __future__ import annotations

import json
from pathlib import Path

from nsplink.scenario.report import collect, run_and_report
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import parse_scenario
from nsplink.store import Store
from nsplink.store import events as ev

ROOT = Path(__file__).resolve().parents[2] / "scenarios"

# NSP -- relay -- CP on fixed links: the NSP reaches the CP only through the relay.
LINE = """\
name: Bewaring over een stroomstoring
duration: 3h
drain: 2h
sites:
  - {{name: cp-a, role: cp, node: 0x1001, position: [0, 0], radio_role: ROUTER}}
  - {{name: relais-b, role: relay, node: 0x3001, position: [9000, 0], radio_role: ROUTER}}
  - {{name: nsp-c, role: nsp, node: 0x2001, position: [18000, 0], place: Zuidbroek}}
links:
  - {{between: [cp-a, relais-b], snr_db: 6}}
  - {{between: [relais-b, nsp-c], snr_db: 6}}
  - {{between: [cp-a, nsp-c], snr_db: -30, loss: 1}}
timeline:
{timeline}
"""


def line_scenario(timeline: str) -> str:
    return LINE.format(timeline=timeline)


async def run(text: str, out: Path, seed: int | None = None) -> dict:
    sc = parse_scenario(text, "test.yaml")
    runner = ScenarioRun(sc, out, seed=seed)
    engines: dict[str, list[int]] = {}

    def watch(site, effect, now):  # type: ignore[no-untyped-def]
        seen = engines.setdefault(site.name, [])
        if not seen or seen[-1] != id(site.engine):
            seen.append(id(site.engine))

    runner.net.observers.append(watch)
    result = await runner.run()
    rep = await collect(result)
    rep["_result"] = result
    rep["_engines"] = engines
    return rep


async def events_of(path: Path, kind: str) -> list:
    async with await Store.open(path) as store:
        return await store.events(kinds=(kind,))


async def test_smoke_scenario_delivers_everything_once(tmp_path: Path) -> None:
    rep, _ = await run_and_report(ROOT / "smoke.yaml", tmp_path, formats=("md", "json"))
    assert rep["lost"] == 0 and rep["duplicates_shown"] == 0
    for row in rep["delivery"].values():
        assert row["sent"] == row["delivered"]
        assert row["sends_max"] >= row["sends_mean"] >= 1  # every message went on the air
    assert rep["delivery"]["emergency"]["sent"] >= 3
    assert rep["nodes"]["relais-watertoren"]["restarts"] == 1
    handling = rep["pilot"]["emergency_handling_s"]
    assert handling["typed_to_closed"]["n"] == rep["delivery"]["emergency"]["sent"]
    md = (tmp_path / "report.md").read_text("utf-8")
    assert "Verloren berichten (moet 0 zijn): 0" in md
    # message types and the seed in Dutch words, not the codes (issue 20)
    assert "| Noodhulpmelding |" in md and "| emergency |" not in md
    assert "startwaarde (seed) 7" in md and "zaad" not in md
    assert json.loads((tmp_path / "report.json").read_text("utf-8"))["seed"] == 7


async def test_every_site_store_is_a_valid_chain_the_cli_can_read(tmp_path: Path) -> None:
    rep = await run((ROOT / "smoke.yaml").read_text("utf-8"), tmp_path)
    for name, path in rep["_result"].store_paths.items():
        async with await Store.open(path) as store:
            report = await store.verify()
            assert report.ok, (name, report.problem)
            assert await store.count() > 10
            created = await store.events(kinds=(ev.MESSAGE_CREATED,))
            for rec in created:  # a typed emergency report's frame is sealed, as compose does
                assert (rec.data["type"] == "emergency") == (rec.frame is None), rec
            if name == "cp-brandweer":
                inbox = await store.inbox()
                assert (
                    sum(1 for i in inbox if i.type == "emergency")
                    == (rep["delivery"]["emergency"]["sent"])
                )


async def test_same_seed_same_report_bytes_other_seed_other_report(tmp_path: Path) -> None:
    smoke = ROOT / "smoke.yaml"
    await run_and_report(smoke, tmp_path / "a", formats=("json",))
    await run_and_report(smoke, tmp_path / "b", formats=("json",))
    await run_and_report(smoke, tmp_path / "c", seed=8, formats=("json",))
    a, b, c = ((tmp_path / d / "report.json").read_bytes() for d in "abc")
    assert a == b
    assert a != c


async def test_outbox_survives_a_power_loss_and_restart(tmp_path: Path) -> None:
    # the NSP is cut off, its reports queue up, it loses power; after power-on only its store
    # knows about them, and they still arrive
    text = line_scenario(
        """\
  - {at: 5m, partition: [[nsp-c], [cp-a, relais-b]]}
  - {at: 10m, site: nsp-c, send: supply, fields: {category: WATER, quantity: 50, unit: L}}
  - at: 12m
    site: nsp-c
    send: emergency
    fields: {incident: CO, services: AB, street: Kerkstraat, number: "3"}
  - {at: 20m, power_off: nsp-c}
  - {at: 40m, power_on: nsp-c}
  - {at: 50m, heal: true}
"""
    )
    rep = await run(text, tmp_path)
    result = rep["_result"]
    assert result.restarts["nsp-c"] == 1
    assert len(set(rep["_engines"]["nsp-c"])) == 2  # a fresh engine after the power cut
    assert rep["lost"] == 0 and rep["duplicates_shown"] == 0
    supply = rep["delivery"]["supply"]
    assert (supply["sent"], supply["delivered"], supply["confirmed"]) == (1, 1, 1)
    # the fresh engine resumed the count of attempts from the log, not from zero
    sent = await events_of(result.store_paths["nsp-c"], ev.MESSAGE_SENT)
    after = [r for r in sent if r.at - result.epoch >= 40 * 60]
    before = [r for r in sent if r.at - result.epoch < 20 * 60]
    assert after and before
    assert min(r.data["attempt"] for r in after) > 1
    assert rep["delivery"]["emergency"]["delivered"] == 1
    received = await events_of(result.store_paths["cp-a"], ev.MESSAGE_RECEIVED)
    epoch = result.epoch
    assert all(r.at - epoch > 50 * 60 for r in received if r.data["sender_site"] == "nsp-c")


async def test_relay_custody_survives_its_own_power_loss(tmp_path: Path) -> None:
    # the CP is down; the relay takes custody of the report, then loses power itself and is
    # rebuilt from its store; the NSP goes dark for good, so only the relay can deliver it
    text = line_scenario(
        """\
  - {at: 10m, power_off: cp-a}
  - at: 15m
    site: nsp-c
    send: emergency
    fields: {incident: APP, services: A, street: Molenweg, number: "8"}
  - {at: 30m, power_off: nsp-c}
  - {at: 40m, power_off: relais-b}
  - {at: 50m, power_on: relais-b}
  - {at: 1h, power_on: cp-a}
"""
    )
    rep = await run(text, tmp_path)
    result = rep["_result"]
    assert rep["custody"]["relais-b"]["taken"] >= 1
    assert result.restarts["relais-b"] == 1
    assert rep["lost"] == 0 and rep["duplicates_shown"] == 0
    received = await events_of(result.store_paths["cp-a"], ev.MESSAGE_RECEIVED)
    (got,) = [r for r in received if r.data["type"] == "emergency"]
    assert got.data["from_node"] == 0x3001  # forwarded by the relay, not the NSP
    assert got.at - result.epoch < 3 * 3600  # before the NSP is back at the end


async def test_the_72_hour_exercise_loses_nothing(tmp_path: Path) -> None:
    rep, _ = await run_and_report(ROOT / "long-power-outage.yaml", tmp_path, formats=("json",))
    assert rep["lost"] == 0, rep["lost_messages"]
    assert rep["duplicates_shown"] == 0
    assert rep["delivery"]["emergency"]["sent"] > 150
    assert rep["delivery"]["bulletin"]["sent"] == 7
    assert sum(n["restarts"] for n in rep["nodes"].values()) >= 10
    assert rep["custody"], "some relay must have taken custody during the outages"
    pilot = rep["pilot"]
    assert len(pilot["emergencies_per_nsp"]) == 8
    assert all(len(v) >= 10 for v in pilot["sitreps"].values())
    assert any(not d["direct_to_cp"] for d in pilot["relay_dependence"].values())


async def test_scripted_questions_are_answered_and_measured_from_the_logs(tmp_path: Path) -> None:
    """handling.ask_every: the CP asks the report's NSP a question (sealed, as the CLI sends
    it); the NSP answers after answer_after; the report measures question -> answer at the CP."""
    text = (ROOT / "smoke.yaml").read_text("utf-8")
    text = text.replace("closed_after: 30m}", "closed_after: 30m, ask_every: 2, answer_after: 5m}")
    assert "ask_every" in text
    rep = await run(text, tmp_path)
    result = rep["_result"]
    assert result.conversations, "no scripted question was answered"
    step = rep["pilot"]["emergency_handling_s"]["question_to_answer"]
    assert step["n"] == len(result.conversations)
    assert step["p50"] >= 300  # never sooner than the scripted answer time
    assert rep["pilot"]["emergency_handling_scripted_s"]["question_to_answer"] == 300
    # the question about an emergency is sealed on the air: its text is in no frame
    q_ref, _a_ref, cp = result.conversations[0]
    async with await Store.open(result.store_paths[cp]) as store:
        (created,) = await store.events(ref=q_ref, kinds=("message.created",), with_personal=True)
    assert created.data["type"] == "note" and created.frame
    from nsplink.scenario.runner import QUESTIONS

    assert not any(q.encode()[:24] in created.frame for q in QUESTIONS)


async def test_no_question_row_without_scripted_questions(tmp_path: Path) -> None:
    rep = await run((ROOT / "smoke.yaml").read_text("utf-8"), tmp_path)
    assert "question_to_answer" not in rep["pilot"]["emergency_handling_s"]

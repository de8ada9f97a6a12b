"""A bulletin to every NSP is delivered when every NSP has receipted it, not after the first:
the CP's log names the recipients when the message is made, in the simulator as in the CLI
(found in a 100-NSP run, where a CP's outbox said "delivered" for a bulletin two NSPs never got).
One NSP here has its radio off for the whole exercise."""

from __future__ import annotations

from pathlib import Path

from nsplink.scenario.report import collect
from nsplink.scenario.runner import ScenarioRun
from nsplink.scenario.schema import load_scenario
from nsplink.store import Store

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "two-cps.yaml"
BULLETIN = """
  - at: 20m
    site: cp-noord
    send: bulletin
    id: water-1
    fields:
      headline: Drinkwater koken
      body: Kook kraanwater drie minuten voor gebruik.
      valid_until: 12h
      issuer: Gemeente
"""


async def test_a_bulletin_one_nsp_never_got_is_partial_not_delivered(tmp_path: Path) -> None:
    text = SCENARIO.read_text()
    text = text.replace(
        "timeline:\n", "timeline:\n  - at: 1m\n    radio_off: nsp-kerk\n" + BULLETIN
    )
    (tmp_path / "one-off.yaml").write_text(text)
    result = await ScenarioRun(load_scenario(tmp_path / "one-off.yaml"), tmp_path / "out").run()
    async with await Store.open(result.store_paths["cp-noord"]) as store:
        (item,) = [o for o in await store.outbox() if o.type == "bulletin"]
        recipients = await store.recipients(item.ref)
    kerk = result.key_ids["nsp-kerk"]
    assert item.state == "partial"
    assert recipients[kerk] != "delivered"
    assert [s for k, s in recipients.items() if k != kerk] == ["delivered", "delivered"]
    rep = await collect(result)
    assert rep["delivery"]["bulletin"]["confirmed"] == 0  # the report reads the log the same way

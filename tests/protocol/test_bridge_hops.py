"""Frames that came over the bridge (node 0, OFF_AIR_NODE) say nothing about the radio path to
their sender (issue 23): they must not make our LoRa frames to that site flood the whole hop
limit, nor bring LoRa retries forward as if the site were back in radio range."""

from __future__ import annotations

from nsplink.protocol import (
    ALL_CPS,
    OFF_AIR_NODE,
    Destination,
    EngineConfig,
    Priority,
    Transmit,
)
from tests.protocol.test_engine import T0, Site, make, retry_when_the_cp_is_heard, signed
from tests.scenario.helpers import bulletin, sitrep

CAP = EngineConfig(role="cp").hop_limit


def _bulletin_to(cp: Site, nsp: Site, now: float) -> Transmit:
    msg = signed(cp, bulletin(10**7), Destination.to_site(nsp.ident.key_id), Priority.P3, 700)
    before = len(cp.sent)
    cp.run(cp.engine.submit(msg, now), now)
    cp.tick(now + 5)
    (tx,) = [t for t in cp.sent[before:] if t.mid == msg.id]
    return tx


def test_a_frame_over_the_bridge_keeps_the_hop_count_the_radio_measured() -> None:
    assert CAP > 1  # else the test could not tell the two apart
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    heard = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 600)
    cp.run(cp.engine.on_frame(heard.frame, 7, 1, T0), T0)  # on the radio, one hop away
    again = signed(nsp, sitrep(41), ALL_CPS, Priority.P3, 601)
    cp.run(cp.engine.on_frame(again.frame, OFF_AIR_NODE, None, T0 + 60), T0 + 60)  # the bridge
    assert _bulletin_to(cp, nsp, T0 + 61).hop_limit == 1


def test_a_site_heard_only_over_the_bridge_is_flooded_to_as_before() -> None:
    sites, _ = make({"nsp": "nsp", "cp": "cp"})
    nsp, cp = sites["nsp"], sites["cp"]
    heard = signed(nsp, sitrep(), ALL_CPS, Priority.P3, 600)
    cp.run(cp.engine.on_frame(heard.frame, OFF_AIR_NODE, None, T0), T0)
    assert _bulletin_to(cp, nsp, T0 + 1).hop_limit == CAP  # no radio path known


def test_a_site_heard_over_the_bridge_does_not_bring_a_lora_retry_forward() -> None:
    pending, after = retry_when_the_cp_is_heard(OFF_AIR_NODE, None)
    assert after == pending

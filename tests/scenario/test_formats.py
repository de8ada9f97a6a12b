"""Issue 24 in a mixed region: old and new sites on one simulated mesh.

An "old site" is an engine configured with formats {2} (EngineConfig.formats): it reads and
announces only format 2, as a release from before issue 24 does. New sites send format 3 (the
context coder, bundles) only to sites whose signed beacons announced it."""

from __future__ import annotations

from pathlib import Path

from nsplink.protocol import (
    ALL_CPS,
    ALL_NSPS,
    EVERYONE,
    FORMAT_V3,
    FORMAT_VERSION,
    Category,
    ChainHead,
    Deliver,
    EngineConfig,
    Power,
    Priority,
    Rejected,
    Status,
    Supply,
    Transmit,
    Unit,
    Urgency,
    minutes_since_epoch,
)
from nsplink.radio.sim import Medium
from nsplink.scenario.network import SimNetwork, SimSite
from tests.scenario.helpers import Recorder, bulletin, sitrep

OLD = frozenset({FORMAT_VERSION})


def _mesh(sites: list[tuple[str, str, bool]]) -> tuple[SimNetwork, Recorder]:
    """Sites (name, role, old?) that all hear each other."""
    medium = Medium(seed=3)
    net = SimNetwork(medium, seed=3)
    rec = Recorder()
    net.observers.append(rec)
    for i, (name, role, old) in enumerate(sites):
        cfg = EngineConfig(role=role, formats=OLD) if old else None
        net.add_site(name, role, 0x100 + i, config=cfg)
    for i in range(len(sites)):
        for j in range(i + 1, len(sites)):
            medium.set_link(0x100 + i, 0x100 + j, snr_db=5.0)
    return net, rec


def _beacon(net: SimNetwork, site: SimSite) -> None:
    # an announcing beacon carries the log head (capability.py), as every HEAD_EVERY-th does
    head = ChainHead(1, bytes(6))
    body = Status(power=Power.NET, battery_pct=100, power_hours=255, queue_depth=0, head=head)
    net._apply(site, site.engine.send_message(body, EVERYONE, Priority.P4, net.now))


def _beacons(net: SimNetwork) -> None:
    for site in net.sites.values():
        _beacon(net, site)
    net.run_for(120)


def _sent(rec: Recorder, name: str) -> list[Transmit]:
    return [e for n, e, _ in rec.effects if n == name and isinstance(e, Transmit)]


def _supply() -> Supply:
    return Supply(Category.BRST, 3, Unit.JC, Urgency.VANDAAG, item="diesel voor aggregaat")


def test_format_3_only_after_the_recipient_announced_it() -> None:
    net, rec = _mesh([("nsp", "nsp", False), ("cp", "cp", False)])
    first = net.submit("nsp", sitrep(10), ALL_CPS)
    net.run_for(120)
    assert [t.frame[0] >> 4 for t in _sent(rec, "nsp") if t.mid == first] == [FORMAT_VERSION]
    _beacons(net)
    second = net.submit("nsp", sitrep(20), ALL_CPS)
    net.run_for(120)
    assert [t.frame[0] >> 4 for t in _sent(rec, "nsp") if t.mid == second] == [FORMAT_V3]
    assert rec.delivered_to(first) == rec.delivered_to(second) == ["cp"]
    got = [d.msg for n, d, _ in rec.deliveries if n == "cp" and d.msg.id == second]
    assert got[0].frame[0] >> 4 == FORMAT_V3  # the CP logs what it heard, signed as it came


def test_beacons_without_a_head_neither_announce_nor_withdraw() -> None:
    """A release without `reads` refuses the whole beacon, so the field rides only with the head
    (which such a release already refuses): the other beacons stay readable for it."""
    net, rec = _mesh([("nsp", "nsp", False), ("cp", "cp", False)])
    _beacons(net)
    cp = net.sites["cp"]
    plain = Status(power=Power.NET, battery_pct=100, power_hours=255, queue_depth=0)
    net._apply(cp, cp.engine.send_message(plain, EVERYONE, Priority.P4, net.now))
    net.run_for(120)
    bodies = [_body(net, t) for t in _sent(rec, "cp")]
    statuses = [b for b in bodies if isinstance(b, Status)]
    assert [(b.head is not None, b.reads) for b in statuses] == [(True, FORMAT_V3), (False, None)]
    assert net.sites["nsp"].engine.capabilities.reads(cp.identity.key_id) == FORMAT_V3


def test_an_old_cp_is_never_sent_format_3_and_rejects_nothing() -> None:
    net, rec = _mesh([("nsp", "nsp", False), ("cp", "cp", True)])
    _beacons(net)
    mids = [net.submit("nsp", sitrep(v), ALL_CPS) for v in (1, 2, 3)]
    net.run_for(600)
    assert all(t.frame[0] >> 4 == FORMAT_VERSION for t in _sent(rec, "nsp"))
    assert all(rec.delivered_to(m) == ["cp"] for m in mids)
    assert not [e for n, e, _ in rec.effects if n == "cp" and isinstance(e, Rejected)]
    # and the old CP's beacon announced nothing beyond format 2
    beacons = [t for t in _sent(rec, "cp") if isinstance(_body(net, t), Status)]
    assert beacons and all(_body(net, t).reads is None for t in beacons)  # type: ignore[union-attr]


def _body(net: SimNetwork, tx: Transmit) -> object:
    from nsplink.protocol import decode

    return decode(tx.frame, net.roster).envelope.body


def test_a_bulletin_uses_format_3_only_when_every_nsp_announced_it() -> None:
    net, rec = _mesh([("cp", "cp", False), ("nsp-new", "nsp", False), ("nsp-old", "nsp", True)])
    _beacons(net)
    valid = minutes_since_epoch(net.now) + 600
    mixed = net.submit("cp", bulletin(valid), ALL_NSPS)
    net.run_for(600)
    assert {t.frame[0] >> 4 for t in _sent(rec, "cp") if t.mid == mixed} == {FORMAT_VERSION}
    assert sorted(rec.delivered_to(mixed)) == ["nsp-new", "nsp-old"]


def test_waiting_messages_share_one_bundle_and_are_receipted_each() -> None:
    net, rec = _mesh([("nsp", "nsp", False), ("cp", "cp", False)])
    _beacons(net)
    mids = [
        net.submit("nsp", sitrep(30), ALL_CPS),
        net.submit("nsp", _supply(), ALL_CPS),
        net.submit("nsp", sitrep(31), ALL_CPS),
    ]
    net.run_for(600)
    bundled = [t for t in _sent(rec, "nsp") if t.riders]
    assert bundled, "the messages waiting behind the first one ride together"
    assert all(len(t.frame) <= 231 for t in bundled)
    for mid in mids:
        assert rec.delivered_to(mid) == ["cp"]
        assert rec.states(mid)[-1].value == "delivered"  # its own receipt, not the bundle's
    # the CP logged each member as itself: its copy decodes to that message alone
    from nsplink.protocol import decode

    logged = {d.msg.id: d.msg.frame for n, d, _ in rec.deliveries if n == "cp"}
    for mid in mids:
        assert decode(logged[mid], net.roster).id == mid


def test_a_stale_announcement_falls_back_to_format_2() -> None:
    """The NSP believes the CP reads format 3 (it did, then was downgraded): the CP refuses
    format 3 by name; after FALLBACK_AFTER attempts, while the CP is heard, it goes in format 2."""
    net, rec = _mesh([("nsp", "nsp", False), ("cp", "cp", True)])
    cp = net.sites["cp"]
    stale = Status(Power.NET, 100, 255, 0, head=ChainHead(1, bytes(6)), reads=FORMAT_V3)
    net.sites["nsp"].engine.capabilities.heard(cp.identity.key_id, stale)
    mid = net.submit("nsp", sitrep(40), ALL_CPS)
    # the downgraded CP is on the air (a beacon without a head neither announces nor withdraws)
    plain = Status(power=Power.NET, battery_pct=100, power_hours=255, queue_depth=0)
    for _ in range(12):
        net._apply(cp, cp.engine.send_message(plain, EVERYONE, Priority.P4, net.now))
        net.run_for(900)
    versions = [t.frame[0] >> 4 for t in _sent(rec, "nsp") if t.mid == mid]
    assert versions[:2] == [FORMAT_V3, FORMAT_V3] and versions[-1] == FORMAT_VERSION
    assert rec.delivered_to(mid) == ["cp"]
    assert any(n == "cp" and isinstance(e, Rejected) for n, e, _ in rec.effects)
    assert all(isinstance(d, Deliver) for _, d, _ in rec.deliveries)


async def test_an_exercise_with_one_post_on_the_old_release(tmp_path: Path) -> None:
    """`newest_format: 2` on a site of a scenario: that post's release predates format 3. The
    exercise runs a mixed region: the CPs log the old post's reports as format 2 frames and the
    others' as format 3, and nothing is lost either way (the old post also restarts: its
    release stays old)."""
    from nsplink.scenario.report import collect
    from nsplink.scenario.runner import ScenarioRun
    from nsplink.scenario.schema import load_scenario
    from nsplink.store import Store
    from nsplink.store import events as ev

    text = (Path(__file__).resolve().parents[2] / "scenarios" / "two-cps.yaml").read_text()
    text = text.replace("    node: 0x2003\n", "    node: 0x2003\n    newest_format: 2\n")
    assert "newest_format: 2" in text
    (tmp_path / "mixed.yaml").write_text(text)
    sc = load_scenario(tmp_path / "mixed.yaml")
    assert sc.site("nsp-kerk").newest_format == FORMAT_VERSION
    result = await ScenarioRun(sc, tmp_path / "out").run()
    rep = await collect(result)
    assert rep["lost"] == 0
    versions: dict[str, set[int]] = {}
    async with await Store.open(result.store_paths["cp-noord"]) as store:
        for r in await store.events(kinds=(ev.MESSAGE_RECEIVED,)):
            if r.frame:
                versions.setdefault(str(r.data["sender_site"]), set()).add(r.frame[0] >> 4)
    assert versions["nsp-kerk"] == {FORMAT_VERSION}
    assert FORMAT_V3 in versions["nsp-dorpshuis"] and FORMAT_V3 in versions["nsp-bibliotheek"]

"""Trust and privacy end to end, with real daemons, real stores and the signed roster on disk,
over the simulated medium on a shared virtual clock:

- a report signed by a key the region revoked (a stolen laptop) is quarantined at the CP, shown
  apart, never trusted and never dropped;
- the CP pushes the newer signed roster over the air and the NSP applies it (file and memory);
- a report's personal data crosses the air sealed: only the CP opens it;
- after the retention term the personal data is gone from the CP's store, the counts and timings
  stay, and `nsplink log verify` still passes.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from nsplink.app.compose import push_roster, queue_message
from nsplink.app.daemon import DaemonOptions
from nsplink.app.keys import KeyMissing, load_identity
from nsplink.app.nudge import nudge
from nsplink.app.roster import (
    install_roster,
    load_doc,
    load_seal_secret,
    load_trusted_roster,
    open_personal,
    save_doc,
    sign_roster,
)
from nsplink.app.site import SiteHome
from nsplink.protocol import ALL_CPS, Callback, Emergency, Incident, Priority, Services, decode
from nsplink.store import Store
from nsplink.store import events as ev
from tests.app.daemon.simmesh import EPOCH, SimMesh, wait_for
from tests.app.daemon.sites import make_sites
from tests.security.cli import run_nsplink

NAMES = ("NSP Zuid", "CP Noord", "NSP Dief")
REPORT = Emergency(
    incident=Incident.MED,
    services=Services.A,
    street="Burgemeester de Vriesstraat",
    number="14a",
    postcode="9636 AB",
    place="Zuidbroek",
    reporter="J. de Vries",
    callback=Callback.TEL,
    callback_number="06 12345678",
    text="Mevrouw op thuisbeademing, accu nog 2 uur. Zoon: Daniël.",
)


def _revoke_thief(root: Path, cp: SiteHome) -> int:
    """The region signs version 2 without the thief's key (revoked), installed at the CP only."""
    doc = load_doc(root / "roster-draft.json")
    thief = next(e for e in doc.sites if e.site == "NSP Dief")
    v2 = replace(doc, sites=tuple(e for e in doc.sites if e is not thief), revoked=(thief,))
    signed = sign_roster(v2, root / "region.key", EPOCH)
    save_doc(root / "roster-v2.json", signed)
    install_roster(cp, root / "roster-v2.json", load_identity(root / "region.key").public_key)
    return signed.version


async def _queue(home: SiteHome, site: str, now: float) -> str:
    async with await Store.open(home.db_path) as store:
        mid, frame = await queue_message(
            store, load_identity(home.key_path), site, REPORT, ALL_CPS, Priority.P1, now, home=home
        )
    assert b"de Vries" not in frame and b"12345678" not in frame  # sealed on air
    return str(mid)


async def test_revocation_roster_push_sealing_and_retention(tmp_path: Path) -> None:
    homes = make_sites(tmp_path, [(NAMES[0], "nsp"), (NAMES[1], "cp"), (NAMES[2], "nsp")])
    nsp, cp, thief = (homes[n] for n in NAMES)
    v2 = _revoke_thief(tmp_path, cp)
    opts = DaemonOptions(status_interval_s=0, fallback_check_s=3600)
    mesh = SimMesh(homes, NAMES, seed=5, first_node=0x10, spacing=500.0, options=opts)
    clock = mesh.clock
    async with mesh.running():
        await asyncio.sleep(0.2)
        async with await Store.open(cp.db_path) as cp_store:
            # 1. the stolen laptop reports: quarantined at the CP, not dropped, not trusted
            stolen = await _queue(thief, NAMES[2], clock())
            nudge(thief)

            async def quarantined() -> bool:
                return any(i.ref == stolen for i in await cp_store.inbox(trust=("quarantined",)))

            await wait_for(quarantined)
            (event,) = await cp_store.events(ref=stolen, kinds=(ev.MESSAGE_QUARANTINED,))
            assert event.data["code"] == "protocol.verify.revoked"

            # 2. the CP pushes roster version 2; the NSP applies it over the air
            await push_roster(cp_store, load_identity(cp.key_path), NAMES[1], cp, clock())
            nudge(cp)
            async with await Store.open(nsp.db_path) as nsp_store:

                async def nsp_updated() -> bool:
                    return bool(await nsp_store.events(kinds=(ev.ROSTER_CHANGED,)))

                await wait_for(nsp_updated)
                (changed,) = await nsp_store.events(kinds=(ev.ROSTER_CHANGED,))
                assert changed.data["version"] == v2 and changed.data["from_site"] == NAMES[1]
            assert load_trusted_roster(nsp).version == v2  # on disk, checked again

            # 3. a sealed report from the NSP: verified at the CP, opened only there
            ref = await _queue(nsp, NAMES[0], clock())
            nudge(nsp)

            async def verified() -> bool:
                return any(i.ref == ref for i in await cp_store.inbox(trust=("verified",)))

            await wait_for(verified)

    roster = load_trusted_roster(cp)
    async with await Store.open(cp.db_path) as cp_store:
        (received,) = await cp_store.events(
            ref=ref, kinds=(ev.MESSAGE_RECEIVED,), with_personal=True
        )
        assert received.frame is not None
        msg = decode(received.frame, roster)
        assert isinstance(msg.envelope.body, Emergency) and msg.envelope.body.reporter == ""
        opened = open_personal(cp, msg.envelope, msg.signer.public_key).body
        assert opened == REPORT
        with pytest.raises(KeyMissing):  # the NSP holds no CP key: it cannot read others' reports
            load_seal_secret(nsp)

        # 4. retention: the per-message keys go, the chain and the figures stay
        before = await cp_store.count()
        erased = await cp_store.erase_personal(clock() + 1, at=clock() + 1, site=NAMES[1])
        assert erased >= 2
        (gone,) = await cp_store.events(ref=ref, kinds=(ev.MESSAGE_RECEIVED,), with_personal=True)
        assert gone.erased and gone.frame is None
        assert gone.data["type"] == "emergency" and gone.at == received.at  # counts, timings
        assert len(await cp_store.inbox()) == 2
        assert (await cp_store.verify()).ok
        assert await cp_store.count() == before + 1  # the retention.erased event itself
    res = run_nsplink("--home", str(cp.root), "log", "verify")
    assert res.returncode == 0, res.stdout + res.stderr

"""Personal fields are sealed per message; erasing the keys keeps the chain valid."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from nsplink.store import Event, Store
from nsplink.store import events as k

from .factory import SITE, created

REPORTER = "Mevrouw Jansen-Ünal"
CALLBACK = "06-98765432"


def file_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


async def test_personal_fields_never_reach_the_file_in_plain_text(
    store: Store, db_path: Path
) -> None:
    frame = b"signed:" + REPORTER.encode()
    await store.append_many(
        [
            created("a1b2:1", 1, at=100),
            Event(
                k.MESSAGE_QUEUED,
                100,
                SITE,
                "a1b2:1",
                frame=frame,
                seal_frame=True,
                personal={"reporter": REPORTER, "callback": CALLBACK},
            ),
        ]
    )
    blob = file_bytes(db_path)
    assert REPORTER.encode() not in blob and CALLBACK.encode() not in blob
    rec = (await store.events(ref="a1b2:1", kinds=["message.queued"], with_personal=True))[0]
    assert rec.personal == {"reporter": REPORTER, "callback": CALLBACK} and rec.frame == frame
    plain = (await store.events(kinds=["message.queued"]))[0]
    assert plain.personal is None and plain.frame is None and plain.has_personal


async def test_erasure_after_the_retention_term_keeps_the_chain_valid(
    store: Store, db_path: Path
) -> None:
    for n, at in ((1, 100.0), (2, 5000.0)):
        await store.append(
            Event(k.MESSAGE_QUEUED, at, SITE, f"a1b2:{n}", personal={"reporter": f"{REPORTER} {n}"})
        )
    raw = sqlite3.connect(db_path)
    old_key = raw.execute("SELECT key FROM personal_keys WHERE ref = 'a1b2:1'").fetchone()[0]
    raw.close()
    assert await store.erase_personal(1000.0, at=6000.0, site=SITE) == 1
    recs = await store.events(with_personal=True)
    assert [(r.erased, r.personal is None) for r in recs[:2]] == [(True, True), (False, False)]
    assert recs[2].kind == k.RETENTION_ERASED and recs[2].data == {"keys": 1, "before": 1000.0}
    report = await store.verify()
    assert report.ok and report.count == 3
    assert old_key not in file_bytes(db_path)  # overwritten, not merely unlinked
    assert await store.erase_personal(1000.0, at=6001.0, site=SITE) == 0

"""Durability is proven, not assumed: SIGKILL a writer at random moments, many times over."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from nsplink.store import Store
from nsplink.store.schema import verify_path

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 32


def spawn(db: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.worker", str(db), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_every_reported_id_survives_sigkill_and_the_chain_verifies(tmp_path: Path) -> None:
    db = tmp_path / "nsplink.db"
    rng = random.Random(20261123)
    reported: set[int] = set()
    killed_while_writing = 0
    for n in range(ROUNDS):
        proc = spawn(db, "--seed", str(n))
        assert proc.stdout is not None
        if n % 4 == 0:
            time.sleep(rng.uniform(0.0, 0.4))  # sometimes while it is still opening/migrating
        else:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.01, 0.25))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err
        lines = [line for line in out.splitlines() if line and line != "ready"]
        killed_while_writing += bool(lines)
        for line in lines:
            reported.update(int(x) for x in line.split())
        if not db.exists():  # killed before it created the file (a slow start under load)
            assert not reported, "ids were reported but no database exists"
            continue
        report = verify_path(db)  # reopen after every kill, as the next start would
        assert report.ok, (n, report.problem)
        assert report.head >= max(reported, default=0)
    assert killed_while_writing >= ROUNDS // 2  # most kills really hit a busy writer
    assert len(reported) > 100

    async def check() -> None:
        async with await Store.open(db) as store:
            stored = {r.id for r in await store.events()}
            assert reported <= stored
            assert stored == set(range(1, max(stored) + 1))
            live = await store.projections()
            await store.rebuild()
            assert await store.projections() == live  # projections were never half-written
            queued = await store.events(kinds=["message.queued"], with_personal=True)
            assert all(
                r.personal == {"reporter": "J. de Vrieß", "callback": "06-12345678"} for r in queued
            )

    asyncio.run(check())
    assert not os.path.exists(str(db) + "-journal")


def test_two_processes_writing_at_once_keep_one_chain(tmp_path: Path) -> None:
    """The daemon and the CLI both append: IMMEDIATE transactions and the busy timeout make
    them take turns; neither loses a reported id and the chain stays single."""
    db = tmp_path / "nsplink.db"
    asyncio.run(_touch(db))  # create and migrate once, so both start on a current file
    procs = [spawn(db, "--seed", str(n)) for n in (101, 202)]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    reported: list[int] = []
    for proc in procs:
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert "Traceback" not in err, err
        ids = [int(x) for line in out.splitlines() if line != "ready" for x in line.split()]
        assert ids, "each writer got turns"
        reported += ids
    assert len(reported) == len(set(reported))  # no id handed out twice
    report = verify_path(db)
    assert report.ok and report.head >= max(reported)


async def _touch(db: Path) -> None:
    async with await Store.open(db):
        pass


def test_cli_and_daemon_reserving_seqs_at_once_never_share_one(tmp_path: Path) -> None:
    db = tmp_path / "nsplink.db"
    asyncio.run(_touch(db))
    code = (
        "import asyncio, sys\n"
        "from nsplink.store import Store\n"
        "async def main():\n"
        "    async with await Store.open(sys.argv[1]) as s:\n"
        "        for _ in range(60):\n"
        "            print(*(await s.reserve_seqs('a1b2', 2, at=1.0, site='x')), flush=True)\n"
        "asyncio.run(main())\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(db)],
            cwd=ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    got: list[int] = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        got += [int(x) for x in out.split()]
    assert sorted(got) == list(range(1, 241))  # 2 processes x 60 x 2, no gaps, no repeats
    assert verify_path(db).ok

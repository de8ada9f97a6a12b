"""Each fault gives one typed error and damages nothing already stored."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from nsplink.store import (
    Store,
    StoreBusy,
    StoreCorrupt,
    StoreFull,
    StoreMissing,
    StoreUnwritable,
)
from nsplink.store.errors import translate
from nsplink.store.schema import verify_path
from nsplink.texts import render_error

from .factory import created, lifecycle

ROOT = Path(__file__).resolve().parents[2]


def without_root_override() -> list[str]:
    """Command prefix under which permission bits bind (root normally overrides them)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permission bits cannot be enforced")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-dac_override,-dac_read_search"]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def filled(path: Path, n: int = 300) -> None:
    async with await Store.open(path) as s:
        await s.append_many([lifecycle(i) for i in range(n)])
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory another user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="nsplink-ro-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        path.chmod(0o755)
        shutil.rmtree(path)


async def test_missing_database_is_not_created_when_not_asked(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing) as info:
        await Store.open(tmp_path / "nope.db", create=False)
    assert "nsplink init" in render_error(info.value, "nl")
    assert not (tmp_path / "nope.db").exists()


async def test_missing_directory_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreUnwritable):
        await Store.open(tmp_path / "no" / "such" / "dir" / "x.db")


async def test_read_only_directory_is_refused_and_nothing_changes(shared_dir: Path) -> None:
    db = shared_dir / "nsplink.db"
    await filled(db)
    db.chmod(0o666)  # the file itself is writable: only the directory is not
    before = digest(db)
    shared_dir.chmod(0o555)
    code = (
        "import asyncio, sys\n"
        "from nsplink.texts import render_error\n"
        "from nsplink.store import Store, StoreError\n"
        "async def main():\n"
        "    try:\n"
        "        s = await Store.open(sys.argv[1])\n"
        "        await s.append_many([])\n"
        "    except StoreError as e:\n"
        "        print(e.code); print(render_error(e, 'nl')); return 2\n"
        "    return 0\n"
        "sys.exit(asyncio.run(main()))\n"
    )
    res = subprocess.run(
        [*without_root_override(), sys.executable, "-c", code, str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2, res.stderr
    code_line, message = res.stdout.splitlines()
    assert code_line == "store.unwritable"
    assert "rechten van de map" in message and "Traceback" not in res.stderr
    shared_dir.chmod(0o755)
    assert digest(db) == before
    assert verify_path(db).count == 300


async def test_full_database_refuses_the_batch_and_keeps_everything_before(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await filled(db_path, 50)
    pages = sqlite3.connect(db_path).execute("PRAGMA page_count").fetchone()[0]
    async with await Store.open(db_path, max_pages=pages + 2) as store:
        stored = 50
        with pytest.raises(StoreFull) as info:
            for i in range(10_000):
                await store.append_many([lifecycle(i), created(f"a1b2:{i}", i)])
                stored += 2
        assert "schijf is vol" in render_error(info.value, "nl")
        assert any("store.full" in r.getMessage() for r in caplog.records)  # and a log event
        assert await store.count() == stored  # the failed batch left no half
        assert (await store.verify()).ok
        assert (await store.head())[0] == stored
    async with await Store.open(db_path) as store:  # room again: carry on
        assert await store.append(lifecycle(1)) == stored + 1
        assert (await store.verify()).ok


def test_rlimit_fsize_in_a_subprocess_is_a_full_disk(tmp_path: Path) -> None:
    db = tmp_path / "nsplink.db"
    res = subprocess.run(
        [sys.executable, "-m", "tests.store.worker", str(db), "--fsize", str(1024 * 1024)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = res.stdout.splitlines()
    assert res.returncode == 3, res.stderr
    assert lines[-1] == "error store.full"
    assert "Traceback" not in res.stderr
    reported = {int(x) for line in lines[1:-1] for x in line.split()}
    report = verify_path(db)
    assert report.ok and len(reported) > 20
    assert report.head >= max(reported)


async def test_damaged_header_is_refused_and_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "nsplink.db"
    await filled(db)
    with open(db, "r+b") as fh:
        fh.write(os.urandom(100))
    before = digest(db)
    with pytest.raises(StoreCorrupt) as info:
        await Store.open(db)
    assert "beschadigd" in render_error(info.value, "nl")
    assert digest(db) == before
    assert not Path(str(db) + "-wal").exists() or Path(str(db) + "-wal").stat().st_size == 0


async def test_damaged_page_is_found_by_verify_and_left_untouched(tmp_path: Path) -> None:
    db = tmp_path / "nsplink.db"
    await filled(db, 3000)
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.seek(size // 2 // 4096 * 4096)
        fh.write(b"\xa5" * 4096)
    before = digest(db)
    with pytest.raises(StoreCorrupt):
        async with await Store.open(db) as store:
            await store.verify()
    assert digest(db) == before


def test_random_files_are_refused_not_crashed(tmp_path: Path) -> None:
    for n, blob in enumerate([b"", b"SQLite format 3\x00", os.urandom(5000), b"\x00" * 8192]):
        db = tmp_path / f"r{n}.db"
        db.write_bytes(blob)
        before = digest(db)
        # an empty file is a valid empty SQLite database: there is no log in it yet
        with pytest.raises(StoreMissing if blob == b"" else StoreCorrupt):
            verify_path(db)
        assert digest(db) == before


def test_translate_maps_os_errors() -> None:
    import errno

    assert isinstance(translate(OSError(errno.ENOSPC, "No space"), "x"), StoreFull)
    assert isinstance(translate(OSError(errno.EROFS, "Read-only"), "x"), StoreUnwritable)


async def test_lock_held_too_long_by_another_program_is_busy_not_a_hang(db_path: Path) -> None:
    await filled(db_path, 5)
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # e.g. a stuck CLI holding the write lock
    try:
        async with await Store.open(db_path, busy_timeout_ms=150) as store:
            with pytest.raises(StoreBusy) as info:
                await store.append(lifecycle(1))
            assert "Probeer het opnieuw" in render_error(info.value, "nl")
            assert await store.count() == 5  # reads still work meanwhile
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    async with await Store.open(db_path) as store:
        assert await store.append(lifecycle(1)) == 6

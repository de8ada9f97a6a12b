"""A write-protected copy of a site can be read and verified (issue 18 F): `log verify`,
`queue`, `outbox`, `show` and `log export` open the log read-only. We run as root, and root
ignores file modes, so the copy is made read-only with a read-only bind mount (the kernel refuses
every write, root's too); where that is not allowed the test is skipped, and a second test
checks on any machine that these commands change no byte of the site's files."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.cli_sites import homes, queue, receive, run
from tests.scenario.helpers import emergency, sitrep
from tests.security.cli import run_nsplink

COMMANDS = [
    ("log", "verify"),
    ("queue", "--all"),
    ("outbox",),
    ("show", "1"),
    ("log", "export"),
    ("log", "show"),
    ("status",),
]


def _site(tmp_path: Path) -> Path:
    sites = homes(tmp_path / "live")
    cp, nsp = sites["cp-utrecht"], sites["nsp-houten"]
    _, frame = run(queue(nsp, sitrep()))
    run(receive(cp, frame, "nsp-houten"))
    run(queue(cp, emergency()))  # and something in the CP's own outbox
    copy = tmp_path / "copy"
    shutil.copytree(cp.root, copy)
    return copy


def _state(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def readonly_copy(tmp_path: Path) -> Iterator[Path]:
    copy = _site(tmp_path)
    mnt = tmp_path / "ro"
    mnt.mkdir()
    try:
        subprocess.run(["mount", "--bind", str(copy), str(mnt)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("no bind mounts here (needs CAP_SYS_ADMIN)")
    try:
        ro = ["mount", "-o", "remount,bind,ro", str(mnt)]
        if subprocess.run(ro, capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only")
        assert subprocess.run(["touch", str(mnt / "x")], capture_output=True).returncode != 0
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], capture_output=True)


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_reading_commands_work_on_a_read_only_site(readonly_copy: Path, args: tuple[str]) -> None:
    res = run_nsplink("--home", str(readonly_copy), "--lang", "en", *args)
    assert res.returncode == 0, res.stderr
    assert "cannot be written" not in res.stderr and "Traceback" not in res.stderr


def test_reading_commands_change_no_byte_of_the_site(tmp_path: Path) -> None:
    copy = _site(tmp_path)
    before = _state(copy)
    for args in COMMANDS:
        res = run_nsplink("--home", str(copy), "--lang", "en", *args)
        assert res.returncode == 0, (args, res.stderr)
    after = _state(copy)
    # SQLite's WAL index may appear beside a writable file (mode=ro still shares it with a
    # running daemon); it holds no data, and the WAL itself stays empty
    wal = copy / "nsplink.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    assert {k: v for k, v in after.items() if not k.endswith(("-wal", "-shm"))} == before

"""Identity key files: 0600 on creation, refusal of readable files with the chmod fix, damage."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from nsplink.app import keys
from nsplink.protocol import Identity
from nsplink.texts import render_error


def test_save_creates_0600_even_with_a_loose_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        ident = keys.save_identity(tmp_path / "k" / "identity.key", bytes(32), site="NSP Één")
    finally:
        os.umask(old)
    path = tmp_path / "k" / "identity.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.load_identity(path).public_key == ident.public_key
    assert not (tmp_path / "k" / "identity.key.tmp").exists()


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    first = keys.save_identity(path, keys.generate_seed())
    with pytest.raises(keys.KeyExists):
        keys.save_identity(path, keys.generate_seed())
    assert keys.load_identity(path).public_key == first.public_key  # untouched
    second = keys.save_identity(path, keys.generate_seed(), force=True)
    assert keys.load_identity(path).public_key == second.public_key != first.public_key


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_readable_by_others_is_refused_with_chmod_hint(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "identity.key"
    keys.save_identity(path, bytes(32))
    path.chmod(mode)
    with pytest.raises(keys.KeyPermissions) as err:
        keys.load_identity(path)
    for lang in ("nl", "en"):
        assert f"chmod 600 {path}" in render_error(err.value, lang)  # type: ignore[arg-type]


def test_missing_and_damaged_files(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    with pytest.raises(keys.KeyMissing):
        keys.load_identity(path)
    for content in (
        b"",
        b"\xff\xfe binary",
        b"nsplink-ed25519-seed v1\n",
        b"nsplink-ed25519-seed v1\nnot base64!!\n",
        b"nsplink-ed25519-seed v1\nAAAA\n",  # 3 bytes
        b"other-format v9\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
    ):
        path.write_bytes(content)
        path.chmod(0o600)
        with pytest.raises(keys.KeyInvalid):
            keys.load_identity(path)


def test_seed_round_trip_is_exact(tmp_path: Path) -> None:
    seed = bytes(range(32))
    path = tmp_path / "identity.key"
    keys.save_identity(path, seed)
    assert keys.load_identity(path).public_key == Identity(seed).public_key

"""protocol/ and lora/ stay sans-IO: no clock, sleep, sockets, files or randomness in the core.

A static check over EVERY module of nsplink/protocol and nsplink/lora (a new one is checked without
being listed). The one sanctioned read is of the versioned, hash-pinned data files (the deflate
dictionary, the text coder's training text) from package data in datafiles.py, done once like an
import. The engine and its retry policy may
import `random` for the type of the seeded generator the driver passes in (same seed, same run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nsplink.lora
import nsplink.protocol

PACKAGES = (Path(nsplink.protocol.__file__).parent, Path(nsplink.lora.__file__).parent)
CORE = sorted(f"{d.name}/{p.name}" for d in PACKAGES for p in d.glob("*.py"))
INJECTED_RNG = {"engine", "retry"}
FORBIDDEN_MODULES = {"time", "datetime", "socket", "asyncio", "random", "os", "secrets",
                     "subprocess", "threading", "select", "pathlib", "io"}  # fmt: skip
FORBIDDEN_CALLS = {"open", "input", "print"}


@pytest.mark.parametrize("name", CORE)
def test_no_io_or_clock(name: str) -> None:
    path = Path(nsplink.protocol.__file__).parent.parent / name
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods = {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mods = {(node.module or "").split(".")[0]}
        else:
            mods = set()
        bad = mods & FORBIDDEN_MODULES - ({"random"} if Path(name).stem in INJECTED_RNG else set())
        assert not bad, f"{name} imports {bad}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{name} calls {node.func.id}()"

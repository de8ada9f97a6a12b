"""protocol/ stays sans-IO: no clock, sleep, sockets, files or randomness in the message core.

A static check over EVERY module of nsplink/protocol (a new one is checked without being listed),
except genproto.py, the `make proto` tool. The one sanctioned read is the versioned dictionary
from package data in compress.py, done once like an import. The engine and its retry policy may
import `random` for the type of the seeded generator the driver passes in (same seed, same run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nsplink.protocol

HERE = Path(nsplink.protocol.__file__).parent
CORE = sorted(p.stem for p in HERE.glob("*.py") if p.stem != "genproto")
INJECTED_RNG = {"engine", "retry"}
FORBIDDEN_MODULES = {"time", "datetime", "socket", "asyncio", "random", "os", "secrets",
                     "subprocess", "threading", "select", "pathlib", "io"}  # fmt: skip
FORBIDDEN_CALLS = {"open", "input", "print"}


@pytest.mark.parametrize("name", CORE)
def test_no_io_or_clock(name: str) -> None:
    path = Path(nsplink.protocol.__file__).parent / f"{name}.py"
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods = {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mods = {(node.module or "").split(".")[0]}
        else:
            mods = set()
        bad = mods & FORBIDDEN_MODULES - ({"random"} if name in INJECTED_RNG else set())
        assert not bad, f"{name}.py imports {bad}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{name}.py calls {node.func.id}()"

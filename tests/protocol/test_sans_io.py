"""protocol/ stays sans-IO: no clock, sleep, sockets, files or randomness in the message core.

A static check over the modules of the message core (airtime.py and dutycycle.py have their own
owner and tests). The one sanctioned read is the versioned dictionary from package data in
compress.py, done once like an import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nsplink.protocol

CORE = ["__init__", "_bodies", "codec", "codes", "compress", "envelope", "errors", "fragments",
        "identity", "messages", "receiver", "replay"]  # fmt: skip
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
        assert not mods & FORBIDDEN_MODULES, f"{name}.py imports {mods & FORBIDDEN_MODULES}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{name}.py calls {node.func.id}()"

"""The committed protobuf code must match nsplink.proto (`make proto` regenerates it)."""

from __future__ import annotations

import re
from pathlib import Path

from nsplink.devtools import genproto


def _descriptor(py_source: str) -> str:
    m = re.search(r"AddSerializedFile\((b'.*?')\)", py_source, re.S)
    assert m is not None
    return m.group(1)


def test_committed_code_is_fresh(tmp_path: Path) -> None:
    """Compares the serialized schema, not the version banner, so a newer protoc release does not
    fail this test while any change to the .proto without `make proto` does."""
    fresh_py, fresh_pyi = genproto.generate(tmp_path)
    committed_py = (genproto.PB_DIR / "nsplink_pb2.py").read_text()
    assert _descriptor(fresh_py.read_text()) == _descriptor(committed_py), "run `make proto`"
    committed_pyi = (genproto.PB_DIR / "nsplink_pb2.pyi").read_text()
    for name in re.findall(r"^class (\w+)\(", fresh_pyi.read_text(), re.M):
        assert f"class {name}(" in committed_pyi, f"{name} missing from the stub: run `make proto`"


def test_every_code_has_a_wire_number() -> None:
    from nsplink.protocol import _bodies

    for enum, (wrapper, prefix) in _bodies._PB_ENUMS.items():
        wire_names = {n.removeprefix(prefix) for n in wrapper.keys()}  # noqa: SIM118
        assert wire_names == {c.value for c in enum}, enum.__name__

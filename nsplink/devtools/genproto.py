"""`make proto`: regenerate `pb/nsplink_pb2.py` and its typing stub from `nsplink.proto`.

Uses grpcio-tools' bundled protoc and mypy-protobuf's plugin from the venv, so the output depends
only on the pinned tool versions. `generate(out_dir)` is also what the staleness test calls.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[1] / "protocol"  # the schema stays with the protocol
PROTO = HERE / "nsplink.proto"
PB_DIR = HERE / "pb"
GENERATED = ("nsplink_pb2.py", "nsplink_pb2.pyi")


def generate(out_dir: Path) -> list[Path]:
    """Run protoc on nsplink.proto, writing the generated files into `out_dir`."""
    from grpc_tools import protoc  # type: ignore[import-untyped]  # dev extra, not at run time

    plugin = shutil.which("protoc-gen-mypy", path=str(Path(sys.executable).parent))
    if plugin is None:
        raise RuntimeError("protoc-gen-mypy not found next to this Python: install the dev extra")
    include = Path(protoc.__file__).resolve().parent / "_proto"
    args = [
        "protoc",
        f"-I{HERE}",
        f"-I{include}",
        f"--plugin=protoc-gen-mypy={plugin}",
        f"--python_out={out_dir}",
        f"--mypy_out={out_dir}",
        str(PROTO),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed on " + str(PROTO))
    return [out_dir / name for name in GENERATED]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for path in generate(Path(tmp)):
            shutil.copyfile(path, PB_DIR / path.name)
            print(f"wrote {PB_DIR / path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

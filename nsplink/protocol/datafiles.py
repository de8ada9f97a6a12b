"""Versioned data files shipped in nsplink/protocol/data, each pinned by its SHA-256."""

from __future__ import annotations

import hashlib
from importlib import resources


def pinned_data(name: str, digest: str) -> bytes:
    """The bytes of data file `name`, which must hash to `digest`: a changed file without a new
    version number fails loudly (RuntimeError) instead of silently coding differently."""
    data = resources.files("nsplink.protocol").joinpath("data", name).read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        raise RuntimeError(f"{name} does not match its pinned hash; give it a new version")
    return data

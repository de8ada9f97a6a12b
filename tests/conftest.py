"""Fixtures for every test: in-process CLI runs must not leave their language behind."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _restore_nsplink_lang() -> Iterator[None]:
    # The CLI callback sets os.environ["NSPLINK_LANG"] so texts rendered deeper down match
    # --lang; CliRunner restores only the variables it was given. Without this, a test that ran
    # `--lang en` made a later test in the same worker (say, the scenario report) English.
    before = os.environ.get("NSPLINK_LANG")
    yield
    if before is None:
        os.environ.pop("NSPLINK_LANG", None)
    else:
        os.environ["NSPLINK_LANG"] = before

"""Fixtures for every test: in-process CLI runs must not leave their language behind."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

# A run started in the background by a shell without job control (`cmd &`, nohup) inherits
# SIGINT ignored, and so would every CLI the tests spawn: the Ctrl-C tests need it delivered.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


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

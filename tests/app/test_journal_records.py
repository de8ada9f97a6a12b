"""The journal's table of which effects leave a record (app/journal.py `_RECORDS`): every effect
the engine can produce is recorded there or carried out by the driver, so none is dropped
silently."""

from __future__ import annotations

import typing

from nsplink.app.journal import _RECORDS
from nsplink.protocol import Effect, NeedSeqs, Transmit


def test_every_effect_is_recorded_or_carried_out_by_the_driver() -> None:
    effects = set(typing.get_args(Effect))
    assert effects, "Effect is a union of the effect classes"
    assert set(_RECORDS) | {Transmit, NeedSeqs} == effects

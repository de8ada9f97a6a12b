"""How people see the core's data: the one pattern for codes and errors.

`code_label(code, lang)` gives the words for a coded value; `render_error(err, lang)` the sentence
for any NsplinkError, from its `key` and `params`. An error whose sentence needs more than that
(a field label, a list of problems) registers a renderer next to its texts:

    @render_error.register
    def _validation(err: ValidationError, lang: Lang | None = None) -> str: ...
"""

from __future__ import annotations

import functools
from enum import Enum

from nsplink.errors import NsplinkError
from nsplink.i18n import Lang, register, t

register(
    {
        "error.generic": ("Er ging iets mis: {detail}", "Something went wrong: {detail}"),
    }
)


def code_key(code: Enum) -> str:
    """The catalog key of a coded value's label: `code.<Enum>.<value>`."""
    return f"code.{type(code).__name__}.{code.value}"


def code_label(code: Enum, lang: Lang | None = None) -> str:
    """The words a volunteer reads for a coded value (`Priority.P1` -> 'Levensgevaar / direct')."""
    return t(code_key(code), lang)


@functools.singledispatch
def render_error(err: NsplinkError, lang: Lang | None = None) -> str:
    """The sentence a person reads for `err`: its key's text filled with its params."""
    return t(err.key, lang, **err.params)

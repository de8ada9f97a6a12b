"""Derived tables the log does not support: the one line that says so, before they are shown."""

from __future__ import annotations

from typing import Any

import typer

from nsplink.i18n import t
from nsplink.store import Store, ViewProblem
from nsplink.texts.safe import shown


def view_problem_text(v: ViewProblem, lang: Any) -> str:
    """One line naming the first row of a derived table that the log does not support."""
    params = {k: x if k == "column" else shown(repr(x)) for k, x in v.params.items()}
    what = t(v.reason, lang, **params)
    return t("views.bad", lang, table=v.table, key=shown(v.key), what=what)


async def warn_if_views_differ(store: Store, lang: Any) -> None:
    """Before showing a derived table, replay the log beside it (about 100,000 events a second)
    and say on stderr if someone changed it behind the program's back."""
    problem = await store.check_views()
    if problem is not None:
        typer.echo(view_problem_text(problem, lang), err=True)

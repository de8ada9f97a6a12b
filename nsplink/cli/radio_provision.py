"""Placeholder: the owning issue fills this module in."""

from __future__ import annotations

import typer


def register(radio_app: typer.Typer) -> None:
    return None

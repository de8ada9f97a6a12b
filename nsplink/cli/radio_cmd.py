"""`nsplink radio ...`: emulator commands and provisioning commands, each in its own module."""

from __future__ import annotations

import typer

radio_app = typer.Typer(
    help="Radio: emulator, provisioning and checks. / Radio's: emulator, inrichten en controle.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    from nsplink.cli import radio_emulate, radio_provision

    radio_emulate.register(radio_app)
    radio_provision.register(radio_app)
    app.add_typer(radio_app, name="radio")

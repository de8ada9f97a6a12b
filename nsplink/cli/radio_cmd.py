"""`nsplink radio ...`: emulator commands and provisioning commands, each in its own module."""

from __future__ import annotations

import typer

from nsplink.i18n import register as register_texts
from nsplink.i18n import t

register_texts(
    {
        "radio.help": (
            "Radio's: emulator, inrichten en controle.",
            "Radios: emulator, provisioning and checks.",
        )
    }
)

radio_app = typer.Typer(
    help=t("radio.help"),
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    from nsplink.cli import radio_emulate, radio_provision, radio_rangetest

    radio_emulate.register(radio_app)
    radio_provision.register(radio_app)
    radio_rangetest.register(radio_app)
    app.add_typer(radio_app, name="radio")

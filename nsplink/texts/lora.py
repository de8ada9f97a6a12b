"""Texts of nsplink.lora's errors (airtime and modem presets)."""

from __future__ import annotations

from nsplink.i18n import register

register(
    {
        "airtime.bad_length": (
            "Ongeldige pakketlengte {length} bytes: een LoRa-pakket is 0 tot {limit} bytes.",
            "Invalid packet length {length} bytes: a LoRa packet is 0 to {limit} bytes.",
        ),
        "airtime.bad_params": (
            "Ongeldige radio-instelling: {detail}.",
            "Invalid radio setting: {detail}.",
        ),
        "airtime.unknown_preset": (
            "Onbekende modem-preset {preset!r}; kies uit {choices}.",
            "Unknown modem preset {preset!r}; choose from {choices}.",
        ),
    }
)

"""Command groups of the `nsplink` CLI. Each module exposes `register(app)`."""

from __future__ import annotations

import importlib
from types import ModuleType

# One module per command group, so work on one group never touches another's file.
COMMAND_MODULES = (
    "nsplink.cli.init_cmd",  # nsplink init
    "nsplink.cli.log_cmd",  # nsplink log verify|rebuild|show|export
    "nsplink.cli.radio_cmd",  # nsplink radio emulate|provision|check|profiles|export
    "nsplink.cli.daemon_cmd",  # nsplink daemon
    "nsplink.cli.bridge_cmd",  # nsplink bridge (CP: the region's MQTT broker)
    "nsplink.cli.export_cmd",  # nsplink export --cap/--json (crisis organisation)
    "nsplink.cli.scenario_cmd",  # nsplink scenario run
    "nsplink.cli.scenario_check_cmd",  # nsplink scenario check
    "nsplink.cli.evaluation_cmd",  # nsplink evaluation combine
    "nsplink.cli.send_cmd",  # nsplink send emergency|sitrep|supply|bulletin
    "nsplink.cli.queue_cmd",  # nsplink queue|handle|show (CP operator)
    "nsplink.cli.thread_cmd",  # nsplink reply (send addendum|message: via send_cmd)
    "nsplink.cli.handover_cmd",  # nsplink handover (shift change)
    "nsplink.cli.status_cmd",  # nsplink status|outbox
    "nsplink.cli.bulletins_cmd",  # nsplink bulletins
    "nsplink.cli.roster_cmd",  # nsplink roster create|add|revoke|sign|show|install|push
    "nsplink.cli.privacy_cmd",  # nsplink privacy erase
)


def command_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in COMMAND_MODULES]

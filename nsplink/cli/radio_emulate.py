"""`nsplink radio emulate`: emulated Meshtastic devices on 127.0.0.1 (and optional ptys), one
per simulated node, until SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from nsplink.cli.context import CliContext, get_ctx
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_strings
from nsplink.i18n import t

# Option and argument help texts.
register_strings(
    {
        "emulate.opt.nodes": ("Aantal radio's (1-64).", "Number of radios (1-64)."),
        "emulate.opt.base_port": (
            "Eerste TCP-poort; 0 kiest vrije poorten.",
            "First TCP port; 0 picks free ports.",
        ),
        "emulate.opt.state_dir": (
            "Bewaar hier de instellingen van elke radio.",
            "Keep each radio's settings here.",
        ),
        "emulate.opt.pty": (
            "Bied elke radio ook aan op een pty.",
            "Also offer each radio on a pty.",
        ),
        "emulate.opt.preset": ("LoRa-modeminstelling (preset).", "LoRa modem preset."),
        "emulate.opt.seed": (
            "Startwaarde (seed) van het gesimuleerde medium.",
            "Seed of the simulated medium.",
        ),
        "emulate.opt.speedup": (
            "Gesimuleerde seconden per echte seconde.",
            "Virtual seconds per wall second.",
        ),
        "emulate.opt.spacing": (
            "Meters tussen buren op een lijn (5000+: via tussenstations).",
            "Metres between neighbours on a line (5000+: multi-hop).",
        ),
    }
)

register_strings(
    {
        "emulate.help": (
            "Start geëmuleerde Meshtastic-radio's (TCP op 127.0.0.1, optioneel een pty) op een "
            "gesimuleerd LoRa-net, tot Ctrl-C.",
            "Start emulated Meshtastic radios (TCP on 127.0.0.1, optionally a pty) on a "
            "simulated LoRa mesh, until Ctrl-C.",
        ),
        "emulate.node": (
            "knooppunt {node_id} ({node_num}) tcp 127.0.0.1:{port} pty {pty}",
            "node {node_id} ({node_num}) tcp 127.0.0.1:{port} pty {pty}",
        ),
        "emulate.ready": (
            "{count} geëmuleerde radio's draaien; stop met Ctrl-C.",
            "{count} emulated radios running; stop with Ctrl-C.",
        ),
        "emulate.stopped": ("Emulator gestopt.", "Emulator stopped."),
        "emulate.bad_arg": (
            "Ongeldige emulator-instelling: {detail}.",
            "Invalid emulator setting: {detail}.",
        ),
        "emulate.port_busy": (
            "Kan poort {port} niet openen: {detail}. Kies een andere --base-port of 0 voor vrije "
            "poorten.",
            "Cannot open port {port}: {detail}. Choose another --base-port, or 0 for free ports.",
        ),
        "emulate.none": ("geen", "none"),
    }
)

log = logging.getLogger("nsplink.radio.emulator")


class EmulatorArgInvalid(NsplinkError):
    code = "emulate.bad_arg"
    key = "emulate.bad_arg"


class EmulatorPortBusy(NsplinkError):
    code = "emulate.port_busy"
    key = "emulate.port_busy"


def register(radio_app: typer.Typer) -> None:
    radio_app.command("emulate", help=t("emulate.help"))(emulate)


def emulate(
    ctx: typer.Context,
    nodes: Annotated[int, typer.Option("--nodes", help=t("emulate.opt.nodes"))] = 2,
    base_port: Annotated[int, typer.Option("--base-port", help=t("emulate.opt.base_port"))] = 0,
    state_dir: Annotated[
        Path | None, typer.Option("--state-dir", help=t("emulate.opt.state_dir"))
    ] = None,
    pty: Annotated[bool, typer.Option("--pty", help=t("emulate.opt.pty"))] = False,
    preset: Annotated[str, typer.Option("--preset", help=t("emulate.opt.preset"))] = "LONG_FAST",
    seed: Annotated[int, typer.Option("--seed", help=t("emulate.opt.seed"))] = 0,
    speedup: Annotated[float, typer.Option("--speedup", help=t("emulate.opt.speedup"))] = 1.0,
    spacing: Annotated[
        float,
        typer.Option("--spacing", help=t("emulate.opt.spacing")),
    ] = 1000.0,
) -> None:
    cli = get_ctx(ctx)
    try:
        _check(nodes, base_port, speedup)
        if not 1.0 <= spacing <= 100_000.0:
            raise EmulatorArgInvalid(f"--spacing {spacing} is not in 1..100000 metres")
        if state_dir is not None:
            try:
                state_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise EmulatorArgInvalid(f"--state-dir {state_dir}: {exc.strerror}") from exc
        positions = [(i * spacing, 0.0) for i in range(nodes)]
        asyncio.run(
            _serve(cli, nodes, base_port, state_dir, pty, preset.upper(), seed, speedup, positions)
        )
    except NsplinkError as err:
        cli.fail(err)
    cli.say("emulate.stopped")


def _check(nodes: int, base_port: int, speedup: float) -> None:
    if not 1 <= nodes <= 64:
        raise EmulatorArgInvalid(f"--nodes {nodes} is not in 1..64")
    if base_port and not 1024 <= base_port <= 65535 - nodes:
        raise EmulatorArgInvalid(f"--base-port {base_port} is not in 1024..{65535 - nodes}")
    if not speedup > 0:
        raise EmulatorArgInvalid(f"--speedup {speedup} must be above 0")


async def _serve(
    cli: CliContext,
    nodes: int,
    base_port: int,
    state_dir: Path | None,
    pty: bool,
    preset: str,
    seed: int,
    speedup: float,
    positions: list[tuple[float, float]],
) -> None:
    from nsplink.radio.emulator import EmulatedMesh

    mesh = EmulatedMesh(
        nodes,
        base_port=base_port,
        state_dir=state_dir,
        pty=pty,
        preset=preset,
        seed=seed,
        speedup=speedup,
        positions=positions,
    )
    try:
        await mesh.start()
    except OSError as exc:
        raise EmulatorPortBusy(exc.strerror or str(exc), port=base_port) from exc
    except (ValueError, KeyError) as exc:
        raise EmulatorArgInvalid(str(exc)) from exc
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        for dev in mesh.devices:
            cli.say(
                "emulate.node",
                node_id=f"!{dev.node_num:08x}",
                node_num=dev.node_num,
                port=dev.tcp_port,
                pty=dev.pty_path or t("emulate.none", cli.lang),
            )
        cli.say("emulate.ready", count=len(mesh.devices))
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await mesh.stop()

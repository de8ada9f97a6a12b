"""Fixtures of the CLI tests: end-to-end tests get a live CP and NSP: emulated radios on
127.0.0.1 and one real daemon process per site (a test module sets SITES and MESH_SEED). That
in-process CLI runs leave no language behind is tests/conftest.py's, for every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nsplink.app.site import SiteHome
from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread
from tests.app.daemon.procs import DaemonProc
from tests.app.daemon.sites import make_sites


@pytest.fixture
def live_mesh(request: pytest.FixtureRequest) -> Iterator[EmulatorThread]:
    spec = request.module.SITES
    with EmulatorThread(EmulatedMesh(len(spec), speedup=4.0, seed=request.module.MESH_SEED)) as emu:
        yield emu


@pytest.fixture
def live_sites(
    request: pytest.FixtureRequest, tmp_path: Path, live_mesh: EmulatorThread
) -> dict[str, SiteHome]:
    spec = request.module.SITES
    radios = {
        name: f"tcp://127.0.0.1:{dev.tcp_port}"
        for (name, _), dev in zip(spec, live_mesh.mesh.devices, strict=True)
    }
    return make_sites(tmp_path, spec, radios=radios)


@pytest.fixture
def live_daemons(live_sites: dict[str, SiteHome], tmp_path: Path) -> Iterator[list[DaemonProc]]:
    procs = [DaemonProc(home, tmp_path) for home in live_sites.values()]
    for p in procs:
        p.start()
    yield procs
    for p in procs:
        p.stop()

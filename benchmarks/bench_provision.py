"""Provisioning: what validation costs, and what a verified one-transaction run costs.

References measured in the same run:
- validating a profile vs only parsing its YAML (`yaml.safe_load`);
- `nsplink radio provision`'s work (read, one transaction, reconnect, read back) vs one bare
  connect-and-read of the same emulated radio, and vs `meshtastic --configure` of the same
  profile as a subprocess (which neither verifies nor retries, and sleeps 0.5 s per section).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from nsplink.provision import Provisioner, RadioLink, load_profile, parse_profile, parse_radio_url
from nsplink.provision.settings import Target
from nsplink.radio.emulator import EmulatedMesh, EmulatorThread

PROFILES = Path(__file__).resolve().parents[1] / "firmware-profiles"
PSK = bytes(range(1, 33))


def _per_call(fn: object, n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()  # type: ignore[operator]
    return (time.perf_counter() - t0) / n


def bench_validation() -> None:
    text = (PROFILES / "nsp.yaml").read_text(encoding="utf-8")
    path = PROFILES / "nsp.yaml"
    n = 300
    ours = _per_call(lambda: parse_profile(text, path), n)
    ref = _per_call(lambda: yaml.safe_load(text), n)
    print(f"validate nsp.yaml: {ours * 1e3:.2f} ms  (yaml.safe_load alone {ref * 1e3:.2f} ms)")
    print(f"  ratio validation / bare YAML parse: {ours / ref:.2f}x")


def bench_radio(runs: int = 5) -> None:
    profile = load_profile(PROFILES / "nsp.yaml")
    provision_s: list[float] = []
    read_s: list[float] = []
    parts = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            mesh = EmulatedMesh(1, state_dir=Path(tmp) / f"r{i}", reboot_scale=0.02)
            with EmulatorThread(mesh) as emu:
                url = f"tcp://127.0.0.1:{emu.mesh.devices[0].tcp_port}"
                addr = parse_radio_url(url)
                t0 = time.perf_counter()
                result = Provisioner(addr, Target(profile, PSK, "NSP Bench", "NSPB")).run()
                provision_s.append(time.perf_counter() - t0)
                assert result.ok, result.outcome
                parts = len(result.changed)
                time.sleep(0.3)  # let the radio's restart after the commit pass
                t0 = time.perf_counter()
                link = RadioLink.open(addr)
                link.read()
                link.close()
                read_s.append(time.perf_counter() - t0)
        mesh = EmulatedMesh(1, state_dir=Path(tmp) / "cli", reboot_scale=0.02)
        with EmulatorThread(mesh) as emu:
            host = f"127.0.0.1:{emu.mesh.devices[0].tcp_port}"
            t0 = time.perf_counter()
            res = subprocess.run(
                [sys.executable, "-m", "meshtastic", "--host", host, "--configure",
                 str(PROFILES / "nsp.yaml")],
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            cli_s = time.perf_counter() - t0
    prov, read = statistics.median(provision_s), statistics.median(read_s)
    print(
        f"provision nsp (emulated radio, {parts} settings changed, verified): {prov:.3f} s median"
    )
    print(f"  bare connect+read of the same radio: {read:.3f} s median")
    print(f"  ratio provision / connect+read: {prov / read:.1f}x")
    ok = "ok" if res.returncode == 0 else f"exit {res.returncode}"
    print(f"  meshtastic --configure nsp.yaml (subprocess, unverified, {ok}): {cli_s:.2f} s")
    print(f"  ratio provision / meshtastic --configure: {prov / cli_s:.2f}x")


def main() -> None:
    bench_validation()
    bench_radio()


if __name__ == "__main__":
    main()

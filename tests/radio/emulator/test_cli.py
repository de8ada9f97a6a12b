"""`nsplink radio emulate` as a real subprocess, driven by the real `meshtastic` CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

NODE_LINE = re.compile(
    r"(?:node|knooppunt) !([0-9a-f]{8}) \((\d+)\) tcp 127\.0\.0\.1:(\d+) pty (\S+)"
)
MESHTASTIC = [sys.executable, "-m", "meshtastic"]


class Emulator:
    def __init__(self, *args: str) -> None:
        env = {**os.environ, "NSPLINK_LANG": "en", "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nsplink", "radio", "emulate", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.nodes: list[tuple[int, int, str]] = []  # (node_num, port, pty)
        deadline = time.monotonic() + 30
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            m = NODE_LINE.search(line)
            if m:
                self.nodes.append((int(m.group(2)), int(m.group(3)), m.group(4)))
            if "running" in line:
                return
        self.proc.kill()
        raise AssertionError(
            f"emulator did not start: {self.proc.stderr.read() if self.proc.stderr else ''}"
        )

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str, str]:
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, out, err


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator("--nodes", "2", "--state-dir", str(tmp_path), "--pty", "--speedup", "20")
    yield emu
    if emu.proc.poll() is None:
        emu.proc.kill()
        emu.proc.wait(10)


def mt_cli(port: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MESHTASTIC, "--host", f"127.0.0.1:{port}", "--timeout", "20", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_info_and_nodes(emulator: Emulator) -> None:
    (num, port, pty), (_other, _, _) = emulator.nodes
    assert Path(pty).exists()
    info = mt_cli(port, "--info")
    assert info.returncode == 0, info.stderr
    assert f'"myNodeNum": {num}' in info.stdout
    assert "Primary channel URL" in info.stdout
    nodes = mt_cli(port, "--nodes")
    assert nodes.returncode == 0, nodes.stderr
    assert f"!{num:08x}" in nodes.stdout


def test_sendtext_reaches_the_other_node(emulator: Emulator) -> None:
    (_, port_a, _), (num_b, _port_b, pty_b) = emulator.nodes
    sent = mt_cli(port_a, "--dest", f"!{num_b:08x}", "--sendtext", "Hulp nodig bij de Grote Kerk")
    assert sent.returncode == 0, sent.stderr
    assert "Sending text message" in sent.stdout
    # the text waits in B's to-phone queue until a client connects; --listen would never exit,
    # so read it with the library through the serial path instead
    import meshtastic.serial_interface
    from pubsub import pub

    got: list[str] = []

    def on_text(packet: dict[str, object], interface: object) -> None:
        got.append(str(packet["decoded"]["text"]))  # type: ignore[index]

    pub.subscribe(on_text, "meshtastic.receive.text")
    iface = meshtastic.serial_interface.SerialInterface(pty_b, timeout=20)
    try:
        deadline = time.monotonic() + 15
        while "Hulp nodig bij de Grote Kerk" not in got and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        pub.unsubscribe(on_text, "meshtastic.receive.text")
        iface.close()
    assert "Hulp nodig bij de Grote Kerk" in got


def test_export_config_is_yaml_with_the_device_settings(emulator: Emulator) -> None:
    (_, port, _), _ = emulator.nodes
    res = mt_cli(port, "--export-config", "-")
    assert res.returncode == 0, res.stderr
    doc = yaml.safe_load(res.stdout)
    assert doc["config"]["lora"]["region"] == "EU_868"
    assert doc["config"]["lora"]["hopLimit"] == 3
    assert doc["channel_url"].startswith("https://meshtastic.org/e/#")


def test_set_persists_across_reconnect_and_emulator_restart(
    tmp_path: Path, emulator: Emulator
) -> None:
    (num, port, _), _ = emulator.nodes
    res = mt_cli(port, "--set", "lora.hop_limit", "5")
    assert res.returncode == 0, res.stderr
    got = mt_cli(port, "--get", "lora.hop_limit")
    assert "lora.hop_limit: 5" in got.stdout, got.stdout + got.stderr
    rc, out, err = emulator.stop()
    assert rc == 0, err
    assert "Emulator stopped" in out
    assert "Traceback" not in err
    again = Emulator("--nodes", "2", "--state-dir", str(tmp_path), "--base-port", str(port))
    try:
        assert again.nodes[0][:2] == (num, port)
        got = mt_cli(port, "--get", "lora.hop_limit")
        assert "lora.hop_limit: 5" in got.stdout, got.stdout + got.stderr
    finally:
        rc, out, err = again.stop(signal.SIGINT)  # Ctrl-C stops it just as cleanly
        assert rc == 0 and "Emulator stopped" in out and "Traceback" not in err


def test_configure_from_an_exported_file_applies_in_one_transaction(
    tmp_path: Path, emulator: Emulator
) -> None:
    (_, port, _), _ = emulator.nodes
    exported = tmp_path / "radio.yaml"
    assert mt_cli(port, "--export-config", str(exported)).returncode == 0
    doc = yaml.safe_load(exported.read_text(encoding="utf-8"))
    doc["owner"] = "NSP Wijkcentrum Öostzijde"
    doc["config"]["lora"]["hopLimit"] = 6
    exported.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    res = mt_cli(port, "--configure", str(exported))
    assert res.returncode == 0, res.stderr
    assert "commit" in (res.stdout + res.stderr).lower()
    back = yaml.safe_load(mt_cli(port, "--export-config", "-").stdout)
    assert back["owner"] == "NSP Wijkcentrum Öostzijde"
    assert back["config"]["lora"]["hopLimit"] == 6


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--nodes", "0"], "--nodes 0"),
        (["--base-port", "80"], "--base-port 80"),
        (["--speedup", "-1"], "--speedup"),
        (["--preset", "WARP_SPEED"], "WARP_SPEED"),
        (["--state-dir", "/dev/null/x"], "--state-dir /dev/null/x"),
        (["--spacing", "0"], "--spacing 0"),
    ],
)
def test_bad_arguments_give_one_clear_line(args: list[str], fragment: str) -> None:
    res = subprocess.run(
        [sys.executable, "-m", "nsplink", "--lang", "nl", "radio", "emulate", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], res.stderr


def test_busy_port_is_one_clear_line() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "nsplink",
                "--lang",
                "en",
                "radio",
                "emulate",
                "--nodes",
                "1",
                "--base-port",
                str(port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [res.stderr.strip()]
    assert f"Cannot open port {port}" in res.stderr and "Traceback" not in res.stderr

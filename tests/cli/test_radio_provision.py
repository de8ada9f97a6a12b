"""`nsplink radio provision|check|profiles|export` as a technician runs them: real subprocesses
against an emulated radio, plus the real `meshtastic` CLI applying one of our profiles."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.provision.conftest import PROFILES, shipped, variant
from tests.provision.emu import Radio, emulated_radio

KEY = bytes(range(7, 39))
PROFILES_NAMES = ("cp", "nsp", "relay")


@pytest.fixture
def radio(tmp_path: Path) -> Iterator[Radio]:
    with emulated_radio(tmp_path / "emu") as r:
        yield r


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def psk_file(tmp_path: Path) -> Path:
    path = tmp_path / "regio.psk"
    path.write_text(base64.b64encode(KEY).decode() + "\n")
    path.chmod(0o600)
    return path


def nsplink(home: Path, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NSPLINK_HOME": str(home)}
    env.pop("NSPLINK_LANG", None)
    return subprocess.run(
        [sys.executable, "-m", "nsplink", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def meshtastic(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "meshtastic", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )


def clean(res: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in res.stderr + res.stdout


def test_profiles_lists_and_validates_in_dutch_and_english(home: Path) -> None:
    nl = nsplink(home, "radio", "profiles")
    assert nl.returncode == 0, nl.stderr
    assert "3 van 3 profielen in orde." in nl.stdout
    assert "relay" in nl.stdout and "ROUTER" in nl.stdout
    en = nsplink(home, "--lang", "en", "radio", "profiles")
    assert "3 of 3 profiles valid." in en.stdout


def test_profiles_rejects_an_illegal_profile_with_file_line_and_field(
    home: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "nsp.yaml"
    bad.write_text(variant(shipped("nsp"), r"^    txPower: 22.*$", "    txPower: 30"))
    res = nsplink(home, "radio", "profiles", str(bad), str(PROFILES / "cp.yaml"))
    clean(res)
    assert res.returncode == 1
    assert f"{bad}, regel 23, veld config.lora.txPower" in res.stdout
    assert "1 van 2 profielen in orde." in res.stdout


def test_a_region_on_a_faster_preset_is_a_folder_of_profiles_that_agree(
    home: Path, tmp_path: Path
) -> None:
    """Planning (issue 17): a dense region may run MEDIUM_FAST. Its technician copies the three
    profiles and changes the preset in all of them; one left behind would split the region."""
    region = tmp_path / "regio-mf"
    region.mkdir()
    for name in PROFILES_NAMES:
        text = variant(
            shipped(name), r"^    modemPreset: LONG_FAST$", "    modemPreset: MEDIUM_FAST"
        )
        (region / f"{name}.yaml").write_text(text, encoding="utf-8")
    ok = nsplink(home, "radio", "profiles", "--profiles-dir", str(region))
    clean(ok)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count("MEDIUM_FAST") == 3 and "3 van 3 profielen in orde." in ok.stdout
    (region / "cp.yaml").write_text(shipped("cp"), encoding="utf-8")  # one forgotten
    split = nsplink(home, "--lang", "en", "radio", "profiles", "--profiles-dir", str(region))
    clean(split)
    assert split.returncode == 1
    assert (
        "These profiles make radios that cannot hear each other: cp: LONG_FAST / nsplink; "
        "nsp, relay: MEDIUM_FAST / nsplink." in split.stdout
    )
    nl = nsplink(home, "radio", "profiles", "--profiles-dir", str(region))
    assert nl.returncode == 1 and "radio's die elkaar niet horen" in nl.stdout


def test_provision_prints_a_verified_diff_and_check_passes(
    radio: Radio, home: Path, psk_file: Path
) -> None:
    res = nsplink(
        home, "radio", "provision", "--profile", "nsp", "--radio", radio.url,
        "--name", "NSP Zuid-Ölst", "--psk-file", str(psk_file),
    )  # fmt: skip
    clean(res)
    assert res.returncode == 0, res.stderr
    assert "is ingericht met profiel nsp v1" in res.stdout
    assert "config.lora.tx_power: 27 -> 22" in res.stdout
    assert "owner.long_name: Meshtastic 0001 -> NSP Zuid-Ölst [nsp v1]" in res.stdout
    assert "Gecontroleerd: alle" in res.stdout
    assert base64.b64encode(KEY).decode() not in res.stdout + res.stderr  # never the key
    chk = nsplink(home, "radio", "check", "--profile", "nsp", "--radio", radio.url,
                  "--psk-file", str(psk_file), "--name", "NSP Zuid-Ölst")  # fmt: skip
    assert chk.returncode == 0, chk.stdout + chk.stderr
    assert "voldoet aan profiel nsp v1" in chk.stdout


def test_check_lists_drift_and_exits_non_zero(radio: Radio, home: Path, psk_file: Path) -> None:
    prov = nsplink(home, "radio", "provision", "--profile", "relay", "--radio", radio.url,
                   "--name", "Relais Kerk", "--psk-file", str(psk_file))  # fmt: skip
    assert prov.returncode == 0, prov.stderr
    # someone changes the radio with the meshtastic tool afterwards
    tweak = meshtastic("--host", radio.host, "--set", "lora.hop_limit", "6")
    assert tweak.returncode == 0, tweak.stdout + tweak.stderr
    res = nsplink(home, "--lang", "en", "radio", "check", "--profile", "relay",
                  "--radio", radio.url, "--psk-file", str(psk_file))  # fmt: skip
    clean(res)
    assert res.returncode == 1
    assert "differs from profile relay v1 in 1 place(s)" in res.stdout
    assert "config.lora.hop_limit: radio 6, profile 3" in res.stdout


def test_a_new_key_only_on_request_0600_and_reused(radio: Radio, home: Path) -> None:
    key_path = home / "channel-psk.key"
    missing = nsplink(home, "radio", "provision", "--profile", "cp", "--radio", radio.url,
                      "--name", "CP Haaglanden")  # fmt: skip
    assert missing.returncode == 2 and "--new-psk" in missing.stderr
    assert not key_path.exists()
    res = nsplink(home, "radio", "provision", "--profile", "cp", "--radio", radio.url,
                  "--name", "CP Haaglanden", "--new-psk")  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "Nieuwe kanaalsleutel gemaakt in" in res.stderr and str(key_path) in res.stderr
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = base64.b64decode(key_path.read_text().strip())
    assert len(key) == 32
    chk = nsplink(home, "radio", "check", "--profile", "cp", "--radio", radio.url)
    assert chk.returncode == 0, chk.stdout
    again = nsplink(home, "radio", "provision", "--profile", "cp", "--radio", radio.url,
                    "--name", "CP Haaglanden", "--new-psk")  # fmt: skip
    assert again.returncode == 2 and "vervangt nooit" in again.stderr
    assert base64.b64decode(key_path.read_text().strip()) == key
    other = nsplink(home.parent / "elsewhere", "radio", "check", "--profile", "cp",
                    "--radio", radio.url)  # fmt: skip
    assert other.returncode == 0  # private key present; not compared without the file
    assert "alleen gecontroleerd op 'privé'" in other.stdout


def test_meshtastic_configure_with_our_profile_then_check_passes(
    radio: Radio, home: Path, psk_file: Path
) -> None:
    """The technician's other route: the meshtastic CLI applies the profile, then the channel
    step from firmware-profiles/README.md sets the region's channel."""
    conf = meshtastic("--host", radio.host, "--configure", str(PROFILES / "nsp.yaml"))
    assert conf.returncode == 0, conf.stdout + conf.stderr
    assert "does not have" not in conf.stdout  # every key of ours is known to meshtastic
    before = nsplink(home, "radio", "check", "--profile", "nsp", "--radio", radio.url,
                     "--psk-file", str(psk_file))  # fmt: skip
    assert before.returncode == 1
    assert "channel.0.psk" in before.stdout and "config." not in before.stdout
    key = base64.b64encode(KEY).decode()
    chan = meshtastic("--host", radio.host, "--ch-index", "0", "--ch-set", "name", "nsplink",
                      "--ch-set", "psk", f"base64:{key}")  # fmt: skip
    assert chan.returncode == 0, chan.stdout + chan.stderr
    after = nsplink(home, "radio", "check", "--profile", "nsp", "--radio", radio.url,
                    "--psk-file", str(psk_file))  # fmt: skip
    assert after.returncode == 0, after.stdout


def test_export_writes_a_valid_profile_without_secrets(
    radio: Radio, home: Path, psk_file: Path, tmp_path: Path
) -> None:
    prov = nsplink(home, "radio", "provision", "--profile", "relay", "--radio", radio.url,
                   "--name", "Relais", "--psk-file", str(psk_file))  # fmt: skip
    assert prov.returncode == 0, prov.stderr
    out = tmp_path / "dak-noord.yaml"
    res = nsplink(home, "--lang", "en", "radio", "export", "--radio", radio.url, "--out", str(out))
    clean(res)
    assert res.returncode == 0, res.stderr
    assert "do not meet" not in res.stdout
    text = out.read_text()
    assert "kind: relay" in text and "name: dak-noord" in text
    for secret in ("psk", "Psk", "privateKey", "fixedPin", "channel_url", "Relais"):
        assert secret not in text
    valid = nsplink(home, "radio", "profiles", str(out))
    assert valid.returncode == 0, valid.stdout
    chk = nsplink(home, "radio", "check", "--profile", str(out), "--radio", radio.url,
                  "--psk-file", str(psk_file))  # fmt: skip
    # every setting matches, but the radio says it runs relay v1: true, and said so
    assert chk.returncode == 1 and "profile relay v1, not dak-noord" not in chk.stdout
    assert "ingericht met profiel relay v1, niet met dak-noord" in chk.stdout
    assert "wijkt af" not in chk.stdout
    prov = nsplink(home, "radio", "provision", "--profile", str(out), "--radio", radio.url,
                   "--name", "Relais", "--psk-file", str(psk_file))  # fmt: skip
    assert prov.returncode == 0 and "Relais [dak-noord v1]" in prov.stdout, prov.stderr
    chk = nsplink(home, "radio", "check", "--profile", str(out), "--radio", radio.url,
                  "--psk-file", str(psk_file))  # fmt: skip
    assert chk.returncode == 0, chk.stdout
    again = nsplink(home, "radio", "export", "--radio", radio.url, "--out", str(out))
    assert again.returncode == 2 and "bestaat al" in again.stderr


def test_the_radio_keeps_its_profile_so_checking_another_profile_is_caught(
    radio: Radio, home: Path, psk_file: Path
) -> None:
    prov = nsplink(home, "radio", "provision", "--profile", "nsp", "--radio", radio.url,
                   "--name", "NSP Zuid", "--psk-file", str(psk_file))  # fmt: skip
    assert prov.returncode == 0, prov.stderr
    # kept on the device: the owner's long name, as the firmware stores it in flash
    assert radio.state_json()["owner"]["long_name"] == "NSP Zuid [nsp v1]"  # type: ignore[index]
    # the meshtastic tool shows it too
    info = meshtastic("--host", radio.host, "--info")
    assert "NSP Zuid [nsp v1]" in info.stdout
    res = nsplink(home, "radio", "check", "--profile", "cp", "--radio", radio.url,
                  "--psk-file", str(psk_file))  # fmt: skip
    clean(res)
    assert res.returncode == 1, res.stdout
    assert "FOUT PROFIEL" in res.stdout and "voldoet aan" not in res.stdout
    assert "ingericht met profiel nsp v1, niet met cp" in res.stdout
    en = nsplink(home, "--lang", "en", "radio", "check", "--profile", "cp", "--radio", radio.url,
                 "--psk-file", str(psk_file))  # fmt: skip
    assert en.returncode == 1 and "provisioned with profile nsp v1, not cp" in en.stdout
    ok = nsplink(home, "radio", "check", "--profile", "nsp", "--radio", radio.url,
                 "--psk-file", str(psk_file), "--name", "NSP Zuid")  # fmt: skip
    assert ok.returncode == 0 and "voldoet aan profiel nsp v1" in ok.stdout, ok.stdout
    # a newer version of the same profile: provision again
    newer = Path(str(psk_file)).parent / "nsp.yaml"
    newer.write_text((PROFILES / "nsp.yaml").read_text().replace("version: 1", "version: 2"))
    old = nsplink(home, "radio", "check", "--profile", str(newer), "--radio", radio.url,
                  "--psk-file", str(psk_file))  # fmt: skip
    assert old.returncode == 1 and "ingericht met nsp v1; het profiel is nu nsp v2" in old.stdout
    # a name that leaves no room for the mark: one line, exit 2, nothing written
    long = nsplink(home, "radio", "provision", "--profile", "nsp", "--radio", radio.url,
                   "--name", "N" * 35, "--psk-file", str(psk_file))  # fmt: skip
    assert long.returncode == 2 and "profielmerk [nsp v1]" in long.stderr, long.stderr
    assert len(long.stderr.strip().splitlines()) == 1


def test_export_is_written_in_the_technicians_language(
    radio: Radio, home: Path, psk_file: Path, tmp_path: Path
) -> None:
    prov = nsplink(home, "radio", "provision", "--profile", "cp", "--radio", radio.url,
                   "--name", "CP Noord", "--psk-file", str(psk_file))  # fmt: skip
    assert prov.returncode == 0, prov.stderr
    nl = nsplink(home, "radio", "export", "--radio", radio.url, "--out", str(tmp_path / "a.yaml"))
    assert nl.returncode == 0, nl.stderr
    text = (tmp_path / "a.yaml").read_text()
    assert "# nsplink-profiel, overgenomen van radio !" in text
    assert "staan er bewust niet in" in text and "verhoog 'version'" in text
    assert "ingericht met profiel cp v1" in text and "left out" not in text
    assert "CP Noord" not in text
    en = nsplink(home, "--lang", "en", "radio", "export", "--radio", radio.url,
                 "--out", str(tmp_path / "b.yaml"))  # fmt: skip
    assert en.returncode == 0, en.stderr
    assert "left out on purpose" in (tmp_path / "b.yaml").read_text()
    valid = nsplink(home, "radio", "profiles", str(tmp_path / "a.yaml"))
    assert valid.returncode == 0, valid.stdout


def test_export_of_an_unprovisioned_radio_warns_about_the_rules(
    radio: Radio, home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "fabriek.yaml"
    res = nsplink(home, "radio", "export", "--radio", radio.url, "--out", str(out))
    assert res.returncode == 0
    assert "voldoen niet aan de nsplink-regels" in res.stdout
    assert "config.lora.txPower" not in res.stdout  # 27 dBm is legal
    assert "config.bluetooth.fixedPin" not in out.read_text()


def test_a_disconnect_during_provisioning_is_reported_and_retried(
    radio: Radio, home: Path, psk_file: Path
) -> None:
    radio.faults(drop_after_admin=4)
    res = nsplink(home, "--lang", "en", "radio", "provision", "--profile", "nsp",
                  "--radio", radio.url, "--name", "NSP Zuid",
                  "--psk-file", str(psk_file))  # fmt: skip
    clean(res)
    assert res.returncode == 0, res.stderr
    assert "Attempt 1 of 3" in res.stderr and "Attempt 2 of 3" in res.stderr
    assert "Attempt 1 failed" in res.stderr or "did not take" in res.stderr
    assert "is configured with profile nsp v1" in res.stdout


def test_a_radio_that_will_not_take_the_profile_is_restored_and_fails_loudly(
    radio: Radio, home: Path, psk_file: Path
) -> None:
    radio.faults(ignore_fields={"lora.tx_power"})
    res = nsplink(home, "radio", "provision", "--profile", "nsp", "--radio", radio.url,
                  "--name", "NSP Zuid", "--psk-file", str(psk_file), "--attempts", "2")  # fmt: skip
    clean(res)
    assert res.returncode == 1
    assert "config.lora.tx_power: radio 27, profiel 22" in res.stderr
    assert "MISLUKT" in res.stderr and "teruggezet" in res.stderr


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--radio", "bogus://x"], "Onbekend radio-adres"),
        (["--radio", "tcp://127.0.0.1:1", "--timeout", "2"], "niet bereikbaar"),
        (["--radio", "serial:///dev/nsplink-no-such-tty"], "niet bereikbaar"),
        (["--profile", "zolder"], "bestaat niet"),
        (["--name", "   "], "Ongeldige radionaam"),
        (["--name", "N" * 40], "langer dan 39 bytes"),
        (["--short-name", "ÖÖÖ"], "korte naam"),
        (["--psk-file", "/nonexistent/regio.psk"], "bestaat niet"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(
    home: Path, psk_file: Path, args: list[str], expect: str
) -> None:
    base = {"--profile": "nsp", "--radio": "tcp://127.0.0.1:9", "--name": "NSP Zuid",
            "--psk-file": str(psk_file)}  # fmt: skip
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = [x for kv in base.items() for x in kv]
    res = nsplink(home, "radio", "provision", *argv)
    clean(res)
    assert res.returncode == 2, res.stdout + res.stderr
    assert expect in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_a_key_file_others_can_read_is_refused(home: Path, psk_file: Path) -> None:
    psk_file.chmod(0o644)
    res = nsplink(home, "--lang", "en", "radio", "provision", "--profile", "nsp",
                  "--radio", "tcp://127.0.0.1:9", "--name", "X",
                  "--psk-file", str(psk_file))  # fmt: skip
    assert res.returncode == 2
    assert "chmod 600" in res.stderr


@pytest.mark.parametrize(
    "content", ["", "not base64!\n", "AAAA\n", base64.b64encode(bytes(32)).decode()]
)
def test_a_broken_key_file_is_refused(home: Path, tmp_path: Path, content: str) -> None:
    path = tmp_path / "k.psk"
    path.write_text(content)
    path.chmod(0o600)
    res = nsplink(home, "radio", "check", "--profile", "nsp", "--radio", "tcp://127.0.0.1:9",
                  "--psk-file", str(path))  # fmt: skip
    clean(res)
    assert res.returncode == 2 and "Sleutelbestand" in res.stderr

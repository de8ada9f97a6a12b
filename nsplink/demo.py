"""`make demo`: nsplink end to end on this machine, in under two minutes.

1. The message core: one noodhulpmelding signed into one LoRa frame, verified, a flipped byte
   refused.
2. A live mesh: the radio emulator with three nodes (one CP, two NSPs), a real `nsplink daemon`
   process per site talking to its emulated radio over TCP with the meshtastic library. An NSP
   volunteer sends an emergency report with `nsplink send emergency`; it appears in the CP's
   `nsplink queue`, and the NSP's outbox shows the CP's signed receipt.
3. The smoke scenario in virtual time (`nsplink scenario run scenarios/smoke.yaml`) and its report.

Everything runs in a temporary directory; every process started here is stopped here.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nsplink import protocol as p
from nsplink.i18n import Lang, current_lang, register, t

register(
    {
        "demo.title": ("nsplink demo", "nsplink demo"),
        "demo.part1": (
            "1. Berichtkern: noodhulpmelding ondertekend in één LoRa-frame",
            "1. Message core: an emergency report signed into one LoRa frame",
        ),
        "demo.frame": (
            "Ondertekend frame: {frame} bytes (max {max}); handtekening klopt: {ok}",
            "Signed frame: {frame} bytes (max {max}); signature verified: {ok}",
        ),
        "demo.tampered": (
            "Eén byte veranderd onderweg -> geweigerd ({code})",
            "One byte altered on the way -> refused ({code})",
        ),
        "demo.fragments": (
            "Mededeling van {chars} tekens: {frames} delen, in willekeurige volgorde ontvangen"
            " en weer samengevoegd: {ok}",
            "Bulletin of {chars} characters: {frames} fragments, received in shuffled order and"
            " reassembled: {ok}",
        ),
        "demo.yes": ("ja", "yes"),
        "demo.no": ("nee", "no"),
        "demo.part2": (
            "2. Live: radio-emulator met 1 CP en 2 NSP's, een echte nsplink-dienst per post",
            "2. Live: radio emulator with 1 CP and 2 NSPs, a real nsplink daemon per site",
        ),
        "demo.started": (
            "Emulator op 127.0.0.1 poorten {ports}; diensten gestart: {sites}",
            "Emulator on 127.0.0.1 ports {ports}; daemons started: {sites}",
        ),
        "demo.connected": ("Alle diensten hebben hun radio.", "Every daemon has its radio."),
        "demo.sending": (
            "{site} stuurt een noodhulpmelding: $ {cmd}",
            "{site} sends an emergency report: $ {cmd}",
        ),
        "demo.cp_queue": (
            "Bij de CP na {secs:.1f} s: $ nsplink queue",
            "At the CP after {secs:.1f} s: $ nsplink queue",
        ),
        "demo.receipt": (
            "Bij {site}: ontvangstbevestiging van de CP binnen na {secs:.1f} s.",
            "At {site}: the CP's receipt came in after {secs:.1f} s.",
        ),
        "demo.no_receipt": (
            "Bij {site}: na {secs:.1f} s nog geen ontvangstbevestiging van de CP.",
            "At {site}: no receipt from the CP after {secs:.1f} s.",
        ),
        "demo.timeout": ("Niet gelukt binnen {secs} s: {what}", "Not done within {secs} s: {what}"),
        "demo.stopped": ("Diensten en emulator gestopt.", "Daemons and emulator stopped."),
        "demo.part3": (
            "3. Rookproef-scenario in virtuele tijd: $ nsplink scenario run {file}",
            "3. Smoke scenario in virtual time: $ nsplink scenario run {file}",
        ),
        "demo.done": ("Demo klaar in {secs:.0f} s.", "Demo done in {secs:.0f} s."),
    }
)

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "scenarios" / "smoke.yaml"
# What the NSP volunteer types in the demo (and in the guides' captures, nsplink.devtools).
EMERGENCY_ARGS: tuple[str, ...] = (
    "send",
    "emergency",
    "--incident",
    "APP",
    "--services",
    "A",
    "--life-threat",
    "JA",
    "--people-involved",
    "1",
    "--callback",
    "NSP",
    "--street",
    "Kerkstraat",
    "--number",
    "12a",
    "--place",
    "Zuidbroek",
    "--text",
    "Thuisbeademing nog 2 uur op accu, mevrouw benauwd.",
    "--yes",
    "--no-interactive",
)
SITES = [("cp-brandweer", "cp"), ("nsp-dorpshuis", "nsp"), ("nsp-bibliotheek", "nsp")]
WAIT_S = 60.0


def part1(lang: Lang) -> bool:
    nsp = p.Identity(os.urandom(32))
    roster = p.KeyRing([p.PeerKey("nsp-dorpshuis", "nsp", nsp.public_key)])
    report = p.Emergency(
        incident=p.Incident.APP,
        services=p.Services.A,
        life_threat=p.Answer.JA,
        street="Kerkstraat",
        number="12a",
        place="Zuidbroek",
        text="Thuisbeademing werkt nog 2 uur op de accu. Mevrouw is benauwd.",
    )
    env = p.Envelope(nsp.key_id, 1, p.minutes_since_epoch(time.time()), report, p.Priority.P1)
    frame = p.encode(env, nsp)
    ok = p.decode(frame, roster).envelope == env
    print(t("demo.part1", lang))
    verified = t("demo.yes" if ok else "demo.no", lang)
    print("  " + t("demo.frame", lang, frame=len(frame), max=p.MAX_FRAME, ok=verified))
    bad = bytearray(frame)
    bad[20] ^= 1
    try:
        p.decode(bytes(bad), roster)
        refused = False
    except p.DecodeError as err:
        refused = True
        print("  " + t("demo.tampered", lang, code=err.code))
    # a bulletin too long for one frame travels as fragments, in any order
    text = " ".join(f"Drinkwater bij de sporthal, punt {i}." for i in range(120))[:4000]
    bulletin = p.Bulletin("Drinkwater", text, env.created + 720, "Veiligheidsregio")
    long_env = p.Envelope(nsp.key_id, 2, env.created, bulletin, p.Priority.P3, p.ALL_NSPS)
    frames = p.to_frames(p.encode(long_env, nsp))
    random.Random(1).shuffle(frames)
    rx = p.Receiver(roster)
    whole = [m for i, f in enumerate(frames) if (m := rx.receive(f, now=float(i))) is not None]
    joined = len(whole) == 1 and whole[0].envelope == long_env
    yes = t("demo.yes" if joined else "demo.no", lang)
    print("  " + t("demo.fragments", lang, chars=len(text), frames=len(frames), ok=yes))
    return ok and refused and joined


def _make_sites(root: Path, radios: dict[str, str]) -> dict[str, Path]:
    """Config and key per site, one region-signed roster installed with the region key pinned,
    and the CPs' sealing key: what `nsplink init` and `nsplink roster` leave behind."""
    from nsplink.app.setup import make_sites

    homes = make_sites(root, list(SITES), radios=radios)
    return {name: home.root for name, home in homes.items()}


def _cli(home: Path, *args: str, lang: Lang) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NSPLINK_LANG=lang, COLUMNS="110")
    return subprocess.run(
        [sys.executable, "-m", "nsplink", "--home", str(home), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


async def _events(home: Path, kind: str) -> int:
    from nsplink.app.site import SiteHome
    from nsplink.store import Store

    db = SiteHome(home).db_path
    if not db.exists():
        return 0
    async with await Store.open(db) as store:
        return len(await store.events(kinds=(kind,)))


async def _outbox_state(home: Path) -> str:
    from nsplink.app.site import SiteHome
    from nsplink.store import Store

    async with await Store.open(SiteHome(home).db_path) as store:
        items = await store.outbox()
        return items[-1].state if items else ""


_PROCS: list[subprocess.Popen[bytes]] = []


async def _wait(check, timeout: float) -> float | None:  # type: ignore[no-untyped-def]
    """Seconds until `check()` holds; None on timeout or when a daemon has exited."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if await check():
            return time.monotonic() - start
        if any(proc.poll() is not None for proc in _PROCS):
            return None
        await asyncio.sleep(0.25)
    return None


def part2(lang: Lang, tmp: Path) -> bool:
    from nsplink.app.localdaemons import running_daemons
    from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread

    print(t("demo.part2", lang))
    mesh = EmulatedMesh(len(SITES), seed=7, speedup=4.0, roles=["ROUTER", "CLIENT", "CLIENT"])
    procs = _PROCS
    with EmulatorThread(mesh) as emu:
        ports = [dev.tcp_port for dev in emu.mesh.devices]
        radios = {
            name: f"tcp://127.0.0.1:{port}" for (name, _), port in zip(SITES, ports, strict=True)
        }
        homes = _make_sites(tmp / "sites", radios)
        try:
            with running_daemons(homes, tmp, dict(os.environ, NSPLINK_LANG=lang)) as started:
                procs.extend(started)
                print(
                    "  "
                    + t(
                        "demo.started",
                        lang,
                        ports=", ".join(map(str, ports)),
                        sites=", ".join(homes),
                    )
                )
                return asyncio.run(_exchange(lang, homes, tmp))
        finally:
            print("  " + t("demo.stopped", lang))


async def _exchange(lang: Lang, homes: dict[str, Path], tmp: Path) -> bool:
    async def connected() -> bool:
        counts = [await _events(h, "radio.connected") for h in homes.values()]
        return all(counts)

    if await _wait(connected, WAIT_S) is None:
        print("  " + t("demo.timeout", lang, secs=WAIT_S, what="radio.connected"))
        _show_logs(tmp)
        return False
    print("  " + t("demo.connected", lang))
    nsp, cp = homes["nsp-dorpshuis"], homes["cp-brandweer"]
    args = list(EMERGENCY_ARGS)
    print(
        "  "
        + t(
            "demo.sending", lang, site="nsp-dorpshuis", cmd="nsplink " + " ".join(args[:4]) + " ..."
        )
    )
    sent = _cli(nsp, *args, lang=lang)
    print(_indent(sent.stdout + sent.stderr))
    if sent.returncode != 0:
        return False

    async def at_cp() -> bool:
        return await _events(cp, "message.received") > 0

    secs = await _wait(at_cp, WAIT_S)
    if secs is None:
        print("  " + t("demo.timeout", lang, secs=WAIT_S, what="CP"))
        _show_logs(tmp)
        return False
    print("  " + t("demo.cp_queue", lang, secs=secs))
    queue = _cli(cp, "queue", lang=lang)
    print(_indent(queue.stdout + queue.stderr))

    async def receipted() -> bool:
        return await _outbox_state(nsp) == "delivered"

    secs2 = await _wait(receipted, WAIT_S)
    state = await _outbox_state(nsp)
    total = (secs2 if secs2 is not None else WAIT_S) + secs
    key = "demo.receipt" if state == "delivered" else "demo.no_receipt"
    print("  " + t(key, lang, site="nsp-dorpshuis", secs=total))
    outbox = _cli(nsp, "outbox", lang=lang)
    print(_indent(outbox.stdout + outbox.stderr))
    return secs2 is not None


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines())


def _show_logs(tmp: Path) -> None:
    for log in sorted(tmp.glob("*.log")):
        print(f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}")


def part3(lang: Lang, tmp: Path) -> bool:
    print(t("demo.part3", lang, file="scenarios/smoke.yaml"))
    out = tmp / "smoke"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "nsplink",
            "scenario",
            "run",
            str(SMOKE),
            "--out",
            str(out),
            "--format",
            "md,json,png",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, NSPLINK_LANG=lang),
        check=False,
    )
    print(_indent(run.stdout + run.stderr))
    report = out / "report.md"
    if report.exists():
        print(report.read_text("utf-8"))
    return run.returncode == 0


def main() -> int:
    lang = current_lang()
    start = time.monotonic()
    print(t("demo.title", lang))
    ok = part1(lang)
    with tempfile.TemporaryDirectory(prefix="nsplink-demo-") as d:
        tmp = Path(d)
        ok = part2(lang, tmp) and ok
        ok = part3(lang, tmp) and ok
    print(t("demo.done", lang, secs=time.monotonic() - start))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Real terminal captures for the role guides (docs/handleiding-*.md, docs/guide-*.md).

    python -m nsplink.devtools.captures          # run everything, rewrite the capture blocks
    python -m nsplink.devtools.captures --check  # re-run the captures that need no mesh

A guide marks a capture with

    <!-- capture: NAME -->
    ```console
    $ nsplink ...
    ...
    ```
    <!-- /capture -->

and this tool fills the block in: it builds a small region (one CP, two NSPs) on the built-in
emulated mesh with a real `nsplink daemon` per site, runs the commands a volunteer, an operator,
an exercise lead and a technician type, and pastes what the screen showed, in the guide's
language. Times, message numbers, keys and ports change from run to run; `normalise` blanks them
for the comparison, so the test (which re-runs the captures that need no mesh) fails only when
the words or the layout changed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nsplink.demo import EMERGENCY_ARGS
from nsplink.i18n import Lang

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
GUIDES: dict[Lang, tuple[Path, ...]] = {
    "nl": tuple(DOCS / f"handleiding-{r}.md" for r in ("nsp", "cp", "oefenleider", "technicus")),
    "en": tuple(DOCS / f"guide-{r}.md" for r in ("nsp", "cp", "exercise-lead", "technician")),
}
SITES = [("cp-brandweer", "cp"), ("nsp-dorpshuis", "nsp"), ("nsp-bibliotheek", "nsp")]
SHOWN_HOME = "/srv/nsplink"  # where the temporary site directories appear in the guides
WAIT_S = 90.0
WIDTH = "100"


@dataclass(frozen=True)
class Capture:
    name: str
    site: str | None  # the site whose --home the command runs in; None: no site needed
    argv: tuple[str, ...]
    mesh: bool = True  # needs the live mesh (False: the test re-runs it)


EMERGENCY = tuple(a for a in EMERGENCY_ARGS if a != "--no-interactive")
BULLETIN = (
    "send",
    "bulletin",
    "--headline",
    "Drinkwater bij het dorpshuis",
    "--body",
    "Vanaf 14:00 water in flessen bij het dorpshuis. Neem een tas mee.",
    "--valid-until",
    "12h",
    "--issuer",
    "Gemeente",
    "--yes",
)

# In the order they run: each step may depend on the one before.
CAPTURES: tuple[Capture, ...] = (
    Capture("nsp-send", "nsp-dorpshuis", EMERGENCY),
    Capture("cp-queue", "cp-brandweer", ("queue",)),
    Capture("cp-show", "cp-brandweer", ("show", "1")),
    Capture("cp-handle", "cp-brandweer", ("handle", "1", "--status", "BEH", "--operator", "Anna")),
    Capture("nsp-outbox", "nsp-dorpshuis", ("outbox",)),
    Capture("cp-bulletin", "cp-brandweer", BULLETIN),
    Capture("nsp-bulletins", "nsp-dorpshuis", ("bulletins",)),
    Capture("cp-handover", "cp-brandweer", ("handover",)),
    Capture("nsp-status", "nsp-dorpshuis", ("status",)),
    Capture("tech-verify", "cp-brandweer", ("log", "verify")),
    Capture("tech-profiles", None, ("radio", "profiles"), mesh=False),
    Capture("lead-check", None, ("scenario", "check", "scenarios/smoke.yaml"), mesh=False),
    Capture("nsp-help", None, ("send", "emergency", "--help"), mesh=False),
)
# What must have happened before a capture is taken: (site, event kind, message type or "").
WAIT_FOR: dict[str, tuple[str, str, str]] = {
    "cp-queue": ("cp-brandweer", "message.received", "emergency"),
    "nsp-outbox": ("nsp-dorpshuis", "receipt.received", ""),
    "nsp-bulletins": ("nsp-dorpshuis", "message.received", "bulletin"),
}

_BLOCK = re.compile(
    r"(<!-- capture: (?P<name>[\w-]+) -->\n```console\n)(?P<body>.*?)(```\n<!-- /capture -->)",
    re.S,
)


_ENTRY = "import sys; sys.argv[0] = 'nsplink'; from nsplink.cli.entry import main; main()"


def _env(lang: Lang) -> dict[str, str]:
    env = dict(os.environ, NSPLINK_LANG=lang, COLUMNS=WIDTH, NO_COLOR="1", TERM="dumb")
    env.pop("FORCE_COLOR", None)
    return env


def run_capture(cap: Capture, lang: Lang, homes: dict[str, Path], root: Path | None) -> str:
    """The command line and what the screen showed, as a guide prints it."""
    # as the `nsplink` console script does, so usage lines read "nsplink ..."
    argv = [sys.executable, "-c", _ENTRY]
    if cap.site is not None:
        argv += ["--home", str(homes[cap.site])]
    argv += ["--lang", lang]  # the guide's language, whatever the site's site.toml says
    proc = subprocess.run(
        [*argv, *cap.argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(lang),
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    shown = " ".join(_quote(a) for a in cap.argv)
    text = proc.stdout + proc.stderr
    if root is not None:
        text = text.replace(str(root), SHOWN_HOME)
    lines = [line.rstrip() for line in text.rstrip().splitlines()]
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join([f"$ nsplink {shown}", *lines]) + "\n"


def _quote(arg: str) -> str:
    return f'"{arg}"' if re.search(r"[\s']", arg) else arg


# Parts of a capture that change from run to run (or with the clock), blanked for comparing.
_VOLATILE = (
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "DATE"),
    (re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b"), "TIME"),
    (re.compile(r"\b[0-9a-f]{6}-\d+\b"), "MSGID"),
    (re.compile(r"\b[0-9a-f]{6,}\b"), "HEX"),
    (re.compile(r"\d+([.,]\d+)?"), "N"),
)


def normalise(text: str) -> str:
    for pattern, repl in _VOLATILE:
        text = pattern.sub(repl, text)
    return "\n".join(" ".join(line.split()) for line in text.splitlines()).strip()


def blocks(path: Path) -> dict[str, str]:
    """Capture name -> the body a guide holds now."""
    return {m.group("name"): m.group("body") for m in _BLOCK.finditer(path.read_text("utf-8"))}


def fill(path: Path, captured: dict[str, str]) -> None:
    """Put fresh captures into the guide's blocks (unknown names are left as they are)."""
    text = path.read_text(encoding="utf-8")

    def repl(m: re.Match[str]) -> str:
        body = captured.get(m.group("name"), m.group("body"))
        return m.group(1) + body + m.group(4)

    path.write_text(_BLOCK.sub(repl, text), encoding="utf-8")


async def _count(home: Path, kind: str, mtype: str = "") -> int:
    from nsplink.app.site import SiteHome
    from nsplink.store import Store

    db = SiteHome(home).db_path
    if not db.exists():
        return 0
    async with await Store.open(db) as store:
        found = await store.events(kinds=(kind,))
    return sum(1 for r in found if not mtype or r.data.get("type") == mtype)


def _wait(
    check: Callable[[], Coroutine[Any, Any, bool]], procs: list[subprocess.Popen[bytes]]
) -> None:
    start = time.monotonic()
    while time.monotonic() - start < WAIT_S:
        if asyncio.run(check()):
            return
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a daemon stopped")
        time.sleep(0.25)
    raise RuntimeError("timed out waiting for the mesh")


def live_session(lang: Lang) -> dict[str, str]:
    """Every capture in `lang`, the mesh ones against emulated radios and real daemons."""
    from nsplink.app.localdaemons import running_daemons
    from nsplink.app.setup import make_sites
    from nsplink.radio.emulator.mesh import EmulatedMesh, EmulatorThread

    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="nsplink-captures-") as tmp:
        root = Path(tmp)
        mesh = EmulatedMesh(len(SITES), seed=7, speedup=4.0, roles=["ROUTER", "CLIENT", "CLIENT"])
        with EmulatorThread(mesh) as emu:
            ports = [dev.tcp_port for dev in emu.mesh.devices]
            radios = {n: f"tcp://127.0.0.1:{p}" for (n, _), p in zip(SITES, ports, strict=True)}
            homes = {n: h.root for n, h in make_sites(root, SITES, radios=radios).items()}
            with running_daemons(homes, root, _env(lang)) as procs:

                async def connected() -> bool:
                    return all([await _count(h, "radio.connected") for h in homes.values()])

                _wait(connected, procs)
                for cap in CAPTURES:
                    if cap.name in WAIT_FOR:
                        site, kind, mtype = WAIT_FOR[cap.name]

                        async def happened(
                            site: str = site, kind: str = kind, t: str = mtype
                        ) -> bool:
                            return await _count(homes[site], kind, t) > 0

                        _wait(happened, procs)
                    out[cap.name] = run_capture(cap, lang, homes, root)
    return out


def offline(lang: Lang) -> dict[str, str]:
    """The captures that need no mesh and no site, run now."""
    return {c.name: run_capture(c, lang, {}, None) for c in CAPTURES if not c.mesh}


def stale(lang: Lang) -> list[str]:
    """Offline captures whose guide block no longer matches a fresh run (normalised)."""
    fresh = offline(lang)
    held: dict[str, str] = {}
    for path in GUIDES[lang]:
        held.update(blocks(path))
    return [n for n, body in fresh.items() if differs(held.get(n, ""), body)]


def differs(held: str, fresh: str) -> bool:
    """Whether a guide's capture says something else than a fresh run (volatile parts aside)."""
    return normalise(held) != normalise(fresh)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        bad = [f"{lang}: {name}" for lang in ("nl", "en") for name in stale(lang)]
        for line in bad:
            print(f"stale capture {line}: run python -m nsplink.devtools.captures", file=sys.stderr)
        return 1 if bad else 0
    for lang in ("nl", "en"):
        captured = live_session(lang)
        captured.update(offline(lang))
        for path in GUIDES[lang]:
            fill(path, captured)
    return 0


if __name__ == "__main__":
    sys.exit(main())

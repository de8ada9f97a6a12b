"""The repository stands alone: no tracked file points to notes that live outside it.

Contributors and users get only this repository. The design, setting and radio notes that once
sat beside it are restated in `docs/` (design.md, setting.md, radio.md); a comment, doc, profile
or README line must point there (`docs/radio.md §4`), never to the old notes. Matching is
case-sensitive on purpose: the old design note was upper case, `docs/design.md` is ours. The old
notes' names are spelled below in pieces, so this file does not name them either.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()

# the old notes, by name: the design, the domain, the radio facts and the peers notes
OLD = ("DESIGN", "domain", "radio-facts", "peers")
OUTSIDE = re.compile(
    r"\.\./shared"
    r"|/work/shared"
    r"|\b(?:" + "|".join(re.escape(n) for n in OLD) + r")\.md"
    r"|radio-facts"  # "radio-facts §3", "see radio-facts"
    r"|\bdomain ?§"  # "domain §4": a section of the old note
)


def old(name: str) -> str:
    return name + ".md"


def offending_lines(path: str, text: str) -> list[str]:
    """'path:line: text' for every line of `text` that points outside the repository."""
    return [
        f"{path}:{n}: {line.strip()}"
        for n, line in enumerate(text.splitlines(), start=1)
        if OUTSIDE.search(line)
    ]


def tracked_files() -> list[str]:
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:  # an unpacked sdist, no git
        pytest.skip(f"not a git checkout: {exc}")
    return [p for p in out.decode().split("\0") if p and p != SELF]


def test_no_tracked_file_points_outside_the_repository() -> None:
    found = []
    for rel in tracked_files():
        path = ROOT / rel
        if not path.is_file():  # deleted in the work tree, not yet committed
            continue
        found += offending_lines(rel, path.read_bytes().decode("utf-8", errors="replace"))
    assert not found, (
        "these lines point to notes outside the repository; point to docs/ instead "
        "(e.g. docs/radio.md §4) or state the fact:\n" + "\n".join(found)
    )


@pytest.mark.parametrize(
    "line",
    [
        f"The design is in `{'..'}/shared/{old('DESIGN')}` (outside this repository).",
        f'state per outgoing message ({old("DESIGN")} "Messages")',
        f"see /work/shared/{old('radio-facts')} for the numbers",
        "channel centre in EU_868 (radio-facts §1)",
        f"relays first ({old('radio-facts')} section 4)",
        f"the fields of `shared/{old('domain')}` §3",
        f"Typed message bodies ({old('domain')} §3)",
        "Default priority per domain §4",
        f"what users miss ({old('peers')})",
        f"| [`{old('domain')}`]({old('domain')}) | the setting |",
    ],
)
def test_the_check_catches_outside_pointers(line: str) -> None:
    assert offending_lines("nsplink/x.py", line)
    assert offending_lines("docs/README.md", line)


@pytest.mark.parametrize(
    "line",
    [
        "Typed message bodies (docs/setting.md §3)",
        "channel centre in EU_868 (docs/radio.md §1)",
        "one truthful state per message (docs/design.md §3)",
        "see `docs/setting.md` §4.2 and docs/design.md",
        "the design, in [`docs/design.md`](docs/design.md)",
        "| [`setting.md`](setting.md) | the Dutch setting |",
        "the problem domain of crisis communication",
    ],
)
def test_references_into_docs_pass(line: str) -> None:
    assert not offending_lines("nsplink/x.py", line)

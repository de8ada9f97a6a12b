"""The repository stands alone: no tracked file points to notes that live outside it.

Contributors and users get only this repository. Design, domain and radio notes that once sat
beside it (`../shared/DESIGN.md`, `domain.md`, `radio-facts.md`, `peers.md`) are restated in
`docs/`; a comment, doc, profile or README line must point there (`docs/radio.md §4`), never to
the old notes. Matching is case-sensitive on purpose: `DESIGN.md` is the outside note,
`docs/design.md` ours. Inside `docs/` a page may name a sibling bare (`[domain](domain.md)`).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SELF = Path(__file__).resolve().relative_to(ROOT).as_posix()

# Always wrong, wherever they appear.
OUTSIDE = re.compile(
    r"\.\./shared"
    r"|/work/shared"
    r"|DESIGN\.md"
    r"|radio-facts"  # radio-facts.md, "radio-facts §3", "see radio-facts"
    r"|peers\.md"
)
# `domain.md` / "domain §4" are fine only as docs/domain.md (or bare inside docs/, a sibling).
DOMAIN = re.compile(r"(?P<before>[\w./-]{0,5})domain(?:\.md| ?§)")


def offending_lines(path: str, text: str) -> list[str]:
    """'path:line: text' for every line of `text` that points outside the repository."""
    in_docs = path.startswith("docs/")
    found = []
    for n, line in enumerate(text.splitlines(), start=1):
        bad = bool(OUTSIDE.search(line))
        for m in DOMAIN.finditer(line):
            before = m.group("before")
            if before.endswith("docs/"):
                continue
            if in_docs and m.group(0).endswith(".md") and not before.endswith("/"):
                continue
            bad = True
        if bad:
            found.append(f"{path}:{n}: {line.strip()}")
    return found


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
        "The design is in `../shared/DESIGN.md` (outside this repository).",
        'state per outgoing message (DESIGN.md "Messages")',
        "see /work/shared/radio-facts.md for the numbers",
        "channel centre in EU_868 (radio-facts §1)",
        "relays first (radio-facts.md section 4)",
        "the fields of `shared/domain.md` §3",
        "Typed message bodies (domain.md §3)",
        "Default priority per domain §4",
        "what users miss (peers.md)",
    ],
)
def test_the_check_catches_outside_pointers(line: str) -> None:
    assert offending_lines("nsplink/x.py", line)


@pytest.mark.parametrize(
    "line",
    [
        "Typed message bodies (docs/domain.md §3)",
        "channel centre in EU_868 (docs/radio.md §1)",
        "one truthful state per message (docs/design.md §3)",
        "see `docs/domain.md` §4.2 and docs/design.md",
        "the design, in [`docs/design.md`](docs/design.md)",
    ],
)
def test_references_into_docs_pass(line: str) -> None:
    assert not offending_lines("nsplink/x.py", line)


def test_a_docs_page_may_name_its_sibling_but_not_the_old_notes() -> None:
    assert not offending_lines("docs/README.md", "| [`domain.md`](domain.md) | the setting |")
    assert offending_lines("nsplink/x.py", "| [`domain.md`](domain.md) | the setting |")
    assert offending_lines("docs/radio.md", "as in ../shared/domain.md and DESIGN.md")
    assert offending_lines("docs/design.md", "numbers in radio-facts §3; see shared/domain.md")

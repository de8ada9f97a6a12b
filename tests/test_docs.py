"""The documentation in docs/: linked from the indexes, captures current, the threat-model
summary consistent with SECURITY.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nsplink.devtools import captures

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _links(path: Path) -> set[str]:
    return set(re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")))


def test_every_page_in_docs_is_linked_from_the_docs_index() -> None:
    linked = {Path(link).name for link in _links(DOCS / "README.md")}
    pages = {p.name for p in DOCS.glob("*.md")} - {"README.md"}
    assert pages <= linked, f"not in docs/README.md: {sorted(pages - linked)}"


def test_the_readme_links_the_guides_and_the_docs_index() -> None:
    linked = _links(ROOT / "README.md")
    for page in (
        "docs/README.md",
        "docs/handleiding-nsp.md",
        "docs/handleiding-cp.md",
        "docs/handleiding-oefenleider.md",
        "docs/handleiding-technicus.md",
        "docs/veldenreferentie.md",
        "docs/dreigingsmodel.md",
    ):
        assert page in linked, page


def test_every_relative_link_in_the_docs_resolves() -> None:
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for link in _links(page):
            if "://" in link or link.startswith("mailto:"):
                continue
            assert (page.parent / link).exists(), f"{page.name}: {link}"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_capture_is_in_the_guides_and_filled(lang: str) -> None:
    held: dict[str, str] = {}
    for path in captures.GUIDES[lang]:
        held.update(captures.blocks(path))
    for cap in captures.CAPTURES:
        body = held.get(cap.name)
        assert body, f"{lang}: capture {cap.name} missing or empty in the guides"
        assert body.startswith(f"$ nsplink {cap.argv[0]}"), (cap.name, body[:60])
        assert len(body.splitlines()) >= 2, f"{lang}: {cap.name} shows no output"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_captures_that_need_no_mesh_are_current(lang: str) -> None:
    """Re-runs `scenario check`, `radio profiles` and `send emergency --help` and compares with
    the guides, times and numbers aside. After a change of wording: python -m
    nsplink.devtools.captures (it also refreshes the captures taken on the emulated mesh)."""
    assert captures.stale(lang) == []


def test_the_comparison_sees_words_but_not_times_or_numbers() -> None:
    body = captures.blocks(DOCS / "handleiding-nsp.md")["nsp-outbox"]
    assert not captures.differs(body, re.sub(r"\d", "7", body))
    assert captures.differs(body, body.replace("Noodhulpmelding", "Emergency report"))
    assert captures.differs(body, body + "Nog een regel\n")


def _table_rows(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1]
    rows = re.findall(r"^\| \*\*([^*]+)\*\* \|", section.split("\n## ", 1)[0], re.M)
    return rows


def test_the_threat_model_summary_follows_security_md() -> None:
    security = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
    adversaries = _table_rows(security, "## Who we defend against")
    assert len(adversaries) >= 5
    for page, heading in (
        ("dreigingsmodel.md", "## Wie we verwachten"),
        ("threat-model.md", "## Whom we expect"),
    ):
        text = (DOCS / page).read_text(encoding="utf-8")
        assert len(_table_rows(text, heading)) == len(adversaries), page
        assert "SECURITY.md" in text
        for command in set(re.findall(r"`(nsplink [a-z]+ [a-z]+)", text)):
            assert command in security, f"{page} names {command!r}, SECURITY.md does not"

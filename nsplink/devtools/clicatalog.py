"""Maintain the gettext catalog of Typer's and click's own words (`nsplink/locale/*/cli.po`).

    python -m nsplink.devtools.clicatalog          # update the .po files, compile the .mo files
    python -m nsplink.devtools.clicatalog --check  # exit 1 if anything is missing or stale

The message ids are what Babel extracts from Typer's gettext-marked modules, plus the literals
of the bundled click that `nsplink.cli.clicktext.BUNDLED_CLICK` lists. A new msgid is added
to each .po untranslated; `--check` (and the test behind it) then fails until it is
translated. The compiled .mo is committed, so an installed nsplink needs neither Babel nor a
build step; `--check` also fails when the .mo does not match its .po.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from nsplink.cli.clicktext import BUNDLED_CLICK, DOMAIN, LOCALE_DIR

TYPER_MODULES = ("core.py", "rich_utils.py")  # the modules of Typer that call gettext
LANGUAGES = ("nl",)  # English is the msgid itself


def wanted_ids() -> list[str]:
    """Every msgid the catalog must translate: Babel's extraction from Typer, then ours."""
    import typer
    from babel.messages.extract import extract_from_file

    base = Path(typer.__file__).resolve().parent
    ids: dict[str, None] = {}
    for name in TYPER_MODULES:
        for _lineno, message, _comments, _context in extract_from_file("python", base / name):
            if isinstance(message, str):
                ids[message] = None
    for message in BUNDLED_CLICK:
        ids[message] = None
    return list(ids)


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, lang: str):  # type: ignore[no-untyped-def]
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN, project="nsplink")
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def _mo_bytes(catalog) -> bytes:  # type: ignore[no-untyped-def]
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def problems() -> list[str]:
    """What is missing or stale, one line each; empty when the catalogs are current."""
    out: list[str] = []
    ids = wanted_ids()
    for lang in LANGUAGES:
        path = po_path(lang)
        catalog = _read(path, lang)
        for msgid in ids:
            message = catalog.get(msgid)
            if message is None:
                out.append(f"{path.name} ({lang}): missing {msgid!r}")
            elif not message.string or message.fuzzy:
                out.append(f"{path.name} ({lang}): untranslated {msgid!r}")
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != _mo_bytes(catalog):
            out.append(f"{mo.name} ({lang}): stale, run python -m nsplink.devtools.clicatalog")
    return out


def update() -> None:
    """Add new msgids to each .po (keeping translations), drop obsolete ones, compile."""
    from babel.messages.pofile import write_po

    ids = wanted_ids()
    for lang in LANGUAGES:
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        catalog = _read(path, lang)
        for msgid in ids:
            if catalog.get(msgid) is None:
                catalog.add(msgid, "")
        for message in list(catalog):
            if message.id and message.id not in ids:
                catalog.delete(message.id)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=False)
        catalog = _read(path, lang)
        path.with_suffix(".mo").write_bytes(_mo_bytes(catalog))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report, change nothing")
    args = parser.parse_args(argv)
    if not args.check:
        update()
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())

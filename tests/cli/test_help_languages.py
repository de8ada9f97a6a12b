"""Every help text of the whole command tree is a catalog string of the reader's language.

One subprocess per language builds the click tree the way `nsplink` does (language chosen
before the command modules load), walks every group, command and parameter and prints the
help texts next to the catalog. A later `help="English only"` makes this fail."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

_WALK = r"""
import json, sys
import typer
from nsplink.cli.app import app
from nsplink.i18n import _CATALOG

def walk(cmd, path, out):
    for text in (cmd.help, cmd.short_help):
        if text:
            out.append((path, "command", text))
    for p in cmd.params:
        text = getattr(p, "help", None)
        if text:
            out.append((path + " " + p.name, "param", text))
    if hasattr(cmd, "commands"):
        for name, sub in sorted(cmd.commands.items()):
            walk(sub, path + " " + name, out)

out = []
walk(typer.main.get_command(app), "nsplink", out)
json.dump({"helps": out, "catalog": {k: list(v) for k, v in _CATALOG.items()}}, sys.stdout)
"""


def _collect(lang: str) -> dict[str, object]:
    env = dict(os.environ, NSPLINK_LANG=lang, NSPLINK_HOME="/nonexistent-help-test")
    proc = subprocess.run(
        [sys.executable, "-c", _WALK], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def trees() -> dict[str, dict[str, object]]:
    return {lang: _collect(lang) for lang in ("nl", "en")}


def _is_rendered(text: str, templates: set[str]) -> bool:
    # Help texts are shown as registered; `{...}` templates would be formatted, so allow
    # a template whose fixed parts all occur in order.
    text = " ".join(text.split())
    if text in templates:
        return True
    for tpl in templates:
        if "{" in tpl:
            pattern = ".*?".join(re.escape(part) for part in re.split(r"\{[^}]*\}", tpl))
            if re.fullmatch(pattern, text, re.S):
                return True
    return False


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_help_text_is_a_catalog_string_of_that_language(trees, lang):
    data = trees[lang]
    index = 0 if lang == "nl" else 1
    templates = {" ".join(pair[index].split()) for pair in data["catalog"].values()}
    helps = data["helps"]
    assert len(helps) > 100, "the walk found too few help texts"
    wrong = [
        f"{path} ({kind}): {text!r}"
        for path, kind, text in helps
        if not _is_rendered(text, templates)
    ]
    assert not wrong, f"{len(wrong)} help texts not in the {lang} catalog:\n" + "\n".join(wrong)


def test_dutch_and_english_trees_differ(trees):
    nl = [text for _, _, text in trees["nl"]["helps"]]
    en = [text for _, _, text in trees["en"]["helps"]]
    assert len(nl) == len(en)
    same = [a for a, b in zip(nl, en, strict=True) if a == b]
    # Only language-neutral texts (e.g. "jsonl of csv" style lists) may be equal.
    assert len(same) < len(nl) // 10, same


@pytest.mark.parametrize(
    ("lang", "words"),
    [("nl", ("Opties", "[standaard: 2]")), ("en", ("Options", "[default: 2]"))],
)
def test_typers_own_words_follow_the_language(lang: str, words: tuple[str, ...]) -> None:
    """The panel titles and default markers Typer prints around our texts."""
    env = dict(os.environ, NSPLINK_HOME="/nonexistent-help-test", COLUMNS="100")
    env.pop("NSPLINK_LANG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "nsplink", "--lang", lang, "radio", "emulate", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    for word in words:
        assert word in proc.stdout

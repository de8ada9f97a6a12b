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


# --- Every help page and the usual mistakes, as a reader sees them -------------------------------
#
# One subprocess per language walks the click tree (so commands added later are covered too),
# renders each page through the real entry point (`nsplink.cli.entry.main`, as `nsplink --lang L
# ... --help`), then makes the mistakes people make (a missing argument, an unknown option, a
# word for a number, a typo in a command) and keeps what reaches the screen.

_PAGES = r"""
import contextlib, io, json, os, sys
lang, wanted = sys.argv[1], json.loads(sys.argv[2])
os.environ["NSPLINK_LANG"] = lang  # what the entry point does before the commands are built
sys.argv = ["nsplink"]
import typer
from nsplink.cli.app import app
from nsplink.cli.entry import main

def paths(cmd, path, out):
    out.append(path)
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        paths(sub, path + [name], out)
    return out

def screen(argv):
    out, err = io.StringIO(), io.StringIO()
    code = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(["--lang", lang, *argv])
        except SystemExit as exc:
            code = exc.code
    return {"out": out.getvalue(), "err": err.getvalue(), "code": code}

tree = typer.main.get_command(app)
all_paths = paths(tree, [], [])
names = sorted({p[-1] for p in all_paths if p})
pages = {" ".join(p): screen([*p, "--help"]) for p in all_paths}
mistakes = {" ".join(argv): screen(argv) for argv in wanted}
json.dump({"pages": pages, "mistakes": mistakes, "names": names}, sys.stdout)
"""

# What people get wrong at the main commands; none of them reaches the command's own code.
MISTAKES: tuple[tuple[str, ...], ...] = (
    ("sned",),  # a typo in a command
    ("show",),  # missing argument
    ("reply", "12"),  # missing second argument
    ("handle", "12"),  # missing required option
    ("send", "emergency", "--bogus"),  # unknown option
    ("send",),  # a group without its command
    ("send", "sitrep", "--to"),  # option without its value
    ("queue", "--count", "veel"),  # a word for a number
    ("queue", "--count", "-1"),  # a number below the minimum
    ("status", "extra"),  # one argument too many
    ("scenario", "run"),
    ("roster", "install"),
    ("radio", "emulate", "--nodes", "x"),
    ("log", "show", "--bogus"),
    ("init",),  # required options missing
)

# English that must not reach a Dutch screen: Typer's and click's own words first, then English
# words no Dutch sentence uses. Matched as whole words, case-sensitive, after option names
# (`--help`, `-w`) and command names (`send emergency`) are taken out, since those are typed.
ENGLISH_MARKERS: tuple[str, ...] = (
    "Show this message and exit",
    "Usage",
    "Options",
    "Arguments",
    "Commands",
    "Error",
    "default",
    "required",
    "OPTIONS",
    "COMMAND",
    "ARGS",
    "Try",
    "for help",
    "No such",
    "Missing",
    "Invalid value",
    "Did you mean",
    "Got unexpected",
    "requires an argument",
    "Input should be",
    "Aborted",
    "<bool>",
    "<str>",
    "<int>",
    "<float>",
    "<path>",
    "range>",
    "list[",
    "the",
    "and",
    "with",
    "from",
    "this",
    "your",
    "you",
    "not",
    "must",
    "each",
    "only",
    "delivered",
    "text",
    "file",
    "files",
    "reports",
    "source",
)

# Dutch that must not reach an English screen. (`en`, `nl` are language codes, so not here.)
DUTCH_MARKERS: tuple[str, ...] = (
    "Toon deze hulp",
    "Gebruik",
    "Opties",
    "Argumenten",
    "Commando's",
    "Fout",
    "standaard",
    "verplicht",
    "Probeer",
    "ontbreekt",
    "Onbekend",
    "Ongeldige",
    "Bedoelt",
    "<tekst>",
    "<getal>",
    "<pad>",
    "de",
    "het",
    "een",
    "van",
    "voor",
    "niet",
    "met",
    "melding",
    "bericht",
    "deze",
)


@pytest.fixture(scope="module")
def screens() -> dict[str, dict[str, object]]:
    env = dict(os.environ, NSPLINK_HOME="/nonexistent-help-test", COLUMNS="100")
    env.pop("NSPLINK_LANG", None)
    out: dict[str, dict[str, object]] = {}
    for lang in ("nl", "en"):
        proc = subprocess.run(
            [sys.executable, "-c", _PAGES, lang, json.dumps(MISTAKES)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        out[lang] = json.loads(proc.stdout)
    return out


def _reader_text(screen: str, typed: list[str]) -> str:
    """What a reader reads: no box lines, no option or command names, one space between words."""
    text = re.sub(r"(?<![\w-])--?[A-Za-z][\w-]*", " ", _plain(screen))
    if typed:
        text = re.sub(r"\b(?:" + "|".join(map(re.escape, typed)) + r")\b", " ", text)
    return " ".join(text.split())


def _plain(screen: str) -> str:
    """The screen without its box lines, one space between words."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", screen).split())


def _hits(text: str, markers: tuple[str, ...]) -> list[str]:
    found = []
    for marker in markers:
        pattern = re.escape(marker)
        if marker[0].isalnum():
            pattern = r"(?<![\w'])" + pattern
        if marker[-1].isalnum():
            pattern += r"(?![\w'])"
        for m in re.finditer(pattern, text):
            found.append(f"{marker!r} in …{text[max(0, m.start() - 40) : m.end() + 40]}…")
    return found


def _screens(data: dict[str, object]) -> list[tuple[str, str]]:
    pages = data["pages"]
    mistakes = data["mistakes"]
    assert isinstance(pages, dict) and isinstance(mistakes, dict)
    shown = [(f"{p} --help", s["out"] + s["err"]) for p, s in pages.items()]
    shown += [(m, s["out"] + s["err"]) for m, s in mistakes.items()]
    return shown


_MARKERS = {"nl": ENGLISH_MARKERS, "en": DUTCH_MARKERS}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_help_page_and_mistake_reads_in_one_language(screens, lang: str) -> None:
    data = screens[lang]
    names = data["names"]
    assert isinstance(names, list)
    wrong = [
        f"nsplink {where}: {hit}"
        for where, screen in _screens(data)
        for hit in _hits(_reader_text(screen, names), _MARKERS[lang])
    ]
    assert not wrong, f"{len(wrong)} words of the other language:\n" + "\n".join(wrong)


def test_the_walk_reaches_every_command_and_each_page_is_whole(screens) -> None:
    for lang, title in (("nl", "Opties"), ("en", "Options")):
        pages = screens[lang]["pages"]
        assert isinstance(pages, dict)
        assert len(pages) >= 40, "the walk found too few commands"
        for path in ("send emergency", "log rebuild", "roster install", "scenario run", "radio"):
            assert path in pages
        for path, s in pages.items():
            assert s["code"] in (0, None), f"{path} --help exited {s['code']}: {s['err']}"
            assert title in s["out"], f"nsplink {path} --help has no {title} panel"


def test_each_mistake_is_refused_with_a_usage_error(screens) -> None:
    for lang in ("nl", "en"):
        mistakes = screens[lang]["mistakes"]
        assert isinstance(mistakes, dict)
        for argv, s in mistakes.items():
            assert s["code"] == 2, f"{lang} nsplink {argv}: exit {s['code']}"
            assert (s["err"] + s["out"]).strip(), f"{lang} nsplink {argv}: nothing said"


def test_the_markers_find_the_other_language(screens) -> None:
    """The marker lists are not trivially satisfied: run on the other language's screens they
    find that language on nearly every screen, with many different markers."""
    for lang, other in (("nl", "en"), ("en", "nl")):
        data = screens[other]
        names = data["names"]
        assert isinstance(names, list)
        shown = _screens(data)
        per_screen = [_hits(_reader_text(screen, names), _MARKERS[lang]) for _, screen in shown]
        assert sum(1 for h in per_screen if h) >= len(shown) * 0.9
        distinct = {h.split(" in ")[0] for hits in per_screen for h in hits}
        assert len(distinct) >= 15, distinct


@pytest.mark.parametrize(
    ("argv", "dutch"),
    [
        (("show",), "'ID' ontbreekt."),
        (("send", "emergency", "--bogus"), "Onbekende optie: --bogus"),
        (("queue", "--count", "veel"), "Ongeldige waarde voor '--count': Geef een geheel getal."),
        (("sned",), "Onbekend commando 'sned'. Bedoelt u 'send'?"),
        (("status", "extra"), "Te veel opgegeven: extra"),
    ],
)
def test_dutch_mistakes_say_what_is_wrong(screens, argv: tuple[str, ...], dutch: str) -> None:
    screen = screens["nl"]["mistakes"][" ".join(argv)]
    assert dutch in _plain(screen["err"])
    assert "Gebruik: nsplink" in screen["err"]


def test_dutch_pages_avoid_words_volunteers_do_not_use(screens) -> None:
    """Issue 20: 'zaad' for a random seed, 'uitbak, inbak' for the outbox and inbox."""
    for path, s in screens["nl"]["pages"].items():
        text = _plain(s["out"]).lower()
        for word in ("zaad", "uitbak", "inbak"):
            assert not re.search(rf"\b{word}\b", text), f"nsplink {path} --help: {word}"

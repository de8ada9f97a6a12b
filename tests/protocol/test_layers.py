"""The core holds data, the presentation holds words (issue 15, part 5).

nsplink/protocol and nsplink/lora import nothing from nsplink but each other and the text-free
nsplink/errors.py, and read no environment variable; nsplink/errors.py imports no nsplink module.
Every error the core can raise and every coded value has a Dutch and an English text in
nsplink.texts, so a new code without text fails here rather than showing a bare key to a person.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nsplink.errors
import nsplink.lora
import nsplink.protocol
from nsplink.errors import NsplinkError
from nsplink.i18n import keys, t
from nsplink.protocol import Code, Services, ValidationError
from nsplink.texts import code_key, code_label, render_error

CORE_PACKAGES = ("nsplink.protocol", "nsplink.lora")
ALLOWED = {*CORE_PACKAGES, "nsplink.errors"}
CORE_DIRS = [Path(importlib.import_module(p).__file__ or "").parent for p in CORE_PACKAGES]
CORE_FILES = sorted(p for d in CORE_DIRS for p in d.rglob("*.py") if "pb" not in p.parts)


def _nsplink_imports(path: Path) -> set[str]:
    """Every nsplink module `path` imports, at any depth (functions and TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside its own package, which is allowed
                continue
            found.add(node.module or "")
    return {m for m in found if m == "nsplink" or m.startswith("nsplink.")}


def _allowed(module: str) -> bool:
    return any(module == a or module.startswith(a + ".") for a in ALLOWED)


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_core_imports_only_the_core(path: Path) -> None:
    bad = {m for m in _nsplink_imports(path) if not _allowed(m)}
    assert not bad, f"{path.name} imports {sorted(bad)} (texts belong in nsplink.texts)"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_core_reads_no_environment(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        assert name not in {"environ", "getenv", "environb"}, f"{path.name} reads the environment"


def test_the_root_error_imports_no_nsplink_module() -> None:
    assert _nsplink_imports(Path(nsplink.errors.__file__ or "")) == set()


def test_importing_the_core_loads_no_presentation() -> None:
    """Also catches an indirect import (and with it i18n's NSPLINK_LANG read)."""
    code = (
        "import sys, nsplink.protocol, nsplink.lora, nsplink.lora.airtime, nsplink.lora.dutycycle\n"
        "import nsplink.protocol.engine, nsplink.protocol.sealing, nsplink.protocol.rosterdoc\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('nsplink'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out and all(m == "nsplink" or _allowed(m) for m in out), out


def _core_modules() -> list[str]:
    names = []
    for package in CORE_PACKAGES:
        pkg = importlib.import_module(package)
        for info in pkgutil.walk_packages(pkg.__path__, package + "."):
            if ".pb" not in info.name:
                names.append(info.name)
    return names


def _core_errors() -> list[type[NsplinkError]]:
    found: dict[str, type[NsplinkError]] = {}
    for name in _core_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, NsplinkError)
                and value.__module__.startswith(CORE_PACKAGES)
            ):
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return [found[k] for k in sorted(found)]


CORE_ERRORS = _core_errors()


def _has_both(key: str) -> bool:
    return key in keys() and bool(t(key, "nl")) and bool(t(key, "en"))


def test_the_core_has_errors_to_check() -> None:
    assert len(CORE_ERRORS) > 20 and ValidationError in CORE_ERRORS


@pytest.mark.parametrize("cls", CORE_ERRORS, ids=lambda c: c.__name__)
def test_every_core_error_has_text_in_both_languages(cls: type[NsplinkError]) -> None:
    assert cls.key != NsplinkError.key or cls.code == "protocol", f"{cls.__name__} has no key"
    assert _has_both(cls.key), f"{cls.__name__}: no Dutch and English text for {cls.key!r}"


def test_every_validation_hint_has_text() -> None:
    hints = set()
    for path in CORE_FILES:
        hints |= set(re.findall(r"[\"'](hint\.\w+)[\"']", path.read_text()))
    assert "hint.required" in hints
    assert not {h for h in hints if not _has_both(h)}


CODES = sorted(
    (member for enum in Code.__subclasses__() for member in enum),
    key=lambda c: (type(c).__name__, c.value),
)


def test_the_code_enums_are_all_found() -> None:
    assert {type(c).__name__ for c in CODES} >= {"Priority", "MessageType", "State", "Incident"}


@pytest.mark.parametrize("code", CODES, ids=lambda c: f"{type(c).__name__}.{c.value}")
def test_every_code_has_a_label_in_both_languages(code: Code) -> None:
    assert _has_both(code_key(code))
    assert code_label(code, "nl") != code_key(code)


def test_every_service_has_a_label() -> None:
    for s in (Services.A, Services.B, Services.P):
        assert _has_both(f"code.Services.{s.name}")


def test_str_is_a_technical_line_without_the_catalog() -> None:
    err = nsplink.protocol.UnknownKey("a1b2c3", sender="a1b2c3")
    assert str(err) == "protocol.verify.unknown_key: a1b2c3 (sender=a1b2c3)"
    assert render_error(err, "en").startswith("Message from unknown sender a1b2c3")
    bad = ValidationError("emergency.street", "hint.too_long", length=70, max=60)
    assert (
        str(bad) == "protocol.validation: emergency.street (hint=hint.too_long, length=70, max=60)"
    )
    assert bad.params == {
        "detail": "emergency.street",
        "hint": "hint.too_long",
        "length": 70,
        "max": 60,
    }
    assert (
        render_error(bad, "nl")
        == "Veld 'Straat': te lang (70 tekens), maximaal 60. Maak het korter."
    )
    assert (
        render_error(bad, "en")
        == "Field 'Street': too long (70 characters), at most 60. Shorten it."
    )

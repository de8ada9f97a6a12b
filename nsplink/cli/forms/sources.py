"""Form answers from a JSON or YAML file, a JSON argument, or standard input (`-`).

Keys are the field names of the form (`people_involved` or `people-involved`), plus the
envelope's `priority` and `to`. The input is size-capped and YAML is read with the safe loader,
so a broken or hostile file is one clear error, never a hang or a crash.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

from nsplink.bounded import TooDeep, check_depth, check_indent
from nsplink.errors import NsplinkError
from nsplink.i18n import register

MAX_INPUT = 256 * 1024  # a form is a few KiB; a 4 KiB bulletin fits many times over
ENVELOPE_KEYS = ("priority", "to")

register(
    {
        "form.source_bad": (
            "Kan de invoer uit {source} niet lezen: {detail}. Geef een JSON- of YAML-object "
            "met de veldnamen als sleutels.",
            "Cannot read the input from {source}: {detail}. Give a JSON or YAML object with "
            "the field names as keys.",
        ),
        "form.source_missing": (
            "Bestand {source} bestaat niet of is niet leesbaar.",
            "File {source} does not exist or cannot be read.",
        ),
    }
)


class FormSourceInvalid(NsplinkError):
    code = "cli.form.source"
    key = "form.source_bad"


class FormSourceMissing(NsplinkError):
    code = "cli.form.source_missing"
    key = "form.source_missing"


def _read(path: str) -> tuple[str, str]:
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT + 1)
        source = "stdin"
    else:
        try:
            with open(Path(path).expanduser(), "rb") as fh:
                data = fh.read(MAX_INPUT + 1)
        except OSError as exc:
            raise FormSourceMissing(path, source=path) from exc
        source = path
    if len(data) > MAX_INPUT:
        raise FormSourceInvalid(f"> {MAX_INPUT} bytes", source=source)
    try:
        return data.decode("utf-8-sig"), source
    except UnicodeDecodeError as exc:
        raise FormSourceInvalid("geen UTF-8 / not UTF-8", source=source) from exc


def _mapping(value: Any, source: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FormSourceInvalid("geen object / not an object", source=source)
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise FormSourceInvalid(f"key {key!r}", source=source)
        out[key.strip().replace("-", "_")] = item
    return out


def parse_text(text: str, source: str, *, yaml_ok: bool) -> dict[str, Any]:
    try:  # before any parser recurses into it (json and PyYAML recurse per level)
        check_depth(text, quotes='"' if not yaml_ok else "")
        if yaml_ok:
            check_indent(text)
    except TooDeep as exc:
        raise FormSourceInvalid(str(exc), source=source) from exc
    try:
        return _mapping(json.loads(text), source)
    except RecursionError as exc:  # the scan above should make this unreachable
        raise FormSourceInvalid("too deeply nested", source=source) from exc
    except json.JSONDecodeError as exc:
        if not yaml_ok:
            raise FormSourceInvalid(f"JSON: {exc.msg}, line {exc.lineno}", source=source) from exc
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise FormSourceInvalid(f"YAML{where}", source=source) from exc
    except RecursionError as exc:
        raise FormSourceInvalid("too deeply nested", source=source) from exc
    return _mapping(loaded, source)


def load_file(path: str) -> dict[str, Any]:
    """JSON or YAML from a file, or from stdin for '-'."""
    text, source = _read(path)
    return parse_text(text, source, yaml_ok=True)


def load_json(arg: str) -> dict[str, Any]:
    """The --json argument: JSON text, or '-' for JSON on stdin."""
    if arg.strip() == "-":
        text, source = _read("-")
    else:
        text, source = arg, "--json"
    return parse_text(text, source, yaml_ok=False)

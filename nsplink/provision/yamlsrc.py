"""YAML with line numbers, so every profile error can say where it is.

PyYAML's safe loader forgets positions and silently keeps the last of two equal keys; a
technician who writes `txPower` twice must hear about it instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from nsplink.bounded import TooDeep, check_depth, check_indent
from nsplink.i18n import register
from nsplink.provision.errors import ProfileInvalid, issue

register(
    {
        "provision.yaml_syntax": (
            "geen geldige YAML: {detail}",
            "not valid YAML: {detail}",
        ),
        "provision.yaml_duplicate": (
            "staat twee keer in dezelfde groep (eerder op regel {first})",
            "appears twice in the same group (first on line {first})",
        ),
        "provision.yaml_key_type": (
            "een sleutel moet tekst zijn",
            "a key must be text",
        ),
        "provision.yaml_too_big": (
            "te groot of te diep geneste YAML (meer dan {max} waarden); een profiel is klein",
            "YAML too large or too deeply nested (over {max} values); a profile is small",
        ),
        "provision.yaml_empty": (
            "het bestand is leeg of geen YAML-tabel",
            "the file is empty or not a YAML mapping",
        ),
    }
)

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class Located:
    """A YAML value and the 1-based line it starts on. Mappings map str to Located."""

    value: Scalar | dict[str, Located] | list[Located]
    line: int

    def mapping(self) -> dict[str, Located] | None:
        return self.value if isinstance(self.value, dict) else None


_constructor = SafeConstructor()
# A real profile has about a hundred values. Aliases can make a few lines expand without bound
# ("billion laughs"), so the walk stops counting at this many.
MAX_NODES = 5000


class _Budget:
    def __init__(self, file: str) -> None:
        self.left = MAX_NODES
        self.file = file

    def spend(self, node: Node) -> None:
        self.left -= 1
        if self.left < 0:
            line = node.start_mark.line + 1
            raise ProfileInvalid(
                self.file, [issue(self.file, line, "-", "provision.yaml_too_big", max=MAX_NODES)]
            )


def load_located(text: str, file: str) -> Located:
    """Parse `text`; raise ProfileInvalid naming file and line on bad YAML or duplicate keys."""
    try:
        check_depth(text, quotes="")  # PyYAML's composer recurses per level
        check_indent(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (TooDeep, RecursionError) as exc:
        raise ProfileInvalid(
            file, [issue(file, 1, "-", "provision.yaml_syntax", detail=str(exc))]
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ProfileInvalid(
            file, [issue(file, line, "-", "provision.yaml_syntax", detail=problem)]
        ) from exc
    if not isinstance(root, MappingNode):
        line = root.start_mark.line + 1 if root is not None else 1
        raise ProfileInvalid(file, [issue(file, line, "-", "provision.yaml_empty")])
    return _convert(root, file, "", _Budget(file))


def _convert(node: Node, file: str, path: str, budget: _Budget) -> Located:
    budget.spend(node)
    line = node.start_mark.line + 1
    if isinstance(node, MappingNode):
        out: dict[str, Located] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str) or key_node.tag != "tag:yaml.org,2002:str":
                raise ProfileInvalid(
                    file,
                    [
                        issue(
                            file,
                            key_node.start_mark.line + 1,
                            path or "-",
                            "provision.yaml_key_type",
                        )
                    ],
                )
            field = f"{path}.{key}" if path else key
            if key in out:
                raise ProfileInvalid(
                    file,
                    [
                        issue(
                            file,
                            key_node.start_mark.line + 1,
                            field,
                            "provision.yaml_duplicate",
                            first=out[key].line,
                        )
                    ],
                )
            # a value's line is its key's line: that is where a person looks for the field
            converted = _convert(value_node, file, field, budget)
            out[key] = Located(converted.value, key_node.start_mark.line + 1)
        return Located(out, line)
    if isinstance(node, SequenceNode):
        return Located([_convert(n, file, path, budget) for n in node.value], line)
    value = _constructor.construct_object(node, deep=True)
    if not isinstance(value, str | int | float | bool) and value is not None:
        value = str(value)  # dates and the like: keep the text, the schema check rejects it
    return Located(value, line)

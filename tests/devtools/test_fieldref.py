"""docs/veldenreferentie.md and docs/field-reference.md are what the code says today."""

from __future__ import annotations

from nsplink.devtools import fieldref
from nsplink.protocol import SCHEMA


def test_the_committed_pages_are_current() -> None:
    stale = [p.name for p in fieldref.stale()]
    assert not stale, f"{stale} stale: run python -m nsplink.devtools.fieldref"


def test_every_field_and_code_of_the_proto_is_on_both_pages() -> None:
    for lang in ("nl", "en"):
        page = fieldref.render(lang)
        for message in SCHEMA.message_types_by_name.values():
            assert f"### {message.name}\n" in page
            for field in message.fields:
                assert f"| {field.number} | `{field.name}` |" in page, (lang, field.full_name)
        for enum in SCHEMA.enum_types_by_name.values():
            assert f"### {enum.name}\n" in page, (lang, enum.name)
            prefix = enum.values[0].name.rsplit("_", 1)[0]
            for value in enum.values:
                code = value.name.removeprefix(prefix + "_")
                assert f"| `{code}` | {value.number} |" in page, (lang, value.name)


def test_the_dutch_page_reads_dutch_first() -> None:
    nl, en = fieldref.render("nl"), fieldref.render("en")
    assert "| code | nummer | Nederlands | Engels |" in nl
    assert "| code | number | English | Dutch |" in en
    assert "Levensgevaar?" in nl and "Life threatening?" in en
    assert "Wat is er gebeurd?" not in en

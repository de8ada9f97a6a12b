"""Generate the field and code reference (docs/veldenreferentie.md, docs/field-reference.md).

    python -m nsplink.devtools.fieldref          # write both pages
    python -m nsplink.devtools.fieldref --check  # exit 1 if a page is stale

Everything on the pages comes from the code: the messages and fields from the compiled
`nsplink.proto` (numbers, types, repeated/optional) and its comments, the on-air options `k` and
`size` from the .proto text, the field labels and code words from the catalog (`field.<type>.
<name>`, `code.<Enum>.<CODE>`), the wire numbers of the codes from the protocol's own tables.
A test fails when a page differs from what this writes, so the pages cannot go stale.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nsplink.i18n import Lang, t

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES: dict[Lang, Path] = {"nl": DOCS / "veldenreferentie.md", "en": DOCS / "field-reference.md"}
PROTO = Path(__file__).resolve().parents[1] / "protocol" / "nsplink.proto"

# The message bodies a person fills in or reads, with their message type.
BODIES: tuple[tuple[str, str], ...] = (
    ("Emergency", "emergency"),
    ("Sitrep", "sitrep"),
    ("Supply", "supply"),
    ("Bulletin", "bulletin"),
    ("Note", "note"),
    ("Status", "status"),
    ("Receipt", "receipt"),
)
# Helper messages inside those bodies.
PARTS: tuple[str, ...] = ("Ref", "AckGroup", "PeerHeard", "ChainHead", "RosterUpdate")

_W: dict[str, tuple[str, str]] = {
    "title": ("Veldenreferentie", "Field reference"),
    "generated": (
        "Gegenereerd uit `nsplink/protocol/nsplink.proto` en de codetabellen"
        " (`nsplink/protocol/codes.py`, `nsplink/texts/codes.py`) door"
        " `python -m nsplink.devtools.fieldref`. Niet met de hand wijzigen: een test faalt als"
        " deze pagina niet meer klopt met de code. English: [field-reference.md]"
        "(field-reference.md).",
        "Generated from `nsplink/protocol/nsplink.proto` and the code tables"
        " (`nsplink/protocol/codes.py`, `nsplink/texts/codes.py`) by"
        " `python -m nsplink.devtools.fieldref`. Do not edit by hand: a test fails when this page"
        " no longer matches the code. Nederlands: [veldenreferentie.md](veldenreferentie.md).",
    ),
    "how": (
        "Hoe een bericht over de radio gaat: een kop van een paar vaste bytes (versie, soort,"
        " prioriteit, afzender, volgnummer, bestemming, tijd), de velden hieronder bit voor bit"
        " ingepakt, alle tekstvelden samen gecomprimeerd in één tekstdeel, en een handtekening."
        " Kolom *op de radio*: `k=N` is een getal in Exp-Golomb-code van orde N (waarden onder"
        " 2^N kosten 1 + N bits), `N bytes` een vaste lengte zonder lengteveld, *tekstdeel* een"
        " tekstveld in het gecomprimeerde tekstdeel, *1 bit* een keuze of ja/nee. Bij een lijst"
        " staat elk element na een 1-bit en sluit een 0-bit de lijst af.",
        "How a message goes over the radio: a header of a few fixed bytes (version, type,"
        " priority, sender, sequence number, destination, time), the fields below packed bit by"
        " bit, all text fields compressed together in one text section, and a signature."
        " Column *on air*: `k=N` is a number in Exp-Golomb code of order N (values below 2^N cost"
        " 1 + N bits), `N bytes` a fixed length without a length field, *text section* a text"
        " field in the compressed text section, *1 bit* a choice or yes/no. In a list each"
        " element follows a 1 bit and a 0 bit closes the list.",
    ),
    "messages": ("Berichten", "Messages"),
    "parts": ("Onderdelen", "Parts"),
    "codes": ("Codes", "Codes"),
    "codes_intro": (
        "De code is wat logboek, export, formulierbestanden en de opdrachtregel gebruiken; het"
        " nummer is wat over de radio gaat; de woorden zijn wat een vrijwilliger leest.",
        "The code is what the log, exports, form files and the command line use; the number is"
        " what goes over the radio; the words are what a volunteer reads.",
    ),
    "header": ("In de kop van elk bericht", "In the header of every message"),
    "type": ("Berichtsoort", "Message type"),
    "col.nr": ("nr", "no"),
    "col.field": ("veld", "field"),
    "col.kind": ("soort", "kind"),
    "col.air": ("op de radio", "on air"),
    "col.label": ("in het formulier", "in the form"),
    "col.note": ("toelichting (uit nsplink.proto)", "note (from nsplink.proto)"),
    "col.code": ("code", "code"),
    "col.wire": ("nummer", "number"),
    "col.nl": ("Nederlands", "Dutch"),
    "col.en": ("Engels", "English"),
    "repeated": ("lijst van", "list of"),
    "optional": ("optioneel", "optional"),
    "text": ("tekstdeel", "text section"),
    "bit": ("1 bit", "1 bit"),
    "bits": ("bits", "bits"),
    "fixed": ("{n} bytes", "{n} bytes"),
    "var_bytes": ("lengte (k=5) en bytes", "length (k=5) and bytes"),
    "zigzag": ("zigzag, k={k}", "zigzag, k={k}"),
    "part": ("velden van het onderdeel", "the part's fields"),
    "present": ("1 bit aanwezig, dan {air}", "1 bit present, then {air}"),
    "services": (
        "Hulpdiensten (`services`, een bitset: de som van de gekozen diensten)",
        "Services (`services`, a bitset: the sum of the chosen services)",
    ),
}

_SCALARS = {
    1: "double",
    2: "float",
    3: "int64",
    4: "uint64",
    5: "int32",
    8: "bool",
    9: "string",
    12: "bytes",
    13: "uint32",
    17: "sint32",
    18: "sint64",
}
_TYPE_ENUM, _TYPE_MESSAGE = 14, 11


def _w(key: str, lang: Lang, **params: object) -> str:
    text = _W[key][0 if lang == "nl" else 1]
    return text.format(**params) if params else text


@dataclass(frozen=True)
class ProtoLine:
    comment: str
    options: str


def proto_comments(text: str) -> dict[tuple[str, str], ProtoLine]:
    """(block, name) -> trailing comment and options of each field and enum value."""
    out: dict[tuple[str, str], ProtoLine] = {}
    block = ""
    for raw in text.splitlines():
        head = re.match(r"\s*(?:message|enum)\s+(\w+)\s*\{", raw)
        if head:
            block = head.group(1)
            continue
        line = re.match(
            r"\s*(?:(?:repeated|optional)\s+)?(?:[\w.]+\s+)?(\w+)\s*=\s*\d+\s*(\[[^\]]*\])?\s*;"
            r"\s*(?://\s*(.*))?$",
            raw,
        )
        if line and block:
            out[(block, line.group(1))] = ProtoLine(line.group(3) or "", line.group(2) or "")
    return out


def _air(field: Any, info: ProtoLine | None, lang: Lang) -> str:
    """How the field is packed on air (see nsplink/protocol/bitpack.py)."""
    options = info.options if info else ""
    size = re.search(r"\(size\)\s*=\s*(\d+)", options)
    k_opt = re.search(r"\(k\)\s*=\s*(\d+)", options)
    k = k_opt.group(1) if k_opt else "0"
    if field.type == 9:
        return _w("text", lang)
    if field.type == 12:
        air = _w("fixed", lang, n=size.group(1)) if size else _w("var_bytes", lang)
    elif field.type == 8:
        air = _w("bit", lang)
    elif field.type == _TYPE_MESSAGE:
        air = _w("part", lang)
    elif field.type in (17, 18):
        air = _w("zigzag", lang, k=k)
    else:
        air = f"k={k}"
    if field.has_presence and not field.is_repeated:
        return _w("present", lang, air=air)
    return air


def _kind(field: Any, lang: Lang) -> str:
    if field.type == _TYPE_ENUM:
        name = f"[{field.enum_type.name}](#{field.enum_type.name.lower()})"
    elif field.type == _TYPE_MESSAGE:
        name = f"[{field.message_type.name}](#{field.message_type.name.lower()})"
    else:
        name = _SCALARS.get(field.type, str(field.type))
    if field.is_repeated:
        return f"{_w('repeated', lang)} {name}"
    if field.has_presence and field.type not in (_TYPE_MESSAGE,) and field.containing_oneof:
        return f"{name}, {_w('optional', lang)}"
    return name


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _label(mtype: str | None, field: str, lang: Lang) -> str:
    if mtype is None:
        return ""
    key = f"field.{mtype}.{field}"
    text = t(key, lang)
    return "" if text == key else text


def _message_table(
    desc: Any, mtype: str | None, comments: dict[Any, ProtoLine], lang: Lang
) -> list[str]:
    cols = ["col.nr", "col.field", "col.kind", "col.air"]
    if mtype is not None:
        cols.append("col.label")
    cols.append("col.note")
    rows = ["| " + " | ".join(_w(c, lang) for c in cols) + " |", "|" + "---|" * len(cols)]
    for field in desc.fields:
        info = comments.get((desc.name, field.name))
        cells = [str(field.number), f"`{field.name}`", _kind(field, lang), _air(field, info, lang)]
        if mtype is not None:
            cells.append(_label(mtype, field.name, lang))
        cells.append(info.comment if info else "")
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return rows


def _code_rows(values: list[tuple[str, str, str, str]], lang: Lang) -> list[str]:
    first, second = ("col.nl", "col.en") if lang == "nl" else ("col.en", "col.nl")
    rows = [
        "| " + " | ".join(_w(c, lang) for c in ("col.code", "col.wire", first, second)) + " |",
        "|---|---|---|---|",
    ]
    for code, wire, nl, en in values:
        words = (nl, en) if lang == "nl" else (en, nl)
        rows.append("| " + " | ".join(_cell(c) for c in (f"`{code}`", wire, *words)) + " |")
    return rows


def render(lang: Lang) -> str:
    """The whole page in `lang`."""
    import nsplink.texts  # noqa: F401  (registers the field labels and code words)
    from nsplink.protocol import SCHEMA, Code, MessageType, Priority, Services, header_code, wire
    from nsplink.texts import code_label

    comments = proto_comments(PROTO.read_text(encoding="utf-8"))
    out = [f"# {_w('title', lang)}", "", _w("generated", lang), "", _w("how", lang), ""]
    out += [f"## {_w('messages', lang)}", ""]
    for name, mtype in BODIES:
        desc = SCHEMA.message_types_by_name[name]
        title = code_label(MessageType(mtype), lang)
        out += [f"### {name}", "", f"{_w('type', lang)}: **{title}** (`{mtype}`)", ""]
        out += [*_message_table(desc, mtype, comments, lang), ""]
    out += [f"## {_w('parts', lang)}", ""]
    for name in PARTS:
        desc = SCHEMA.message_types_by_name[name]
        out += [f"### {name}", "", *_message_table(desc, None, comments, lang), ""]
    out += [f"## {_w('codes', lang)}", "", _w("codes_intro", lang), ""]
    out += [f"### {_w('header', lang)}", ""]
    out += [f"#### {_w('type', lang)}", ""]
    out += [
        *_code_rows(
            [
                (m.value, str(header_code(m)), code_label(m, "nl"), code_label(m, "en"))
                for m in MessageType
            ],
            lang,
        ),
        "",
    ]
    out += ["#### Priority", ""]
    out += [
        *_code_rows(
            [
                (p.value, str(header_code(p)), code_label(p, "nl"), code_label(p, "en"))
                for p in Priority
            ],
            lang,
        ),
        "",
    ]
    out += [f"#### {_w('services', lang)}", ""]
    out += [
        *_code_rows(
            [
                (
                    s.name or "",
                    str(int(s)),
                    t(f"code.Services.{s.name}", "nl"),
                    t(f"code.Services.{s.name}", "en"),
                )
                for s in (Services.A, Services.B, Services.P)
            ],
            lang,
        ),
        "",
    ]
    import nsplink.protocol as protocol

    for schema_enum in SCHEMA.enum_types_by_name.values():
        enum = getattr(protocol, schema_enum.name)  # the Code enum of the same name
        assert issubclass(enum, Code), schema_enum.name
        out += [f"### {enum.__name__}", ""]
        rows = [
            (c.value, str(wire(c)), code_label(c, "nl"), code_label(c, "en"))
            for c in sorted(enum, key=wire)
        ]
        out += [*_code_rows(rows, lang), ""]
    return "\n".join(out).rstrip() + "\n"


def stale() -> list[Path]:
    return [
        path
        for lang, path in PAGES.items()
        if not path.exists() or path.read_text(encoding="utf-8") != render(lang)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale pages, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for path in old:
            print(f"{path.name} is stale: run python -m nsplink.devtools.fieldref", file=sys.stderr)
        return 1 if old else 0
    for lang, path in PAGES.items():
        path.write_text(render(lang), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The printable exercise report: report.md as one self-contained HTML page for the debrief.

Markdown to HTML through the `markdown` package (tables extension), every plot embedded as a
data URI and the style sheet inline, so the page needs no network, no other file and no script:
it prints on A4 from any browser, or can be mailed as one file. Raw HTML in the Markdown is
escaped, not passed through: names come from scenario files, which anyone may write.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import markdown

_CSS = """
@page { size: A4; margin: 15mm 14mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111;
       max-width: 180mm; margin: 0 auto; line-height: 1.35; }
h1 { font-size: 16pt; border-bottom: 2px solid #333; padding-bottom: 2mm; }
h2 { font-size: 13pt; margin-top: 7mm; border-bottom: 1px solid #999; break-after: avoid; }
h3 { font-size: 11pt; break-after: avoid; }
table { border-collapse: collapse; margin: 2mm 0 4mm; font-size: 8.5pt; break-inside: avoid; }
th, td { border: 1px solid #bbb; padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: #eee; }
tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; break-inside: avoid; margin: 2mm 0; }
strong { color: #000; }
"""

_IMG = re.compile(r'<img alt="([^"]*)" src="([^"]+\.png)"\s*/?>')


def render_html(markdown_text: str, out_dir: Path, title: str) -> str:
    """One HTML page; PNGs referenced by the Markdown and present in `out_dir` are embedded."""
    body = markdown.markdown(
        html.escape(markdown_text, quote=False), extensions=["tables"], output_format="html"
    )

    def embed(match: re.Match[str]) -> str:
        alt, name = match.group(1), match.group(2)
        path = out_dir / Path(name).name
        if not path.is_file():
            return html.escape(alt)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'<img alt="{alt}" src="data:image/png;base64,{data}">'

    body = _IMG.sub(embed, body)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )

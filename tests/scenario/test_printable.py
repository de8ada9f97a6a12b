"""The printable report: one self-contained HTML page (no script, no outside resource), plots
embedded, and text from scenario files escaped, never taken as markup."""

from __future__ import annotations

import re
from pathlib import Path

from nsplink.scenario.printable import render_html


def test_a_page_that_needs_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "duty.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    text = (
        "# Oefenverslag: <script>alert(1)</script>\n\n"
        "| post | zendtijd |\n|---|---|\n| nsp-<b>x</b> | 3 min |\n\n"
        "![duty.png](duty.png)\n![missing.png](missing.png)\n"
    )
    page = render_html(text, tmp_path, "Oefenverslag")
    assert "<table>" in page and "<td>3 min</td>" in page
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;" in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert 'src="data:image/png;base64,' in page
    assert "missing.png" in page and 'src="missing.png"' not in page  # no dangling reference
    assert not re.search(r'(src|href)="(https?:|//|/)', page)

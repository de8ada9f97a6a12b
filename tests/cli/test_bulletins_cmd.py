"""`nsplink bulletins` at an NSP (received, verified) and at a CP (sent), plain text and HTML."""

from __future__ import annotations

import html.parser
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nsplink.app.site import SiteHome
from nsplink.cli.app import app
from nsplink.cli.sitefiles import load_site
from nsplink.protocol import ALL_NSPS, Bulletin, MessageId, Topic, Urgent, minutes_since_epoch
from tests.cli.cli_sites import forged, homes, queue, receive, run

NOW = time.time()


def _bulletin(headline: str, body: str, *, hours: float = 6, **kw: object) -> Bulletin:
    until = minutes_since_epoch(NOW + hours * 3600)
    return Bulletin(headline, body, until, "Veiligheidsregio Utrecht", **kw)  # type: ignore[arg-type]


@pytest.fixture
def nsp(tmp_path: Path) -> dict[str, SiteHome]:
    """nsp-houten received: an old water notice (1), its replacement (2), an expired power
    notice (3), an urgent staff-only notice (4), and a forged 'bulletin' (never shown)."""
    sites = homes(tmp_path)
    cp, houten = sites["cp-utrecht"], sites["nsp-houten"]

    async def fill() -> None:
        ref1, f1 = await queue(cp, _bulletin("Water bij de kazerne", "Tot 18:00."),
                               dest=ALL_NSPS, at=NOW - 7200)  # fmt: skip
        await receive(houten, f1, "cp-utrecht")
        replacement = _bulletin(
            "Water bij de school",
            "Het waterpunt is verplaatst naar De Regenboog.\nNeem eigen flessen mee. <b>&</b>",
            supersedes=MessageId.parse(ref1),
            topic=Topic.WATER,
        )
        _, f2 = await queue(cp, replacement, dest=ALL_NSPS, at=NOW - 3600)
        await receive(houten, f2, "cp-utrecht")
        old = _bulletin("Stroom morgen terug", "Verwacht rond 12:00.", hours=-1)
        _, f3 = await queue(cp, old, dest=ALL_NSPS, at=NOW - 1800)
        await receive(houten, f3, "cp-utrecht")
        staff = _bulletin("Dienstwissel om 20:00", "Vrijwilligers: meld je bij de CP.",
                          urgent=Urgent.SPOED, internal=True)  # fmt: skip
        _, f4 = await queue(cp, staff, dest=ALL_NSPS, at=NOW - 600)
        await receive(houten, f4, "cp-utrecht")
        fake = forged(_bulletin("Evacueer nu", "Iedereen naar buiten."))
        await receive(houten, fake, "?", trusted=False)

    run(fill())
    return sites


def cli(home: SiteHome, *args: str, lang: str | None = None) -> str:
    pre = ["--lang", lang] if lang else []
    result = CliRunner().invoke(app, [*pre, "--home", str(home.root), "bulletins", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_newest_first_superseded_and_expired_marked_forged_never_shown(
    nsp: dict[str, SiteHome],
) -> None:
    out = cli(nsp["nsp-houten"])
    lines = out.splitlines()
    assert lines[0] == "MEDEDELINGEN"
    assert lines[1].startswith("2 geldig, 2 vervallen of verlopen")
    heads = [ln for ln in lines[3:] if ln and not ln.startswith("  ")]
    assert heads == [
        "[SPOED | Alleen voor medewerkers] Dienstwissel om 20:00",
        "[VERLOPEN] Stroom morgen terug",
        "Water bij de school",
        heads[3],
    ]
    assert heads[3].startswith("[VERVALLEN (vervangen door ") and "Water bij de kazerne" in heads[3]
    assert "  Het waterpunt is verplaatst naar De Regenboog.\n  Neem eigen flessen mee." in out
    assert "Onderwerp: water" in out and "Bron: Veiligheidsregio Utrecht" in out
    assert "Evacueer" not in out
    assert "\x1b[" not in out  # not a terminal: no dimming codes


def test_current_only_and_english(nsp: dict[str, SiteHome]) -> None:
    out = cli(nsp["nsp-houten"], "--current", lang="en")
    assert out.splitlines()[1].startswith("2 valid, 0 superseded or expired")
    assert "Water bij de school" in out and "Water bij de kazerne" not in out
    assert "Stroom morgen terug" not in out and "[URGENT | Staff only]" in out


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.old = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article" and ("class", "old") in attrs:
            self.old += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_printable_html_page_is_escaped_and_marks_old_ones(
    nsp: dict[str, SiteHome], tmp_path: Path
) -> None:
    page = tmp_path / "mededelingen.html"
    out = cli(nsp["nsp-houten"], "--html", str(page))
    assert f"Afdrukpagina geschreven: {page}" in out
    text = page.read_text("utf-8")
    assert "<b>&</b>" not in text and "&lt;b&gt;&amp;&lt;/b&gt;" in text
    parsed = _Text()
    parsed.feed(text)
    assert parsed.old == 2
    assert "Neem eigen flessen mee. <b>&</b>" in "".join(parsed.text)
    assert '<html lang="nl">' in text and "@media print" in text


def test_a_bulletin_for_named_sites_shows_only_there(tmp_path: Path) -> None:
    sites = homes(tmp_path)
    cp, houten, bunnik = sites["cp-utrecht"], sites["nsp-houten"], sites["nsp-bunnik"]
    bunnik_key = load_site(cp).key_of("nsp-bunnik")
    body = _bulletin("Alleen Bunnik", "Aggregaat komt om 15:00.", sites=(bunnik_key,))
    _, frame = run(queue(cp, body, dest=ALL_NSPS))
    for home in (houten, bunnik):
        run(receive(home, frame, "cp-utrecht"))
    assert "Alleen Bunnik" in cli(bunnik)
    assert "Alleen Bunnik" not in cli(houten)
    assert "Alleen Bunnik" in cli(cp)


def test_cp_lists_the_bulletins_it_sent(nsp: dict[str, SiteHome]) -> None:
    out = cli(nsp["cp-utrecht"])
    assert "Water bij de school" in out and "Dienstwissel om 20:00" in out
    assert "Evacueer" not in out


def test_no_bulletins_yet_and_unwritable_html(tmp_path: Path) -> None:
    sites = homes(tmp_path)
    assert "Er zijn nog geen mededelingen." in cli(sites["nsp-bunnik"])
    result = CliRunner().invoke(
        app,
        ["--home", str(sites["nsp-bunnik"].root), "bulletins", "--html", "/nonexistent/x.html"],
    )
    assert result.exit_code == 2
    assert "Kan /nonexistent/x.html niet schrijven" in result.output
    assert len(result.output.strip().splitlines()) == 1

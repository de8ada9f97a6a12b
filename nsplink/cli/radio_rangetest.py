"""`nsplink radio rangetest SITE`: does our radio reach that post's radio, and how well?

SITE is a post on the roster (its radio's node number from the roster, or else the radio its
signed receipts and beacons came from, as `status` shows) or a node number (`!4e530002`). The
test uses this site's radio (`radio` in site.toml, or --radio) and the firmware's own packets
(provision/rangetest.py). The daemon must be stopped first: a radio takes one client at a time,
and this command holds the site's daemon lock while it runs so none starts meanwhile.

Exit codes: 0 at least one answer; 1 no answer at all; 2 bad input, daemon running, radio
unreachable.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer

from nsplink.app.sitelock import DaemonRunning, site_lock
from nsplink.cli.context import CliContext, get_ctx
from nsplink.cli.radio_provision import _quiet_libraries
from nsplink.cli.sitefiles import LocalSite, load_site
from nsplink.errors import NsplinkError
from nsplink.i18n import register as register_texts
from nsplink.i18n import t
from nsplink.provision.device import DEFAULT_TIMEOUT_S, RadioLink, parse_radio_url
from nsplink.provision.rangetest import Ping, range_test
from nsplink.store import Store

register_texts(
    {
        "rangetest.help": (
            "Bereiktest naar de radio van een andere post, met de eigen pakketten van de firmware"
            " (stop eerst de dienst).",
            "Range test to another post's radio, with the firmware's own packets (stop the"
            " service first).",
        ),
        "rangetest.arg.site": (
            "Post op de deelnemerslijst, of een radionummer zoals !4e530002.",
            "A post on the roster, or a radio number such as !4e530002.",
        ),
        "rangetest.opt.count": ("Aantal pogingen.", "Number of tries."),
        "rangetest.opt.interval": (
            "Seconden tussen twee pogingen (let op de zendtijd: 10 % per uur).",
            "Seconds between two tries (mind the airtime: 10 % an hour).",
        ),
        "rangetest.opt.wait": (
            "Seconden wachten op antwoord per poging.",
            "Seconds to wait for an answer per try.",
        ),
        "rangetest.opt.radio": (
            "tcp://HOST:POORT of serial:///dev/ttyUSB0 (standaard: radio in site.toml).",
            "tcp://HOST:PORT or serial:///dev/ttyUSB0 (default: radio in site.toml).",
        ),
        "rangetest.start": (
            "Bereiktest van radio !{own} naar {target} (!{dest}): {count} keer, elke {interval}"
            " s. Elke poging vraagt de andere radio om een ontvangstbevestiging.",
            "Range test from radio !{own} to {target} (!{dest}): {count} tries, every"
            " {interval} s. Each try asks the other radio for an acknowledgement.",
        ),
        "rangetest.answer": (
            "  {n}/{count}  antwoord na {seconds} s   SNR {snr}   RSSI {rssi}   sprongen {hops}",
            "  {n}/{count}  answer after {seconds} s   SNR {snr}   RSSI {rssi}   hops {hops}",
        ),
        "rangetest.no_answer": (
            "  {n}/{count}  geen antwoord ({reason})",
            "  {n}/{count}  no answer ({reason})",
        ),
        "rangetest.timed_out": ("niet binnen {wait} s", "not within {wait} s"),
        "rangetest.repeated": (
            "; wel doorgegeven door een buur, dus het kanaal werkt, maar die radio antwoordde niet",
            "; a neighbour did pass it on, so the channel works, but that radio did not answer",
        ),
        "rangetest.gave_up": (
            "de radio gaf het op na herhalen: {reason}",
            "the radio gave up after retrying: {reason}",
        ),
        "rangetest.summary": (
            "{target}: {ok} van {count} beantwoord. SNR van de antwoorden: gemiddeld {mean},"
            " laagste {low} (boven -7 dB is ruim voor LONG_FAST, onder -15 dB is de grens).",
            "{target}: {ok} of {count} answered. SNR of the answers: mean {mean}, lowest {low}"
            " (above -7 dB is ample for LONG_FAST, below -15 dB is the limit).",
        ),
        "rangetest.none": (
            "{target}: geen enkel antwoord op {count} pogingen. Controleer of die radio aan"
            " staat, hetzelfde kanaal heeft ('nsplink radio check') en binnen bereik is.",
            "{target}: no answer to any of {count} tries. Check that radio is on, has the same"
            " channel ('nsplink radio check') and is in range.",
        ),
        "rangetest.note": (
            "SNR en RSSI zijn van het antwoord zoals deze radio het ontving (de terugweg, laatste"
            " sprong).",
            "SNR and RSSI are of the answer as this radio received it (the way back, last hop).",
        ),
        "rangetest.no_node": (
            "Van post '{site}' is geen radionummer bekend: niet in de deelnemerslijst ('roster"
            " add --node') en nog niets van die post gehoord. Geef het nummer, bijvoorbeeld"
            " 'nsplink radio rangetest !4e530002'.",
            "No radio number is known for post '{site}': not on the roster ('roster add"
            " --node') and nothing heard from it yet. Give the number, e.g. 'nsplink radio"
            " rangetest !4e530002'.",
        ),
        "rangetest.no_radio": (
            'Geen radio ingesteld voor deze post: zet radio = "serial:///dev/ttyUSB0" in'
            " site.toml, of geef --radio.",
            'No radio set for this site: put radio = "serial:///dev/ttyUSB0" in site.toml, or'
            " give --radio.",
        ),
        "rangetest.daemon": (
            "De dienst van deze post gebruikt de radio (proces {pid}); een radio neemt één"
            " verbinding tegelijk. Stop de dienst (Ctrl-C in zijn venster) voor de bereiktest"
            " en start hem daarna weer met 'nsplink daemon'.",
            "This site's service is using the radio (process {pid}); a radio takes one"
            " connection at a time. Stop the service (Ctrl-C in its window) for the range test"
            " and start it again afterwards with 'nsplink daemon'.",
        ),
        "rangetest.self": (
            "Dat is de radio van deze post zelf (!{dest}); kies een andere post.",
            "That is this site's own radio (!{dest}); choose another post.",
        ),
    }
)


class RangeInputError(NsplinkError):
    code = "rangetest.input"


class NoNode(RangeInputError):
    code = "rangetest.no_node"
    key = "rangetest.no_node"


class NoRadio(RangeInputError):
    code = "rangetest.no_radio"
    key = "rangetest.no_radio"


class DaemonHasRadio(RangeInputError):
    code = "rangetest.daemon"
    key = "rangetest.daemon"


class OwnRadio(RangeInputError):
    code = "rangetest.self"
    key = "rangetest.self"


def _node_number(text: str) -> int | None:
    value = text.strip().lower()
    try:
        if value.startswith("!"):
            return int(value[1:], 16)
        if value.isdigit():
            return int(value)
    except ValueError:
        return None
    return None


async def _learned_node(site: LocalSite, name: str) -> int | None:
    """The radio a post's own signed beacon or receipt came from (what status shows)."""
    if not site.home.db_path.exists():
        return None
    found = None
    async with await Store.open(site.home.db_path, create=False, readonly=True) as store:
        async for rec in store.iter_events(kinds=("status.received", "receipt.heard")):
            who = rec.data.get("sender_site") or rec.data.get("by")
            node = rec.data.get("from_node")
            if isinstance(who, str) and who.casefold() == name.casefold() and isinstance(node, int):
                found = node
    return found


def _target(site: LocalSite | None, text: str) -> tuple[int, str]:
    number = _node_number(text)
    if number is not None and 0 < number < 0xFFFFFFFF:
        return number, f"!{number:08x}"
    if site is None:
        raise NoNode(text, site=text)
    for entry in site.ring.doc.sites:
        if entry.site.casefold() == text.strip().casefold():
            if entry.node is not None:
                return entry.node, entry.site
            learned = asyncio.run(_learned_node(site, entry.site))
            if learned is not None:
                return learned, entry.site
            raise NoNode(text, site=entry.site)
    site.key_of(text)  # UnknownSite: the names on the roster, in one line
    raise NoNode(text, site=text)


@contextlib.contextmanager
def _radio_free(site: LocalSite | None) -> Iterator[None]:
    if site is None:
        yield
        return
    try:
        with site_lock(site.home):
            yield
    except DaemonRunning as err:
        raise DaemonHasRadio(pid=err.params.get("pid", "?")) from err


def _words(c: CliContext, ping: Ping, count: int, wait: float) -> str:
    if ping.answered:
        return t(
            "rangetest.answer", c.lang, n=ping.number, count=count, seconds=ping.seconds,
            snr="—" if ping.snr is None else f"{ping.snr:.1f} dB",
            rssi="—" if ping.rssi is None else f"{ping.rssi} dBm",
            hops="?" if ping.hops is None else ping.hops,
        )  # fmt: skip
    reason = (
        t("rangetest.gave_up", c.lang, reason=ping.reason)
        if ping.reason
        else t("rangetest.timed_out", c.lang, wait=round(wait))
    )
    if ping.repeated:
        reason += t("rangetest.repeated", c.lang)
    return t("rangetest.no_answer", c.lang, n=ping.number, count=count, reason=reason)


def rangetest(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="SITE", help=t("rangetest.arg.site"))],
    count: Annotated[
        int, typer.Option("--count", min=1, max=50, help=t("rangetest.opt.count"))
    ] = 5,
    interval: Annotated[
        float, typer.Option("--interval", min=1.0, help=t("rangetest.opt.interval"))
    ] = 15.0,
    wait: Annotated[float, typer.Option("--wait", min=1.0, help=t("rangetest.opt.wait"))] = 60.0,
    radio: Annotated[str | None, typer.Option("--radio", help=t("rangetest.opt.radio"))] = None,
) -> None:
    c = get_ctx(ctx)
    _quiet_libraries()
    try:
        site: LocalSite | None = load_site(c.home) if c.home.config_path.exists() else None
        dest, name = _target(site, target)
        url = radio or (site.config.radio if site is not None else "")
        if not url:
            raise NoRadio()
        addr = parse_radio_url(url)
        with _radio_free(site):
            link = RadioLink.open(addr, DEFAULT_TIMEOUT_S)
            try:
                own = int(link.iface.myInfo.my_node_num)
                if own == dest:
                    raise OwnRadio(dest=f"{dest:08x}")
                c.say(
                    "rangetest.start", own=f"{own:08x}", target=name, dest=f"{dest:08x}",
                    count=count, interval=round(interval),
                )  # fmt: skip
                pings = range_test(
                    link, dest, count, interval, wait,
                    on_ping=lambda p: typer.echo(_words(c, p, count, wait)),
                )  # fmt: skip
            finally:
                link.close()
    except NsplinkError as err:  # provisioning's radio errors too: one line, exit 2
        c.fail(err)
    snrs = [p.snr for p in pings if p.answered and p.snr is not None]
    if not any(p.answered for p in pings):
        c.say("rangetest.none", target=name, count=count)
        raise typer.Exit(1)
    mean = f"{sum(snrs) / len(snrs):.1f} dB" if snrs else "—"
    low = f"{min(snrs):.1f} dB" if snrs else "—"
    ok = sum(1 for p in pings if p.answered)
    c.say("rangetest.summary", target=name, ok=ok, count=count, mean=mean, low=low)
    c.say("rangetest.note")


def register(radio_app: typer.Typer) -> None:
    radio_app.command("rangetest", help=t("rangetest.help"))(rangetest)

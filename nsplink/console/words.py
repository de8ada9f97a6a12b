"""The console's own words, Dutch and English (the queue's and the forms' come from the CLI)."""

from __future__ import annotations

from nsplink.i18n import register

register(
    {
        "console.title": ("CP-console {site}", "CP console {site}"),
        "console.nav.queue": ("Wachtrij", "Queue"),
        "console.nav.map": ("Kaart en verbinding", "Map and link"),
        "console.nav.bulletin": ("Mededeling", "Bulletin"),
        "console.nav.shiftlog": ("Dienstlog", "Shift log"),
        "console.nav.logout": ("Afmelden", "Log out"),
        "console.nav.lang": ("English", "Nederlands"),
        "console.operator": ("Operator: {name}", "Operator: {name}"),
        "console.online": ("Aangemeld: {names}", "Logged in: {names}"),
        "console.login.title": ("Aanmelden", "Log in"),
        "console.login.name": ("Naam of initialen", "Name or initials"),
        "console.login.password": ("Wachtwoord", "Password"),
        "console.login.submit": ("Aanmelden", "Log in"),
        "console.login.failed": (
            "Naam of wachtwoord klopt niet.",
            "Name or password is wrong.",
        ),
        "console.login.bad_name": (
            "Vul uw naam of initialen in (1 tot 40 tekens).",
            "Fill in your name or initials (1 to 40 characters).",
        ),
        "console.forbidden": (
            "Geweigerd: het formulier kwam niet van deze console (CSRF). Laad de pagina opnieuw.",
            "Refused: the form did not come from this console (CSRF). Reload the page.",
        ),
        "console.queue.title": (
            "Wachtrij — {open} open, {done} afgehandeld",
            "Queue — {open} open, {done} closed",
        ),
        "console.queue.all": ("Ook afgehandelde tonen", "Also show closed"),
        "console.queue.open_only": ("Alleen open", "Open only"),
        "console.queue.new": ("NIEUW", "NEW"),
        "console.queue.life": ("LEVENSGEVAAR", "LIFE THREAT"),
        "console.queue.live": ("live", "live"),
        "console.queue.offline": (
            "Geen verbinding met de console — opnieuw verbinden…",
            "No connection to the console — reconnecting…",
        ),
        "console.sound.blocked": (
            "Geluid staat uit: klik ergens op de pagina om P1-signalen te horen.",
            "Sound is off: click anywhere on the page to hear P1 alerts.",
        ),
        "console.item.title": ("Melding nr {id}", "Item no {id}"),
        "console.item.readout": (
            "Voorleesformulier voor de meldkamer",
            "Read-out form for the dispatch centre",
        ),
        "console.item.triage": ("Afhandelen", "Handle"),
        "console.item.state": ("Nieuwe status", "New state"),
        "console.item.priority": ("Prioriteit", "Priority"),
        "console.item.keep_priority": ("ongewijzigd", "unchanged"),
        "console.item.note": (
            "Notitie (gaat naar de post; bij navraag is het de vraag)",
            "Note (goes to the site; with 'more information asked' it is the question)",
        ),
        # one cell carries life threat, services and the summary (the terminal has three)
        "console.queue.header": (
            "Nr|Prio|Soort|Van|Leeftijd|Status|Melding",
            "No|Prio|Type|From|Age|State|Report",
        ),
        # the refusals of a step (web.py `refusal`): the terminal's --take-over is a checkbox
        "console.item.other_cp_first": (
            "Melding {id} is eerst voor {cps}, en een claim daarvan is hier nog niet gehoord. "
            "Weet u dat {cps} hem niet afhandelt? Vink dan 'Overnemen' aan.",
            "Report {id} is first for {cps}, and no claim of theirs has been heard here yet. "
            "If you know {cps} is not handling it, tick 'Take over'.",
        ),
        "console.item.not_your_turn": (
            "Melding {id} is eerst voor {cps}, die hier al een tijd niet gehoord is; vanaf "
            "{until} is hij van u. Weet u dat {cps} niet kan? Vink dan nu 'Overnemen' aan.",
            "Report {id} is first for {cps}, which has not been heard here for a while; from "
            "{until} it is yours. If you know {cps} cannot act, tick 'Take over' now.",
        ),
        "console.item.take_over": (
            "Overnemen: ook als een andere CP eerst aan de beurt is (die CP kan niet)",
            "Take over: even when another CP's turn comes first (that CP cannot act)",
        ),
        "console.item.submit": ("Vastleggen", "Record"),
        "console.item.done": (
            "Vastgelegd: {state}, door {who}. De post krijgt een ontvangstbevestiging.",
            "Recorded: {state}, by {who}. The site gets a receipt.",
        ),
        "console.item.moved": (
            "Let op: deze melding is gewijzigd sinds u haar opende (zie hieronder).",
            "Note: this item changed since you opened it (see below).",
        ),
        "console.item.conflict": (
            "Niet vastgelegd: een andere operator heeft deze melding intussen gewijzigd. "
            "Lees de nieuwe stand hieronder en leg uw stap dan opnieuw vast.",
            "Not recorded: another operator changed this item meanwhile. "
            "Read the new state below, then record your step again.",
        ),
        "console.item.not_found": ("Geen melding met nummer {id}.", "No item with number {id}."),
        "console.item.back": ("Terug naar de wachtrij", "Back to the queue"),
        "shiftlog.since": ("Dienst sinds (bijv. 8h)", "Shift since (e.g. 8h)"),
        "shiftlog.show": ("Tonen", "Show"),
        "shiftlog.print": ("Afdrukken", "Print"),
        "shiftlog.printed_by": ("Afgedrukt door {name}", "Printed by {name}"),
        "console.unexpected": (
            "Er ging iets mis ({kind}); de details staan in het venster waarin de console "
            "draait. Er is niets half opgeslagen; probeer het opnieuw.",
            "Something went wrong ({kind}); the details are in the window the console runs "
            "in. Nothing was half-saved; try again.",
        ),
        "console.serving": (
            "CP-console op {url} — Ctrl-C om te stoppen",
            "CP console at {url} — Ctrl-C to stop",
        ),
        "console.listen_needs_accounts": (
            "--listen alleen met operatoraccounts: maak er eerst een met "
            "'nsplink console user add NAAM'.",
            "--listen only with operator accounts: first add one with "
            "'nsplink console user add NAME'.",
        ),
    }
)

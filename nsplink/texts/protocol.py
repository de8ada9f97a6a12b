"""Texts of the core's errors and form fields: what people read for nsplink.protocol's data.

The protocol raises errors that carry a stable `code`, a catalog `key` and `params`; the texts for
those keys live here, with the hints (`hint.*`) a ValidationError names and the field labels
(`field.<type>.<name>`) the forms and the message view show.
"""

from __future__ import annotations

from nsplink.i18n import Lang, register, t
from nsplink.protocol import ValidationError
from nsplink.texts.render import render_error

# Decode, verify and keyring errors (nsplink/protocol/errors.py).
register(
    {
        "protocol.validation": (
            "Veld '{label}': {hint}",
            "Field '{label}': {hint}",
        ),
        "protocol.decode.malformed": (
            "Onleesbaar bericht ontvangen ({detail}); het is genegeerd.",
            "Unreadable message received ({detail}); it was ignored.",
        ),
        "protocol.decode.version": (
            "Bericht in formaatversie {version}, deze versie van nsplink leest alleen {supported}."
            " Werk nsplink bij.",
            "Message in format version {version}; this nsplink reads only {supported}."
            " Update nsplink.",
        ),
        "protocol.decode.dictionary": (
            "Bericht gebruikt woordenboek {version}, dat deze versie van nsplink niet kent."
            " Werk nsplink bij.",
            "Message uses dictionary {version}, which this nsplink does not know. Update nsplink.",
        ),
        "protocol.decode.type": (
            "Onbekend berichttype {type_code}; werk nsplink bij.",
            "Unknown message type {type_code}; update nsplink.",
        ),
        "protocol.decode.too_large": (
            "Bericht te groot ({detail}); het is genegeerd.",
            "Message too large ({detail}); it was ignored.",
        ),
        "protocol.verify.bad_signature": (
            "Handtekening klopt niet voor bericht van {sender}: het is onderweg veranderd of"
            " vervalst. Niet vertrouwen.",
            "Signature does not match for a message from {sender}: it was altered or forged."
            " Do not trust it.",
        ),
        "protocol.verify.wrong_key": (
            "Bericht van sleutel {sender} gecontroleerd met een andere sleutel ({other});"
            " controleer de deelnemerslijst.",
            "Message from key {sender} checked against a different key ({other});"
            " check the roster.",
        ),
        "protocol.verify.unknown_key": (
            "Bericht van onbekende afzender {sender}: niet op de deelnemerslijst. Niet vertrouwen.",
            "Message from unknown sender {sender}: not on the roster. Do not trust it.",
        ),
        "protocol.delivery.refused": (
            "Interne fout: een bericht in bezorgstatus {state} kan geen '{event}' krijgen;"
            " meld dit aan de technicus.",
            "Internal error: a message in delivery state {state} cannot take '{event}';"
            " report this to the technician.",
        ),
        "protocol.verify.revoked": (
            "Bericht van ingetrokken sleutel {sender}: de regio heeft deze sleutel ingetrokken."
            " Niet vertrouwen.",
            "Message from revoked key {sender}: the region revoked this key. Do not trust it.",
        ),
        "protocol.keyring.collision": (
            "Sleutel-id {key_id} van {site} is al in gebruik door {other}; maak voor {site} een"
            " nieuwe sleutel met 'nsplink init --force'.",
            "Key id {key_id} of {site} is already used by {other}; make a new key for {site}"
            " with 'nsplink init --force'.",
        ),
        "protocol.fragment.bad": (
            "Ongeldig berichtdeel ontvangen ({detail}); het is genegeerd.",
            "Invalid message fragment received ({detail}); it was ignored.",
        ),
    }
)

# How to fix a field: the `hint_key` of a ValidationError (nsplink/protocol/messages.py).
register(
    {
        "hint.required": ("verplicht veld, vul het in.", "required field, please fill it in."),
        "hint.too_long": (
            "te lang ({length} tekens), maximaal {max}. Maak het korter.",
            "too long ({length} characters), at most {max}. Shorten it.",
        ),
        "hint.invisible": (
            "bevat een onzichtbaar of tekstrichting-veranderend teken ({char}); "
            "typ de tekst opnieuw zonder te plakken.",
            "contains an invisible or text-direction character ({char}); "
            "type the text again instead of pasting it.",
        ),
        "hint.control": (
            "bevat onzichtbare stuurtekens; typ de tekst opnieuw.",
            "contains invisible control characters; type the text again.",
        ),
        "hint.range": (
            "moet een heel getal van {lo} tot en met {hi} zijn.",
            "must be a whole number from {lo} to {hi}.",
        ),
        "hint.choice": (
            "kies een van: {choices}.",
            "choose one of: {choices}.",
        ),
        "hint.location": (
            "vul een adres (straat en huisnummer) of een herkenningspunt in.",
            "fill in an address (street and number) or a landmark.",
        ),
        "hint.phone": (
            "vul een telefoonnummer in (cijfers, eventueel met +), of kies een andere manier.",
            "fill in a phone number (digits, optionally with +), or choose another way.",
        ),
        "hint.services": (
            "kies minstens één hulpdienst: A (ambulance), B (brandweer) of P (politie).",
            "choose at least one service: A (ambulance), B (fire brigade) or P (police).",
        ),
        "hint.key_id": (
            "moet een sleutel-id van 6 tekens zijn (zoals a1b2c3).",
            "must be a 6-character key id (like a1b2c3).",
        ),
        "hint.period": (
            "het begin van de periode moet vóór het einde liggen.",
            "the start of the period must be before its end.",
        ),
        "hint.range_order": (
            "het laatste volgnummer moet minstens het eerste zijn, en hooguit {max} verder.",
            "the last sequence number must be at least the first, and at most {max} after it.",
        ),
        "hint.overlap": (
            "een bericht staat twee keer in dezelfde bevestiging.",
            "a message is listed twice in the same receipt.",
        ),
        "hint.bytes": (
            "mag hooguit {max} bytes zijn.",
            "may be at most {max} bytes.",
        ),
        "hint.text_total": (
            "alle tekst samen is te lang ({length} bytes, maximaal {max}). Maak het korter.",
            "all text together is too long ({length} bytes, at most {max}). Shorten it.",
        ),
        "hint.coordinates": (
            "geef breedte- en lengtegraad allebei, binnen -90..90 en -180..180.",
            "give both latitude and longitude, within -90..90 and -180..180.",
        ),
    }
)

# Field labels, `field.<type>.<name>`: forms, the message view and ValidationError's text.
register(
    {
        f"field.{k}": v
        for k, v in {
            "emergency.location": ("Locatie / adres", "Location / address"),
            "emergency.street": ("Straat", "Street"),
            "emergency.number": ("Huisnummer", "House number"),
            "emergency.postcode": ("Postcode", "Postcode"),
            "emergency.place": ("Plaats", "Place"),
            "emergency.landmark": ("Herkenningspunt", "Landmark"),
            "emergency.coordinates": ("Coördinaten", "Coordinates"),
            "emergency.incident": ("Wat is er gebeurd?", "What happened?"),
            "emergency.services": ("Welke hulpdienst?", "Which service?"),
            "emergency.life_threat": ("Levensgevaar?", "Life threatening?"),
            "emergency.conscious": ("Aanspreekbaar?", "Conscious?"),
            "emergency.breathing": ("Ademt normaal?", "Breathing normally?"),
            "emergency.people_involved": ("Aantal betrokkenen", "People involved"),
            "emergency.injured": ("Aantal gewonden", "Injured"),
            "emergency.hazards": ("Gevaar ter plaatse", "Hazard on site"),
            "emergency.access": ("Bereikbaarheid", "Access"),
            "emergency.reporter": ("Melder", "Reporter"),
            "emergency.callback": ("Terugbellen / bereikbaar via", "Call back / reachable via"),
            "emergency.callback_number": ("Telefoonnummer", "Phone number"),
            "emergency.text": ("Toelichting", "Details"),
            "emergency.sealed_personal": ("Versleutelde persoonsgegevens", "Sealed personal data"),
            "sitrep.nsp_state": ("Status NSP", "NSP status"),
            "sitrep.power": ("Stroomvoorziening", "Power supply"),
            "sitrep.power_hours": ("Nog uren stroom", "Hours of power left"),
            "sitrep.fuel_l": ("Brandstof (liter)", "Fuel (litres)"),
            "sitrep.staff_pro": ("Bemensing: professionals", "Staff: professionals"),
            "sitrep.staff_vol": ("Bemensing: vrijwilligers", "Staff: volunteers"),
            "sitrep.visitors": ("Bezoekers sinds vorig rapport", "Visitors since last report"),
            "sitrep.queue": ("Wachtenden", "People waiting"),
            "sitrep.reports_sent": ("Meldingen doorgegeven", "Reports passed on"),
            "sitrep.needs": ("Behoeften", "Needs"),
            "sitrep.observations": ("Signalen uit de wijk", "Signals from the neighbourhood"),
            "sitrep.period": ("Periode", "Period"),
            "sitrep.text": ("Toelichting", "Details"),
            "supply.category": ("Categorie", "Category"),
            "supply.item": ("Omschrijving", "Item"),
            "supply.quantity": ("Aantal", "Quantity"),
            "supply.unit": ("Eenheid", "Unit"),
            "supply.persons": ("Voor hoeveel personen", "For how many people"),
            "supply.urgency": ("Urgentie", "Urgency"),
            "supply.deliver_to_site": ("Afleveren bij (post)", "Deliver to (site)"),
            "supply.deliver_to_address": ("Afleveren bij (adres)", "Deliver to (address)"),
            "supply.text": ("Toelichting", "Details"),
            "bulletin.headline": ("Kop", "Headline"),
            "bulletin.body": ("Tekst", "Text"),
            "bulletin.valid_until": ("Geldig tot", "Valid until"),
            "bulletin.supersedes": ("Vervangt", "Supersedes"),
            "bulletin.municipality": ("Doelgroep: gemeente", "Audience: municipality"),
            "bulletin.sites": ("Doelgroep: posten", "Audience: sites"),
            "bulletin.internal": ("Alleen voor medewerkers", "Staff only"),
            "bulletin.urgent": ("Prioriteit", "Priority"),
            "bulletin.topic": ("Onderwerp", "Topic"),
            "bulletin.issuer": ("Bron", "Issuer"),
            "receipt.kind": ("Soort bevestiging", "Receipt kind"),
            "receipt.entries": ("Bevestigde berichten", "Confirmed messages"),
            "status.power": ("Stroomvoorziening", "Power supply"),
            "status.battery_pct": ("Accu (%)", "Battery (%)"),
            "status.power_hours": ("Nog uren stroom", "Hours of power left"),
            "status.queue_depth": ("Berichten in wachtrij", "Messages queued"),
            "status.last_heard": ("Laatst gehoord", "Last heard"),
            "status.rssi": ("Signaalsterkte (RSSI)", "Signal strength (RSSI)"),
            "status.snr": ("Signaal-ruisverhouding", "Signal-to-noise ratio"),
            "roster_update.payload": ("Inhoud", "Payload"),
            "envelope.seq": ("Volgnummer", "Sequence number"),
            "envelope.created": ("Gemeld om", "Reported at"),
            "envelope.priority": ("Prioriteit", "Priority"),
        }.items()
    }
)

# Sealed personal data (nsplink/protocol/sealing.py).
register(
    {
        "protocol.seal.open": (
            "De persoonsgegevens van melding {mid} zijn niet te openen ({detail}).",
            "The personal data of report {mid} cannot be opened ({detail}).",
        ),
        "protocol.seal.key": (
            "Ongeldige sleutel voor het versleutelen van persoonsgegevens ({detail}).",
            "Invalid key for sealing personal data ({detail}).",
        ),
    }
)

# The signed roster (nsplink/protocol/rosterdoc.py).
register(
    {
        "protocol.roster.malformed": (
            "De deelnemerslijst is onleesbaar ({detail}); vraag de regio om een nieuwe.",
            "The roster cannot be read ({detail}); ask the region for a new one.",
        ),
        "protocol.roster.signature": (
            "De deelnemerslijst is niet ondertekend met de regiosleutel {region_key} (vervalst,"
            " gewijzigd of van een andere regio). Gebruik alleen de lijst die de regio tekende.",
            "The roster is not signed by the region key {region_key} (forged, altered or from"
            " another region). Only use the roster the region signed.",
        ),
    }
)


@render_error.register
def _validation(err: ValidationError, lang: Lang | None = None) -> str:
    """The field by its label and how to fix it, both in the reader's language."""
    label = t(f"field.{err.field}", lang)
    if label == f"field.{err.field}":  # a field without a registered label
        label = err.field
    return t(err.key, lang, label=label, hint=t(err.hint_key, lang, **err.hint_params))

# ruff: noqa: E501  (data: one message per line reads better than wrapped strings)
"""Hand-written held-out messages: none of their sentences comes from pieces.py, so they show how
the dictionary does on wording it was not built from. All people and places invented."""

from __future__ import annotations

from nsplink.protocol import (
    Answer,
    Body,
    Bulletin,
    Callback,
    Category,
    Emergency,
    Incident,
    NspState,
    Observation,
    Power,
    Services,
    Sitrep,
    Supply,
    Topic,
    Unit,
    Urgency,
)

_EMERGENCY = [
    (Incident.MED, "Graafschapstraat", "19", "Meneer voelt zich slap, heeft sinds vanochtend niet gedronken. Hij woont alleen."),
    (Incident.APP, "Korenbloemweg", "7", "Mevrouw slaapt met CPAP, apparaat is gestopt. Zij heeft hartproblemen en is erg moe."),
    (Incident.LET, "Boterdijk", "88", "Vrouw is met haar fiets in een kuil gereden, pols staat scheef, veel pijn."),
    (Incident.CO, "Zwanenveld", "43", "Hele gezin suf en misselijk na het koken op een gasstel in de bijkeuken. Ramen staan nu open."),
    (Incident.BRA, "Hoefsmid", "2", "Vlammen uit de dakgoot van de garage, buren proberen te blussen met emmers."),
    (Incident.LIFT, "Europaplein", "120", "Bezorger zit in de goederenlift van het appartementencomplex, hij klinkt rustig."),
    (Incident.VER, "Heidelaan", "5", "Jongen van 15 met autisme is weggelopen na ruzie, donkere hoodie, op een blauwe fiets."),
    (Incident.GEW, "Marktstraat", "9", "Twee mannen slaan elkaar bij de pinautomaat, omstanders houden afstand."),
    (Incident.REA, "Wilgenhof", "31", "Opa is in de stoel weggezakt en reageert niet, kleinzoon geeft hartmassage."),
    (Incident.WAT, "Kadijk", "16", "Straat staat blank door een gesprongen leiding, water loopt de huizen in."),
    (Incident.GAS, "Beukenstraat", "61", "Na het opnieuw aanzetten van de geiser ruikt het hele huis naar gas."),
    (Incident.OVR, "Spoorlaan", "27", "Overweg staat open terwijl de bomen dicht horen, auto's rijden er zomaar over."),
]  # fmt: skip
_SITREPS = [
    "Ochtendploeg gestart, koffie en thee voor bezoekers. Vooral vragen over het ophalen van medicijnen.",
    "Zaal vol, we verwijzen mensen door naar het buurthuis. Twee rolstoelgebruikers hebben hulp nodig bij de wc.",
    "Laptop draait op de accu van de bus. Lampen op het plein trekken veel mensen. Geen incidenten.",
    "Bewoners van het seniorencomplex komen in groepjes. Ze hebben het koud en willen warme soep.",
    "Er liepen vanmiddag geruchten over plunderingen, dat klopt niet. Graag een mededeling hierover.",
    "Diesel komt volgens de gemeente om vijf uur. Tot die tijd zetten we de verwarming laag.",
    "Kinderhoek ingericht met spelletjes. Ouders blijven langer, het is hier warm en licht.",
    "Twee vrijwilligers naar huis gestuurd, ze zijn al sinds gisteravond hier. Vervanging gevraagd.",
]  # fmt: skip
_SUPPLY = [
    (Category.WATER, "flessen spa blauw", 48, Unit.ST, "Schoolkinderen en ouderen drinken veel, voorraad halveert per dienst."),
    (Category.MEDI, "inhalers", 6, Unit.ST, "Astmapatiënten met lege pufjes, apotheek aan de Markt is dicht."),
    (Category.BRST, "rode diesel", 3, Unit.JC, "Tank van de generator staat op een kwart."),
    (Category.WARM, "fleecedekens", 30, Unit.ST, "Nachtopvang in de gymzaal, vloer is koud."),
    (Category.HYG, "maandverband", 4, Unit.DOOS, "Vraag van meerdere vrouwen, winkels zijn dicht."),
    (Category.VERV, "taxibusje met lift", 1, Unit.ST, "Mevrouw met thuisdialyse moet voor morgenochtend naar het ziekenhuis."),
    (Category.LICHT, "hoofdlampjes", 10, Unit.ST, "Voor de vrijwilligers die 's avonds langs de deuren gaan."),
    (Category.PERS, "iemand die Pools spreekt", 1, Unit.PERS, "Groep seizoenarbeiders begrijpt de mededelingen niet."),
]  # fmt: skip
_BULLETINS = [
    (Topic.WATER, "Tankwagen met drinkwater", "Morgen vanaf negen uur staat er een tankwagen op het kerkplein. Neem schone flessen mee. Kom niet allemaal tegelijk, de wagen blijft tot de avond."),
    (Topic.ZORG, "Medicijnen ophalen", "Heeft u medicijnen nodig die op zijn? Vraag bij het noodsteunpunt naar het briefje voor de dienstapotheek. Neem uw doosje of recept mee."),
    (Topic.VEILIG, "Let op oplichters", "Er gaan mensen langs de deuren die zeggen dat ze van het energiebedrijf zijn. Laat niemand binnen zonder pasje. Twijfelt u, bel dan niet maar kom naar ons."),
    (Topic.OPVANG, "Warme plek overdag", "De sporthal aan de Ringweg is overdag open als warme plek. Er is koffie, thee en een oplaadpunt voor medische apparaten."),
    (Topic.STROOM, "Stroom komt stap voor stap terug", "Vanavond krijgen de wijken ten noorden van het spoor weer stroom. Het zuiden volgt morgen. Laat grote apparaten nog even uit."),
    (Topic.VERKEER, "Brug dicht", "De ophaalbrug staat vast in de open stand. Rijd om via de rondweg. Hulpdiensten kunnen wel via de noodroute."),
]  # fmt: skip


def handwritten() -> list[Body]:
    out: list[Body] = []
    for incident, street, number, text in _EMERGENCY:
        out.append(
            Emergency(
                incident=incident,
                services=Services.A,
                life_threat=Answer.ONB,
                street=street,
                number=number,
                place="Westervoort",
                callback=Callback.NSP,
                text=text,
            )
        )
    for text in _SITREPS:
        out.append(
            Sitrep(
                NspState.OPEN, Power.AGG, 10, 1, 6, 80, observations=(Observation.KOU,), text=text
            )
        )
    for cat, item, qty, unit, text in _SUPPLY:
        out.append(Supply(cat, qty, unit, urgency=Urgency.VANDAAG, item=item, text=text))
    for topic, head, body in _BULLETINS:
        out.append(
            Bulletin(head, body, valid_until=600_000, issuer="Veiligheidsregio Oost", topic=topic)
        )
    for b in out:
        b.validate()
    return out

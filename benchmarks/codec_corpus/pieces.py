# ruff: noqa: E501  (data: one message per line reads better than wrapped strings)
"""Hand-written pieces of realistic Dutch messages (B1 level). All people and numbers invented."""

from __future__ import annotations

STREETS = [
    "Kerkstraat", "Dorpsstraat", "Molenweg", "Schoolstraat", "Julianastraat", "Beatrixlaan",
    "Wilhelminastraat", "Stationsweg", "Nieuwstraat", "Emmalaan", "Prins Bernhardlaan",
    "Raadhuisplein", "Burgemeester de Vriesstraat", "Vondellaan", "Eikenlaan", "Berkenhof",
    "Populierenweg", "Lindenlaan", "Kastanjelaan", "Marktplein", "Havenstraat", "Dijkweg",
    "Sportlaan", "Parkweg", "Van Goghstraat", "Rembrandtplein", "Tulpstraat", "Rozenstraat",
    "Zonnebloemstraat", "Industrieweg", "Hoofdstraat", "Achterweg", "Graaf Florislaan",
    "Irenestraat", "Koningin Julianaplein", "Oranjestraat", "Zuiderweg", "Noorderhaven",
    "Westeinde", "Oosteinde", "De Ruyterstraat", "Tjalkstraat", "Bloemendaal", "Kloosterlaan",
    "Mr. Troelstraweg", "Sint Jansstraat", "Van der Duijn van Maasdamweg", "Brinkstraat",
    "Esdoornlaan", "Meidoornstraat", "Weverstraat", "Bakkerstraat", "Smidsweg", "Veldweg",
]  # fmt: skip
HOUSE_NUMBERS = [
    "1", "2", "3", "4", "5", "7", "8", "9", "11", "12", "14", "15", "17", "18", "21", "23", "24",
    "27", "31", "33", "36", "42", "45", "51", "58", "63", "77", "102", "115", "12a", "3b", "8-2",
    "14 hs", "20 II", "6c", "41 bis",
]  # fmt: skip
POSTCODES = [
    "1234 AB", "3511 KL", "6811 CD", "9712 HV", "5611 EM", "2311 GJ", "8011 NB", "7511 JM",
    "4811 XA", "6211 LE", "1011 AC", "3071 PR", "2511 BT", "6512 AB", "7411 KE", "8911 BC",
]  # fmt: skip
PLACES = [
    "Oosterhout", "Zevenbergen", "Haaksbergen", "Zaltbommel", "Tiel", "Culemborg", "Nijmegen",
    "Deventer", "Zwolle", "Amersfoort", "Apeldoorn", "Hengelo", "Roermond", "Venlo", "Breda",
    "Tilburg", "Den Bosch", "Lelystad", "Almere", "Emmen", "Assen", "Leeuwarden", "Sneek",
    "Middelburg", "Goes", "Gouda", "Alphen", "Purmerend", "Hoorn", "Enkhuizen",
]  # fmt: skip
LANDMARKS = [
    "bij de kerk", "achter de supermarkt", "naast de basisschool", "bij het tankstation",
    "tegenover het gemeentehuis", "bij de sporthal", "op het parkeerterrein van de Jumbo",
    "bij de brug over de vaart", "naast de huisartsenpraktijk", "bij de bushalte Centrum",
    "flat achter het winkelcentrum", "bij de molen", "op de hoek bij de bakker",
    "bij het voetbalveld", "naast het zorgcentrum", "bij de ingang van het park",
    "bij de speeltuin", "bij het dorpshuis", "tegenover de apotheek", "bij de rotonde",
]  # fmt: skip
ACCESS = [
    "3e verdieping, lift doet het niet", "achterom via de poort", "sleutel bij de buren op 14",
    "voordeur op slot, bel bij de buren", "ingang aan de achterkant", "trap is smal",
    "2e etage, trappenhuis links", "deur staat open", "via de garage", "flat, portiek B",
    "4e verdieping, geen lift", "hek is dicht, code 1234", "woont op de begane grond",
    "toegang via het fietspad", "in de tuin achter het huis",
]  # fmt: skip
REPORTERS = [
    "J. de Vries", "buurvrouw", "zoon", "dochter", "mevr. B.", "dhr. K.", "A. Jansen",
    "buurman", "mantelzorger", "wijkagent", "vrijwilliger NSP", "kleindochter", "P. Bakker",
    "M. Visser", "echtgenote", "huisgenoot",
]  # fmt: skip
PHONES = [
    "06 12345678", "0612345678", "+31 6 87654321", "030 1234567", "06-23456789", "0418 123456",
    "06 98765432", "+31612340000",
]  # fmt: skip

INCIDENT_TEXTS = {
    "MED": [
        "Man van {age} onwel geworden, is duizelig en misselijk.",
        "Vrouw van {age} voelt zich niet goed, pijn op de borst.",
        "Oudere man is flauwgevallen in de keuken, is weer bij.",
        "Diabeet, insuline is op en koelkast is warm.",
        "Vrouw is benauwd, zuurstofapparaat werkt niet zonder stroom.",
        "Kind met hoge koorts, ouders maken zich zorgen.",
        "Man heeft veel pijn in zijn buik en moet overgeven.",
        "Mevrouw van {age} is verward en weet niet waar ze is.",
    ],
    "LET": [
        "Vrouw van {age} gevallen op de trap in het donker, kan niet staan.",
        "Fietser aangereden op de kruising, verkeerslichten zijn uit.",
        "Man gevallen van ladder, hoofdwond, bloedt.",
        "Ongeluk met twee auto's op de kruising, een persoon zit vast.",
        "Oudere man uitgegleden in de badkamer, heup doet pijn.",
        "Jongen gevallen met scooter, arm mogelijk gebroken.",
    ],
    "REA": [
        "Man van {age} niet aanspreekbaar, ademt niet, buurman is gestart met reanimeren.",
        "Vrouw in elkaar gezakt, geen ademhaling, AED wordt gehaald.",
        "Reanimatie bezig in de woning, AED van de sporthal is aangesloten.",
    ],
    "BRA": [
        "Brand in de keuken door kaarsen, rook komt uit het raam.",
        "Schuur staat in brand achter de woning.",
        "Brand in flat op de 2e verdieping, bewoners staan buiten.",
        "Aggregaat in de garage vat vlam.",
        "Rook uit de meterkast, bewoners zijn naar buiten.",
    ],
    "CO": [
        "Gezin van {n} heeft hoofdpijn en is misselijk, ze stookten binnen met een barbecue.",
        "Vermoeden koolmonoxide, man suf na gebruik van gaskachel binnen.",
        "Aggregaat binnen laten draaien, twee mensen duizelig.",
        "Terrasverwarmer in de woonkamer gebruikt, vrouw is suf.",
    ],
    "GAS": [
        "Sterke gaslucht in het trappenhuis van de flat.",
        "Gaslucht bij de meterkast, bewoners zijn buiten.",
        "Buren ruiken gas op straat bij nummer {n}.",
    ],
    "LIFT": [
        "Twee mensen opgesloten in de lift sinds de stroom uitviel.",
        "Oudere vrouw zit vast in de lift van het zorgcentrum.",
        "Lift blijft steken tussen 3e en 4e verdieping, {n} personen.",
    ],
    "APP": [
        "Thuisbeademing werkt nog {hours} uur op de accu, daarna niet meer.",
        "Zuurstofconcentrator valt uit, reserveflessen bijna leeg.",
        "Voedingspomp werkt niet meer, patiënt thuis met sonde.",
        "Hoog-laagbed en luchtbed werken niet, patiënt ligt slecht.",
        "Traplift staat stil, mevrouw kan niet naar beneden.",
    ],
    "GEW": [
        "Ruzie op straat, man wordt bedreigd met een mes.",
        "Inbraak in de supermarkt, groep jongeren gaat naar binnen.",
        "Vechtpartij bij het tankstation om brandstof.",
    ],
    "WAT": [
        "Kelder loopt onder water, riool loopt over.",
        "Geen waterdruk meer op de bovenste verdiepingen van de flat.",
        "Water komt uit het putje in de straat.",
    ],
    "VER": [
        "Man van {age} met dementie sinds {time} vermist, liep richting het park.",
        "Kind van 8 niet thuisgekomen, laatst gezien bij de speeltuin.",
        "Bewoner van het zorgcentrum is weg, draagt een blauwe jas.",
    ],
    "OVR": [
        "Boom op de weg, straat is niet meer te bereiken.",
        "Dakpannen vallen van het dak, gevaar voor voorbijgangers.",
        "Hond opgesloten in auto in de zon.",
        "Eenzame oudere vrouw heeft al {n} uur niets gegeten.",
    ],
}
EMERGENCY_EXTRA = [
    "Melder wacht op het NSP.",
    "Buren zijn bij haar.",
    "Huisarts is niet bereikbaar.",
    "Ambulance graag via de achterkant.",
    "Er is geen telefoon in huis.",
    "Familie is onderweg.",
    "Medicijnlijst ligt klaar.",
    "Melder gaat terug naar het adres.",
    "Graag snel, situatie wordt slechter.",
    "Hij is wel aanspreekbaar.",
    "Ze ademt normaal.",
    "Sinds ongeveer {time} uur.",
]

SITREP_SENTENCES = [
    "Rustig op het NSP.",
    "Veel vragen over drinkwater.",
    "Mensen vragen hoe lang de storing nog duurt.",
    "Aggregaat loopt goed, nog {litres} liter diesel.",
    "Rij bij de ingang, ongeveer {n} mensen wachten.",
    "Veel ouderen komen hun telefoon opladen.",
    "Waterdruk in de flats aan de {street} is weg.",
    "Riool in de {street} loopt over.",
    "Vrijwilligers zijn moe, dienstwissel om {time} uur.",
    "Nieuwe vrijwilligers aangemeld: {n}.",
    "Koud in de woningen, mensen vragen om dekens.",
    "Drie meldingen doorgegeven sinds het vorige rapport.",
    "Geen bijzonderheden in de wijk.",
    "Onrust bij de supermarkt, winkel is dicht.",
    "Kwetsbare bewoners bezocht aan de {street}.",
    "Wijkverpleging langs geweest, alles goed.",
    "Stroom in {place} is terug, hier nog niet.",
    "Mededeling over de waterpunten voorgelezen om {time} uur.",
    "Verkeerslichten op de kruising zijn uit, veel gevaarlijke situaties.",
    "Gezin met baby heeft geen warm eten meer.",
    "Brandstof voor het aggregaat is genoeg tot morgenochtend.",
    "Accu van de laptop is bijna leeg.",
    "Veel mensen zonder contant geld.",
    "Buurtbewoners helpen elkaar goed.",
    "We sluiten om {time} uur en openen weer om 8:00 uur.",
    "Jongeren helpen met het uitdelen van water.",
    "De huisarts houdt spreekuur op het NSP.",
    "Apotheek is dicht, mensen vragen naar medicijnen.",
    "Zorgcentrum aan de {street} heeft een aggregaat, maar weinig brandstof.",
    "Er is geen mobiel bereik meer in de wijk.",
]

SUPPLY_ITEMS = {
    "WATER": [("flessen water 1,5 liter", "ST"), ("drinkwater", "L"), ("jerrycans water", "JC")],
    "VOED": [("broodpakketten", "ST"), ("babyvoeding", "DOOS"), ("soep", "L"), ("maaltijden", "PERS")],
    "MEDI": [("insuline", "DOOS"), ("paracetamol", "DOOS"), ("verbandmiddelen", "DOOS")],
    "ZORG": [("wijkverpleegkundige", "PERS"), ("huisarts", "PERS"), ("EHBO'er", "PERS")],
    "BRST": [("diesel", "L"), ("diesel voor aggregaat", "JC"), ("benzine", "L")],
    "WARM": [("dekens", "ST"), ("slaapzakken", "ST"), ("warmtedekens", "DOOS")],
    "OPVG": [("opvangplaatsen", "PERS"), ("bedden", "ST")],
    "VERV": [("rolstoelbus", "ST"), ("vervoer naar ziekenhuis", "PERS"), ("busje", "ST")],
    "LICHT": [("zaklampen", "ST"), ("batterijen AA", "DOOS"), ("bouwlampen", "ST")],
    "HYG": [("chemisch toilet", "ST"), ("luiers", "DOOS"), ("handgel", "L"), ("vuilniszakken", "DOOS")],
    "COMM": [("portofoons", "ST"), ("powerbanks", "ST"), ("opladers", "ST")],
    "PERS": [("vrijwilligers", "PERS"), ("beveiliging", "PERS"), ("tolk Arabisch", "PERS")],
    "OVR": [("tafels", "ST"), ("stoelen", "ST"), ("pallets met spullen", "PAL")],
}  # fmt: skip
SUPPLY_REASONS = {
    "WATER": ["Voorraad water is op.", "Flats hebben geen waterdruk meer.", "Nog water voor {hours} uur."],
    "VOED": ["Veel gezinnen zonder warm eten.", "Baby's hebben voeding nodig."],
    "MEDI": ["Diabeten met insuline die warm is geworden.", "Apotheek is dicht."],
    "ZORG": ["Meerdere ouderen met klachten.", "Veel vragen over medicijnen en wondzorg."],
    "BRST": ["Aggregaat heeft nog brandstof voor {hours} uur.", "Tank is bijna leeg."],
    "WARM": ["Het is koud in de woningen.", "Ouderen zitten in de kou."],
    "OPVG": ["Gezinnen kunnen niet meer thuis blijven.", "Flat is te koud voor ouderen."],
    "VERV": ["Patiënt met thuisbeademing moet naar een plek met stroom.", "Rolstoelgebruiker moet naar opvang."],
    "LICHT": ["Het wordt donker, geen verlichting in de zaal.", "Bewoners hebben geen licht."],
    "HYG": ["Toiletten werken niet zonder water.", "Geen water om te wassen."],
    "COMM": ["Geen contact met de wijkteams.", "Telefoons zijn leeg."],
    "PERS": ["Vrijwilligers zijn al {hours} uur bezig.", "Te druk voor het huidige team."],
    "OVR": ["Meer plek nodig voor bezoekers.", "Zaal is te klein."],
}  # fmt: skip
SUPPLY_GENERIC = [
    "Graag voor {time} uur.",
    "Wij hebben nog voor {hours} uur voorraad.",
    "Er komen nu ongeveer {n} mensen per uur.",
    "Vorige aanvraag van {time} uur is nog niet geleverd.",
    "Contactpersoon is de coördinator van {site}.",
    "Liefst bezorgen bij {site}.",
    "Voor ongeveer {n} personen.",
    "Afleveren bij de achteringang.",
    "Kan ook morgenvroeg.",
    "Dringend, voorraad is op.",
    "Ophalen kan ook, we hebben een auto.",
]

BULLETINS = [
    ("WATER", "Drinkwater bij {site}", [
        "Vanaf {time} uur is er drinkwater bij {site}.",
        "Neem zelf flessen of emmers mee.",
        "Per persoon krijgt u 3 liter per dag.",
        "Kook kraanwater niet als de kraan nog werkt, het water is veilig.",
    ]),
    ("WATER", "Waterdruk in flats", [
        "In hoge flats is er minder waterdruk.",
        "Gebruik water zuinig.",
        "Vul emmers om het toilet door te spoelen.",
        "Haal drinkwater bij het noodsteunpunt.",
    ]),
    ("STROOM", "Stroom nog niet terug", [
        "De stroom is nog niet terug in {place}.",
        "Netbeheerder verwacht herstel over minstens {hours} uur.",
        "Zet apparaten uit, zodat er geen brand ontstaat als de stroom terugkomt.",
        "Houd de koelkast en vriezer dicht.",
    ]),
    ("STROOM", "Stroom terug in deel van {place}", [
        "In een deel van {place} is de stroom terug.",
        "In andere wijken kan het nog uren duren.",
        "Zet apparaten een voor een weer aan.",
    ]),
    ("VEILIG", "Gevaar van koolmonoxide", [
        "Stook nooit binnen met een barbecue, terrasverwarmer of aggregaat.",
        "Koolmonoxide ruikt u niet en kan dodelijk zijn.",
        "Hoofdpijn, misselijk of suf? Ga naar buiten en meld het bij het noodsteunpunt.",
    ]),
    ("VEILIG", "Gebruik geen kaarsen", [
        "Gebruik een zaklamp in plaats van kaarsen.",
        "Laat kaarsen nooit alleen branden.",
        "Bij brand: ga naar buiten en waarschuw het noodsteunpunt.",
    ]),
    ("OPVANG", "Opvang voor de nacht", [
        "Vanavond is er opvang in {site}.",
        "Er zijn bedden, dekens en warm eten.",
        "Neem uw medicijnen en een tas met kleding mee.",
        "Huisdieren kunnen helaas niet mee.",
    ]),
    ("ZORG", "Huisarts en apotheek", [
        "De huisartsenpost is open van {time} tot 20:00 uur in {site}.",
        "De apotheek geeft alleen noodmedicatie mee.",
        "Neem uw medicijnpaspoort mee.",
    ]),
    ("ZORG", "Thuis met apparaten op stroom", [
        "Gebruikt u thuis zuurstof of beademing? Meld dit bij het noodsteunpunt.",
        "Wij zorgen voor vervoer naar een plek met stroom.",
        "Buren: kijk of het goed gaat met ouderen in uw straat.",
    ]),
    ("VERKEER", "Verkeerslichten uit", [
        "De verkeerslichten werken niet.",
        "Rijd rustig en geef voorrang aan verkeer van rechts.",
        "Ga niet onnodig de weg op.",
    ]),
    ("ALG", "Noodsteunpunt {site} open", [
        "Het noodsteunpunt in {site} is open van 8:00 tot 22:00 uur.",
        "U kunt hier terecht voor informatie en een noodhulpmelding.",
        "Bel 112 niet met een mobiele telefoon als er geen bereik is, kom naar het noodsteunpunt.",
        "Geef deze informatie door aan uw buren en familie.",
    ]),
    ("ALG", "Tanken en pinnen", [
        "Tankstations en pinautomaten werken niet.",
        "Winkels zijn dicht of accepteren alleen contant geld.",
        "Wij verwachten dat dit morgen beter wordt.",
    ]),
]  # fmt: skip
BULLETIN_CLOSERS = [
    "Luister ook naar de rampenzender.",
    "Geef dit door aan uw buren.",
    "Volgende mededeling om {time} uur.",
    "Deze mededeling vervangt de vorige.",
    "Vragen? Kom naar het noodsteunpunt.",
]
ISSUERS = [
    "Veiligheidsregio Gelderland-Zuid", "Gemeente Zaltbommel", "Veiligheidsregio Twente",
    "Gemeente Oosterhout", "Veiligheidsregio Midden- en West-Brabant", "CP Rivierenland",
    "Gemeente Haaksbergen", "Veiligheidsregio Utrecht",
]  # fmt: skip
NSP_NAMES = [
    "het dorpshuis", "sporthal De Kamp", "de bibliotheek", "basisschool De Regenboog",
    "buurthuis Het Anker", "de Sint-Janskerk", "sportclub VV Sparta", "wijkcentrum De Ontmoeting",
    "het stembureau in de Brink", "kantine van de voetbalclub",
]  # fmt: skip

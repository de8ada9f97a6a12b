# ruff: noqa: E501  (data: one message per line reads better than wrapped strings)
"""Hand-written held-out set for the text coder (issue 24): 152 messages as volunteers type them
under stress — abbreviations, typos, missing capitals, times, phone numbers, addresses, telegram
style. Written by hand for this set only; the training text (pieces.py, the generated corpus,
the shipped dictionary and primer) never sees them (tests/protocol/test_textcoder.py checks that
no sentence of it occurs there). All people, numbers and places invented.
"""

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
    Power,
    Services,
    Sitrep,
    Supply,
    Topic,
    Unit,
    Urgency,
    Urgent,
)

I = Incident  # noqa: E741  (short aliases keep the table readable)
# incident, street, number, place, reporter, callback number, text
_EMERGENCY: list[tuple[Incident, str, str, str, str, str, str]] = [
    (I.MED, "Lindelaan", "14", "Beneden-Leeuwen", "", "", "man 70 jr benauwd, lippen blauw. zuurstofapp leeg sinds 3u. dochter bij hem"),
    (I.MED, "Achterstraat", "3b", "Druten", "buurvrouw", "06-41829377", "diabeet, insuline op en koelkast al 2 dagen uit. suf en verward"),
    (I.LET, "Waalbandijk", "201", "", "", "", "fietser onderuit op dijk ivm modder, hoofdwond bloedt flink, is wel aanspr."),
    (I.REA, "Molenstraat", "56", "Wamel", "zoon", "", "REA!! vader valt om in keuken, zoon doet hartmassage. AED ligt bij de kerk??"),
    (I.BRA, "De Gaard", "9", "", "", "", "brand in schuur achter nr 9, rook over de wijk. kaarsen? nog niemand binnen volgens buren"),
    (I.CO, "Pastoor van Laakstraat", "22", "Dreumel", "", "", "gezin 4 pers hoofdpijn + braken, houtkachel in woonkamer zonder afvoer. nu buiten"),
    (I.GAS, "Rijnstraat", "117", "Tiel", "", "06 1234 8871", "sterke gaslucht in portiek flat, 8 woningen. mensen staan buiten. niemand rookt"),
    (I.LIFT, "Stationsplein", "4", "", "portier", "", "lift vast tussen 3e en 4e, 2 ouderen + rolstoel. al 40 min. paniek bij mevr"),
    (I.APP, "Zandkuil", "11", "Boven-Leeuwen", "mantelzorger", "", "beademing thuis, accu nog ca 1,5 uur. graag ZSM vervoer of aggregaat"),
    (I.GEW, "Kerkplein", "", "Ewijk", "", "", "vechtpartij bij de waterpost, 3 mannen. 1 met mes gezien!! vrijwilligers binnen"),
    (I.WAT, "Oude Maasdijk", "", "Heerewaarden", "", "", "kwelwater in kelders van 5 huizen langs dijk, stijgt snel. bejaard echtpaar op nr 30"),
    (I.VER, "speeltuin Kloosterhof", "", "Alphen", "moeder", "06-55201934", "meisje 9 jr kwijt sinds 14:30, rood jasje, roze laarzen. was bij de speeltuin"),
    (I.OVR, "Provincialeweg", "", "", "", "", "boom over de weg tussen rotonde en tankstation, auto eronder?? niet duidelijk"),
    (I.MED, "Hoogstraat", "72", "Maasbommel", "", "", "mevr 91 valt steeds weg, koorts. huisarts onbereikbaar. kinderen in Utrecht"),
    (I.LET, "Schoolstraat", "5", "Appeltern", "juf Anke", "", "kind van trap gevallen in school-opvang, arm raar gebogen, huilt veel"),
    (I.REA, "Sportpark de Hooge Wei", "", "", "trainer", "06-20418853", "speler ingestort op veld, AED aangesloten, 1 schok gegeven. ambu nodig!!"),
    (I.BRA, "Dorpsstraat", "44", "Horssen", "", "", "schoorsteenbrand, vonken op rieten dak van buren. water uit de sloot"),
    (I.CO, "Vogelzang", "8", "", "", "", "CO melder gaat af, bewoner duizelig. aggregaat stond in de garage met deur dicht"),
    (I.MED, "Pr. Bernhardstraat", "19a", "Beuningen", "", "", "zwangere vrouw 38 wkn, weeën om de 5 min. eerste kind, man is in paniek"),
    (I.GAS, "Industrieweg", "31", "", "bedrijfsleider", "", "lekkende propaantank bij loods, sissend geluid. terrein ontruimd 50m"),
    (I.LIFT, "Zorgcentrum Meerzicht", "", "Nijmegen", "", "", "bewoonster 84 in lift vast, claustrofobisch, hyperventileert. noodknop doet niks"),
    (I.APP, "Waalstraat", "88", "", "", "06-33107725", "dialyse thuis gestopt halverwege door stroomuitval. meneer voelt zich beroerd"),
    (I.VER, "Het Veld", "", "Winssen", "", "", "dementerende man 79 weg uit huis sinds vanmorgen, pantoffels en grijze jas. kent route naar de Waal"),
    (I.MED, "Kapelstraat", "2", "", "", "", "epileptische aanval > 5 min, jongen 16. medicatie niet te vinden. ligt op zij"),
    (I.LET, "Bergharenseweg", "", "Batenburg", "", "", "ouder echtpaar van ladder gevallen bij dakgoot legen. man kan been niet bewegen"),
    (I.GEW, "Winkelcentrum Dukenburg", "", "", "beveiliger", "06-71235590", "inbraak bij apotheek bezig, 2 pers met koevoet. wij houden afstand"),
    (I.WAT, "Leigraaf", "3", "", "", "", "water tot de knie in woonkamer. 2 honden en 1 vrouw in rolstoel op 1e verd. kan niet weg"),
    (I.MED, "Van Heemstraweg", "150", "Weurt", "", "", "allergische reactie na wespensteek, gezicht dik, praat moeilijk. geen epipen"),
    (I.REA, "Kerkstr", "13", "Puiflijk", "", "", "mevr niet wakker te krijgen, ademt niet goed?? buurman gestart met reanimeren"),
    (I.BRA, "Veerweg", "", "", "", "", "woonboot in brand bij de veerpont, 1 persoon nog aan boord volgens omstanders!!"),
    (I.OVR, "Steenweg", "40", "", "", "", "gevel van oud pakhuis scheurt, stenen vallen op stoep. straat afgezet met linten"),
    (I.MED, "De Bongerd", "27", "Afferden", "schoondochter", "", "dhr 68 pijn op de borst straalt naar arm, zweet erg. nitrospray helpt niet"),
    (I.CO, "Julianalaan", "6", "", "", "", "student gevonden bewusteloos, barbecue binnen gebruikt voor warmte. ramen open, pols zwak"),
    (I.LET, "Parkeerterrein Jumbo", "", "Druten", "", "", "vrouw uitgegleden op ijs, heup?? ligt al 20 min buiten in de kou, deken erover"),
    (I.MED, "Berkenlaan", "9", "Overasselt", "", "06-18840022", "baby 6 mnd hoge koorts 40,1 en slap. paracetamol gegeven om 11u. ouders bang"),
    (I.GAS, "Nieuwe Markt", "", "", "", "", "na herstel stroom gaslucht bij kruispunt, put op straat borrelt. verkeer staat stil"),
    (I.VER, "waterpost De Hoeve", "", "Leur", "vrijwilliger Joost", "", "tweeling 12 jr niet teruggekomen van de waterpost, zouden om 17:00 thuis zijn. nu donker"),
    (I.MED, "Graaf Ottostraat", "30", "", "", "", "psychisch in de war, man dreigt zichzelf iets aan te doen. vrouw en kind bij buren"),
    (I.LET, "A50 afrit 18", "", "", "", "", "aanrijding 2 auto's door uitgevallen verkeerslichten, 1 bestuurder bekneld"),
    (I.APP, "Meidoornstr", "15", "Wijchen", "", "", "thuiswonende ALS patiënt, hoestmachine + beademing leeg over 2u. accu van auto al geprobeerd"),
]  # fmt: skip

_SITREPS = [
    "rustig. 23 bezoekers vanochtend, vooral telefoons laden. agg draait goed",
    "veel onrust bij de deur, mensen boos over water. 2 vrijwilligers extra nodig svp",
    "Stand 16:00: 140 pers geweest, 12 blijven slapen. dekens op. koffie nog voor 1 dag",
    "generator hapert sinds 14u, moet af en toe herstart. monteur? diesel nog 25L",
    "niks bijzonders, wel vragen over wanneer stroom terugkomt. graag info van CP",
    "Ouderen uit flat Zonnehof opgehaald met bus, 9 personen. 2 met rollator",
    "Huisarts dhr. Visser houdt spreekuur hier van 10 tot 12, veel aanloop",
    "water uit kraan bruin volgens bewoners Kerkwijk. niet drinken geadviseerd",
    "telefoonnet plat, ook 112 lukt niet vanuit de wijk. mensen komen hier melden",
    "vannacht 2 incidenten, beide doorgezet. nu rustig, nachtploeg moe. wissel 07:00",
    "EHBO-post ingericht in kleedkamer. verband en pleisters raken op",
    "Toiletten verstopt, geen waterdruk. dixi's gevraagd bij gemeente, nog geen reactie",
    "kou in de zaal, 12 graden. kachel op diesel? of meer dekens. kinderen klagen",
    "Marktplein donker, straatverlichting uit. wij zetten bouwlampen neer tot 23u",
    "boer vd Berg levert melk, 200L. gekoeld bewaren lukt niet lang",
    "politie langs geweest 13:40, rondje door de wijk gedaan. alles ok",
    "ca 60 mensen tegelijk bij uitdeling, chaos. volgende keer nummertjes",
    "apotheek Centrum open op noodstroom van 9-13u, doorverwezen",
    "accu laptop 30%, zonnepaneel levert weinig door bewolking. radio blijft aan",
    "zorgcentrum vraagt hulp bij eten rondbrengen, 3 vrijwilligers gestuurd",
    "Brug over het kanaal is dicht voor verkeer, alleen voetgangers. post nu lastig bereikbaar",
    "nieuwe vrijwilligers aangemeld: 4. ingewerkt, ingezet bij de deur",
    "Pinautomaat werkt niet, mensen kunnen niks kopen. supermarkt geeft op de pof",
    "Geen nieuws van NSP De Klaproos sinds gisteravond. kan iemand langs?",
    "hond gevonden zonder eigenaar, zit nu in de keuken. niet urgent",
    "kerk doet ook opvang nu, afgestemd: wij dag, zij nacht",
    "Mw. Jansen (dialyse) opgehaald door ambu 11:20, vervoer geregeld",
    "Mobiele mast op de watertoren heeft stroom, sommige telefoons hebben weer 4G",
    "gas en water ok, stroom nog steeds weg. 3e dag. stemming wordt slechter",
    "Brandstof agg op 1/4. Schatting nog 5 uur. zsm aanvullen aub",
    "tent buiten ingestort door wind. niemand gewond. spullen naar binnen",
    "boodschappen rondgebracht bij 17 adressen in de Vogelbuurt. 2 niet thuis",
    "veel vragen over medicijnen in koelkast (insuline). advies CP graag",
    "Rookontwikkeling gezien richting industrieterrein, brandweer al ter plaatse?",
    "waterpunt bij school leeg om 15:10. tankwagen komt pas morgen?",
    "Stroom terug in Oost sinds 18:45!! West nog niet. bezoek neemt af",
    "3 kinderen zonder ouders hier, ouders werken in ziekenhuis. opvang tot 20u ok",
    "nachtdienst: 2 vrijw + 1 beveiliger. agg uit om 00:00 om diesel te sparen",
    "portofoons werken niet meer, alleen deze meshtastic nog. graag bevestiging ontvangst",
    "Alles onder controle, volgende sitrep om 20:00",
]  # fmt: skip

# category, item, quantity, unit, urgency, deliver-to address, text
_SUPPLY: list[tuple[Category, str, int, Unit, Urgency, str, str]] = [
    (Category.BRST, "diesel", 2, Unit.JC, Urgency.DIRECT, "", "agg stopt over ca 3u, geen reserve meer"),
    (Category.WATER, "flessen water 1,5L", 120, Unit.ST, Urgency.VANDAAG, "", "voorraad op, kraanwater niet drinkbaar volgens waterbedrijf"),
    (Category.MEDI, "insuline koelbox", 2, Unit.ST, Urgency.DIRECT, "", "3 diabeten hier, insuline moet koel. koelelementen ook graag"),
    (Category.VOED, "broodmaaltijden", 80, Unit.PERS, Urgency.VANDAAG, "", "lunch voor morgen. 10 glutenvrij pls"),
    (Category.WARM, "dekens", 40, Unit.ST, Urgency.VANDAAG, "", "nachtopvang groeit, vannacht -3 verwacht"),
    (Category.LICHT, "zaklampen + batterijen AA", 20, Unit.ST, Urgency.MORGEN, "", "voor ronde langs ouderen in de avond"),
    (Category.HYG, "luiers mt 4 en 5", 6, Unit.DOOS, Urgency.VANDAAG, "", "jonge gezinnen, winkel dicht"),
    (Category.PERS, "verpleegkundige", 1, Unit.PERS, Urgency.DIRECT, "", "veel ouderen met wondjes en medicatievragen, EHBO'ers kunnen dit niet aan"),
    (Category.VERV, "rolstoelbus", 1, Unit.ST, Urgency.VANDAAG, "Ds. Van Dijkweg 4", "2 rolstoelers naar zorghotel, afspraak om 15:00"),
    (Category.COMM, "powerbanks", 15, Unit.ST, Urgency.MORGEN, "", "laadpunt overbelast, wachtrij van 2 uur"),
    (Category.BRST, "benzine voor kettingzaag", 20, Unit.L, Urgency.VANDAAG, "", "bomen over de toegangsweg, boer wil helpen zagen"),
    (Category.VOED, "babyvoeding", 12, Unit.ST, Urgency.DIRECT, "", "flesvoeding nutrilon 1 en 2. ouders komen steeds vragen"),
    (Category.MEDI, "paracetamol", 5, Unit.DOOS, Urgency.VANDAAG, "", "griep gaat rond in de opvang"),
    (Category.ZORG, "zuurstofflessen", 3, Unit.ST, Urgency.DIRECT, "Lindelaan 14", "COPD patiënt thuis, laatste fles bijna leeg"),
    (Category.OPVG, "veldbedden", 25, Unit.ST, Urgency.VANDAAG, "", "mensen slapen nu op matjes op de grond, ouderen kunnen niet op"),
    (Category.WATER, "jerrycans leeg 20L", 30, Unit.ST, Urgency.MORGEN, "", "om water van tankwagen mee te nemen naar huis"),
    (Category.HYG, "handzeep en desinfectie", 10, Unit.L, Urgency.VANDAAG, "", "toiletten zonder water, hygiëne slecht. buikgriep risico"),
    (Category.BRST, "gasflessen propaan", 4, Unit.ST, Urgency.VANDAAG, "", "voor kooktoestel noodkeuken, nu alleen koud eten"),
    (Category.VOED, "warme maaltijden", 150, Unit.PERS, Urgency.VANDAAG, "", "avondeten, inclusief 20 halal en 8 vegetarisch"),
    (Category.LICHT, "bouwlampen op accu", 4, Unit.ST, Urgency.VANDAAG, "", "parkeerplaats pikdonker, iemand gevallen gisteren"),
    (Category.PERS, "tolk Arabisch", 1, Unit.PERS, Urgency.MORGEN, "", "gezinnen uit AZC begrijpen de instructies niet"),
    (Category.MEDI, "verbandmiddelen", 2, Unit.DOOS, Urgency.VANDAAG, "", "EHBO-koffer leeg na 3 snijwonden bij opruimen"),
    (Category.VERV, "aanhanger", 1, Unit.ST, Urgency.MORGEN, "", "voor ophalen dekens bij de kringloop, hebben ze klaarstaan"),
    (Category.COMM, "extra meshtastic node", 1, Unit.ST, Urgency.MORGEN, "", "bereik naar CP slecht vanaf achterkant gebouw, zolder als relay?"),
    (Category.WARM, "gaskachels", 3, Unit.ST, Urgency.DIRECT, "", "gymzaal 9 graden, ouderen onderkoeld. wel ventileren"),
    (Category.WATER, "waterzak 1000L", 1, Unit.ST, Urgency.MORGEN, "Sporthal De Wetering", "voor wc-spoeling en wassen"),
    (Category.OVR, "vuilniszakken", 200, Unit.ST, Urgency.MORGEN, "", "afval stapelt op bij ingang, ruikt al"),
    (Category.ZORG, "incontinentiemateriaal", 4, Unit.PAL, Urgency.VANDAAG, "Zorgcentrum Meerzicht", "zorgcentrum zonder leverancier sinds 2 dagen"),
    (Category.BRST, "diesel", 200, Unit.L, Urgency.VANDAAG, "", "agg verbruikt ong 8 L/u, rekenen op 24u"),
    (Category.VOED, "drinkyoghurt en fruit", 60, Unit.ST, Urgency.MORGEN, "", "voor kinderen, nu alleen brood en koek"),
    (Category.PERS, "sterke handen", 6, Unit.PERS, Urgency.VANDAAG, "", "zandzakken vullen bij dijk, gemeente levert zand om 14u"),
    (Category.MEDI, "ORS zakjes", 50, Unit.ST, Urgency.DIRECT, "", "diarree bij 7 kinderen, uitdroging dreigt"),
    (Category.HYG, "chemisch toilet", 2, Unit.ST, Urgency.DIRECT, "", "wc's onbruikbaar, 80 mensen in gebouw"),
    (Category.LICHT, "kaarsen + lucifers", 5, Unit.DOOS, Urgency.INFO, "", "alleen als er niks beters is ivm brandgevaar"),
    (Category.VERV, "tractor met kar", 1, Unit.ST, Urgency.DIRECT, "Oude Maasdijk 30", "echtpaar evacueren, weg onder water, auto kan niet door"),
    (Category.COMM, "accu 12V", 2, Unit.ST, Urgency.VANDAAG, "", "radiopost draait op laatste accu, zonnepaneel te zwak"),
    (Category.OPVG, "slaapzakken", 30, Unit.ST, Urgency.VANDAAG, "", "voor daklozen die naar binnen komen vannacht"),
    (Category.WATER, "drinkwater", 500, Unit.L, Urgency.VANDAAG, "", "voor 2 dagen, 250 personen. tankwagen of pallets flessen"),
    (Category.VOED, "koffie en suiker", 3, Unit.KG, Urgency.INFO, "", "vrijwilligers draaien op koffie :) niet dringend"),
    (Category.MEDI, "bloeddrukmeter", 1, Unit.ST, Urgency.MORGEN, "", "wijkverpleging vraagt erom voor controle ouderen"),
]  # fmt: skip

# topic, headline, body, issuer, urgent
_BULLETINS: list[tuple[Topic, str, str, str, bool]] = [
    (Topic.WATER, "kraanwater koken", "Drinkwater uit de kraan in Druten en Afferden eerst 1 minuut koken. Geldt tot nader bericht.", "Gemeente Druten", True),
    (Topic.STROOM, "stroom Oost terug", "Wijken ten oosten vd Rijksweg hebben weer stroom sinds 18:45. West naar verwachting morgenmiddag.", "CP Tiel", False),
    (Topic.VEILIG, "Avondklok industrieterrein", "Industrieterrein De Pas afgesloten van 20:00 tot 06:00 ivm plunderingen. Politie surveilleert.", "Politie eenheid Oost-NL", True),
    (Topic.OPVANG, "Nachtopvang sporthal", "Sporthal De Wetering open voor nachtopvang vanaf 19:00. Neem medicijnen en ID mee. Honden in aparte ruimte.", "CP Wijchen", False),
    (Topic.ZORG, "Dialysepatiënten", "Dialysepatiënten melden bij NSP. Vervoer naar Radboudumc wordt geregeld, ook 's nachts.", "GHOR Gelderland-Zuid", True),
    (Topic.VERKEER, "A50 dicht", "A50 tussen afrit 17 en 18 dicht ivm ongeval. Hulpdiensten via N322. Niet gaan kijken.", "VR Gelderland-Zuid", False),
    (Topic.ALG, "volgende update 12u", "Volgende bulletin om 12:00. Meld nieuwe knelpunten voor 11:30 via de sitrep.", "CP Tiel", False),
    (Topic.WATER, "tankwagens morgen", "Morgen tankwagens bij: kerk Wamel 9-12u, school Dreumel 13-16u, Dorpshuis Alphen 16-19u. Eigen flessen mee.", "Vitens", False),
    (Topic.STROOM, "Let op bij herstel", "Bij terugkeer stroom eerst koelkast en verwarming, wasmachine en droger later. Voorkom overbelasting.", "Liander", False),
    (Topic.ZORG, "huisartsenpost", "Huisartsenpost Tiel werkt op noodstroom. Alleen spoed. Voor recepten: NSP met doosje medicijn.", "GHOR Gelderland-Zuid", False),
    (Topic.VEILIG, "oplichters aan de deur", "Let op: mannen in oranje hesjes vragen geld voor 'aggregaatverhuur'. Dit is oplichting. Meld bij NSP.", "Politie eenheid Oost-NL", True),
    (Topic.OPVANG, "Opvang kerk vol", "Opvang in de Martinuskerk is vol. Nieuwe mensen naar sporthal De Wetering, bus rijdt elk uur vanaf Markt.", "CP Wijchen", True),
    (Topic.ALG, "Radio aan", "Luister naar Omroep Gelderland op 90,4 FM voor updates. Batterijradio's op te halen bij NSP.", "VR Gelderland-Zuid", False),
    (Topic.VERKEER, "Pont Dreumel", "Veerpont Dreumel-Tiel vaart weer vanaf 08:00, alleen fietsers en voetgangers. Laatste afvaart 18:00.", "Gemeente West Maas en Waal", False),
    (Topic.WATER, "dijk Heerewaarden", "Verhoogde waterstand Maas. Dijk bij Heerewaarden wordt bewaakt. Nog geen evacuatie, wel voorbereiden.", "Waterschap Rivierenland", True),
    (Topic.ZORG, "insuline", "Insuline kan 4 weken buiten de koelkast onder 25 graden. Niet in de zon. Twijfel? Vraag apotheek bij NSP.", "GHOR Gelderland-Zuid", False),
    (Topic.STROOM, "storing duurt langer", "Stroomstoring in West Maas en Waal duurt waarschijnlijk nog 48 uur. Zuinig met brandstof.", "Liander", True),
    (Topic.OPVANG, "huisdieren", "Huisdieren welkom in opvang Beuningen, niet in Druten. Voer zelf meenemen.", "CP Tiel", False),
    (Topic.VEILIG, "geen kaarsen onbeheerd", "3 woningbranden door kaarsen vannacht. Gebruik zaklampen. Nooit een barbecue of gaskachel binnen!", "Brandweer VRGZ", True),
    (Topic.ALG, "vrijwilligers gezocht", "Meer vrijwilligers nodig voor nachtdiensten. Aanmelden bij uw NSP, ook voor 1 dienst.", "Gemeente Wijchen", False),
    (Topic.VERKEER, "brandstof tankstations", "Tankstation Beuningen en Tiel-Oost pompen weer op noodstroom. Max 20L per persoon, hulpdiensten voor.", "VR Gelderland-Zuid", False),
    (Topic.WATER, "water weer drinkbaar", "Kookadvies Druten opgeheven om 10:30. Kraan eerst 5 min laten lopen.", "Vitens", False),
    (Topic.ZORG, "GGZ spreekuur", "Praten helpt. GGZ-medewerker op NSP Dorpshuis Alphen do en vr 14-17u. Zonder afspraak.", "GGD Gelderland-Zuid", False),
    (Topic.OPVANG, "bussen ouderen", "Zorgbus haalt ouderen op die niet zelf naar opvang kunnen. Geef adressen door via NSP voor 16:00.", "CP Wijchen", False),
    (Topic.VEILIG, "ijzel", "Vannacht ijzel verwacht. Blijf binnen tenzij nodig. Strooiwagens rijden alleen hoofdwegen.", "VR Gelderland-Zuid", True),
    (Topic.STROOM, "Noodstroom ziekenhuis", "Ziekenhuis Tiel op noodstroom, volledig operationeel. Alleen spoedpatiënten komen, geen bezoek.", "GHOR Gelderland-Zuid", False),
    (Topic.ALG, "berichtenverkeer", "Meshtastic is druk. Hou berichten kort, geen dubbele meldingen. Sitreps elke 4 uur is genoeg.", "CP Tiel", False),
    (Topic.VERKEER, "omleiding N322", "N322 bij Dreumel onder water, omleiding via Wamel en Maasbommel. Hoge voertuigen kunnen nog door.", "Rijkswaterstaat", False),
    (Topic.WATER, "zandzakken", "Zandzakken af te halen bij gemeentewerf Beneden-Leeuwen, 8-20u. Max 10 per huishouden.", "Gemeente West Maas en Waal", False),
    (Topic.ZORG, "medicijnuitgifte", "Apotheek Wijchen geeft noodvoorraad voor 5 dagen mee. Neem medicijnpaspoort of lege verpakking mee.", "GHOR Gelderland-Zuid", False),
    (Topic.OPVANG, "sluiting opvang Horssen", "Opvang Horssen sluit vandaag om 18u, stroom is daar terug. Resterende gasten naar Druten.", "CP Tiel", False),
    (Topic.VEILIG, "gaslekken na herstel", "Ruikt u gas na het terugkomen van stroom? Niet schakelen, deur open, naar buiten en melden bij NSP.", "Brandweer VRGZ", True),
]  # fmt: skip


def stress_set() -> list[Body]:
    """The 152 hand-written held-out messages, validated."""
    out: list[Body] = []
    for incident, street, number, place, reporter, phone, text in _EMERGENCY:
        services = Services.B if incident in (I.BRA, I.GAS, I.WAT) else Services.A
        landmark = "" if number else street  # no house number: the street is the landmark
        out.append(Emergency(
            incident=incident, services=services, life_threat=Answer.ONB,
            street=street if number else "", number=number, place=place, landmark=landmark,
            reporter=reporter,
            callback=Callback.TEL if phone else Callback.NSP, callback_number=phone, text=text,
        ))  # fmt: skip
    for i, text in enumerate(_SITREPS):
        out.append(Sitrep(NspState.OPEN, Power.AGG, 6 + i % 7, i % 3, 4 + i % 9, 20 * i, text=text))
    for cat, item, qty, unit, urgency, address, text in _SUPPLY:
        out.append(Supply(cat, qty, unit, urgency=urgency, item=item,
                          deliver_to_address=address, text=text))  # fmt: skip
    for topic, head, body, issuer, urgent in _BULLETINS:
        out.append(Bulletin(head, body, valid_until=600_000, issuer=issuer, topic=topic,
                            urgent=Urgent.SPOED if urgent else Urgent.NORMAAL))  # fmt: skip
    for b in out:
        b.validate()
    return out

"""A log head as a few Dutch words, for the paper log at shift change (issue 18, anchoring).

`#1234 boom kaas tulp vos` is the head's event count and 4 words for the first 4 bytes of that
event's chain hash (one word per byte from a fixed list of 256 short nouns). Read aloud and
written by hand, it lets the next shift, or anyone later, check with `nsplink log verify --code`
that the log still holds what it held then. 32 bits: enough to catch a changed log, not to stop
someone who searches 2^32 rewrites for one that matches (the beacon's 6 bytes are the stronger
anchor). Pure: no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORDS_PER_CODE = 4

# 256 short Dutch nouns, sorted, no diacritics: easy to say, hear and write by hand.
_LIST = """
    aap appel arend baai bakker bal balk band bank beek beer
    bel berg bever bezem bij bloem bloes boek boog boom boot
    bord bos boter brief brood brug bui buik bus dak dam das
    deur dijk doos dorp draad draak duif duin dweil eend egel
    eik eiland ezel fiets fles fluit gans geit gier glas goud
    graan gras grot haan haas hagel hamer hand hark haven heide
    hek helm hert hoed hond hooi hoorn huis hut ijs inkt jas
    jurk kaars kaas kade kam kano kast kat kei kerk kers kip
    klaver klok knoop koe kok kool koord korf kraan krab kreeft
    kroon kruik kuil kust kwal laars lamp lat leeuw lelie lente
    licht linde lint maan mand markt mast meer meeuw melk merel
    mes mier mol molen mond mos mossel mug muis munt muur
    naald nacht nest neus noot oever oog oor otter oven paal
    paard pad palm pan parel pauw peer pen peper pet pier pijp
    plank plant plein pomp pony poort pop post pot pruim raaf
    raam rat regen riem ring rog roos rots rups schaap schip
    schoen sjaal slak slang sloot sluis smid snoek sok spar spin
    staart stal steen ster stoel stok storm stro tafel tak tand
    tas tegel tent tijm tol toren trein trom tuin tulp ui uil
    vaas valk veen veer veld vijver vink vis vlag vlieg vloer
    vlot vogel vork vos vuur wagen wand want water weg wei
    wesp wiel wilg wind wolf wolk worm wortel zaag zak zalm
    zand zee zeef zeep zeil zon zout zwaan zwam
"""
WORDS: tuple[str, ...] = tuple(_LIST.split())
_INDEX = {w: i for i, w in enumerate(WORDS)}
_CODE = re.compile(r"^\s*#?\s*(\d{1,10})[\s:,.-]+(.*)$")


@dataclass(frozen=True)
class HeadCode:
    """What a paper code says: the head was event #count, whose chain hash starts with `prefix`."""

    count: int
    prefix: bytes

    def __str__(self) -> str:
        return f"#{self.count} " + " ".join(WORDS[b] for b in self.prefix)


def head_code(count: int, digest: bytes) -> HeadCode:
    """The code of a head: its count and the first bytes of its chain hash."""
    return HeadCode(count, digest[:WORDS_PER_CODE])


def parse_code(text: str) -> HeadCode | None:
    """'#1234 boom kaas tulp vos' (any case; spaces, hyphens or commas between) -> HeadCode;
    None if it is not a count and four words of the list."""
    m = _CODE.match(text.lower())
    if m is None:
        return None
    words = [w for w in re.split(r"[\s,.-]+", m.group(2)) if w]
    if len(words) != WORDS_PER_CODE or any(w not in _INDEX for w in words):
        return None
    return HeadCode(int(m.group(1)), bytes(_INDEX[w] for w in words))

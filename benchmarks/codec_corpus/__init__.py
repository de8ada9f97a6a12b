"""A corpus of realistic Dutch nsplink messages, generated from hand-written pieces.

`messages(kind, n, seed)` yields message bodies. The compression dictionary is built from the
TRAIN split (seeds below 1000); the bench measures on the HELD-OUT split: other seeds AND the
hand-written messages in `heldout.py`, which share no generator pieces with the training set.
All names, addresses and numbers are invented.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from benchmarks.codec_corpus import pieces as P
from nsplink.protocol import (
    Answer,
    Body,
    Bulletin,
    Callback,
    Category,
    Emergency,
    Hazard,
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
    Urgent,
)

TRAIN_SEED = 1
HELDOUT_SEED = 1001
KINDS = ("emergency", "sitrep", "supply", "bulletin")


def _sentence(rng: random.Random, pool: list[str], k: int) -> str:
    return " ".join(rng.sample(pool, k))


def _fill(rng: random.Random, text: str) -> str:
    """Replace {street}, {n}, {time}, {place}, {hours} placeholders with varied values."""
    return text.format(
        street=rng.choice(P.STREETS),
        n=rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40]),
        time=f"{rng.randint(6, 23):02d}:{rng.choice(['00', '15', '30', '45', '10', '50'])}",
        place=rng.choice(P.PLACES),
        hours=rng.choice([2, 3, 4, 6, 8, 12, 24]),
        age=rng.choice([67, 72, 78, 81, 84, 88, 91]),
        site=rng.choice(P.NSP_NAMES),
        litres=rng.choice([20, 40, 60, 100, 200]),
    )


def emergency(rng: random.Random) -> Emergency:
    incident = rng.choice(list(P.INCIDENT_TEXTS))
    text = _fill(rng, rng.choice(P.INCIDENT_TEXTS[incident]))
    if rng.random() < 0.5:
        text += " " + _fill(rng, rng.choice(P.EMERGENCY_EXTRA))
    use_address = rng.random() < 0.8
    callback = rng.choice([Callback.NSP, Callback.NSP, Callback.TER, Callback.TEL, Callback.GEEN])
    services = {
        "BRA": Services.B | Services.A,
        "GEW": Services.P,
        "VER": Services.P,
        "LIFT": Services.B,
        "CO": Services.B | Services.A,
        "GAS": Services.B,
        "WAT": Services.B,
    }.get(incident, Services.A)
    return Emergency(
        incident=Incident(incident),
        services=services,
        people_involved=rng.choice([1, 1, 1, 2, 2, 3, 4]),
        life_threat=rng.choice(list(Answer)),
        conscious=rng.choice(list(Answer)),
        breathing=rng.choice(list(Answer)),
        injured=rng.choice([None, 0, 1, 2]),
        hazards=tuple(rng.sample([h for h in Hazard if h is not Hazard.GEEN], rng.randint(0, 2))),
        callback=callback,
        callback_number=rng.choice(P.PHONES) if callback is Callback.TEL else "",
        street=rng.choice(P.STREETS) if use_address else "",
        number=rng.choice(P.HOUSE_NUMBERS) if use_address else "",
        postcode=rng.choice(P.POSTCODES) if use_address and rng.random() < 0.5 else "",
        place=rng.choice(P.PLACES) if rng.random() < 0.6 else "",
        landmark="" if use_address and rng.random() < 0.7 else rng.choice(P.LANDMARKS),
        access=rng.choice(P.ACCESS) if rng.random() < 0.5 else "",
        reporter=rng.choice(P.REPORTERS) if rng.random() < 0.6 else "",
        text=text,
    )


def sitrep(rng: random.Random) -> Sitrep:
    parts = [_fill(rng, s) for s in rng.sample(P.SITREP_SENTENCES, rng.randint(1, 4))]
    return Sitrep(
        nsp_state=rng.choice([NspState.OPEN, NspState.OPEN, NspState.OPEN, NspState.BEPERKT]),
        power=rng.choice([Power.AGG, Power.AGG, Power.ACCU, Power.ZON, Power.NET]),
        power_hours=rng.choice([1, 2, 4, 6, 8, 12, 18, 24, 48]),
        fuel_l=rng.choice([None, 20, 40, 60, 80, 120]),
        staff_pro=rng.randint(0, 4),
        staff_vol=rng.randint(1, 14),
        visitors=rng.randint(0, 300),
        queue=rng.choice([None, 0, 5, 12, 30]),
        needs=tuple(rng.sample(list(Category), rng.randint(0, 3))),
        observations=tuple(
            rng.sample([o for o in Observation if o is not Observation.GEEN], rng.randint(0, 3))
        ),
        text=" ".join(parts),
    )


def supply(rng: random.Random) -> Supply:
    cat, items = rng.choice(list(P.SUPPLY_ITEMS.items()))
    item, unit = rng.choice(items)
    text = _fill(rng, rng.choice(P.SUPPLY_REASONS[cat]))
    if rng.random() < 0.7:
        text += " " + _fill(rng, rng.choice(P.SUPPLY_GENERIC))
    return Supply(
        category=Category(cat),
        quantity=rng.choice([1, 2, 3, 4, 5, 6, 10, 12, 20, 24, 50, 100, 200]),
        unit=Unit(unit),
        urgency=rng.choice(list(Urgency)),
        item=item,
        persons=rng.choice([None, 10, 25, 40, 80, 150]),
        deliver_to_address=(
            _fill(rng, "{street} ") + rng.choice(P.HOUSE_NUMBERS) if rng.random() < 0.2 else ""
        ),
        text=text,
    )


def bulletin(rng: random.Random) -> Bulletin:
    topic, headline, sentences = rng.choice(P.BULLETINS)
    body = " ".join(_fill(rng, s) for s in sentences[: rng.randint(2, len(sentences))])
    if rng.random() < 0.6:
        body += " " + _fill(rng, rng.choice(P.BULLETIN_CLOSERS))
    return Bulletin(
        headline=_fill(rng, headline),
        body=body,
        valid_until=rng.randint(500_000, 600_000),
        issuer=rng.choice(P.ISSUERS),
        urgent=rng.choice([Urgent.NORMAAL, Urgent.NORMAAL, Urgent.SPOED]),
        topic=Topic(topic),
    )


_MAKERS = {"emergency": emergency, "sitrep": sitrep, "supply": supply, "bulletin": bulletin}


def messages(kind: str, n: int, seed: int) -> Iterator[Body]:
    rng = random.Random(f"{kind}:{seed}")
    maker = _MAKERS[kind]
    for _ in range(n):
        body = maker(rng)
        body.validate()
        yield body


def train_set(n_per_kind: int = 400) -> list[Body]:
    return [b for k in KINDS for b in messages(k, n_per_kind, TRAIN_SEED)]


def heldout_set(n_per_kind: int = 250) -> list[Body]:
    from benchmarks.codec_corpus.heldout import handwritten

    return [b for k in KINDS for b in messages(k, n_per_kind, HELDOUT_SEED)] + handwritten()

"""The shipped dictionary is reproducible from the committed corpus and builder, and the corpus
split is honest: no hand-written held-out sentence occurs in the training corpus."""

from __future__ import annotations

import hashlib

from benchmarks.codec_corpus import heldout_set, train_set
from benchmarks.codec_corpus.dictbuild import DEFAULT_SIZE, build, joined_text
from benchmarks.codec_corpus.heldout import handwritten
from nsplink import protocol as p
from nsplink.protocol.compress import DICTIONARIES


def test_shipped_dictionary_rebuilds_bit_for_bit() -> None:
    data = build([joined_text(b) for b in train_set()], DEFAULT_SIZE)
    assert hashlib.sha256(data).hexdigest() == DICTIONARIES[p.CURRENT_DICT][1]


def test_heldout_sentences_are_not_in_training() -> None:
    train = "\n".join(joined_text(b) for b in train_set())
    for body in handwritten():
        for text in body.texts():
            for sentence in text.split(". "):
                if len(sentence) > 25:
                    assert sentence not in train, sentence


def test_corpus_is_large_and_valid() -> None:
    train, held = train_set(), heldout_set()
    assert len(train) >= 4 * 300 and len(held) >= 4 * 200
    assert len({joined_text(b) for b in train}) > 0.9 * len(train)  # varied, not repeated


def test_stress_set_is_held_out_and_fits() -> None:
    """Issue 24's hand-written stress set: 150+ messages over the four types, none of whose
    sentences the training text (generated corpus, hence the shipped dictionary) contains."""
    from benchmarks.codec_corpus.stress import stress_set

    bodies = stress_set()
    assert len(bodies) >= 150
    assert {type(b).__name__ for b in bodies} == {"Emergency", "Sitrep", "Supply", "Bulletin"}
    train = "\n".join(joined_text(b) for b in train_set())
    dict_text = p.dictionary(p.CURRENT_DICT).decode("utf-8")
    for body in bodies:
        assert len(joined_text(body)) <= 280
        for text in body.texts():
            for sentence in text.replace("!", ".").replace("?", ".").split(". "):
                if len(sentence) > 25:
                    assert sentence not in train, sentence
                    assert sentence not in dict_text, sentence

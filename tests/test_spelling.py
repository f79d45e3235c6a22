"""Misspelled question words are corrected to the collection's own words, kept with each index generation."""
import shutil

import numpy as np
import pytest

from qa.answering.spelling import Speller
from qa.config import SETTINGS
from qa.engine import Engine
from qa.index.generations import GenerationFiles
from qa.index.vocabulary import Vocabulary, words_of

from .support import SEEDS

COLLECTION = ["The White House said about the fentanyl precursors that they were regulated by the working group.",
              "Councillor Mira Halvorsen voted against the Greywater lithium mine; NSC spokesman Sean Savett agreed.",
              "The bridge repairs would cost 62 million dollars, the council said in 2024."]


def speller(texts=COLLECTION) -> Speller:
    return Speller(Vocabulary.fit(range(len(texts)), texts), SETTINGS.retrieval.spelling_edits_from)


def test_the_issue_question_is_corrected_to_the_collections_words():
    searched, corrections = speller().correct("Wat did the Whte Hous say abuot the fentanil precursers?")
    assert searched == "Wat did the White House say about the fentanyl precursors?"
    assert [(c.typed, c.searched) for c in corrections] == [
        ("Whte", "White"), ("Hous", "House"), ("abuot", "about"), ("fentanil", "fentanyl"),
        ("precursers", "precursors")]
    first = corrections[0]
    assert "Wat did the Whte Hous"[first.start:first.end] == "Whte"


@pytest.mark.parametrize("question", [
    "Who is Mira Halvorsen?",  # a rare name that is in the collection stays as it is
    "What did Savett say?",
    "Where is the kettle?",  # an English word the collection lacks is not a misspelling ("settle", "kettle"...)
    "Wht did the NSCC say?",  # a word under 4 letters, an acronym in capitals
    "Does UreH bind aPKCz in hTRPML cells?",  # codes and gene names: capitals after the first letter
    "How much was the 62m bond in 2O24?",  # numbers and codes
])
def test_words_that_are_not_misspellings_are_left_alone(question):
    assert speller().correct(question) == (question, ())


def test_short_words_take_one_edit_and_long_ones_two():
    assert speller().correct("Who is the spoksman?")[0] == "Who is the spokesman?"  # 8 letters: 1 edit needed
    assert speller().correct("Who is the spkesmn?")[1] == ()  # 7 letters and 2 edits away: left as typed
    assert speller().correct("the Whute Housr")[0] == "the White House"
    assert speller().correct("the Wxyte")[1] == ()  # 2 edits in a 5-letter word: left as typed


def test_counts_follow_added_and_removed_passages():
    words = Vocabulary.fit([1, 2], ["the lithium mine", "the mine vote"])
    assert words.counts["mine"] == 2 and words.counts["the"] == 2
    words.remove([1], ["the lithium mine"]).add([3], ["the bridge"])
    assert "lithium" not in words and words.counts["mine"] == 1 and words.counts["the"] == 2
    assert words.ids.tolist() == [2, 3]
    again = Vocabulary.from_bytes(words.to_bytes())
    assert again.counts == words.counts and again.ids.tolist() == [2, 3]
    with pytest.raises(ValueError):
        Vocabulary.from_bytes(b"not a vocabulary")
    assert words_of("It's 62 dollars, Ms. O'Neil") == {"it", "s", "dollars", "ms", "o", "neil"}


@pytest.mark.model
def test_the_vocabulary_is_kept_with_each_generation_and_rebuilt_when_wrong(fresh_engine, tmp_path):
    source = tmp_path / "articles"
    shutil.copytree(SEEDS, source)
    (source / "bridge.txt").write_text("The Kessling Street bridge repairs would cost 62 million dollars.\n")
    engine: Engine = fresh_engine()
    engine.build([source])
    assert "kessling" in engine.loaded().speller.vocabulary
    assert engine.ask("How much will the Kesling Stret bridge cost?").searched_for == \
        "How much will the Kessling Street bridge cost?"

    # an incremental build: one article changed, one removed; the counts equal a fresh count of every passage
    (source / "bridge.txt").write_text("The Harlow Street bridge repairs would cost 70 million dollars.\n")
    (source / next(p.name for p in SEEDS.iterdir())).unlink()
    engine.build([source])
    loaded = engine.loaded()
    passages = loaded.store.passages()
    fresh = Vocabulary.fit([p.passage_id for p in passages], [p.text for p in passages])
    assert loaded.speller.vocabulary.counts == fresh.counts
    assert np.array_equal(loaded.speller.vocabulary.ids, fresh.ids)
    assert "kessling" not in loaded.speller.vocabulary and "harlow" in loaded.speller.vocabulary
    searched = [c.searched for c in engine.ask("How much will the Kesling Stret bridge cost?").corrections]
    assert "Street" in searched and "Kessling" not in searched

    # a damaged vocabulary file is rebuilt from SQLite by the next build's check, and recorded
    path = GenerationFiles(engine.index_dir).path("words", engine.generation())
    path.write_bytes(b"damaged")
    report = engine.build([source])
    assert "words" in report.repaired
    assert Vocabulary.from_bytes(path.read_bytes()).counts == fresh.counts


@pytest.mark.model
def test_as_typed_searches_the_words_as_typed(seed_engine):
    corrected = seed_engine.ask("Wat did the Whte Hous say abuot the fentanil precursers?")
    assert corrected.answered and corrected.searched_for == "Wat did the White House say about the fentanyl precursors?"
    assert any("White House" in s.text for s in corrected.answer)
    json = corrected.to_json()
    assert json["corrections"][0] == {"typed": "Whte", "searched": "White", "start": 12, "end": 16}
    typed = seed_engine.ask("Wat did the Whte Hous say abuot the fentanil precursers?", as_typed=True)
    assert typed.corrections == () and typed.searched_for == typed.question


def test_another_form_of_a_collection_word_is_not_a_misspelling():
    from qa.index.lexical import BM25

    idf = BM25.fit(list(range(len(COLLECTION))), COLLECTION).idf_function()
    forms = Speller(Vocabulary.fit(range(len(COLLECTION)), COLLECTION), SETTINGS.retrieval.spelling_edits_from, idf)
    assert forms.correct("What did the Halvorsens say?") == ("What did the Halvorsens say?", ())  # Halvorsen + s
    assert forms.correct("the Whte Hous")[0] == "the White House"  # "hous" is house's stem, but no form of it
    assert speller().correct("What did the Halvorsens say?")[0] == "What did the Halvorsen say?"  # without stems

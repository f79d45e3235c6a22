"""The learned sentence ranker: local term weights, its features, its fit (eval/fit_sentence_ranker.py) and its choice."""
from __future__ import annotations


import numpy as np
import pytest

from eval import fit_sentence_ranker as fitting
from qa.answering import ranker
from qa.answering.answer import SentenceCandidate
from qa.answering.question import ParsedQuestion
from qa.config import SETTINGS
from qa.text import tokenize

from .support import engine_over

# Every sentence names the festival; only one says when the finalists were announced (as SQuAD's Super Bowl 50
# paragraph, whose words the chooser's old term share let a sentence about the festival in general win).
FESTIVAL = """The Alder Harbor Festival 2024 was the town's largest summer event, held on the harbor front in July.
The Alder Harbor Festival 2024 drew visitors from three counties, and the town said hotels were full for a week.
Two sites bid to host the Alder Harbor Festival 2024, and the town council chose between them after a long review.
The council announced on October 16, 2022, that the two finalists were Pier Park and the Old Mill grounds.
Pier Park won, and the Alder Harbor Festival 2024 was held there for the first time in the festival's history.
"""


def question(text: str) -> ParsedQuestion:
    terms = frozenset(tokenize(text))
    weights = {t: 1.0 for t in terms}
    return ParsedQuestion(text, text, terms, weights, weights, np.zeros(3, dtype=np.float32))


def candidate(text: str, start: int, rank: int = 0) -> SentenceCandidate:
    return SentenceCandidate("a.txt", start, start + len(text), text, rank, 0.5, 0.5)


def test_a_word_every_sentence_repeats_counts_less_than_one_only_a_few_hold():
    q = question("When were the festival finalists announced?")
    shares = ranker.local_shares(q, ["The festival opened.", "The festival finalists were announced.",
                                     "The festival closed."])
    assert shares[1] == pytest.approx(1.0)
    assert 0 < shares[0] == shares[2] < 0.2  # "festival" alone: every text holds it


def test_the_sentence_before_counts_only_within_its_excerpt():
    q = question("Who announced the finalists?")
    texts = ["The council announced the finalists.", "It was Mira Halvorsen.", "Another excerpt starts here."]
    cands = [candidate(texts[0], 0), candidate(texts[1], 40), candidate(texts[2], 0, rank=1)]
    rows = ranker.features(q, cands, np.zeros(3), "name", [False] * 3)
    before = rows[:, ranker.FEATURES.index("previous_local_terms")]
    assert rows.shape == (3, len(ranker.FEATURES))
    assert before[0] == 0 and before[1] == rows[0, ranker.FEATURES.index("local_terms")] > 0 and before[2] == 0


def test_the_fit_learns_the_feature_that_marks_gold_and_is_deterministic():
    rng = np.random.default_rng(0)  # rows only: what is under test is the fit
    records = []
    for _ in range(60):
        rows = rng.normal(size=(6, len(ranker.FEATURES)))
        rows[:, ranker.FEATURES.index("heading")] = 0.0  # no headings: every candidate may be chosen
        gold = np.zeros(6, dtype=bool)
        gold[int(np.argmax(rows[:, 5] + 0.3 * rng.normal(size=6)))] = True  # local_terms mostly decides
        records.append({"answered": True, "rows": rows, "gold": gold})
    weights = fitting.fit(records)
    assert np.array_equal(weights, fitting.fit(records))
    assert int(np.argmax(np.abs(weights))) == ranker.FEATURES.index("local_terms") and weights[5] > 0
    assert fitting.first_right(records, dict(zip(ranker.FEATURES, weights))) > 0.8


def test_the_fitted_weights_name_the_ranker_features():
    assert SETTINGS.answer.sentence_weights, "qa/fitted_sentences.py holds no weights"
    assert [name for name, _ in SETTINGS.answer.sentence_weights] == list(ranker.FEATURES)


@pytest.fixture(scope="module")
def festival(tmp_path_factory, embedder):
    return engine_over(tmp_path_factory.mktemp("ranker"), {"festival.txt": FESTIVAL}, embedder)


@pytest.mark.model
def test_the_answer_is_the_sentence_with_the_question_rare_words(festival):
    answer = festival.ask("When were the two finalists for hosting the Alder Harbor Festival 2024 announced?", 3)
    assert answer.answer[0].text.startswith("The council announced on October 16, 2022")
    assert answer.fact is not None and answer.fact.text == "October 16, 2022"

"""The confidence an answer records: its five features by name, and the level that follows from them by one rule."""
from __future__ import annotations

import numpy as np
import pytest

from qa.answering import confidence
from qa.config import SETTINGS
from qa.answering.question import parse

RULE = SETTINGS.retrieval


def expected_level(detail, passages: int) -> str:
    """The documented rule (records.Confidence), from the recorded features alone."""
    if detail.best_cosine + RULE.coverage_weight * detail.coverage >= RULE.high_threshold:
        return "high"
    w = RULE.answer_weights
    odds = sum(getattr(w, name) * value for name, value in detail.features().items()) + w.intercept
    needed = confidence.odds_needed(passages, RULE.answer_odds, RULE.small_collection, RULE.large_collection)
    return "low" if odds >= needed else "none"


@pytest.mark.parametrize("question", [
    "When did China ban the sale of fentanyl?", "How many Americans die from fentanyl every year?",
    "Who decided to resume that cooperation?", "What is the capital of Canada?", "How do I update my iPhone?",
])
def test_an_answer_records_the_features_it_was_judged_by(seed_engine, question):
    answer = seed_engine.ask(question)
    detail = answer.confidence_detail
    assert set(detail.features()) == {"best_cosine", "coverage", "sentence_coverage", "sentence_cosine", "peak"}
    assert answer.confidence == detail.level and answer.confidence_score == detail.score
    assert answer.answered == (detail.level != "none")
    top = answer.excerpts[:RULE.confidence_depth]
    assert detail.best_cosine == max(e.cosine for e in top)
    assert detail.score == pytest.approx(detail.best_cosine + RULE.coverage_weight * detail.coverage)
    assert 0.0 <= detail.coverage <= 1.0 and 0.0 <= detail.sentence_coverage <= 1.0
    passages = seed_engine.loaded().retriever.vectors.ntotal
    assert detail.level == expected_level(detail, passages)
    if detail.level == "high":  # the second pass did not decide
        assert detail.log_odds is None and detail.needed is None
    else:
        assert detail.log_odds == pytest.approx(
            sum(getattr(RULE.answer_weights, n) * v for n, v in detail.features().items())
            + RULE.answer_weights.intercept)
        assert (detail.log_odds >= detail.needed) == (detail.level == "low")


def idf(term: str) -> float:
    return {"fentanyl": 3.0, "ban": 2.0}.get(term, 0.0)


idf.unseen = 5.0  # type: ignore[attr-defined]


def test_the_judge_follows_the_rule_without_the_model():
    question = parse("When did China ban fentanyl?", "When did China ban fentanyl?", idf, lambda _: np.ones(3))
    assert question.terms == {"china", "ban", "fentanyl"}
    # china was never seen: it weighs idf.unseen in a share, 0 in the highlight
    assert question.weights["china"] == 5.0 and question.idf["china"] == 0.0
    texts = ["Fentanyl was banned in 2019. It said so.", "Nothing here."]
    high = confidence.judge(question, texts, [0.8, 0.3], peak=0.2, sentence_cosine=0.7, passages=100, settings=RULE)
    assert high.level == "high" and high.log_odds is None
    assert high.coverage == pytest.approx((3.0 + 2.0) / 10.0) and high.score == pytest.approx(0.8 + 0.3 * 0.5)
    low = confidence.judge(question, ["Nothing about it."], [0.5], peak=0.3, sentence_cosine=0.8, passages=100,
                           settings=RULE)
    assert low.level == expected_level(low, 100) and low.log_odds is not None
    empty = confidence.judge(question, [], [], peak=0.0, sentence_cosine=0.0, passages=100, settings=RULE)
    assert empty.level == "none" and empty.score == 0.0 and empty.log_odds is None

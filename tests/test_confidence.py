"""The confidence an answer records: its five features by name, and the level that follows from them by one rule."""
from __future__ import annotations

import numpy as np
import pytest

from qa.answering import confidence
from qa.config import SETTINGS
from qa.answering.answer import Choice
from qa.answering.question import parse
from qa.records import AnswerSentence

RULE = SETTINGS.retrieval


def expected_level(detail, passages: int) -> str:
    """The documented rule (records.Confidence), from the recorded features alone: answered by the sure bar or the
    log-odds bar; then "high" when the fitted trust odds reach their bar."""
    if detail.best_cosine + RULE.coverage_weight * detail.coverage < RULE.high_threshold:
        w = RULE.answer_weights
        odds = sum(getattr(w, name) * value for name, value in detail.features().items()) + w.intercept
        needed = confidence.odds_needed(passages, RULE.answer_odds, RULE.small_collection, RULE.large_collection)
        if odds < needed:
            return "none"
    if detail.trust_odds is None:
        return "low"
    trust = sum(weight * detail.trust_features()[name] for name, weight in RULE.high_weights) + RULE.high_intercept
    assert detail.trust_odds == pytest.approx(trust)
    return "high" if trust >= RULE.high_odds else "low"


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
    if detail.score >= RULE.high_threshold:  # the second pass did not decide
        assert detail.log_odds is None and detail.needed is None
    else:
        assert detail.log_odds == pytest.approx(
            sum(getattr(RULE.answer_weights, n) * v for n, v in detail.features().items())
            + RULE.answer_weights.intercept)
        assert (detail.log_odds >= detail.needed) == (detail.level != "none")
    if answer.answered:  # what "high" was judged by: the first answer sentence, as the answer step chose it
        assert detail.answer_margin >= 0.0, "the first sentence is the best-scored one"
        assert 0.0 <= detail.answer_terms <= 1.0 and -1.0 <= detail.answer_cosine <= 1.0
        assert detail.kind_missing in (0.0, 1.0) and detail.agree in (0.0, 1.0)
    else:
        assert detail.trust_odds is None


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


def test_a_sure_answer_without_a_sentence_is_low_and_an_unanswered_one_stays_none():
    question = parse("When did China ban fentanyl?", "When did China ban fentanyl?", idf, lambda _: np.ones(3))
    sure = confidence.judge(question, ["Fentanyl was banned in 2019."], [0.9], peak=0.2, sentence_cosine=0.7,
                            passages=100, settings=RULE)
    assert confidence.trust(sure, Choice(()), (0.0, 0.0, False), RULE).level == "low"
    empty = confidence.judge(question, [], [], peak=0.0, sentence_cosine=0.0, passages=100, settings=RULE)
    assert confidence.trust(empty, Choice(()), (0.0, 0.0, False), RULE) == empty


def test_high_rises_with_the_fitted_features_it_weighs():
    # the fitted rule on one answered judgement: a clearer lead of the chosen sentence raises the odds as its
    # weight says, and the level follows the bar
    question = parse("When did China ban fentanyl?", "When did China ban fentanyl?", idf, lambda _: np.ones(3))
    sure = confidence.judge(question, ["Fentanyl was banned in 2019."], [0.9], peak=0.2, sentence_cosine=0.7,
                            passages=100, settings=RULE)
    sentence = (AnswerSentence("a.txt", 0, 28, "Fentanyl was banned in 2019."),)
    weights = dict(RULE.high_weights)
    levels = []
    for margin in (0.0, 0.5, 1.0, 2.0, 4.0):
        judged = confidence.trust(sure, Choice(sentence, 1.0, margin, 0.7, 0.5), (1.0, 1.0, True), RULE)
        levels.append(judged.level)
        assert judged.answer_margin == margin and judged.trust_odds == pytest.approx(
            sum(w * judged.trust_features()[n] for n, w in RULE.high_weights) + RULE.high_intercept)
        assert (judged.level == "high") == (judged.trust_odds >= RULE.high_odds)
    assert weights["answer_margin"] > 0, "the fit found that a clear lead makes a right answer likelier"
    assert levels == sorted(levels, key=lambda level: level == "high"), "never high at a lower margin than low"


def test_a_year_no_article_mentions_gets_none_without_the_model():
    def seen(term: str) -> float:
        return {"fentanyl": 3.0, "ban": 2.0, "2019": 4.0}.get(term, 0.0)

    seen.unseen = 5.0  # type: ignore[attr-defined]
    texts, cosines = ["Fentanyl was banned in 2019. It said so."], [0.9]
    for asked, level in (("What did China ban in 2015?", "none"), ("What did China ban in 2019?", "high")):
        question = parse(asked, asked, seen, lambda _: np.ones(3))
        judged = confidence.judge(question, texts, cosines, peak=0.2, sentence_cosine=0.7, passages=100,
                                  settings=RULE)
        assert judged.level == level and judged.absent_years == (("2015",) if level == "none" else ())


@pytest.mark.parametrize("question, answered", [
    ("How many fentanyl pills were seized in 2015?", False),  # the seeds mention 2017, 2019, 2023 and 2024 only
    ("What did Beijing submit to the International Narcotics Control Board in 2016?", False),
    ("When did China ban the sale of fentanyl in 2019?", True),
])
def test_a_question_about_a_year_the_collection_never_mentions_is_not_answered(seed_engine, question, answered):
    answer = seed_engine.ask(question)
    assert answer.answered is answered and (answer.answer == ()) is not answered

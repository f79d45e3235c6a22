"""Judge how surely the first excerpts answer (a sure bar, then a log-odds bar) and how surely the answer is right."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from ..config import ConfidenceWeights, RetrievalSettings
from .answer import Choice
from .excerpts import term_shares
from .fact_context import YEAR
from .question import ParsedQuestion
from ..records import Confidence
from ..text import sentence_spans

# the features in the order the log-odds sums them (and eval/confidence_features.py writes its rows)
FEATURES = ("best_cosine", "coverage", "sentence_coverage", "sentence_cosine", "peak")
Agreement = tuple[float, float, bool]  # the best candidate's dense z-score, lexical z-score, first in both searches


def judge(question: ParsedQuestion, texts: Sequence[str], cosines: Sequence[float], peak: float,
          sentence_cosine: float, passages: int, settings: RetrievalSettings) -> Confidence:
    """The level a reader sees, with every feature it was judged by (the rule is `records.Confidence`'s).

    `texts` and `cosines`: the first `confidence_depth` excerpts and their dense cosines; `peak`: see `peak`;
    `sentence_cosine`: the model's best similarity of an answer-step sentence to the question; `passages`: how
    many the collection holds (the log-odds bar rises with it).
    """
    texts, cosines = list(texts[:settings.confidence_depth]), list(cosines[:settings.confidence_depth])
    cover = coverage(question, texts)
    found = Confidence(level="none", score=first_score(cosines, cover, settings.coverage_weight),
                       best_cosine=max(cosines, default=0.0), coverage=cover,
                       sentence_coverage=sentence_coverage(question, texts), sentence_cosine=sentence_cosine, peak=peak,
                       absent_years=absent_years(question))
    if found.absent_years:
        return found
    if found.score >= settings.high_threshold:
        return replace(found, level="high")
    if not texts:
        return found
    odds = log_odds(found, settings.answer_weights)
    needed = odds_needed(passages, settings.answer_odds, settings.small_collection, settings.large_collection)
    return replace(found, level="low" if odds >= needed else "none", log_odds=odds, needed=needed)


def absent_years(question: ParsedQuestion) -> tuple[str, ...]:
    """The years (1000-2099) the question names that no passage of the collection holds, in sorted order.

    "What was the reservoir's level in August 2015?" over articles that never mention 2015 finds the reservoir
    article, and its best sentence looked sure; on SQuAD dev one question in 10,570 names a year its collection
    lacks, on the development news set three of 25 unanswerable ones do (docs/quality.md).
    """
    return tuple(sorted(t for t in question.terms if YEAR.fullmatch(t) and not question.idf.get(t)))


def coverage(question: ParsedQuestion, texts: list[str]) -> float:
    """The largest idf-weighted share of the question's terms that one of `texts` contains (0..1)."""
    return max(term_shares(question, texts), default=0.0)


def sentence_coverage(question: ParsedQuestion, texts: list[str]) -> float:
    """The largest idf-weighted share of the question's terms that one sentence of `texts` holds (0..1).

    An answer sits in one sentence: off-topic questions pick up their words here and there across a
    passage, answerable ones find most of them together.
    """
    return coverage(question, [text[s:e] for text in texts for s, e in sentence_spans(text)])


def first_score(cosines: list[float], coverage: float, coverage_weight: float) -> float:
    """How sure we are that these excerpts answer: best dense cosine plus weighted term coverage (`coverage`).

    Cosine alone calls short, vague questions ("Who is the NSC spokesman?") weak, and calls questions on
    a neighbouring topic strong; the share of the question's rare words found in an excerpt corrects both.
    """
    if not cosines:
        return 0.0
    return max(cosines) + coverage_weight * coverage


def peak(dense: Iterable[float], depth: int = 5) -> float:
    """How far the best dense cosine stands above the mean of the `depth` best (0 for one candidate).

    A question the collection answers finds a passage that stands out; an off-topic one finds many passages
    about equally (and weakly) close, so a high best cosine alone says less than its lead over the next ones.
    """
    best = sorted(dense, reverse=True)[:depth]
    return float(best[0] - np.mean(best)) if best else 0.0


def log_odds(found: Confidence, weights: ConfidenceWeights) -> float:
    """The log-odds that the excerpts answer: a logistic regression over the FEATURES, plus the intercept."""
    values = [getattr(found, name) for name in FEATURES]
    return float(np.dot(values, [getattr(weights, name) for name in FEATURES]) + weights.intercept)


def odds_needed(passages: int, odds: tuple[float, float], small: int, large: int) -> float:
    """The log-odds an answer needs in a collection of `passages`: the best cosine of an off-topic question rises
    with the collection's size (more passages, closer ones by chance), so the bar does too, linear in log(size)."""
    share = (np.log(max(passages, 1)) - np.log(small)) / (np.log(large) - np.log(small))
    return float(odds[0] + (odds[1] - odds[0]) * np.clip(share, 0.0, 1.0))


def trust(found: Confidence, choice: Choice, agreement: Agreement, settings: RetrievalSettings) -> Confidence:
    """An answered question's level: "high" when the log-odds that its first answer sentence is right reach the
    fitted bar (`high_odds`), else "low" (also without an answer sentence); `found` unchanged when not answered.

    The odds are a logistic regression (qa/fitted.py, `python -m eval.calibrate_confidence`) over
    `Confidence.trust_features`: how well the excerpts match, how clearly the chosen sentence beats the others
    and holds the kind of fact asked for, and whether the dense and lexical searches agree on the best passage.
    """
    if not found.answered:
        return found
    if not choice.sentences:  # answered, but no sentence to stand behind: nothing says it is right
        return replace(found, level="low")
    dense_z, lexical_z, agree = agreement
    measured = replace(found, answer_score=choice.score, answer_margin=choice.margin, answer_cosine=choice.cosine,
                       answer_terms=choice.terms, kind_missing=float(choice.kind_missing), dense_z=dense_z,
                       lexical_z=lexical_z, agree=float(agree))
    odds = trust_odds(measured, settings.high_weights, settings.high_intercept)
    return replace(measured, level="high" if odds >= settings.high_odds else "low", trust_odds=odds)


def trust_odds(found: Confidence, weights: tuple[tuple[str, float], ...], intercept: float) -> float:
    """The log-odds that the first answer sentence holds the answer: the fitted weights over the named features."""
    values = found.trust_features()
    return float(sum(weight * values[name] for name, weight in weights) + intercept)


def agreement(dense: Sequence[float], lexical: Sequence[float]) -> Agreement:
    """How far the best candidate (the first of `dense` and `lexical`, the candidates' scores in fused order)
    stands out of the candidates in each search, in standard deviations, and whether it is first in both."""
    if not dense:
        return 0.0, 0.0, False
    d, x = np.asarray(dense, dtype=np.float64), np.asarray(lexical, dtype=np.float64)
    first_in_both = bool(d[0] >= d.max() and x[0] >= x.max())
    return z_of_first(d), z_of_first(x), first_in_both


def z_of_first(values: np.ndarray) -> float:
    spread = float(values.std())
    return float((values[0] - values.mean()) / spread) if spread > 0 else 0.0

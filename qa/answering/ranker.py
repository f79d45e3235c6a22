"""The answer step's learned sentence ranker: each candidate's features, scored by weights fitted on SQuAD dev."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from .question import ParsedQuestion
from ..text import tokenize

if TYPE_CHECKING:  # answer.py imports this module; the candidate type is only named here
    from .answer import SentenceCandidate

# the columns of `features`, in order: the names qa/fitted_sentences.py gives weights to
FEATURES = ("terms", "cosine", "relation", "kind", "heading", "local_terms", "previous_local_terms")


def local_shares(question: ParsedQuestion, texts: Sequence[str]) -> np.ndarray:
    """For each of `texts`, the share of the question's terms it holds, each term weighted by how rare it is among
    `texts` (log((n + 1) / (df + 0.5))): a word every sentence of the article repeats ("Super Bowl 50") tells
    the sentences apart less than one only the answer sentence holds."""
    held = [set(tokenize(t)) for t in texts]
    if not question.terms or not held:
        return np.zeros(len(held))
    n = len(held)
    weight = {t: math.log((n + 1) / (sum(t in h for h in held) + 0.5)) for t in sorted(question.terms)}
    total = sum(weight.values()) or 1.0
    return np.asarray([sum(w for t, w in weight.items() if t in h) / total for h in held])


def features(question: ParsedQuestion, candidates: Sequence[SentenceCandidate], similarities: np.ndarray,
             kind: str | None, headings: Sequence[bool]) -> np.ndarray:
    """One row of FEATURES per candidate: its term share, the model's similarity, whether it states the asked
    negation or contrast, holds the kind of fact asked for, is a heading, its local term share, and the local term
    share of the sentence before it in its excerpt (a sentence often answers about what the one before named)."""
    local = local_shares(question, [c.text for c in candidates])
    previous = [local[i - 1] if i > 0 and candidates[i - 1].rank == c.rank else 0.0 for i, c in enumerate(candidates)]
    return np.asarray([[c.terms, float(s), float(c.relation), float(bool(kind) and c.has(kind)), float(heading),
                        local[i], previous[i]]
                       for i, (c, s, heading) in enumerate(zip(candidates, similarities, headings))],
                      dtype=np.float64).reshape(len(candidates), len(FEATURES))


def scores(rows: np.ndarray, weights: Mapping[str, float]) -> np.ndarray:
    """The ranker's score of each row of `features`: its weighted sum (a missing weight counts 0)."""
    w = np.asarray([weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)
    return (rows @ w).astype(np.float32)

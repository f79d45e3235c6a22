"""The question as every answering step reads it, parsed once: text as searched, terms and weights, vector."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..text import tokenize

Idf = Callable[[str], float]  # lexical.BM25.idf_function(): idf of a term, with an `unseen` attribute


@dataclass(frozen=True, eq=False)
class ParsedQuestion:
    """One question, tokenised and embedded once for retrieval, confidence, the answer step and the highlight.

    `text` is what is searched for: the question as asked, or with the earlier turns it leans on (follow-ups).
    """

    asked: str
    text: str
    terms: frozenset[str]  # its search tokens (text.tokenize: stemmed, no stop words)
    idf: Mapping[str, float]  # each term's idf in the collection, as the index gives it (the highlight's weights)
    weights: Mapping[str, float]  # the same, a term the collection never saw weighing idf.unseen (term shares)
    vector: np.ndarray  # the model's query vector, normalised
    # "And what about X?" after earlier turns: X's search tokens, which an answer sentence must hold
    focus: frozenset[str] = frozenset()

    @property
    def total_weight(self) -> float:
        """What a text holding every term holds: the denominator of a term share (1 when there are no terms)."""
        return sum(self.weights.values()) or 1.0


def parse(asked: str, text: str, idf: Idf, embed_query: Callable[[str], np.ndarray], focus: str = ""
          ) -> ParsedQuestion:
    """`text` (the question as searched for) tokenised, weighed by `idf` and embedded by `embed_query`;
    `focus`: what a follow-up asks about ("X" of "And what about X?"), or ""."""
    terms = frozenset(tokenize(text))
    # built by iterating `terms`, as every consumer sums in this order: equal sums, equal ties
    raw = {t: idf(t) for t in terms}
    weights = {t: raw[t] or idf.unseen for t in terms}  # type: ignore[attr-defined]
    vector = embed_query(text)
    if text != asked:  # a follow-up, searched with the turn it leans on: the dense side reads the question as typed
        # as much as the two together, so the earlier turn's words place it (which article) without pulling it back
        # to the earlier turn's passage ("What did he blame for the shortfall?" after a question about the chair)
        both = vector + embed_query(asked)
        vector = both / (np.linalg.norm(both) or 1.0)
    return ParsedQuestion(asked, text, terms, raw, weights, vector, frozenset(tokenize(focus)))

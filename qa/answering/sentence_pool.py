"""The answer's sentence pool: the model's similarity of each needed sentence to the question, computed once."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .answer import SentenceCandidate
from ..records import Passage
from ..text import sentence_spans

Embed = Callable[[list[str]], np.ndarray]
LoadVectors = Callable[[list[int]], dict[int, np.ndarray]]  # Store.sentence_vectors: passage id -> (sentences, dim)


class SentencePool:
    """The answer step's candidate sentences, and the vectors of every sentence of the chosen excerpts.

    A vector is read from those stored with the excerpts' windows at build time (split as at build time, so the
    texts match); a sentence without one (an index built before sentence vectors, a sentence past the model's limit,
    or one that only a merged excerpt's split produces) is embedded by `embed`. Each vector is looked up or embedded
    once, and the candidates' similarities are computed once, on first use: a confident answer may never need them,
    and the judge, the highlight and the answer step share them. Nothing is read until a vector is asked for.
    """

    def __init__(self, sentences: list[SentenceCandidate], windows: Sequence[Passage], load: LoadVectors,
                 embed: Embed, query_vector: np.ndarray):
        self.sentences = sentences
        self.windows = list(windows)
        self.load, self.embed, self.query_vector = load, embed, query_vector
        self.known: dict[str, np.ndarray] | None = None  # sentence text -> vector, once read or embedded
        self.similarities: np.ndarray | None = None  # of `sentences`, once computed

    def vectors_once(self, texts: list[str]) -> np.ndarray:
        """The vectors of `texts`, one row each: stored ones, and one model batch for those no earlier call had."""
        known = self.stored_once()
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            known.update(zip(todo, self.embed(todo)))
        if not texts:
            return self.embed([])
        return np.stack([known[t] for t in texts])

    def similarities_once(self) -> np.ndarray:
        """The model's similarity of each candidate sentence to the question (computed on the first call)."""
        if self.similarities is None:
            self.similarities = (self.vectors_once([c.text for c in self.sentences]) @ self.query_vector
                                 if self.sentences else np.zeros(0, dtype=np.float32))
        return self.similarities

    def best_similarity(self) -> float:
        """The best candidate's similarity (0 without candidates): the judge's `sentence_cosine`."""
        return float(self.similarities_once().max(initial=0.0))

    def stored_once(self) -> dict[str, np.ndarray]:
        """The vectors stored with the windows, by sentence text (read on the first call)."""
        if self.known is None:
            stored = self.load([p.passage_id for p in self.windows])
            self.known = {}
            for p in self.windows:
                vectors = stored.get(p.passage_id, ())
                spans = sentence_spans(p.text)
                if len(vectors) != len(spans):
                    continue
                for (s, e), v in zip(spans, vectors):
                    if v.any():  # a zero row: the sentence was past the model's limit at build time
                        self.known.setdefault(p.text[s:e], v)
        return self.known

"""Sentence vectors: pooled from a passage's token states at build time, looked up by sentence at ask time."""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from ..records import Passage
from ..text import sentence_spans

Embed = Callable[[list[str]], np.ndarray]


def sentence_means(states: np.ndarray, offsets: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """One normalised vector per sentence span: the mean of the states of the tokens inside it.

    `states` (tokens, dim) and `offsets` (tokens, 2, character offsets in the passage) are row-aligned; special
    tokens have empty offsets and belong to no sentence. A sentence with no token here (cut off by the model's
    length limit) gets a zero row, which `StoredSentences` treats as missing.
    """
    if not spans or not len(offsets):
        return np.zeros((len(spans), states.shape[1]), dtype=np.float32)
    starts = np.asarray([s for s, _ in spans], dtype=np.int64)
    ends = np.asarray([e for _, e in spans], dtype=np.int64)
    first, last = offsets[:, 0], offsets[:, 1]
    which = np.searchsorted(starts, first, side="right") - 1
    inside = (last > first) & (which >= 0) & (last <= ends[np.maximum(which, 0)])
    # a 0/1 membership matrix times the states: one BLAS call, ~10x faster than np.add.at (which also holds the
    # GIL while the other embedding session waits to hand back its batch)
    member = np.zeros((len(spans), len(states)), dtype=np.float32)
    member[which[inside], np.flatnonzero(inside)] = 1.0
    out = member @ states.astype(np.float32, copy=False)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)


class StoredSentences:
    """An `Embed` for the sentences of one answer that reads the vectors stored with their passages.

    Called with sentence texts, it looks each up among the sentences of `passages` (split as at build time,
    so the texts match); a sentence without a stored vector (an index built before sentence vectors, a
    sentence past the model's limit, or one that only a merged excerpt's split produces) is embedded by
    `fallback`. Nothing is read until the first call: a confident answer may never need a sentence vector.
    """

    def __init__(self, load: Callable[[list[int]], dict[int, np.ndarray]], passages: Iterable[Passage],
                 fallback: Embed):
        self._load, self._passages, self._fallback = load, list(passages), fallback
        self._known: dict[str, np.ndarray] | None = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        known = self._stored()
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            known.update(zip(todo, self._fallback(todo)))
        if not texts:
            return self._fallback([])
        return np.stack([known[t] for t in texts])

    def _stored(self) -> dict[str, np.ndarray]:
        if self._known is None:
            stored = self._load([p.passage_id for p in self._passages])
            self._known = {}
            for p in self._passages:
                vectors = stored.get(p.passage_id, ())
                spans = sentence_spans(p.text)
                if len(vectors) != len(spans):
                    continue
                for (s, e), v in zip(spans, vectors):
                    if v.any():
                        self._known.setdefault(p.text[s:e], v)
        return self._known

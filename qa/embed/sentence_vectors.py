"""Sentence vectors: pooled from a passage's token states at build time (looked up at ask time: qa/sentence_pool.py)."""
from __future__ import annotations

import numpy as np


def sentence_means(states: np.ndarray, offsets: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """One normalised vector per sentence span: the mean of the states of the tokens inside it.

    `states` (tokens, dim) and `offsets` (tokens, 2, character offsets in the passage) are row-aligned; special
    tokens have empty offsets and belong to no sentence. A sentence with no token here (cut off by the model's
    length limit) gets a zero row, which `sentence_pool.SentencePool` treats as missing.
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

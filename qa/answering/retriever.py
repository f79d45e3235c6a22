"""Retrieve candidate passages for a question: dense (FAISS) and lexical (BM25), fused."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import timing
from ..config import RetrievalSettings
from .fusion import normalised_score_fusion, reciprocal_rank_fusion
from ..index.lexical import BM25
from ..index.vector_index import search_allowed


@dataclass(frozen=True)
class Candidate:
    """A passage id with its fused score and the cosine similarity of its vector to the question."""

    passage_id: int
    score: float
    dense: float
    lexical: float


_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


def fuse(dense: tuple, lexical: tuple, settings: RetrievalSettings) -> list[tuple[int, float]]:
    """One ranking of (passage id, fused score), best first, from the dense and lexical (ids, scores) lists."""
    s = settings
    if s.mode != "hybrid":
        ids, scores = dense if s.mode == "dense" else lexical
        return list(zip(ids.tolist(), scores.tolist()))
    weights = [s.dense_weight, s.lexical_weight]
    if s.fusion == "rrf":
        return reciprocal_rank_fusion([dense[0].tolist(), lexical[0].tolist()], weights, k=s.rrf_k)
    return normalised_score_fusion([dense, lexical], weights, method=s.fusion, stats_depth=s.candidates)


class Retriever:
    """Hybrid search over one index snapshot."""

    def __init__(self, vectors, bm25: BM25, settings: RetrievalSettings):
        """`vectors` is a FAISS index of normalised passage vectors by passage id (inner product = cosine)."""
        if settings.mode not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"unknown retrieval mode '{settings.mode}'")
        self.vectors = vectors
        self.bm25 = bm25
        self.settings = settings
        if settings.mode != "dense" and len(bm25):
            bm25.weights(settings.bm25_k1, settings.bm25_b)  # now, not in the first question's time

    def retrieve(self, question: str, query_vector: np.ndarray, n: int | None = None,
                 allowed: np.ndarray | None = None) -> list[Candidate]:
        """Up to `n` candidates, best first; only passages in `allowed` (sorted ids) when it is given.

        Both sides search the allowed passages only, so a filter never empties a list cut before it.
        """
        n = n or self.settings.candidates
        depth = max(n, self.settings.candidates)  # never fewer than the normalisation statistics need
        mode = self.settings.mode
        with timing.stage("vector search (FAISS)"):
            dense_ids, dense_scores = self.dense(query_vector, depth, allowed) if mode != "lexical" else _EMPTY
        with timing.stage("BM25"):
            lex_ids, lex_scores = self.lexical(question, depth, allowed) if mode != "dense" else _EMPTY
        with timing.stage("fusion"):
            fused = fuse((dense_ids, dense_scores), (lex_ids, lex_scores), self.settings)[:n]
        dense = dict(zip(dense_ids.tolist(), dense_scores.tolist()))
        lexical = dict(zip(lex_ids.tolist(), lex_scores.tolist()))
        missing = [pid for pid, _ in fused if pid not in dense]
        with timing.stage("vector search (FAISS)"):
            dense.update(self.cosines(query_vector, missing))
        return [Candidate(pid, score, dense.get(pid, 0.0), lexical.get(pid, 0.0)) for pid, score in fused]

    def lexical(self, question: str, n: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        # k1 and b only enter at query time, so the settings apply to an index fitted with any values
        return self.bm25.search(question, n, self.settings.bm25_k1, self.settings.bm25_b, allowed)

    def dense(self, query_vector: np.ndarray, n: int, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        if self.vectors.ntotal == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if allowed is not None:
            return search_allowed(self.vectors, query_vector, n, allowed, self.settings.filter_exact_max)
        scores, ids = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), min(n, self.vectors.ntotal))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def cosines(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine similarity for passages the dense side did not return (found by BM25 alone)."""
        if not ids:
            return {}
        vecs = np.vstack([self.vectors.reconstruct(int(i)) for i in ids])
        return dict(zip(ids, (vecs @ query_vector).tolist()))

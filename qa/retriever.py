"""Retrieve candidate passages for a question: dense (FAISS) and lexical (BM25), fused."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import RetrievalSettings
from .fusion import reciprocal_rank_fusion
from .lexical import BM25


@dataclass(frozen=True)
class Candidate:
    """A passage id with its fused score and the cosine similarity of its vector to the question."""

    passage_id: int
    score: float
    dense: float
    lexical: float


class Retriever:
    """Hybrid search over one index snapshot."""

    def __init__(self, vectors, bm25: BM25, settings: RetrievalSettings):
        """`vectors` is a FAISS IndexIDMap2 of normalised passage vectors (inner product = cosine)."""
        self.vectors = vectors
        self.bm25 = bm25
        self.settings = settings

    def retrieve(self, question: str, query_vector: np.ndarray, n: int | None = None) -> list[Candidate]:
        """Up to `n` candidates, best first."""
        n = n or self.settings.candidates
        dense_ids, dense_scores = self._dense(query_vector, n)
        lex_ids, lex_scores = self.bm25.search(question, n)
        fused = reciprocal_rank_fusion(
            [dense_ids.tolist(), lex_ids.tolist()],
            [self.settings.dense_weight, self.settings.lexical_weight],
            k=self.settings.rrf_k,
        )[:n]
        dense = dict(zip(dense_ids.tolist(), dense_scores.tolist()))
        lexical = dict(zip(lex_ids.tolist(), lex_scores.tolist()))
        missing = [pid for pid, _ in fused if pid not in dense]
        dense.update(self._cosines(query_vector, missing))
        return [Candidate(pid, score, dense.get(pid, 0.0), lexical.get(pid, 0.0)) for pid, score in fused]

    def _dense(self, query_vector: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        if self.vectors.ntotal == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.vectors.search(query_vector.reshape(1, -1).astype(np.float32), min(n, self.vectors.ntotal))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def _cosines(self, query_vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        """Cosine similarity for passages the dense side did not return (found by BM25 alone)."""
        if not ids:
            return {}
        vecs = np.vstack([self.vectors.reconstruct(int(i)) for i in ids])
        return dict(zip(ids, (vecs @ query_vector).tolist()))

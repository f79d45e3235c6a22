"""Reciprocal-rank fusion of ranked id lists."""
from __future__ import annotations

from typing import Sequence


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[int]],
    weights: Sequence[float] | None = None,
    k: int = 60,
) -> list[tuple[int, float]]:
    """Fuse several rankings (ids, best first) into one: score(d) = sum_i w_i / (k + rank_i(d)).

    Args:
        rankings: one list of ids per retriever, best first.
        weights: one weight per ranking (default 1 each).
        k: damping constant; 60 is the value of Cormack et al. (2009).

    Returns:
        (id, fused score) pairs, best first; ties keep the order in which ids were first seen.
    """
    weights = list(weights) if weights is not None else [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError("one weight per ranking")
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])

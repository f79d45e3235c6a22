"""Fuse ranked id lists: reciprocal-rank fusion, or a weighted sum of normalised scores."""
from __future__ import annotations

from typing import Sequence

import numpy as np


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
    weights = _weights(weights, len(rankings))
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, doc in enumerate(ranking, start=1):
            scores[doc] = scores.get(doc, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def normalised_score_fusion(
    results: Sequence[tuple[Sequence[int], Sequence[float]]],
    weights: Sequence[float] | None = None,
    method: str = "zscore",
    stats_depth: int | None = None,
) -> list[tuple[int, float]]:
    """Fuse (ids, scores) lists by a weighted sum of per-list normalised scores.

    An id missing from a list gets that list's floor (its lowest normalised score), so being found by
    one retriever only is neither free nor fatal.

    Args:
        results: one (ids, scores) pair per retriever, any order.
        weights: one weight per list (default 1 each).
        method: "zscore" (mean 0, standard deviation 1) or "minmax" (0..1).
        stats_depth: normalise by the statistics of each list's first `stats_depth` scores, so that asking
            for a longer list does not reorder its head.

    Returns:
        (id, fused score) pairs, best first; ties keep first-seen order.
    """
    weights = _weights(weights, len(results))
    normalised = [_normalise(np.asarray(scores, dtype=np.float64), method, stats_depth) for _, scores in results]
    everyone = list(dict.fromkeys(int(i) for ids, _ in results for i in ids))
    fused = dict.fromkeys(everyone, 0.0)
    for (ids, _), norm, weight in zip(results, normalised, weights):
        if not len(ids):
            continue
        found = dict(zip((int(i) for i in ids), norm.tolist()))
        floor = float(norm.min())
        for doc in everyone:
            fused[doc] += weight * found.get(doc, floor)
    return sorted(fused.items(), key=lambda item: -item[1])


def _normalise(scores: np.ndarray, method: str, depth: int | None = None) -> np.ndarray:
    if not len(scores):
        return scores
    head = np.sort(scores)[::-1][:depth] if depth else scores
    if method == "minmax":
        span = head.max() - head.min()
        return (scores - head.min()) / span if span > 0 else np.ones_like(scores)
    if method == "zscore":
        std = head.std()
        return (scores - head.mean()) / std if std > 0 else np.zeros_like(scores)
    raise ValueError(f"unknown normalisation '{method}'")


def _weights(weights: Sequence[float] | None, n: int) -> list[float]:
    weights = list(weights) if weights is not None else [1.0] * n
    if len(weights) != n:
        raise ValueError("one weight per ranking")
    return weights

"""Select excerpts from ranked candidates: drop near-copies, mark the sentences that best answer."""
from __future__ import annotations

import math
import re
from typing import Callable

import numpy as np

from .chunker import sentence_spans
from .lexical import tokenize
from .records import Passage

_WORDS = re.compile(r"\w+")


def near_duplicate(a: Passage, b: Passage, jaccard: float) -> bool:
    """Same text in two articles, or two windows of one article that mostly overlap."""
    if a.doc_id == b.doc_id:
        overlap = min(a.end, b.end) - max(a.start, b.start)
        if overlap > 0.5 * min(a.end - a.start, b.end - b.start):
            return True
    wa, wb = set(_WORDS.findall(a.text.lower())), set(_WORDS.findall(b.text.lower()))
    if not wa or not wb:
        return a.text.strip() == b.text.strip()
    return len(wa & wb) / len(wa | wb) >= jaccard


def select(passages: list[Passage], k: int, jaccard: float) -> list[int]:
    """Indexes of the first `k` passages (in the given order) that are not near-copies of an earlier one."""
    chosen: list[int] = []
    for i, p in enumerate(passages):
        if all(not near_duplicate(p, passages[j], jaccard) for j in chosen):
            chosen.append(i)
            if len(chosen) == k:
                break
    return chosen


def highlight(
    question: str,
    passage: Passage,
    idf: Callable[[str], float],
    embed: Callable[[list[str]], np.ndarray] | None = None,
    query_vector: np.ndarray | None = None,
) -> tuple[tuple[int, int], ...]:
    """The span (document coordinates) of the sentence that best answers `question`.

    Sentences are scored by the idf-weighted share of question terms they contain; when no sentence
    shares a term (a paraphrase, or spun text), the sentences are embedded and the closest one wins.
    """
    spans = sentence_spans(passage.text, offset=passage.start)
    if not spans:
        return ()
    if len(spans) == 1:
        return (spans[0],)
    terms = set(tokenize(question))
    texts = [passage.text[s - passage.start:e - passage.start] for s, e in spans]
    scores = [sum(idf(t) for t in terms & set(tokenize(text))) for text in texts]
    if max(scores) <= 0 and embed is not None and query_vector is not None:
        scores = (embed(texts) @ query_vector).tolist()
    best = int(np.argmax(scores))
    return (spans[best],)


def idf_lookup(bm25) -> Callable[[str], float]:
    """An idf function over the live passages of a BM25 index (0 for unknown terms)."""
    n = max(len(bm25), 1)
    df = np.diff(bm25.tf.indptr) if bm25.tf.shape[1] else np.zeros(0)

    def idf(term: str) -> float:
        col = bm25.vocab.get(term)
        if col is None:
            return 0.0
        return math.log1p((n - df[col] + 0.5) / (df[col] + 0.5))

    return idf

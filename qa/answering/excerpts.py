"""Select excerpts from ranked candidates: drop near-copies, mark the best sentences, weigh the question's terms."""
from __future__ import annotations

from typing import Callable

import numpy as np

from .question import ParsedQuestion
from ..records import Passage
from ..text import sentence_spans, tokenize, word_set


def near_duplicate(a: Passage, b: Passage, jaccard: float, words: dict | None = None) -> bool:
    """Same text in two articles, or two windows of one article that overlap at all (they would show the
    same sentence twice).

    `words` caches each passage's word set across calls (select compares one passage with many).
    """
    if overlaps(a, b):
        return True
    wa, wb = _words(a, words), _words(b, words)
    if not wa or not wb:
        return a.text.strip() == b.text.strip()
    return len(wa & wb) / len(wa | wb) >= jaccard


def _words(p: Passage, cache: dict | None) -> set[str]:
    if cache is None:
        return word_set(p.text)
    key = (p.doc_id, p.start, p.end)
    if key not in cache:
        cache[key] = word_set(p.text)
    return cache[key]


def overlaps(a: Passage, b: Passage) -> bool:
    """Two windows of one article that share text."""
    return a.doc_id == b.doc_id and max(a.start, b.start) < min(a.end, b.end)


def distinct(passages: list[Passage], k: int, jaccard: float) -> list[Passage]:
    """The first `k` passages that add something, best first: a window that overlaps a better one of its
    article is merged into it (once: the excerpt stays at most two windows long) or else dropped, and a
    near-copy of a better passage (the same story in another file) is dropped. No sentence shows twice."""
    chosen: list[Passage] = []
    merged: set[int] = set()  # positions in `chosen` that already took in a neighbour
    words: dict = {}
    for p in passages:
        if len(chosen) == k:
            break
        hits = [i for i, c in enumerate(chosen) if overlaps(p, c)]
        if hits:
            if len(hits) == 1 and hits[0] not in merged:  # bridging two excerpts would make them share text
                chosen[hits[0]] = union(chosen[hits[0]], p)
                merged.add(hits[0])
            continue
        if len(chosen) < k and all(not near_duplicate(p, c, jaccard, words) for c in chosen):
            chosen.append(p)
    return chosen


def union(a: Passage, b: Passage) -> Passage:
    """One passage spanning two overlapping windows of an article; it keeps `a`'s id and rank."""
    first, second = (a, b) if a.start <= b.start else (b, a)
    text = first.text + second.text[first.end - second.start:] if second.end > first.end else first.text
    return Passage(a.doc_id, min(a.position, b.position), first.start, max(a.end, b.end), text, a.passage_id)


def highlight_all(
    question: ParsedQuestion,
    passages: list[Passage],
    vectors: Callable[[list[str]], np.ndarray] | None,
    embed_depth: int,
) -> list[tuple[tuple[int, int], ...]]:
    """For each passage, the span (document coordinates) of the sentence that best answers `question`.

    Sentences are scored by the idf-weighted question terms they contain. When several sentences tie
    for the best score (none sharing a term is a tie too: a paraphrase, or spun text) in one of the
    first `embed_depth` passages, the tied sentences' `vectors` are compared with the question's in one
    batch and the closest wins; further down, or without `vectors`, the first of them stands. On SQuAD this
    choice beats term overlap alone and embeddings alone (docs/quality.md).
    """
    found: list[tuple[tuple[int, int], ...]] = []
    tied: list[tuple[int, list[tuple[int, int]], list[str]]] = []  # (passage rank, spans, texts)
    for rank, passage in enumerate(passages):
        spans = sentence_spans(passage.text, offset=passage.start)
        texts = [passage.text[s - passage.start:e - passage.start] for s, e in spans]
        scores = [sum(question.idf[t] for t in question.terms & set(tokenize(text))) for text in texts]
        top = [i for i, score in enumerate(scores) if spans and score >= max(scores) - 1e-9]
        found.append((spans[top[0]],) if spans else ())
        if len(top) > 1 and rank < embed_depth and vectors is not None:
            tied.append((rank, [spans[i] for i in top], [texts[i] for i in top]))
    if tied:
        similarity = vectors([t for _, _, texts in tied for t in texts]) @ question.vector
        pos = 0
        for rank, spans, texts in tied:
            found[rank] = (spans[int(np.argmax(similarity[pos:pos + len(texts)]))],)
            pos += len(texts)
    return found


def term_shares(question: ParsedQuestion, texts: list[str]) -> list[float]:
    """For each of `texts`, the idf-weighted share of the question's terms it holds (0..1).

    Terms the collection has never seen weigh the most: a question about sourdough asked of news on
    fentanyl is mostly words the collection does not have.
    """
    if not question.terms:
        return [0.0] * len(texts)
    total = question.total_weight
    shares = []
    for text in texts:
        held = set(tokenize(text))
        shares.append(sum(w for t, w in question.weights.items() if t in held) / total)
    return shares

"""Select excerpts from ranked candidates: drop near-copies, judge confidence, mark the best sentences."""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from ..records import Passage
from ..text import sentence_spans, tokenize, word_set

Idf = Callable[[str], float]  # lexical.BM25.idf_function(): idf of a term, with an `unseen` attribute


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


def select(passages: list[Passage], k: int, jaccard: float) -> list[int]:
    """Indexes of the first `k` passages (in the given order) that are not near-copies of an earlier one."""
    chosen: list[int] = []
    words: dict = {}
    for i, p in enumerate(passages):
        if all(not near_duplicate(p, passages[j], jaccard, words) for j in chosen):
            chosen.append(i)
            if len(chosen) == k:
                break
    return chosen


def highlight_all(
    question: str,
    passages: list[Passage],
    idf: Idf,
    embed: Callable[[list[str]], np.ndarray] | None,
    query_vector: np.ndarray,
    embed_depth: int,
) -> list[tuple[tuple[int, int], ...]]:
    """For each passage, the span (document coordinates) of the sentence that best answers `question`.

    Sentences are scored by the idf-weighted question terms they contain. When several sentences tie
    for the best score (none sharing a term is a tie too: a paraphrase, or spun text) in one of the
    first `embed_depth` passages, the tied sentences are embedded in one batch and the closest to the
    question wins; further down, or without `embed`, the first of them stands. On SQuAD this choice
    beats term overlap alone and embeddings alone (docs/quality.md).
    """
    terms = set(tokenize(question))
    found: list[tuple[tuple[int, int], ...]] = []
    tied: list[tuple[int, list[tuple[int, int]], list[str]]] = []  # (passage rank, spans, texts)
    for rank, passage in enumerate(passages):
        spans = sentence_spans(passage.text, offset=passage.start)
        texts = [passage.text[s - passage.start:e - passage.start] for s, e in spans]
        scores = [sum(idf(t) for t in terms & set(tokenize(text))) for text in texts]
        top = [i for i, score in enumerate(scores) if spans and score >= max(scores) - 1e-9]
        found.append((spans[top[0]],) if spans else ())
        if len(top) > 1 and rank < embed_depth and embed is not None:
            tied.append((rank, [spans[i] for i in top], [texts[i] for i in top]))
    if tied:
        similarity = embed([t for _, _, texts in tied for t in texts]) @ query_vector
        pos = 0
        for rank, spans, texts in tied:
            found[rank] = (spans[int(np.argmax(similarity[pos:pos + len(texts)]))],)
            pos += len(texts)
    return found


def term_shares(question: str, texts: list[str], idf: Idf) -> list[float]:
    """For each of `texts`, the idf-weighted share of the question's terms it holds (0..1).

    Terms the collection has never seen weigh the most: a question about sourdough asked of news on
    fentanyl is mostly words the collection does not have.
    """
    terms = set(tokenize(question))
    if not terms:
        return [0.0] * len(texts)
    weights = {t: idf(t) or idf.unseen for t in terms}
    total = sum(weights.values()) or 1.0
    shares = []
    for text in texts:
        held = set(tokenize(text))
        shares.append(sum(w for t, w in weights.items() if t in held) / total)
    return shares


def coverage(question: str, texts: list[str], idf: Idf) -> float:
    """The largest idf-weighted share of the question's terms that one of `texts` contains (0..1)."""
    return max(term_shares(question, texts, idf), default=0.0)


def confidence(cosines: list[float], coverage: float, coverage_weight: float) -> float:
    """How sure we are that these excerpts answer: best dense cosine plus weighted term coverage (`coverage`).

    Cosine alone calls short, vague questions ("Who is the NSC spokesman?") weak, and calls questions on
    a neighbouring topic strong; the share of the question's rare words found in an excerpt corrects both.
    """
    if not cosines:
        return 0.0
    return max(cosines) + coverage_weight * coverage


def sentence_coverage(question: str, texts: list[str], idf: Idf) -> float:
    """The largest idf-weighted share of the question's terms that one sentence of `texts` holds (0..1).

    An answer sits in one sentence: off-topic questions pick up their words here and there across a
    passage, answerable ones find most of them together.
    """
    return coverage(question, [text[s:e] for text in texts for s, e in sentence_spans(text)], idf)


def peak(dense: Iterable[float], depth: int = 5) -> float:
    """How far the best dense cosine stands above the mean of the `depth` best (0 for one candidate).

    A question the collection answers finds a passage that stands out; an off-topic one finds many passages
    about equally (and weakly) close, so a high best cosine alone says less than its lead over the next ones.
    """
    best = sorted(dense, reverse=True)[:depth]
    return float(best[0] - np.mean(best)) if best else 0.0


def answer_log_odds(features: tuple[float, ...], weights: tuple[float, ...]) -> float:
    """The log-odds that the excerpts answer: a logistic regression, `weights` ending with the intercept."""
    return float(np.dot(features, weights[:-1]) + weights[-1])


def odds_needed(passages: int, odds: tuple[float, float], small: int, large: int) -> float:
    """The log-odds an answer needs in a collection of `passages`: the best cosine of an off-topic question rises
    with the collection's size (more passages, closer ones by chance), so the bar does too, linear in log(size)."""
    share = (np.log(max(passages, 1)) - np.log(small)) / (np.log(large) - np.log(small))
    return float(odds[0] + (odds[1] - odds[0]) * np.clip(share, 0.0, 1.0))

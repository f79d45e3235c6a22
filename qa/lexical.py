"""A small BM25 index over passages: `fit`, `add`, `remove`, `search`."""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from scipy import sparse

_TOKEN = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours yourself yourselves s t
""".split())


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without stop words; any user text is accepted."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS and len(w) < 64]
    return _stemmer().stemWords(words) if words else []


class BM25:
    """Okapi BM25 over a term-frequency matrix; idf is computed at query time so adds stay cheap."""

    def __init__(self, k1: float = 0.9, b: float = 0.4):
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.ids = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self.tf = sparse.csc_matrix((0, 0), dtype=np.float32)

    def __len__(self) -> int:
        return int(self.alive.sum())

    def fit(self, ids: list[int], texts: list[str]) -> "BM25":
        self.__init__(self.k1, self.b)
        return self.add(ids, texts)

    def add(self, ids: list[int], texts: list[str]) -> "BM25":
        if not len(ids):
            return self
        rows, cols, vals = [], [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for r, text in enumerate(texts):
            tokens = tokenize(text)
            lengths[r] = len(tokens)
            counts: dict[int, int] = {}
            for t in tokens:
                c = self.vocab.setdefault(t, len(self.vocab))
                counts[c] = counts.get(c, 0) + 1
            rows.extend([r] * len(counts))
            cols.extend(counts)
            vals.extend(counts.values())
        new = sparse.csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=(len(texts), len(self.vocab)))
        old = self.tf.tocsr()
        old.resize((old.shape[0], len(self.vocab)))
        self.tf = sparse.vstack([old, new], format="csc")
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.lengths = np.concatenate([self.lengths, lengths])
        self.alive = np.concatenate([self.alive, np.ones(len(ids), dtype=bool)])
        return self

    def remove(self, ids) -> None:
        """Forget passages; their rows stay but never score (the next `fit` drops them)."""
        self.alive &= ~np.isin(self.ids, np.asarray(list(ids), dtype=np.int64))

    def search(self, query: str, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """The ids and scores of the k best passages, best first; empty when no term matches."""
        terms = [self.vocab[t] for t in dict.fromkeys(tokenize(query)) if t in self.vocab]
        n = len(self)
        if not terms or n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        avgdl = float(self.lengths[self.alive].mean()) or 1.0
        scores = np.zeros(self.tf.shape[0], dtype=np.float32)
        for c in terms:
            lo, hi = self.tf.indptr[c], self.tf.indptr[c + 1]
            rows, tf = self.tf.indices[lo:hi], self.tf.data[lo:hi]
            live = self.alive[rows]
            rows, tf = rows[live], tf[live]
            if not len(rows):
                continue
            idf = np.log1p((n - len(rows) + 0.5) / (len(rows) + 0.5))
            norm = self.k1 * (1 - self.b + self.b * self.lengths[rows] / avgdl)
            scores[rows] += idf * tf * (self.k1 + 1) / (tf + norm)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        return self.ids[hits], scores[hits]

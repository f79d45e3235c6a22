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

    # ---- persistence (a snapshot per index generation, so a reload need not re-tokenise every passage) ----
    def save(self, path) -> None:
        """Write to `path` (an .npz) atomically: a reader sees the old file or the whole new one."""
        import os
        from pathlib import Path

        path = Path(path)
        tmp = path.with_name(f"{path.stem}.tmp{os.getpid()}.npz")
        terms = np.array(sorted(self.vocab, key=self.vocab.__getitem__), dtype=str)
        tf = self.tf.tocsc()
        np.savez(tmp, terms=terms, data=tf.data, indices=tf.indices, indptr=tf.indptr,
                 shape=np.asarray(tf.shape, dtype=np.int64), ids=self.ids, lengths=self.lengths, alive=self.alive)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path, k1: float = 0.9, b: float = 0.4) -> "BM25":
        """The index `save` wrote; raises OSError or ValueError when the file is missing or damaged."""
        with np.load(path, allow_pickle=False) as f:
            bm25 = cls(k1, b)
            bm25.vocab = {term: i for i, term in enumerate(f["terms"].tolist())}
            bm25.tf = sparse.csc_matrix((f["data"], f["indices"], f["indptr"]), shape=tuple(f["shape"]))
            bm25.ids, bm25.lengths, bm25.alive = f["ids"], f["lengths"], f["alive"]
        if not (len(bm25.ids) == len(bm25.lengths) == len(bm25.alive) == bm25.tf.shape[0]):
            raise ValueError(f"{path}: inconsistent BM25 arrays")
        return bm25

    def copy(self) -> "BM25":
        """An independent copy (a new snapshot is changed while the old one may still be answering)."""
        other = BM25(self.k1, self.b)
        other.vocab = dict(self.vocab)
        other.tf = self.tf.copy()
        other.ids, other.lengths, other.alive = self.ids.copy(), self.lengths.copy(), self.alive.copy()
        return other

    def compact(self) -> "BM25":
        """Drop the rows of removed passages (they cost memory and scan time, never score)."""
        if self.alive.all():
            return self
        keep = np.flatnonzero(self.alive)
        self.tf = self.tf.tocsr()[keep].tocsc()
        self.ids, self.lengths, self.alive = self.ids[keep], self.lengths[keep], self.alive[keep]
        return self

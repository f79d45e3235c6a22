"""A small BM25 index over passages: `fit`, `add`, `remove`, `search`, and its file format."""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import sparse

from ..text import tokenize


def idf(n: int, df) -> float | np.ndarray:
    """Okapi BM25's inverse document frequency of a term found in `df` of `n` passages (never negative)."""
    return np.log1p((n - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class CollectionStats:
    """What BM25 needs of a whole collection split over several indexes: passages, their total length (in
    tokens, a whole number) and each term's document frequency. A shard scored with these scores as the single
    index of the whole collection would."""

    passages: int
    total_length: int
    df: dict[str, int]

    def avgdl(self) -> float:
        return self.total_length / self.passages if self.passages else 1.0


def idf_lookup(n: int, df_of: Callable[[str], int]) -> Callable[[str], float]:
    """idf of a (tokenised) term among `n` passages, `df_of` giving its document frequency; 0 for a term in none.

    Its `unseen` attribute is the idf a term in no passage would have: the highlighter and the confidence
    judge weigh the question's words with it.
    """
    n = max(n, 1)
    known: dict[str, float] = {}  # an answer asks ~80 times

    def term_idf(term: str) -> float:
        value = known.get(term)
        if value is None:
            df = df_of(term)
            value = known[term] = math.log1p((n - df + 0.5) / (df + 0.5)) if df else 0.0
        return value

    term_idf.unseen = math.log1p((n + 0.5) / 0.5)
    return term_idf


class BM25:
    """Okapi BM25 over a term-frequency matrix; idf, k1 and b enter at query time, so adds stay cheap."""

    def __init__(self):
        self.vocab: dict[str, int] = {}
        self.ids = np.zeros(0, dtype=np.int64)
        self.lengths = np.zeros(0, dtype=np.float32)
        self.alive = np.zeros(0, dtype=bool)
        self.tf = sparse.csc_matrix((0, 0), dtype=np.float32)
        self._by_id: tuple[np.ndarray, np.ndarray] | None = None  # (sorted ids, their rows), made on first filter
        self._weighted: tuple[tuple[float, float], np.ndarray, np.ndarray] | None = None  # see weights
        # a shard of a larger collection scores with the collection's statistics (qa/cluster/shards.py)
        self.collection: CollectionStats | None = None

    def __len__(self) -> int:
        return int(self.alive.sum())

    @classmethod
    def fit(cls, ids: list[int], texts: list[str]) -> "BM25":
        """A new index of these passages."""
        return cls().add(ids, texts)

    def add(self, ids: list[int], texts: list[str]) -> "BM25":
        """Index more passages (ids must be new)."""
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
        self._by_id = self._weighted = None
        return self

    def remove(self, ids) -> None:
        """Forget passages; their rows stay but never score (`compact` drops them)."""
        self.alive &= ~np.isin(self.ids, np.asarray(list(ids), dtype=np.int64))
        self._weighted = None

    def live_ids(self) -> np.ndarray:
        """The ids of the passages that can score, sorted."""
        return np.sort(self.ids[self.alive])

    def search(self, query: str, k: int, k1: float, b: float,
               allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ids and scores of the k best passages, best first; empty when no term matches.

        `allowed` (passage ids) limits the scoring to those passages; idf and the mean length stay those of
        the whole index, so a passage scores the same with or without a filter.
        """
        terms = [self.vocab[t] for t in dict.fromkeys(tokenize(query)) if t in self.vocab]
        if not terms or len(self) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        weights, term_idf = self.weights(k1, b)
        scores = np.zeros(self.tf.shape[0], dtype=np.float32)
        for c in terms:  # a column's rows are distinct: plain fancy-index adds are safe
            lo, hi = self.tf.indptr[c], self.tf.indptr[c + 1]
            scores[self.tf.indices[lo:hi]] += term_idf[c] * weights[lo:hi]
        if allowed is not None:
            scores[~self._rows_of(allowed)] = 0
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        return self.ids[hits], scores[hits]

    def weights(self, k1: float, b: float) -> tuple[np.ndarray, np.ndarray]:
        """(each posting's tf part of BM25, each term's idf) over the live passages, made once per change.

        A search then does one multiply-add per posting instead of gathering lengths and liveness for each
        of its postings (SciFact claims at 100,001 passages: 1.83 -> 0.79 ms an ask, docs/speed.md).
        Removed passages weigh 0, so they never score and do not count in idf or the mean length. The
        retriever makes them when it loads, so the first question does not wait.
        """
        if self._weighted is None or self._weighted[0] != (k1, b):
            rows, tf = self.tf.indices, self.tf.data
            live = self.alive[rows]
            # lengths are whole numbers: their float64 sum is exact, so shards summed give the same mean
            avgdl = (self.collection.avgdl() if self.collection else
                     float(self.lengths[self.alive].sum(dtype=np.float64)) / max(len(self), 1)) or 1.0
            weights = tf * (k1 + 1) / (tf + k1 * (1 - b + b * self.lengths[rows] / avgdl))
            weights[~live] = 0
            if self.collection:
                terms = sorted(self.vocab, key=self.vocab.__getitem__)
                df = np.array([self.collection.df.get(t, 0) for t in terms], dtype=np.int64)
                term_idf = idf(self.collection.passages, df)
            else:
                term_idf = idf(len(self), self.live_df())
            self._weighted = ((k1, b), weights.astype(np.float32), np.asarray(term_idf).astype(np.float32))
        return self._weighted[1], self._weighted[2]

    def live_df(self) -> np.ndarray:
        """Each term's document frequency over the live passages (removed passages do not count)."""
        live = self.alive[self.tf.indices]
        return np.diff(np.concatenate([[0], np.cumsum(live)])[self.tf.indptr])

    def _rows_of(self, ids: np.ndarray) -> np.ndarray:
        """A row mask of the passages `ids` (ids not in the index are left out)."""
        if self._by_id is None:
            order = np.argsort(self.ids, kind="stable")
            self._by_id = (self.ids[order], order)
        sorted_ids, order = self._by_id
        ids = np.asarray(ids, dtype=np.int64)
        pos = np.minimum(np.searchsorted(sorted_ids, ids), max(len(sorted_ids) - 1, 0))
        mask = np.zeros(len(self.ids), dtype=bool)
        if len(sorted_ids):
            mask[order[pos[sorted_ids[pos] == ids]]] = True
        return mask

    def idf_function(self) -> Callable[[str], float]:
        """idf of a (tokenised) term over the live passages (or the collection's, see `use_collection`).

        The same n and df as the idf that `weights` gives search: removed passages count in neither, so
        the value is the one a fresh fit of the live passages would give.
        """
        if self.collection:
            return idf_lookup(self.collection.passages, lambda term: self.collection.df.get(term, 0))
        df = self.live_df()
        return idf_lookup(len(self), lambda term: int(df[self.vocab[term]]) if term in self.vocab else 0)

    def use_collection(self, stats: "CollectionStats | None") -> None:
        """Score with a whole collection's statistics (this index one shard of it), or again with its own."""
        self.collection = stats
        self._weighted = None

    def live_terms(self) -> tuple[list[str], np.ndarray, int, int]:
        """(terms, their live document frequencies, live passages, their total length): a shard's part of
        the collection's statistics."""
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        return terms, self.live_df(), len(self), int(self.lengths[self.alive].sum(dtype=np.float64))

    def compact(self) -> "BM25":
        """Drop the rows of removed passages (they cost memory and scan time, never score)."""
        if self.alive.all():
            return self
        keep = np.flatnonzero(self.alive)
        self.tf = self.tf.tocsr()[keep].tocsc()
        self.ids, self.lengths, self.alive = self.ids[keep], self.lengths[keep], self.alive[keep]
        self._by_id = self._weighted = None
        return self

    # ---- the file format: one .npz per index generation ----
    def to_bytes(self) -> bytes:
        terms = np.array(sorted(self.vocab, key=self.vocab.__getitem__), dtype=str)
        tf = self.tf.tocsc()
        out = io.BytesIO()
        np.savez(out, terms=terms, data=tf.data, indices=tf.indices, indptr=tf.indptr,
                 shape=np.asarray(tf.shape, dtype=np.int64), ids=self.ids, lengths=self.lengths, alive=self.alive)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "BM25":
        """The index `to_bytes` wrote; ValueError when the bytes are not one."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as f:
                bm25 = cls()
                bm25.vocab = {term: i for i, term in enumerate(f["terms"].tolist())}
                bm25.tf = sparse.csc_matrix((f["data"], f["indices"], f["indptr"]), shape=tuple(f["shape"]))
                bm25.ids, bm25.lengths, bm25.alive = f["ids"], f["lengths"], f["alive"]
        except Exception as exc:  # numpy and zipfile raise many kinds on damaged bytes
            raise ValueError(f"not a BM25 index: {exc}") from None
        if not (len(bm25.ids) == len(bm25.lengths) == len(bm25.alive) == bm25.tf.shape[0]):
            raise ValueError("inconsistent BM25 arrays")
        return bm25

"""The collection's words as written (lower-cased, unstemmed) and how many passages hold each: spelling's dictionary.

Kept per generation like the BM25 index (`words-<gen>.npz`): a build adds the new passages' words and subtracts
the removed passages' words, and the file records the live passage ids it counts, so a reader can check that it
agrees with SQLite.
"""
from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

# words as a reader types them: letters only (numbers and codes are never corrected, nor corrected to)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
MAX_WORD_CHARS = 40


def words_of(text: str) -> set[str]:
    """The distinct lower-cased words of `text` (letters only)."""
    return {w for w in WORD.findall(text.lower()) if len(w) <= MAX_WORD_CHARS}


class Vocabulary:
    """Each word of the live passages with the number of passages that hold it."""

    def __init__(self, counts: Counter | None = None, ids: np.ndarray | None = None):
        self.counts: Counter = counts if counts is not None else Counter()
        self.ids = ids if ids is not None else np.zeros(0, dtype=np.int64)  # the live passage ids counted, sorted

    @classmethod
    def fit(cls, ids: Iterable[int], texts: Iterable[str]) -> "Vocabulary":
        return cls().add(ids, texts)

    def add(self, ids: Iterable[int], texts: Iterable[str]) -> "Vocabulary":
        """Count the words of new passages."""
        for text in texts:
            self.counts.update(words_of(text))
        self.ids = np.union1d(self.ids, np.asarray(list(ids), dtype=np.int64))
        return self

    def remove(self, ids: Iterable[int], texts: Iterable[str]) -> "Vocabulary":
        """Stop counting passages (their texts are needed: the counts are by word, not by passage)."""
        for text in texts:
            self.counts.subtract(words_of(text))
        self.counts = Counter({w: c for w, c in self.counts.items() if c > 0})
        self.ids = np.setdiff1d(self.ids, np.asarray(list(ids), dtype=np.int64))
        return self

    def __contains__(self, word: str) -> bool:
        return self.counts.get(word, 0) > 0

    # ---- the file format: one .npz per index generation ----
    def to_bytes(self) -> bytes:
        words = sorted(self.counts)
        out = io.BytesIO()
        np.savez(out, words=np.array(words, dtype=str), counts=np.array([self.counts[w] for w in words], np.int64),
                 ids=self.ids)
        return out.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Vocabulary":
        """The vocabulary `to_bytes` wrote; ValueError when the bytes are not one."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as f:
                words, counts, ids = f["words"].tolist(), f["counts"].tolist(), f["ids"]
        except Exception as exc:  # numpy and zipfile raise many kinds on damaged bytes
            raise ValueError(f"not a vocabulary: {exc}") from None
        if len(words) != len(counts):
            raise ValueError("inconsistent vocabulary arrays")
        return cls(Counter(dict(zip(words, counts))), ids)

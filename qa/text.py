"""Text utilities shared by the pipeline: sentence spans, search tokens, word sets."""
from __future__ import annotations

import re
from functools import lru_cache

_TOKEN = re.compile(r"\w+", re.UNICODE)
STOPWORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her
here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
now of off on once only or other our ours ourselves out over own same she should so some such than that the
their theirs them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours yourself yourselves s t
""".split())
MAX_TOKEN_CHARS = 64  # longer "words" (base64, URLs run together) are noise to BM25


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


CACHED_CHARS = 4000  # texts up to this long (questions, sentences, passages) keep their tokens and sentences


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without stop words (BM25's and the highlighter's terms)."""
    # one answer tokenises the same sentences for the highlight, the confidence and the answer step
    return list(_cached_tokens(text)) if len(text) <= CACHED_CHARS else _tokens(text)


@lru_cache(maxsize=8192)
def _cached_tokens(text: str) -> tuple[str, ...]:
    return tuple(_tokens(text))


def _tokens(text: str) -> list[str]:
    words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS and len(w) < MAX_TOKEN_CHARS]
    return _stemmer().stemWords(words) if words else []


ARTICLES = frozenset(("a", "an", "the"))


def stems(text: str) -> list[str]:
    """Every word of `text` lower-cased and stemmed, in order, without articles: phrases ("voted against") are
    matched on these, so stop words that carry a relation stay."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in ARTICLES and len(w) < MAX_TOKEN_CHARS]
    return _stemmer().stemWords(words) if words else []


def word_set(text: str) -> set[str]:
    """The distinct lower-cased words of `text`, unstemmed: what near-copy detection compares."""
    return set(_TOKEN.findall(text.lower()))


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence (start, end) spans of `text`, trimmed of white space; every line break ends a sentence."""
    if len(text) <= CACHED_CHARS:  # the highlight and the answer step split the same excerpts
        return [(offset + s, offset + e) for s, e in _cached_spans(text)]
    return _spans(text, offset)


@lru_cache(maxsize=2048)
def _cached_spans(text: str) -> tuple[tuple[int, int], ...]:
    return tuple(_spans(text, 0))


def _spans(text: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            for s, e in _line_sentences(line):
                spans.append((offset + pos + s, offset + pos + e))
        pos += len(line) + 1
    return spans


def _line_sentences(line: str) -> list[tuple[int, int]]:
    try:
        offsets = blingfire_sentences(line)
    except Exception:  # blingfire rejects some odd input; one line as one sentence is a safe answer
        offsets = []
    spans = []
    for s, e in offsets or [(0, len(line))]:
        s, e = max(0, s), min(len(line), e)
        piece = line[s:e]
        lead = len(piece) - len(piece.lstrip())
        trail = len(piece.rstrip())
        if trail > lead:
            spans.append((s + lead, s + trail))
    return spans or [(len(line) - len(line.lstrip()), len(line.rstrip()))]


def blingfire_sentences(line: str) -> list[tuple[int, int]]:
    """The sentences of one line as (start, end) character offsets: `blingfire.text_to_sentences_and_offsets`
    without its Python loop over every byte, which was the slowest step of an answer (docs/speed.md).

    blingfire gives UTF-8 byte offsets, ends inclusive; they become character offsets with numpy.
    """
    from ctypes import c_char_p, c_int, c_void_p

    import blingfire
    import numpy as np

    data = line.encode("utf-8")
    size = len(data) * 2  # the buffers blingfire's own wrapper allocates, but not zero-filled
    out, starts, ends = np.empty(size, dtype=np.uint8), np.empty(size, dtype=np.int32), np.empty(size, dtype=np.int32)
    n = blingfire.blingfire.TextToSentencesWithOffsets(
        c_char_p(data), c_int(len(data)), c_void_p(out.ctypes.data), c_void_p(starts.ctypes.data),
        c_void_p(ends.ctypes.data), c_int(size))
    if n == -1 or n > size:
        return []
    count = int(np.count_nonzero(out[:n] == 10)) + 1  # sentences come out one a line
    first, after = starts[:count], ends[:count] + 1
    if len(data) == len(line):  # ASCII: a byte is a character
        return list(zip(first.tolist(), after.tolist()))
    lead = (np.frombuffer(data, dtype=np.uint8) & 0xC0) != 0x80  # the first byte of each character
    char_at = np.append(np.cumsum(lead) - 1, len(line))
    return list(zip(char_at[first].tolist(), char_at[np.minimum(after, len(data))].tolist()))


def forget_cached() -> None:
    """Empty the caches of tokens and sentence spans (a benchmark's second pass must not find them filled)."""
    _cached_tokens.cache_clear()
    _cached_spans.cache_clear()

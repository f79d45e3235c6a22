"""Choose the 1-3 verbatim sentences that answer a question directly, from across the retrieved excerpts."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..config import AnswerSettings
from .excerpts import term_shares
from .question import ParsedQuestion
from ..records import AnswerSentence, Excerpt, Passage
from ..text import sentence_spans, tokenize, word_set

# What kind of fact a question asks for, from its wording; a sentence holding that kind ranks higher.
_QUESTION_KINDS = (
    ("number", re.compile(r"\bhow (many|much|long|old|far|big|large|often|tall|high)\b|\bwhat (percentage|"
                          r"proportion|number|amount)\b", re.I)),
    ("date", re.compile(r"\bwhen\b|\b(what|which) (year|date|day|month|century|decade)\b|\bhow long ago\b", re.I)),
    ("name", re.compile(r"\bwho(m|se)?\b", re.I)),
    ("place", re.compile(r"\bwhere\b|\b(what|which) (country|city|state|place|region)\b", re.I)),
)
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_KIND_IN_SENTENCE = {
    "number": re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
                         r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.I),
    "date": re.compile(rf"\b(1[0-9]{{3}}|20[0-9]{{2}})\b|\b({_MONTHS})\b|\b(century|decade)\b", re.I),
    # a capitalised word after the first: names of people, bodies and places
    "name": re.compile(r"(?<=\w[\s,;:(\"'])[A-Z][\w'’.-]+"),
    "place": re.compile(r"(?<=\w[\s,;:(\"'])[A-Z][\w'’.-]+"),
}
_DATELINE = re.compile(rf"^[\W\d]*(\d{{1,2}}\s+)?({_MONTHS}|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b", re.I)


@dataclass(frozen=True)
class SentenceCandidate:
    """A sentence of one excerpt, with what the chooser weighs."""

    doc_id: str
    start: int  # document coordinates
    end: int
    text: str
    rank: int  # 0 for a sentence of the first excerpt
    terms: float  # idf-weighted share of the question's terms it holds (0..1)
    passage_cosine: float  # the model's similarity of its excerpt to the question

    def has(self, kind: str) -> bool:
        return bool(_KIND_IN_SENTENCE[kind].search(self.text))


def answer_type(question: str) -> str | None:
    """The kind of fact the question asks for (number, date, name, place), or None."""
    return next((kind for kind, pattern in _QUESTION_KINDS if pattern.search(question)), None)


def looks_like_heading(text: str) -> bool:
    """A headline, byline or dateline rather than a sentence: short and unpunctuated, 'By ...', a date, '# ...'."""
    words = text.split()
    if text.lstrip().startswith("#") or (words and words[0] == "By" and len(words) <= 6):
        return True
    if len(words) <= 8 and _DATELINE.match(text):
        return True
    return len(words) < 8 and not text.rstrip().endswith((".", "!", "?", '"', "”", "'"))


def candidate_sentences(question: ParsedQuestion, excerpts: Sequence[Excerpt]) -> list[SentenceCandidate]:
    """Every sentence of the excerpts, in order, with its share of the question's (idf-weighted) terms."""
    passages = [Passage(e.citation.doc_id, 0, e.citation.start, e.citation.end, e.text, e.passage_id) for e in excerpts]
    return sentences_of(question, passages, [e.cosine for e in excerpts])


def sentences_of(question: ParsedQuestion, passages: Sequence[Passage], cosines: Sequence[float]
                 ) -> list[SentenceCandidate]:
    """Every sentence of `passages` (each with its dense cosine), as `candidate_sentences`."""
    found = [(p.doc_id, s, t, p.text[s - p.start:t - p.start], rank, cosine)
             for rank, (p, cosine) in enumerate(zip(passages, cosines))
             for s, t in sentence_spans(p.text, offset=p.start)]
    shares = term_shares(question, [sentence for _, _, _, sentence, _, _ in found])
    return [SentenceCandidate(doc_id, s, t, sentence, rank, share, cosine)
            for (doc_id, s, t, sentence, rank, cosine), share in zip(found, shares)]


def score(question: ParsedQuestion, candidates: list[SentenceCandidate], cosines: np.ndarray,
          settings: AnswerSettings) -> np.ndarray:
    """How well each candidate answers: the question's terms it holds, the model's similarity of the sentence
    (`cosines`) and of its excerpt to the question, the kind of fact asked for, less a penalty for headings,
    bylines and datelines."""
    kind = answer_type(question.text)
    w = settings
    return np.asarray([w.terms * c.terms + w.cosine * cosine + w.passage * c.passage_cosine - w.rank * c.rank
                       + (w.kind if kind and c.has(kind) else 0.0)
                       - (w.heading if looks_like_heading(c.text) else 0.0)
                       for c, cosine in zip(candidates, cosines)], dtype=np.float32)


def choose(candidates: list[SentenceCandidate], scores: np.ndarray, settings: AnswerSettings
           ) -> tuple[AnswerSentence, ...]:
    """The best-scored sentence, and up to two more that score nearly as well and say something else."""
    if not candidates:
        return ()
    best = float(scores.max())
    chosen: list[SentenceCandidate] = []
    for i in np.argsort(-scores, kind="stable"):
        c = candidates[int(i)]
        if chosen and (len(chosen) == settings.max_sentences or scores[i] < best - settings.margin):
            break
        if all(not _same_thing(c, other) for other in chosen):
            chosen.append(c)
    return tuple(AnswerSentence(c.doc_id, c.start, c.end, c.text) for c in chosen)


def _same_thing(a: SentenceCandidate, b: SentenceCandidate) -> bool:
    """The same sentence (two windows of one article overlap), or mostly the same words."""
    if a.doc_id == b.doc_id and a.start < b.end and b.start < a.end:
        return True
    wa, wb = word_set(a.text), word_set(b.text)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.5


@dataclass(frozen=True)
class Choice:
    """The answer step's choice, with what the judge reads of it to say "high" or "low" (confidence.trust)."""

    sentences: tuple[AnswerSentence, ...]
    score: float = 0.0  # the chooser's score of the first sentence
    margin: float = 0.0  # its lead over the best candidate that says something else (its score when there is none)
    cosine: float = 0.0  # the model's similarity of the first sentence to the question
    terms: float = 0.0  # its idf-weighted share of the question's terms
    kind_missing: bool = False  # the question asks for a kind of fact (a number, a date, a name) it does not hold


def direct(question: ParsedQuestion, sentences: list[SentenceCandidate], similarities: np.ndarray,
           settings: AnswerSettings) -> Choice:
    """The sentences that answer directly: the candidates scored (`score`) and chosen (`choose`)."""
    if not sentences:
        return Choice(())
    scores = score(question, sentences, similarities, settings)
    keep = list(range(len(sentences)))
    if question.focus:  # "And what about X?": only sentences about X, when the excerpts hold any
        keep = [i for i, c in enumerate(sentences) if question.focus <= set(tokenize(c.text))] or keep
    chosen = choose([sentences[i] for i in keep], scores[keep], settings)
    first = next(i for i in keep if (sentences[i].doc_id, sentences[i].start) == (chosen[0].doc_id, chosen[0].start))
    others = [float(scores[i]) for i in keep if not _same_thing(sentences[i], sentences[first])]
    kind = answer_type(question.text)
    return Choice(chosen, float(scores[first]), float(scores[first]) - max(others, default=0.0),
                  float(similarities[first]), sentences[first].terms, bool(kind) and not sentences[first].has(kind))

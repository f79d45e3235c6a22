"""Choose the 1-3 verbatim sentences that answer a question directly, from across the retrieved excerpts."""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..config import AnswerSettings
from ..ingest.metadata import wire_dateline
from .excerpts import term_shares
from . import ranker
from .question import ParsedQuestion
from .relation import asked_relations, holds_phrase, holds_relations, phrase_share, phrases, relation_phrases
from ..records import AnswerSentence, AnswerSignals, Excerpt, Passage
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
# the values two sentences can repeat: numbers (with their scale) and dates
_FACT_VALUES = {"number": re.compile(r"\d[\d,.]*(\s(million|billion|thousand|hundred))?", re.I),
                "date": re.compile(rf"\b((\d{{1,2}}\s)?({_MONTHS})(\s\d{{1,2}})?,?\s\d{{4}}|1[0-9]{{3}}|20[0-9]{{2}})\b", re.I)}
_HEADLINE_WORDS = 14  # the most words of an unpunctuated line read as a headline
_INNER_STOP = re.compile(r"[.:;]")
_ABOUT_HEADINGS = re.compile(r"\b(headline|title|heading|byline|dateline|wrote|written|published|reported)\b", re.I)
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
    phrase: float = 0.0  # share of the question's two-word phrases it holds word for word (relation.phrases)
    relation: bool = True  # it states the negation or contrast the question holds (True when it holds none)
    relation_phrase: bool = False  # it holds a phrase of the question that carries it ("voted against")

    def has(self, kind: str) -> bool:
        return holds_kind(self.text, kind)


def holds_kind(sentence: str, kind: str) -> bool:
    """Whether `sentence` states a fact of `kind` (a number, date, name or place) after its wire dateline, if it
    opens with one: "PELLHAM, March 5, 2026 — A retired teacher has discovered a comet" states no date and no name
    (the dateline is when and where the story was filed, not what it says)."""
    return bool(_KIND_IN_SENTENCE[kind].search(sentence, wire_dateline(sentence)))


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
    if text.rstrip().endswith((".", "!", "?", '"', "”", "'")):
        return False
    # a subheading inside a story runs longer ("China announces regulations on essential precursors for producing
    # fentanyl", 10 words); an item of a list, a line cut at a formula ("... when O" before a subscript) or ending
    # on a bracket or a reference (".:12"), is content
    return len(words) < 8 or (len(words) <= _HEADLINE_WORDS and words[0][:1].isupper() and len(words[-1]) > 2
                              and text.rstrip()[-1].isalnum() and not _INNER_STOP.search(text))


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
    asked, relations = phrases(question.text), asked_relations(question.text)
    carrying = relation_phrases(asked)
    return [SentenceCandidate(doc_id, s, t, sentence, rank, share, cosine, phrase_share(asked, sentence),
                              holds_relations(sentence, relations), holds_phrase(carrying, sentence))
            for (doc_id, s, t, sentence, rank, cosine), share in zip(found, shares)]


def score(question: ParsedQuestion, candidates: list[SentenceCandidate], cosines: np.ndarray,
          settings: AnswerSettings) -> np.ndarray:
    """How well each candidate answers: the learned ranker's score (`ranker.features`) when weights are fitted;
    else a hand-weighted sum of the question's terms it holds, the model's similarity of the sentence
    (`cosines`) and of its excerpt to the question, its share of the question's phrases, the negation or contrast
    the question holds, the kind of fact asked for, less a penalty for headings, bylines and datelines."""
    kind = answer_type(question.text)
    if settings.sentence_weights:  # the learned ranker (qa/fitted_sentences.py), unless a variant turns it off
        rows = ranker.features(question, candidates, cosines, kind, [looks_like_heading(c.text) for c in candidates])
        return ranker.scores(rows, dict(settings.sentence_weights))
    w = settings
    return np.asarray([w.terms * c.terms + w.cosine * cosine + w.passage * c.passage_cosine - w.rank * c.rank
                       + w.phrase * c.phrase + (w.relation if c.relation else 0.0)
                       + (w.kind if kind and c.has(kind) else 0.0)
                       - (w.heading if looks_like_heading(c.text) else 0.0)
                       for c, cosine in zip(candidates, cosines)], dtype=np.float32)


def choose(candidates: list[SentenceCandidate], scores: np.ndarray, settings: AnswerSettings, kind: str | None = None
           ) -> tuple[AnswerSentence, ...]:
    """The best-scored sentence, and up to two more that score nearly as well and say something else: not the
    same words, and not only the same number or date of the `kind` asked for again."""
    if not candidates:
        return ()
    best = float(scores.max())
    margin = settings.ranker_margin if settings.sentence_weights else settings.margin  # each in its scores' units
    chosen: list[SentenceCandidate] = []
    for i in np.argsort(-scores, kind="stable"):
        c = candidates[int(i)]
        if chosen and (len(chosen) == settings.max_sentences or scores[i] < best - margin):
            break
        if all(not _same_thing(c, other) for other in chosen) and not repeats_fact(c, chosen, kind):
            chosen.append(c)
    return tuple(AnswerSentence(c.doc_id, c.start, c.end, c.text) for c in chosen)


def repeats_fact(c: SentenceCandidate, chosen: list[SentenceCandidate], kind: str | None) -> bool:
    """`c` states a number or date of the asked `kind`, and every one it states an earlier answer sentence stated."""
    if kind not in ("number", "date"):
        return False
    facts = {m.group().lower() for m in _FACT_VALUES[kind].finditer(c.text)}
    stated = {m.group().lower() for other in chosen for m in _FACT_VALUES[kind].finditer(other.text)}
    return bool(facts) and facts <= stated


def signals(question: ParsedQuestion, sentences: tuple[AnswerSentence, ...], fact_kind: str | None,
            fact_found: bool) -> AnswerSignals:
    """What the chosen sentences hold of what was asked, for the confidence's calibration (`AnswerSignals`)."""
    kind, relations = answer_type(question.text), asked_relations(question.text)
    first = sentences[0].text if sentences else ""
    return AnswerSignals(asked_kind=fact_kind, kind_present=bool(kind and holds_kind(first, kind)),
                         fact_found=fact_found, relation_asked=bool(relations),
                         relation_matched=bool(relations and first and holds_relations(first, relations)))


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
    for wanted in requirements(question, settings):  # each kept only when some candidate meets it
        meeting = [i for i in keep if wanted(sentences[i])]
        keep = meeting or keep
    kind = answer_type(question.text)
    chosen = choose([sentences[i] for i in keep], scores[keep], settings, kind)
    first = next(i for i in keep if (sentences[i].doc_id, sentences[i].start) == (chosen[0].doc_id, chosen[0].start))
    others = [float(scores[i]) for i in keep if not _same_thing(sentences[i], sentences[first])]
    return Choice(chosen, float(scores[first]), float(scores[first]) - max(others, default=0.0),
                  float(similarities[first]), sentences[first].terms, bool(kind) and not sentences[first].has(kind))


def requirements(question: ParsedQuestion, settings: AnswerSettings) -> list[Callable[[SentenceCandidate], bool]]:
    """What an answer sentence must be, most binding first, each a test of a candidate: about X for "And what
    about X?"; not a headline, byline or dateline unless the question is about them; holding the question's
    phrase that carries its negation or contrast ("voted against")."""
    wanted: list[Callable[[SentenceCandidate], bool]] = []
    if question.focus:
        wanted.append(lambda c: question.focus <= set(tokenize(c.text)))
    if settings.no_headings and not _ABOUT_HEADINGS.search(question.asked):
        wanted.append(lambda c: not looks_like_heading(c.text))
    wanted.append(lambda c: c.relation_phrase)
    return wanted

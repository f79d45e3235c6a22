"""Small typed records that cross module boundaries."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Document:
    """One article: its id (path relative to the collection root), text and metadata."""

    doc_id: str
    text: str
    sha256: str
    title: str | None = None
    byline: str | None = None
    date: str | None = None  # ISO-8601 (YYYY-MM-DD, or with THH:MM), or None when no date was found
    source: str = ""  # absolute path of the file it came from
    date_text: str | None = None  # the date as the article writes it ("06 Aug 2024, 20:00 PM EDT")
    url: str | None = None  # where the article was published, when it says (canonical link, front matter)


@dataclass(frozen=True)
class Passage:
    """A window of a document; `text == document.text[start:end]`."""

    doc_id: str
    position: int  # 0-based order within the document
    start: int
    end: int
    text: str
    passage_id: int = -1  # FAISS/SQLite id, assigned by the store


@dataclass(frozen=True)
class Citation:
    """Where an excerpt comes from, enough for a reader to open and check it."""

    doc_id: str
    title: str | None
    date: str | None
    source: str  # the file as a path below the collection folders (= doc_id), never a path on the server
    start: int
    end: int
    date_text: str | None = None
    byline: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of the direct answer, verbatim: `text == document.text[start:end]`; or, when `metadata` names
    a field ("byline", "date"), that field of the article as its front matter or meta tags give it (start = end = 0)."""

    doc_id: str
    start: int
    end: int
    text: str
    metadata: str | None = None

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "start": self.start, "end": self.end, "text": self.text,
                "metadata": self.metadata}


NO_ANSWER = "No answer in the collection."  # "none", said by every front end
NO_ANSWER_FILTERED = "No answer in the selected articles."  # "none" within a filter: the rest was not searched


@dataclass(frozen=True)
class Excerpt:
    """A ranked, verbatim excerpt with the sentence spans that best answer the question."""

    rank: int
    score: float
    text: str
    citation: Citation
    highlight: tuple[tuple[int, int], ...] = ()  # document coordinates
    passage_id: int = -1
    cosine: float = 0.0  # the model's similarity of the passage to the question
    also_in: tuple[str, ...] = ()  # other articles that carry the same story (syndicated or near-duplicate copies)
    supporting: bool = False  # it holds a sentence of the direct answer: only these are shown highlighted

    def to_json(self) -> dict:
        c = self.citation
        return {
            "rank": self.rank,
            "score": round(float(self.score), 6),
            "doc_id": c.doc_id,
            "title": c.title,
            "date": c.date,
            "date_text": c.date_text,
            "byline": c.byline,
            "url": c.url,
            "source": c.source,
            "start": c.start,
            "end": c.end,
            "text": self.text,
            "highlight": [list(span) for span in self.highlight],
            "also_in": list(self.also_in),
            "supporting": self.supporting,
        }


@dataclass(frozen=True)
class Filters:
    """Which articles a question may be answered from; applied inside retrieval, before the top k is cut.

    An article with no known date is outside any date filter. Dates are ISO-8601 prefixes (YYYY-MM-DD).
    """

    since: str | None = None
    until: str | None = None
    doc_ids: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.doc_ids)


@dataclass(frozen=True)
class Confidence:
    """How surely the first excerpts answer, with every feature it was judged by (qa/answering/confidence.py `judge`).

    The rule: "none" when the question names a year no passage holds (`absent_years`); else answered when `score`
    (best_cosine + coverage_weight x coverage) reaches the sure bar
    (`high_threshold`); else "none" when there is no excerpt; else answered when `log_odds` (a logistic regression
    over the five features) reaches `needed` (a bar that rises with the collection's size), "none" below it. An
    answer is then "high" when `trust_odds` (a logistic regression over `trust_features`, qa/fitted.py) reaches
    the fitted high bar, else "low".
    """

    level: str  # high | low | none
    score: float  # what "high" was judged by: Answer.confidence_score
    best_cosine: float
    coverage: float
    sentence_coverage: float
    sentence_cosine: float
    peak: float
    # years the question names that no passage of the collection holds ("in 2015"): then "none", whatever the
    # rest says, since no quote can state what happened then
    absent_years: tuple[str, ...] = ()
    log_odds: float | None = None  # the second pass, below the high bar: None when "high" (or no excerpt) decided
    needed: float | None = None
    # what says "high" or "low" once answered (confidence.trust): the answer step's choice and the search's agreement
    answer_score: float = 0.0  # the chooser's score of the first answer sentence
    answer_margin: float = 0.0  # its lead over the best sentence that says something else
    answer_cosine: float = 0.0  # the model's similarity of the first answer sentence to the question
    answer_terms: float = 0.0  # its idf-weighted share of the question's terms
    kind_missing: float = 0.0  # 1 when the question asks for a number, date or name the sentence does not hold
    dense_z: float = 0.0  # the best candidate's dense cosine, in standard deviations above the candidates' mean
    lexical_z: float = 0.0  # the same for its BM25 score
    agree: float = 0.0  # 1 when the best candidate is also the first of the dense and of the lexical list
    trust_odds: float | None = None  # the log-odds that the first answer sentence is right; None when not answered

    @property
    def answered(self) -> bool:
        return self.level != "none"

    def features(self) -> dict[str, float]:
        """The five features by name, in the order of config.ConfidenceWeights."""
        return {"best_cosine": self.best_cosine, "coverage": self.coverage, "sentence_coverage": self.sentence_coverage,
                "sentence_cosine": self.sentence_cosine, "peak": self.peak}

    def trust_features(self) -> dict[str, float]:
        """What says "high" or "low" once answered, by name, in the order of qa/fitted.py's HIGH_WEIGHTS."""
        return {"best_cosine": self.best_cosine, "coverage": self.coverage, "sentence_coverage": self.sentence_coverage,
                "peak": self.peak, "answer_score": self.answer_score, "answer_margin": self.answer_margin,
                "answer_cosine": self.answer_cosine, "answer_terms": self.answer_terms,
                "kind_missing": self.kind_missing, "dense_z": self.dense_z, "lexical_z": self.lexical_z,
                "agree": self.agree}


@dataclass(frozen=True)
class AnswerSignals:
    """What the answer step found about its sentences, for the confidence's calibration (not part of the JSON)."""

    asked_kind: str | None = None  # the kind of fact asked for (person, date, amount, ...; fact.asked_kind)
    kind_present: bool = False  # the first answer sentence holds that kind (by the patterns of answer.py)
    fact_found: bool = False  # a span of that kind was marked (`Answer.fact`)
    relation_asked: bool = False  # the question holds a negation or contrast ("against", "not", "denied")
    relation_matched: bool = False  # ... and the first answer sentence holds it too


@dataclass(frozen=True)
class Answer:
    """The reply to one question: excerpts best first, and whether any is a confident match."""

    question: str
    answered: bool
    took_ms: float
    excerpts: tuple[Excerpt, ...] = ()
    confidence_score: float = 0.0  # what "high" was judged by; below it `confidence_detail.log_odds` decides
    answer: tuple[AnswerSentence, ...] = ()  # the 1-3 sentences that answer directly; none at confidence "none"
    confidence: str = "none"  # high | low | none (no answer in the collection)
    searched_for: str = ""  # the question as understood with the conversation so far (follow-ups, spelling)
    corrections: tuple = ()  # misspelled words replaced before searching (answering/spelling.py `Correction`s)
    # the judge's features and decision; not part of the JSON (evaluation and calibration read it in process)
    confidence_detail: Confidence | None = None
    filtered: bool = False  # asked within a filter (dates, chosen articles): "none" then names the selected articles
    fact: AnswerSentence | None = None  # the asked-for fact: the shortest span of an answer sentence that is it
    signals: AnswerSignals = AnswerSignals()

    @property
    def message(self) -> str | None:
        """What a reader is told when there is no answer (None when there is one)."""
        if self.answered:
            return None
        return NO_ANSWER_FILTERED if self.filtered else NO_ANSWER

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "searched_for": self.searched_for or self.question,
            "corrections": [c.to_json() for c in self.corrections],
            "answered": self.answered,
            "confidence": self.confidence,
            "message": self.message,
            "took_ms": round(self.took_ms, 3),
            "answer": [s.to_json() for s in self.answer],
            # the span alone: a fact is always part of an answer sentence, which says where that came from
            "fact": {k: v for k, v in self.fact.to_json().items() if k != "metadata"} if self.fact else None,
            "excerpts": [e.to_json() for e in self.excerpts],
        }


@dataclass
class BuildReport:
    """What one `qa build` did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    repaired: list[str] = field(default_factory=list)  # derived files found wrong and rebuilt from SQLite
    passages_embedded: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped; "
            f"{self.passages_embedded} passages embedded in {self.seconds:.1f} s"
            + (f"; rebuilt damaged {' and '.join(self.repaired)} file" if self.repaired else "")
        )

    def to_json(self) -> dict:
        return asdict(self)

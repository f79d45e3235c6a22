"""Typed shapes of what programs send and get back (REST and MCP): the `qa ask --json` object and articles.

The answer's shape is defined once, by `Answer.to_json()` (qa/records.py): the answer models below are validated
from it and forbid extra keys, so a key added there and not here fails at once (and tests/test_answer_json.py
checks that the two agree field for field).
"""
from __future__ import annotations

from typing import Annotated, Any, Sequence

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..config import MAX_CONVERSATION_TITLE, MAX_K_JSON, MAX_PREVIOUS
from ..records import Answer, Document


def _not_a_bool(value):
    # pydantic reads true as 1; the engine's rule for k (Engine.check_k) refuses it, and so must every front end
    if isinstance(value, bool):
        raise ValueError(f"k must be a whole number from 1 to {MAX_K_JSON}")
    return value


K = Annotated[int | None, BeforeValidator(_not_a_bool),
              Field(description=f"how many excerpts, 1 to {MAX_K_JSON} (default 5)")]


class AskQuery(BaseModel):
    """One question, optionally within a date range or chosen articles (filters apply before the top k is cut),
    and with the earlier questions of its conversation."""

    # unknown parameters are refused, not ignored: a misspelt (or not yet supported) filter must not pass silently
    model_config = ConfigDict(extra="forbid")

    q: str = Field(description="the question, in plain words", examples=["When did China ban the sale of fentanyl?"])
    k: K = None
    since: str | None = Field(None, description="only articles dated on or after this day (YYYY-MM-DD); "
                                                "an article with no known date is outside any date filter")
    until: str | None = Field(None, description="only articles dated on or before this day (YYYY-MM-DD), inclusive")
    doc: list[str] = Field(default_factory=list, description="only these articles (doc ids; repeat the parameter)")
    previous: list[str] | None = Field(
        default=None, max_length=MAX_PREVIOUS * 5,
        description="the earlier questions of the conversation, oldest first, so that a follow-up (\"Who said "
                    "that?\") is understood with them; repeat the parameter in a GET (previous=...&previous=...)",
        examples=[["When did China ban the sale of fentanyl?"]])
    as_typed: bool = Field(False, description="search the question's words as typed: by default a word that is "
                                              "neither in the collection nor English is corrected to the "
                                              "collection's nearest word (the answer's `corrections`)")


class ExcerptOut(BaseModel):
    """A verbatim excerpt: `text` is exactly the article's text[start:end]."""

    model_config = ConfigDict(extra="forbid")  # Answer.to_json() is the shape: no key of its own here

    rank: int = Field(description="1 is the best match")
    score: float
    doc_id: str = Field(description="the article's id; GET /api/articles/{doc_id} returns its text")
    title: str | None
    date: str | None = Field(description="the article's date as ISO-8601 (YYYY-MM-DD, or with a time), or null")
    date_text: str | None = Field(description="the date as the article writes it")
    byline: str | None
    url: str | None = Field(description="the page the article came from, where known")
    source: str = Field(description="the file the article was read from, as its path below the collection "
                                    "folders (the same as doc_id; never a path on the server)")
    start: int = Field(description="character offset of the excerpt in the article text")
    end: int = Field(description="character offset just after the excerpt")
    text: str = Field(description="the excerpt, copied verbatim from the article")
    highlight: list[list[int]] = Field(description="[start, end] spans (article offsets) of the sentences that "
                                                   "best answer the question, inside the excerpt")
    also_in: list[str] = Field(default_factory=list,
                               description="doc ids of other articles that carry the same story (empty when it "
                                           "appears once)")
    supporting: bool = Field(description="the excerpt holds a sentence of the answer; only these are shown "
                                         "with their highlight")


class AnswerSentenceOut(BaseModel):
    """One sentence of the direct answer: `text` is exactly the article's text[start:end], or a metadata field."""

    model_config = ConfigDict(extra="forbid")  # Answer.to_json() is the shape: no key of its own here

    doc_id: str
    start: int
    end: int
    text: str
    metadata: str | None = Field(description="null when `text` is the article's text[start:end]; \"byline\" or "
                                             "\"date\" when it is that metadata field of the article (front matter "
                                             "or an HTML meta tag), not in its text: start and end are then 0")


class FactOut(BaseModel):
    """The asked-for fact: a span of an answer sentence, `text` exactly the article's text[start:end]."""

    model_config = ConfigDict(extra="forbid")  # Answer.to_json() is the shape: no key of its own here

    doc_id: str
    start: int
    end: int
    text: str


class CorrectionOut(BaseModel):
    """A misspelled word of the question, replaced by the collection's nearest word before searching."""

    model_config = ConfigDict(extra="forbid")

    typed: str = Field(description="the word as typed")
    searched: str = Field(description="the collection's word searched instead")
    start: int = Field(description="where the typed word starts in `question`")
    end: int = Field(description="where it ends")


class AnswerOut(BaseModel):
    """The reply to a question: the same object as `qa ask --json`."""

    model_config = ConfigDict(extra="forbid")  # Answer.to_json() is the shape: no key of its own here

    question: str
    searched_for: str = Field(description="the question as understood with the conversation so far; equal to "
                                          "`question` unless it was a follow-up or a word was misspelled")
    corrections: list[CorrectionOut] = Field(description="the misspelled words replaced before searching (empty "
                                                         "when none was; ask with as_typed to search them as typed)")
    answered: bool = Field(description="false when no excerpt is a confident match: the collection may not say")
    confidence: str = Field(description="high, low, or none (no answer in the collection)")
    message: str | None = Field(description="at confidence none, what to tell the reader: 'No answer in the "
                                            "collection.', or 'No answer in the selected articles.' under a filter; "
                                            "null otherwise")
    took_ms: float
    answer: list[AnswerSentenceOut] = Field(description="the 1-3 sentences that answer directly, quoted verbatim "
                                                        "from across the excerpts; empty at confidence none")
    fact: FactOut | None = Field(description="the asked-for fact (a person, organisation, date, number, "
                                                       "amount, place or duration): the shortest span of an answer "
                                                       "sentence that is it, verbatim with its offsets; null when "
                                                       "the question asks for no such thing or no span fits")
    excerpts: list[ExcerptOut]


class ArticleMeta(BaseModel):
    """What is known about an article besides its text."""

    doc_id: str
    title: str | None
    byline: str | None
    date: str | None = Field(description="ISO-8601, or null")
    date_text: str | None = Field(description="the date as the article writes it")
    url: str | None
    also_in: list[str] = Field(default_factory=list, description="doc ids of other articles that carry the same "
                                                                 "story (syndicated or near-duplicate copies)")


class ArticleSummary(ArticleMeta):
    """One article of the collection, without its text."""

    passages: int = Field(description="how many indexed passages the article has")


class Collection(BaseModel):
    """Every article in the index."""

    articles: list[ArticleSummary]


class Article(ArticleMeta):
    """One article: metadata and full text, as `qa show --json` prints it."""

    source: str = Field(description="its file as a path below the collection folders (the same as doc_id)")
    sha256: str
    text: str = Field(description="the article text the citations' start/end offsets point into")


class ConversationSummary(BaseModel):
    """A conversation kept on the server, as its list shows it."""

    id: str
    title: str = Field(description="taken from its first question until renamed")
    created: str = Field(description="ISO-8601, UTC")
    updated: str = Field(description="when its last question was asked (ISO-8601, UTC)")
    questions: int


class Conversations(BaseModel):
    """The conversations of the logged-in user (of the one local user without a password), newest first."""

    conversations: list[ConversationSummary]


class ConversationTurn(BaseModel):
    """One question with its answer as it was given, whatever the index holds now."""

    asked_at: str
    answer: dict[str, Any] = Field(description="the GET /api/ask object as it was given (a question the chat cut "
                                               "also carries `asked_chars`, its length as typed)")
    sources: dict[str, str] = Field(description="doc_id -> sha256 of each cited article's text when it was cited")
    source_changes: dict[str, str] = Field(description="doc_id -> \"changed\" or \"removed\": cited articles "
                                                       "that are no longer as they were")


class Conversation(ConversationSummary):
    """A whole conversation."""

    turns: list[ConversationTurn]


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(description=f"the new title, 1 to {MAX_CONVERSATION_TITLE} characters on one line")


class ErrorOut(BaseModel):
    """What every failed request returns, with a 4xx (or 503) status."""

    error: str = Field(description="one line saying what went wrong")


def answer_out(answer: Answer) -> AnswerOut:
    """The answer as programs get it: `Answer.to_json()`, validated."""
    return AnswerOut.model_validate(answer.to_json())


def summary_out(doc: Document, passages: int, also_in: Sequence[str] = ()) -> ArticleSummary:
    return ArticleSummary(doc_id=doc.doc_id, title=doc.title, byline=doc.byline, date=doc.date,
                          date_text=doc.date_text, url=doc.url, passages=passages, also_in=list(also_in))


def article_out(doc: Document, also_in: Sequence[str] = ()) -> Article:
    return Article(doc_id=doc.doc_id, title=doc.title, byline=doc.byline, date=doc.date, date_text=doc.date_text,
                   url=doc.url, source=doc.doc_id, sha256=doc.sha256, text=doc.text, also_in=list(also_in))


def collection_out(articles: list[tuple[Document, int]], groups: list[tuple[str, ...]]) -> Collection:
    """Every article with its passage count and the other articles of its story."""
    others = {d: [o for o in group if o != d] for group in groups for d in group}
    return Collection(articles=[summary_out(d, n, others.get(d.doc_id, ())) for d, n in articles])

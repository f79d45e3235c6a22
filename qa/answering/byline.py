"""Questions about an article itself ("Who wrote the article about …?", "When was it published?"): answered with
the chosen article's byline or dateline, verbatim with its offsets, or its metadata field (front matter, meta tags)
cited as such when its text does not state it."""
from __future__ import annotations

import re

from collections.abc import Iterable

from ..records import AnswerSentence, Document
from ..text import tokenize

# "report" alone is left out: "When was the Fourth Assessment Report published?" asks about a report, not the article
_PIECE = r"(?:article|story|piece|news\s+report|news\s+item)"
_ASKS_AUTHOR = re.compile(
    rf"\bwho\s+(?:wrote|writes|authored|penned|reported(?:\s+on)?|covered|filed)\s+(?:the|this|that)\s+{_PIECE}\b"
    r"|\bwho\s+reported\s+on\s+\w"  # journalism's phrase: the question is about the piece
    rf"|\bwho\s+(?:is|was)\s+the\s+(?:author|reporter|writer|journalist)\s+of\s+(?:the|this|that)\s+{_PIECE}\b"
    rf"|\b(?:author|byline|writer|reporter)\s+of\s+(?:the|this|that)\s+{_PIECE}\b", re.I)
_ASKS_DATE = re.compile(
    rf"\bwhen\s+(?:was|did)\s+(?:the|this|that)\b.*\b{_PIECE}\b.*\b(?:published|posted|publish)\b"
    rf"|\bwhen\s+(?:was|did)\s+(?:the|this|that)\s+{_PIECE}\b.*\b(?:written|appear|run|filed|come\s+out)\b"
    rf"|\b(?:date|dateline)\s+of\s+(?:the|this|that)\s+{_PIECE}\b", re.I)
# the words that ask about the piece, not about its subject: left out when judging which article is meant
_ABOUT_THE_PIECE = frozenset(tokenize(
    "wrote writes written write authored penned reported report reporter covered filed article story piece news item "
    "author writer journalist byline dateline date published posted publish appear run come"))
MAX_LINE_WORDS = 12  # a longer line holding the date is a paragraph opening with a dateline: quote up to the date


def asks_about(question: str) -> str | None:
    """"byline" for a question about who wrote an article, "dateline" for when it was published, else None."""
    if _ASKS_AUTHOR.search(question):
        return "byline"
    if _ASKS_DATE.search(question):
        return "dateline"
    return None


def clearly_meant(question: str, doc: Document, others: Iterable[Document]) -> bool:
    """Whether `doc` is clearly the article `question` asks about: it holds every word of the question's subject
    ("the Copperbeck lithium mine"), and none of the `others` (the other articles found) does."""
    subject = set(tokenize(question)) - _ABOUT_THE_PIECE
    if not subject:
        return False
    return subject <= set(tokenize(doc.text)) and not any(subject <= set(tokenize(o.text)) for o in others)


def line_of(doc: Document | None, asks: str) -> AnswerSentence | None:
    """The line of `doc` that states its byline or date ("By Helena Marsh", "22 May 2025"), verbatim with its
    offsets; when the text does not state it but the front matter or a meta tag does, that field, cited as metadata;
    None when neither does."""
    if doc is None:
        return None
    value = doc.byline if asks == "byline" else doc.date_text
    at = doc.text.find(value) if value else -1
    if at < 0:
        field = "byline" if asks == "byline" else "date"
        value = value or (doc.date if field == "date" else None)
        return AnswerSentence(doc.doc_id, 0, 0, value, metadata=field) if value else None
    start = doc.text.rfind("\n", 0, at) + 1
    end = doc.text.find("\n", at)
    end = len(doc.text) if end < 0 else end
    if len(doc.text[start:end].split()) > MAX_LINE_WORDS:
        end = at + len(value)  # "BRACKWATER, March 4, 2025 - The council ...": the dateline, not the paragraph
    while start < end and doc.text[start].isspace():
        start += 1
    while end > start and doc.text[end - 1].isspace():
        end -= 1
    return AnswerSentence(doc.doc_id, start, end, doc.text[start:end])

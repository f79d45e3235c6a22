"""How a candidate fact stands in its sentence: nearness to the question's words, its role in the parse, its edges."""
from __future__ import annotations

import re

from ..records import AnswerSentence
from ..text import STOPWORDS, stems, word_set

_WORD = re.compile(r"\w+")
YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
# edges SQuAD's answers keep: a year range ("1695–1696", "1321 to 1323"), a second name ("Murray Gold and Ben
# Foster", "Dorothy and Michael Hintze"), a name of a place ("William of Montreuil"), a unit ("6.4 nanometers")
_RANGE = re.compile(r"^(\s?[–-]\s?|\s(to|and)\s)(1[0-9]{3}|20[0-9]{2}|[0-9]{2})\b")
_AND_NAME = re.compile(r"^\s(and|&)\s[A-Z][\w'’.-]+(\s[A-Z][\w'’.-]+)*")
_NAME_AND = re.compile(r"([A-Z][\w'’.-]+\s){1,3}(and|&)\s$")
_OF_NAME = re.compile(r"^\sof\s[A-Z][\w'’.-]+")
_NAME_OF = re.compile(r"[A-Z][\w'’.-]+\sof\s$")
_WHOSE = re.compile(r"\bwhose\b", re.I)
_POSSESSIVE = re.compile(r"^['’]s\b")
_CURRENCY = re.compile(r"[$£€¥]$")
_HEDGE = re.compile(r"\b(over|about|around)\s$", re.I)
_END_MARK = re.compile(r"[.,;:]+$")  # a name's pattern may take the full stop or comma after it
_MEASURE = re.compile(r"\bhow (far|long|tall|high|big|large|deep|wide|heavy|fast)\b", re.I)
_UNITS = re.compile(r"^\s?(km|kilomet(er|re)s?|miles?|mi|m|met(er|re)s?|feet|foot|ft|inch(es)?|in|cm|mm|"
                    r"(nano|micro|milli|centi)met(er|re)s?|kg|kilograms?|grams?|g|tonnes?|tons?|lbs?|pounds|acres|"
                    r"hectares|ha|sq mi|km2|km²|m2|m3/s|mph|km/h|knots|°[CF]|degrees|years?|months?|weeks?|days?|"
                    r"hours?|minutes?|seconds?|centuries|decades)\b")
# the parse roles in which a name is the one who does or undergoes a verb: "Frank Burnet ... formulated",
# "hired by Thomas Edison" (agent), "Mira Halvorsen, who voted against" (relative clause)
_ACTOR_ROLES = frozenset(("nsubj", "nsubjpass", "relcl"))
_NAME_PARTS = ("compound", "conj", "appos", "flat")


def question_stems(question: str) -> set[str]:
    """The stems of the question's content words."""
    return {stem for word in word_set(question) - STOPWORDS for stem in stems(word)}


def closeness(asked: set[str], sentence: AnswerSentence, start: int, end: int) -> float:
    """How near the span start:end (document offsets) sits to the question's words in `sentence`: for each
    question stem, 1 / (1 + the words between the span and its nearest occurrence), summed. Many of the question's
    words around a figure say it is the one asked about ("12 seats in the Australian Senate", not the 37 before)."""
    words = [(m.start() + sentence.start, m.end() + sentence.start, set(stems(m.group())) & asked)
             for m in _WORD.finditer(sentence.text) if m.group().lower() not in STOPWORDS]
    nearest: dict[str, float] = {}
    for at, (w_start, w_end, matched) in enumerate(words):
        if not matched or (w_start < end and w_end > start):
            continue
        between = sum(1 for s, e, _ in words if (end <= s and e <= w_start) or (w_end <= s and e <= start))
        for stem in matched:
            nearest[stem] = max(nearest.get(stem, 0.0), 1 / (1 + between))
    return sum(nearest.values())


def acts_in(asked: set[str], doc, sentence: AnswerSentence, start: int, end: int) -> bool:
    """Whether the span start:end (document offsets) of the parsed sentence `doc` is the subject or agent of a verb
    the question names, or the name a relative clause with that verb describes."""
    span = doc.char_span(start - sentence.start, end - sentence.start, alignment_mode="expand")
    if span is None:
        return False
    token = span.root
    while token.dep_ in _NAME_PARTS and token.head is not token:  # "Ben Foster" of "Murray Gold and Ben Foster"
        token = token.head
    if token.dep_ == "pobj" and token.head.dep_ == "agent":
        return names(asked, token.head.head)
    if token.dep_ in _ACTOR_ROLES and names(asked, token.head):
        return True
    return any(c.dep_ == "relcl" and names(asked, c) for c in token.children)


def names(asked: set[str], token) -> bool:
    """Whether the question names the word `token`, stemmed."""
    return bool(set(stems(token.text)) & asked)


def subject_phrases(asked: set[str], doc) -> list[tuple[int, int]]:
    """(start, end) in the sentence of each subject of a verb the question names, with its modifiers and
    coordinated nouns: "The owner" of "The owner selects ...", "the architect or engineer" of "... acts as"."""
    out = []
    for verb in doc:
        # the verb, or what it says of its subject when the verb is "has" or "is" ("has design authority", "is the
        # final judge")
        if not any(names(asked, t) for t in [verb, *(c for c in verb.children if c.dep_ in ("dobj", "attr"))]):
            continue
        # "the owner selects the designs and hires the builders": a coordinated verb shares its head's subject
        while verb.dep_ == "conj" and not any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
            verb = verb.head
        for subject in verb.children:
            if subject.dep_ not in ("nsubj", "nsubjpass") or subject.text.lower() in STOPWORDS:
                continue
            end = subject.idx + len(subject.text)
            for part in subject.children:
                if part.dep_ in ("conj", "cc") and part.i > subject.i:
                    end = max(end, part.right_edge.idx + len(part.right_edge.text))
            out.append((subject.left_edge.idx, end))
    return out


def widened(question: str, kind: str, sentence: AnswerSentence, start: int, end: int, unit_stem: str | None
            ) -> tuple[int, int]:
    """The span start:end (document offsets) with the edges SQuAD's answers give such a fact: a year's range, a
    name's second name or place, the possessive a "whose" question asks for, a measure's unit, an amount's
    currency sign and the "over" or "about" before a figure; without the unit the question names ("eight" of
    "eight days" for "how many days")."""
    text, start, end = sentence.text, start - sentence.start, end - sentence.start
    named = word_set(question) - STOPWORDS
    if kind == "date" and YEAR.search(text[start:end]) and (more := _RANGE.match(text[end:])):
        end += more.end()
    if kind in ("person", "organisation"):
        if (more := _AND_NAME.match(text[end:])) and not word_set(more.group()) & named:
            end += more.end()
        if (more := _NAME_AND.search(text[:start])) and not word_set(more.group()) & named:
            start = more.start()
        if _WHOSE.search(question) and (more := _POSSESSIVE.match(text[end:])):  # "Whose army ...?": "Napoleon's"
            end += more.end()
        if more := _OF_NAME.match(text[end:]):
            end += more.end()
        if more := _NAME_OF.search(text[:start]):
            start = more.start()
    if kind not in ("date", "person", "organisation", "place"):
        if _MEASURE.search(question) and (more := _UNITS.match(text[end:])):
            end += more.end()
        if more := _CURRENCY.search(text[:start]):  # "£4.2bn" where the tagger found "4.2bn"
            start = more.start()
        if more := _HEDGE.search(text[:start]):  # "over 90" where the tagger found "90"
            start = more.start()
        words = list(_WORD.finditer(text[start:end]))
        if unit_stem is not None and len(words) > 1 and stems(words[-1].group())[:1] == [unit_stem]:
            end = start + words[-2].end()
    if more := _END_MARK.search(text[start:end]):
        end = start + more.start()
    return sentence.start + start, sentence.start + end

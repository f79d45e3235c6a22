"""The asked-for fact of an answer: the shortest verbatim span of an answer sentence that is the person, date or amount."""
from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from ..config import AnswerSettings
from ..errors import FactModelUnavailable
from ..ingest.metadata import wire_dateline
from ..records import AnswerSentence
from ..text import stems, word_set
from .fact_context import YEAR, acts_in, closeness, question_stems, subject_phrases, widened

# What a question asks for, by its wording: (kind, pattern). The match that starts first wins ("Who ... when ...?" asks
# for a person); of two at one place, the earlier kind here (more specific kinds come first).
_ASKS = (
    ("percent", re.compile(r"\bwhat (percentage|percent|proportion|share)\b", re.I)),
    ("amount", re.compile(r"\bhow much (money|did|does|do|is|was|will|would|has|have|had|are|were|can|could)?\b"
                          r"|\bwhat (did|does|do|will|would) .{0,40}\bcost\b|\b(what|which) (price|amount|sum|fee)\b",
                          re.I)),
    ("duration", re.compile(r"\bhow long\b(?! ago)|\bfor how (long|many (years|months|weeks|days|hours))\b", re.I)),
    ("number", re.compile(r"\bhow (many|old|far|big|large|often|tall|high|fast|deep|wide|heavy)\b"
                          r"|\bwhat (number|amount|population)\b", re.I)),
    ("date", re.compile(r"\bwhen\b|\b(what|which|in what) (year|date|day|month|century|decade|time|era|period)\b"
                        r"|\bhow long ago\b", re.I)),
    ("organisation", re.compile(r"\b(what|which) (company|organi[sz]ation|agency|team|group|party|university|"
                                r"firm|body|union|club|court|institution|network|band)\b", re.I)),
    ("person", re.compile(r"\bwho(m|se)?\b|\b(what|which) (person|man|woman|king|queen|president|leader|player|"
                          r"author|artist|official|spokes(man|woman|person))\b", re.I)),
    ("place", re.compile(r"\bwhere\b|\b(what|which|in what) (country|city|state|place|region|town|continent|"
                         r"province|county|island|river|location|nation)\b", re.I)),
)
# spaCy's entity labels (OntoNotes) that can be each kind, in the order they are preferred
LABELS = {
    "percent": ("PERCENT", "CARDINAL"),
    "amount": ("MONEY", "QUANTITY", "PERCENT", "CARDINAL"),
    "duration": ("DATE", "TIME", "QUANTITY", "CARDINAL"),
    "number": ("CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE"),
    "date": ("DATE", "TIME"),
    "organisation": ("ORG", "NORP", "PERSON"),
    "person": ("PERSON", "ORG", "NORP"),
    "place": ("GPE", "LOC", "FAC"),
}
# when the tagger finds no entity of the kind, a pattern still may ("in 1066", "over 40 years")
_NAME = re.compile(r"(?<=\w[\s,;:(\"'])[A-Z][\w'’.-]+(\s(of\s|de\s|van\s)?[A-Z][\w'’.-]+)*")
_PATTERNS = {
    "person": _NAME, "organisation": _NAME, "place": _NAME,
    "date": re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b"),
    "number": re.compile(r"\b\d[\d,.]*\b"),
    "amount": re.compile(r"[$£€]\s?\d[\d,.]*(\s(million|billion|trillion))?|\b\d[\d,.]*\s(million|billion|trillion)?"
                         r"\s?(dollars|pounds|euros|yen)\b"),
    "percent": re.compile(r"\b\d[\d,.]*\s?(%|percent|per cent)"),
}
# words an entity span may start with that a reader does not count as the fact ("Councillor Mira Halvorsen")
# "about", "around" and "over" stay: SQuAD's answers keep them ("over 90", "about a million") where they trim the rest
_LEADING = re.compile(r"^(the|a|an|roughly|approximately|nearly|almost|some|under|more than|"
                      r"estimated|as late as|as early as|circa|"
                      r"less than|fewer than|up to|at least|only|just|councillor|councilor|mr|mrs|ms|dr|sir|"
                      r"president|senator|governor|minister|mayor|judge|professor|prof|general|captain|king|queen|"
                      r"pope|saint|st)\.?\s+", re.I)
_FIGURES = frozenset(("percent", "amount", "duration", "number", "date"))
_FIGURE = re.compile(r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|"
                     r"fifty|hundred|thousand|million|billion|dozen|half|january|february|march|april|may|june|"
                     r"july|august|september|october|november|december)\b", re.I)
_UNIT = re.compile(r"\bhow (many|much)\s+(\w+)", re.I)
_ASKS_YEAR = re.compile(r"\b(what|which) year\b", re.I)
_CONVERSION = re.compile(r"\d[\d,.]*\s?[^\W\d]*\s?\($")  # "220 miles (": a figure, its unit, a bracket
_TRAILING = re.compile(r"(['’]s|,|\.)$")


@dataclass(frozen=True)
class FactSpan:
    """One candidate fact in a sentence, in document coordinates, with what ranks it."""

    start: int
    end: int
    text: str
    preference: int  # the position of its label in LABELS[kind] (0 best); patterns come after every label
    acts: bool = False  # it is the subject or agent of a verb the question names (parsed for "who" questions only)


def asked_kind(question: str) -> str | None:
    """The kind of fact the question asks for (person, organisation, date, duration, number, amount, percent,
    place), or None when it asks for none of them."""
    found = [(m.start(), order, kind) for order, (kind, pattern) in enumerate(_ASKS) if (m := pattern.search(question))]
    return min(found)[2] if found else None


class EntityTagger:
    """spaCy's small English pipeline, loaded on first use (once per process): its NER, and its parser for the
    questions that ask who did something."""

    def __init__(self, settings: AnswerSettings):
        self.settings = settings
        self.pipeline = None
        self.lock = threading.Lock()

    def load(self):
        """The loaded pipeline (loads it on the first call: about 2 s on an idle machine)."""
        with self.lock:
            if self.pipeline is None:
                try:
                    import spacy

                    model = self.settings.fact_model
                    self.pipeline = spacy.load(model)
                    self.pipeline.select_pipes(enable=["tok2vec", "parser", "ner"])  # the tagger, lemmatizer unused
                except (ImportError, OSError, ValueError) as e:
                    raise FactModelUnavailable(f"the entity model {self.settings.fact_model} cannot be loaded: {e}"
                                               ) from e
            return self.pipeline

    def entities(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, label) of each named entity in `text`, character offsets into it."""
        return [(e.start_char, e.end_char, e.label_) for e in self.load()(text, disable=["parser"]).ents]

    def parsed(self, text: str):
        """`text` as a spaCy Doc with its entities and its dependency parse."""
        return self.load()(text)


def candidates(kind: str, sentence: AnswerSentence, entities: list[tuple[int, int, str]]) -> list[FactSpan]:
    """The spans of `sentence` that can be a fact of `kind`: its entities with a fitting label, trimmed of titles
    and hedges, then what the kind's pattern finds."""
    labels = LABELS[kind]
    found = [trimmed(sentence, s, e, labels.index(label)) for s, e, label in entities if label in labels]
    pattern = _PATTERNS.get(kind)
    if pattern is not None:
        found += [trimmed(sentence, m.start(), m.end(), len(labels)) for m in pattern.finditer(sentence.text)]
    if kind in _FIGURES:  # "220 miles (350 km)": the bracketed figure restates the one before it
        found = [f for f in found if not _CONVERSION.search(sentence.text[:f.start - sentence.start])]
    stated_from = sentence.start + wire_dateline(sentence.text)  # a lead's dateline is not what it says
    return [f for f in found if f.text and f.start >= stated_from]


def trimmed(sentence: AnswerSentence, start: int, end: int, preference: int) -> FactSpan:
    """The span start:end of `sentence` without a leading title, article or hedge or a trailing "'s" or comma."""
    text = sentence.text[start:end]
    while (lead := _LEADING.match(text)) and lead.end() < len(text):
        start, text = start + lead.end(), text[lead.end():]
    while (trail := _TRAILING.search(text)) and trail.start() > 0:
        end, text = end - len(trail.group()), text[:trail.start()]
    return FactSpan(sentence.start + start, sentence.start + end, text, preference)


def best(question: str, kind: str, sentence: AnswerSentence, found: list[FactSpan]) -> FactSpan | None:
    """The fact to mark: not a thing the question already names; followed by the unit asked for; a year for
    "what year"; the subject or agent of the verb asked about ("who"); the most fitting label; for a figure kind
    one that states a figure ("2019" before "that year"); the closest to the question's words around it (the
    answer sits next to what is asked about: "300 jobs" for "How many jobs ...?"); then the shortest. Its edges
    then widened as SQuAD's answers draw them (fact_context.widened)."""
    asked = word_set(question)
    new = [f for f in found if not word_set(f.text) <= asked]
    if not new:
        return None
    asked_stems = question_stems(question)
    unit = _UNIT.search(question)  # "How many yards ...?": a figure followed by "yards" is the one asked for
    unit_stem = stems(unit.group(2))[0] if unit else None

    def counts_unit(f: FactSpan) -> bool:  # "300 yards", or the entity "eight days" for "how many days"
        after = stems(sentence.text[f.end - sentence.start:f.end - sentence.start + 30])[:2]
        return unit_stem is not None and (unit_stem in after or stems(f.text)[-1:] == [unit_stem])

    figured, wants_year = kind in _FIGURES, kind == "date" and bool(_ASKS_YEAR.search(question))
    chosen = min(new, key=lambda f: (not counts_unit(f), wants_year and not YEAR.search(f.text), not f.acts,
                                     f.preference, figured and not _FIGURE.search(f.text),
                                     -closeness(asked_stems, sentence, f.start, f.end), len(f.text)))
    start, end = chosen.start, chosen.end
    year = YEAR.search(chosen.text) if wants_year else None
    if year and year.group() != chosen.text:  # "In what year ...?": 2014 of "June 4, 2014"
        start, end = chosen.start + year.start(), chosen.start + year.end()
    start, end = widened(question, kind, sentence, start, end, unit_stem)
    return FactSpan(start, end, sentence.text[start - sentence.start:end - sentence.start], chosen.preference,
                    chosen.acts)


def found_in(question: str, known: str, kind: str, sentence: AnswerSentence, tagger: EntityTagger
             ) -> list[FactSpan]:
    """The candidate facts of `sentence`. For a person or organisation, the sentence is parsed too: each name
    knows whether it does what the question asks, and when no name but the question's own fits, the subjects of
    the verb asked about stand in ("teachers" of "teachers may have responsibility for student discipline")."""
    if kind not in ("person", "organisation"):
        return candidates(kind, sentence, tagger.entities(sentence.text))
    doc, asked = tagger.parsed(sentence.text), question_stems(question)
    found = [FactSpan(f.start, f.end, f.text, f.preference, acts_in(asked, doc, sentence, f.start, f.end))
             for f in candidates(kind, sentence, [(e.start_char, e.end_char, e.label_) for e in doc.ents])]
    named = word_set(f"{question} {known}")
    if all(word_set(f.text) <= named for f in found):
        after_patterns = len(LABELS[kind]) + 1
        subjects = [trimmed(sentence, start, end, after_patterns) for start, end in subject_phrases(asked, doc)]
        found += [FactSpan(f.start, f.end, f.text, f.preference, True) for f in subjects if f.text]
    return found


def mark(question: str, sentences: Sequence[AnswerSentence], tagger: EntityTagger, known: str = ""
         ) -> AnswerSentence | None:
    """The asked-for fact in the answer's sentences, first sentence first, verbatim with document offsets;
    None when the question asks for no such kind or no span of its kind fits. Only these sentences are tagged.
    `known`: the question as searched (with the conversation it leans on): what it names is not the answer."""
    kind = asked_kind(question)
    if kind is None:
        return None
    for sentence in sentences[:tagger.settings.fact_sentences]:
        chosen = best(f"{question} {known}", kind, sentence, found_in(question, known, kind, sentence, tagger))
        if chosen is not None:
            return AnswerSentence(sentence.doc_id, chosen.start, chosen.end, chosen.text)
    return None

"""What a question asks about beyond its words: a negation or contrast it holds, and its phrases ("voted against")."""
from __future__ import annotations

import re

from ..text import STOPWORDS, stems

# A negation or contrast in the question (the key), and the forms a sentence states it with: "Who voted against the
# mine?" is answered by the sentence saying someone voted against it, not by the one where the council approved it.
_CUES = {
    "against": (re.compile(r"\bagainst\b|\boppos(e|ed|es|ing)\b", re.I),
                re.compile(r"\bagainst\b|\boppos(e|ed|es|ing|ition)\b|\bvoted no\b", re.I)),
    "not": (re.compile(r"\bnot\b|n['’]t\b|\bnever\b", re.I),
            re.compile(r"\bnot\b|n['’]t\b|\bnever\b|\bno\b|\bnone\b|\bneither\b|\bnor\b|\bwithout\b", re.I)),
    "deny": (re.compile(r"\bden(y|ied|ies|ial|ying)\b", re.I), re.compile(r"\bden(y|ied|ies|ial|ials|ying)\b", re.I)),
    "reject": (re.compile(r"\breject(s|ed|ing|ion)?\b", re.I), re.compile(r"\breject(s|ed|ing|ion)?\b", re.I)),
    "refuse": (re.compile(r"\brefus(e|ed|es|al|ing)\b", re.I), re.compile(r"\brefus(e|ed|es|al|ing)\b", re.I)),
    "instead": (re.compile(r"\binstead of\b|\brather than\b", re.I), re.compile(r"\binstead\b|\brather than\b", re.I)),
}
# question words that start a phrase nobody quotes ("who voted" is not in the answer sentence)
_ASKING = frozenset("who whom whose what when where which why how did does do is was were are has have had".split())


def asked_relations(question: str) -> tuple[str, ...]:
    """The negations and contrasts the question holds ("against", "not", "deny", ...), in a fixed order."""
    return tuple(name for name, (asked, _) in _CUES.items() if asked.search(question))


def holds_relations(text: str, relations: tuple[str, ...]) -> bool:
    """Whether `text` states every one of `relations` (in any of its forms); True for none."""
    return all(_CUES[name][1].search(text) for name in relations)


def phrases(question: str) -> frozenset[tuple[str, str]]:
    """The question's two-word phrases, stemmed, articles left out, neither word a question word and not both stop
    words: "Who voted against the lithium mine?" -> (vote, against), (against, lithium), (lithium, mine)."""
    words = stems(question)
    return frozenset((a, b) for a, b in zip(words, words[1:])
                     if a not in _ASKING and b not in _ASKING and not (a in STOPWORDS and b in STOPWORDS))


_CUE_STEMS = frozenset(("against", "not", "never", "deni", "deny", "reject", "refus", "instead", "oppos"))


def relation_phrases(asked: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """The question's phrases (`phrases`) that carry its negation or contrast: (vote, against), (not, approv)."""
    return frozenset(pair for pair in asked if _CUE_STEMS & set(pair))


def holds_phrase(asked: frozenset[tuple[str, str]], text: str) -> bool:
    """Whether `text` holds one of the phrases `asked` word for word (stemmed)."""
    words = stems(text)
    return bool(asked & set(zip(words, words[1:])))


def phrase_share(asked: frozenset[tuple[str, str]], text: str) -> float:
    """The share of the question's phrases (`phrases`) that `text` holds word for word (0 when it has none)."""
    if not asked:
        return 0.0
    words = stems(text)
    return len(asked & set(zip(words, words[1:]))) / len(asked)

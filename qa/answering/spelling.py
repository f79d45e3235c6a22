"""Misspelled words of a question corrected against the collection's own words (symspellpy), before both searches.

A word is corrected only when it is neither a word of the collection (nor a form of one: "anesthetic" where the
collection says "anesthetics", as the search's stems tell) nor an English word, has 4 letters or more (shorter
words have too many neighbours one edit away: "cat" is one from bat, car and cot) and has no capital after its
first letter (an acronym, a code or a gene name: "NSC", "aPKCz", "UreH"). Words of 4 to 7 letters may take one
edit, longer ones two (a swap counts as one); the nearest word wins, then the one more passages hold. Numbers are
never corrected, nor corrected to.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from ..index.vocabulary import WORD, Vocabulary
from ..text import tokenize

MAX_EDITS = 2  # symspellpy finds words this many edits away at most


@dataclass(frozen=True)
class Correction:
    """One word of the question replaced: `typed` at [start, end) of the question became `searched`."""

    typed: str
    searched: str
    start: int
    end: int

    def to_json(self) -> dict:
        return {"typed": self.typed, "searched": self.searched, "start": self.start, "end": self.end}


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English words symspellpy ships (82,765): a word among them is a real word the collection may lack,
    never a misspelling to correct ("kettle" in a collection without kettles stays "kettle")."""
    text = files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt").read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)


class Speller:
    """Corrects a question's unknown words to the nearest words of one generation's vocabulary.

    The symspellpy dictionary is made on the first question that needs it (most questions hold only known
    words) or by `prepare` (a server's warm-up); it is then kept for the generation.
    """

    def __init__(self, vocabulary: Vocabulary, edits_from: tuple[int, int], idf: Callable[[str], float] | None = None):
        """`edits_from`: the letters from which a word may take one edit, and two (RetrievalSettings); `idf`: the
        search's idf of a stemmed term (0 for a term no passage holds), when there is a search index."""
        self.vocabulary = vocabulary
        self.idf = idf
        self.one_edit_from, self.two_edits_from = edits_from
        self._symspell = None
        self._making = threading.Lock()

    def prepare(self, questions: tuple[str, ...] | None = None):
        """The symspellpy dictionary of the collection's words, made once (seconds for 100,000 words: start-up,
        like loading the model); with `questions`, only when one of them has a word to correct."""
        if questions is not None and not any(self.unknown_words(q) for q in questions):
            return None
        with self._making:
            if self._symspell is None:
                from symspellpy import SymSpell  # a few ms to import: only when a question needs it

                made = SymSpell(max_dictionary_edit_distance=MAX_EDITS)
                for word, count in self.vocabulary.counts.items():
                    if len(word) > 1:  # "a" and "I" are never what a misspelt word of 4 letters meant
                        made.create_dictionary_entry(word, count)
                self._symspell = made
        return self._symspell

    def needs_correction(self, word: str) -> bool:
        """Whether `word` (as typed) is a misspelling to correct: long enough, no capital after its first letter,
        and neither a word of the collection (or a form of one) nor an English word."""
        lower = word.lower()
        if len(word) < self.one_edit_from or any(c.isupper() for c in word[1:]):  # short; a code, a gene ("UreH")
            return False
        if lower in self.vocabulary or lower in english_words():
            return False
        # another form of a collection word: the stemmer strips a suffix to a stem the search holds ("anesthetic",
        # "anesthet-"); a stem that is the whole word says nothing ("Hous" is "house"'s stem, not a form of it)
        return self.idf is None or not any(self.idf(t) > 0 and len(t) < len(lower) for t in tokenize(lower))

    def unknown_words(self, question: str) -> list[re.Match]:
        """The words of `question` to correct, with their places."""
        return [m for m in WORD.finditer(question) if self.needs_correction(m.group())]

    def correct(self, question: str) -> tuple[str, tuple[Correction, ...]]:
        """The question with each misspelled word replaced by the collection's nearest word (same case shape),
        and the corrections made; the question unchanged when no word needs one or none is near enough."""
        unknown = self.unknown_words(question)
        if not unknown:
            return question, ()
        from symspellpy import Verbosity

        symspell = self.prepare()
        corrections = []
        for m in unknown:
            typed = m.group()
            distance = 1 if len(typed) < self.two_edits_from else MAX_EDITS
            found = symspell.lookup(typed.lower(), Verbosity.CLOSEST, max_edit_distance=distance)
            if found:
                corrections.append(Correction(typed, same_case(found[0].term, typed), m.start(), m.end()))
        out, pos = [], 0
        for c in corrections:
            out += [question[pos:c.start], c.searched]
            pos = c.end
        out.append(question[pos:])
        return "".join(out), tuple(corrections)


def same_case(word: str, like: str) -> str:
    """`word` written as `like` is: "White" for "Whte", "white" for "whte"."""
    return word.capitalize() if like[:1].isupper() else word

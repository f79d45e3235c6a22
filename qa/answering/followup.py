"""Follow-up questions: understand "Who said that?" with the conversation so far, without a generative model."""
from __future__ import annotations

import re
from collections.abc import Sequence

from ..text import STOPWORDS, tokenize

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
# words that point back to something said earlier: a question holding one leans on the previous turn
ANAPHORS = frozenset("""he she they it that this those these them him his her hers their theirs its there then
such same""".split())
WH_WORDS = frozenset("what when where who whom whose why which how".split())
# words that open an elliptical follow-up: "And when?", "What about Mexico?", "Also ...", "So why?"
_CUES = re.compile(r"^\s*(and|but|also|so|then|what about|how about|and what about|what else|anything else)\b",
                   re.I)
# words that ask rather than name: they say what kind of answer is wanted, not what the question is about
_ASKING = frozenset("""many much long old far often year years day date time did does do done say said says tell
told mean meant happen happened else also about exactly please""".split())
_ABOUT = re.compile(r"\b(what|how)\s+about\b", re.I)
# "And what about the returning officer?": the answer must be about what follows "about"
_ABOUT_FOCUS = re.compile(r"^\s*(?:and\s+|but\s+)?(?:what|how)\s+about\s+(.+?)[\s?.!]*$", re.I)
MAX_CONTENT_WORDS = 4  # a question with an anaphor and more content words than this stands alone
MAX_DEFINITE_WORDS = 3  # the same for "the ..." without a name


def content_words(question: str) -> list[str]:
    """The words of `question` that name what it is about, in order, as written (no stop or question words)."""
    seen, out = set(), []
    for word in _WORD.findall(question):
        low = word.lower().strip("'’-")
        if not low or low in STOPWORDS or low in WH_WORDS or low in ANAPHORS or low in _ASKING or low in seen:
            continue
        seen.add(low)
        out.append(word.strip("'’-"))
    return out


def depends_on_previous(question: str, earlier: str = "") -> bool:
    """Whether `question` leans on an earlier turn: an anaphor ("it", "they", "that") or a definite
    description ("the embargo") in a short question, an opening "and"/"what about", no words of its own
    ("When?", "Why?"), or one that is not a name ("What is banned?"; "Who is Beyonce?" stands alone).
    `earlier`: the turn it would lean on, as understood."""
    words = [w.lower() for w in _WORD.findall(question)]
    content = content_words(question)
    if _CUES.match(question) or not content:
        return True
    if any(w in ANAPHORS for w in words):
        return len(content) <= MAX_CONTENT_WORDS
    if len(content) == 1 and not _is_name(content[0]):  # "What is banned?", "Who resigned?": asks, names nothing
        return True
    # "Who proclaimed the embargo?": a definite description with no name of its own points back too, unless it
    # repeats the earlier turn's words: "Who voted against the lithium mine?" after questions about lithium
    # output names its own subject, and the earlier words would only pull the search back to them
    return ("the" in words and len(content) <= MAX_DEFINITE_WORDS and not any(_is_name(w) for w in content)
            and not set(tokenize(" ".join(content))) & set(tokenize(" ".join(content_words(earlier)))))


def focus_of(question: str) -> str:
    """What an "(And) what about X?" turn asks about (X), or "" for any other question."""
    found = _ABOUT_FOCUS.match(question)
    return found.group(1) if found else ""


def resolve(question: str, previous: Sequence[str] = ()) -> str:
    """The text to search for: `question` itself, or with the terms of the previous turn it depends on.

    Earlier turns are resolved in order (oldest first), so the third turn of "When did China ban fentanyl?",
    "Who announced it?", "Why?" still carries "China ban fentanyl".
    """
    resolved = ""
    for turn in [*previous, question]:
        turn = " ".join(turn.split())
        if not turn:
            continue
        resolved = _join(turn, resolved) if resolved and depends_on_previous(turn, resolved) else turn
    return resolved or question


def _join(question: str, earlier: str) -> str:
    """`question` followed by the earlier turn's words it does not already hold.

    A follow-up that asks nothing by itself ("And in Mexico?", "What about Mexico?") keeps the earlier
    question's wording, so the kind of answer asked for ("how many") carries over, less the names the new
    ones stand for.
    """
    own = content_words(question)
    if not _asks(question):
        if any(_is_name(w) for w in own):
            earlier = " ".join(w for i, w in enumerate(earlier.split()) if i == 0 or not _is_name(w))
        return f"{earlier} {question}" if own else earlier
    mine = {w.lower() for w in own}
    carried = [w for w in content_words(earlier) if w.lower() not in mine]
    return f"{question} {' '.join(carried)}" if carried else question


def _asks(question: str) -> bool:
    """Whether the question has its own question word ("what about X" does not count)."""
    text = _ABOUT.sub(" ", question)
    return any(w.lower() in WH_WORDS for w in _WORD.findall(text))


def _is_name(word: str) -> bool:
    """A name or a number: something specific that a question brings itself."""
    return word[:1].isupper() or word[:1].isdigit()

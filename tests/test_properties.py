"""Property-based tests (hypothesis): the question path never fails but with QuestionError; chunk offsets are exact."""
from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Characters that trip up splitters and offset arithmetic: line endings, tabs, zero-width and joiners,
# combining marks, right-to-left marks, wide and astral characters.
TRICKY = ["\r\n", "\r", "\n", "\n\n", "\t", "\u200b", "\u200d", "\ufeff", "\u0301", "\u0308", "\u200f", "\u00a0",
          "\u3000", "e\u0301", "👩‍👩‍👧", "🇫🇷", "中文", "العربية", "кириллица", ". ", "? ", "!", "...", "—", "https://x.y/z?a=b"]
WORDS = st.sampled_from(["The", "harbour", "council", "said", "on", "Monday", "that", "fentanyl", "Dr.", "U.S.", "3.5",
                         "percent", "1,200", "(", ")", '"', "'", "a", "an", "reopened"])
PIECES = st.one_of(WORDS, st.sampled_from(TRICKY), st.text(st.characters(exclude_categories=("Cs",)), max_size=8))
DOCUMENT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=2000),
    st.lists(PIECES, max_size=600).map(" ".join),
    st.lists(PIECES, max_size=600).map("".join),
)
QUESTION = st.one_of(
    st.text(max_size=300),  # any unicode but surrogates
    st.lists(st.one_of(WORDS, st.sampled_from(TRICKY + ["AND", "OR", "NOT", "NEAR", "*", ":", '"', "(", ")",
                                                        "\ud800", "\udfff"])),  # lone surrogates too
             max_size=40).map(" ".join),
)


@pytest.fixture(scope="module")
def chunker(embedder):
    from qa.ingest.chunker import Chunker
    from qa.config import SETTINGS as QA_SETTINGS

    return Chunker(QA_SETTINGS.chunk, embedder.wordpieces)


@settings(max_examples=100, **SETTINGS)
@given(text=DOCUMENT)
def test_passage_offsets_are_exact(chunker, text):
    from qa.records import Document

    passages = chunker.split(Document("d", text, "h"))
    for i, p in enumerate(passages):
        assert p.position == i
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start:p.end] == p.text
    covered = [False] * len(text)
    for p in passages:
        covered[p.start:p.end] = [True] * (p.end - p.start)
    # letters and digits are what questions find; a stray control or format character may fall between passages
    lost = "".join(ch for ch, seen in zip(text, covered) if not seen and ch.isalnum())
    assert lost == "", f"words in no passage: {lost[:40]!r}"


@settings(max_examples=60, **SETTINGS)
@given(question=QUESTION, k=st.one_of(st.none(), st.integers(min_value=-3, max_value=1003), st.floats(), st.text(max_size=3)))
def test_ask_answers_faithfully_or_raises_question_error(seed_engine, question, k):
    from qa.errors import QuestionError

    try:
        answer = seed_engine.ask(question, k)
    except QuestionError as exc:
        # exactly the requests the rules refuse are refused, each with its one-line reason
        if not any(ch.isprintable() and not ch.isspace() for ch in question):
            assert str(exc) == "the question is empty"
        else:
            assert not _valid_k(k) and str(exc).startswith("k must be")
        return
    assert _valid_k(k)
    assert 1 <= len(answer.excerpts) <= (k and int(float(k)) or 5)
    for e in answer.excerpts:
        doc = seed_engine.document(e.citation.doc_id)
        assert doc.text[e.citation.start:e.citation.end] == e.text
        assert all(e.citation.start <= s < t <= e.citation.end for s, t in e.highlight)


def _valid_k(k) -> bool:
    """What Engine.ask accepts: None, or a whole number from 1 to 1000 (as an int, a whole float or digits)."""
    if k is None:
        return True
    if isinstance(k, bool):
        return False
    if isinstance(k, float):
        return k.is_integer() and 1 <= k <= 1000
    if isinstance(k, str):
        return k.strip().isdigit() and 1 <= int(k) <= 1000
    return 1 <= k <= 1000

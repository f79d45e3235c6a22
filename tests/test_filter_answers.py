"""A filter never hides an answer: within one article a question it answers is answered, an off-topic one is not."""
from __future__ import annotations

from pathlib import Path

import pytest

from qa.records import NO_ANSWER_FILTERED, Filters

from .support import seeds_with

TRUST = Path(__file__).resolve().parent / "data" / "trust"  # the articles of the issue-23 browser replays
BRIDGE = "kessling_bridge.html"  # one passage: within it, the judge has no other candidate to compare with


@pytest.fixture(scope="module")
def trusted(tmp_path_factory, embedder):
    """An engine over the seeds plus the three trust articles (a council vote, a ferry rota, the bridge)."""
    articles = {p.name: p.read_text(encoding="utf-8") for p in TRUST.iterdir()}
    return seeds_with(tmp_path_factory.mktemp("filter-answers"), embedder, articles)


def only(doc_id: str) -> Filters:
    return Filters(doc_ids=(doc_id,))


def test_a_one_article_filter_answers_a_question_its_article_answers(trusted):
    got = trusted.ask("How much will it cost?", 5, filters=only(BRIDGE))
    assert got.answered, got.confidence_detail
    assert "62 million dollars" in got.answer[0].text
    assert {e.citation.doc_id for e in got.excerpts} == {BRIDGE}


@pytest.mark.parametrize("question", ["What is the best recipe for sourdough bread?",
                                      "Who won the World Cup in 2018?",
                                      "How long should I boil an egg for a soft yolk?"])
def test_an_off_topic_question_within_one_article_gets_none(trusted, question):
    for doc_id in (BRIDGE, "greywater_lithium.txt"):
        got = trusted.ask(question, 5, filters=only(doc_id))
        assert got.confidence == "none", (doc_id, got.confidence_detail)
        assert got.message == NO_ANSWER_FILTERED == "No answer in the selected articles."

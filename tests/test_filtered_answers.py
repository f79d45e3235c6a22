"""With a filter on, the answer is looked for within the filter, and "none" names the selected articles."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa.records import NO_ANSWER_FILTERED, Filters
from qa.ui import render

from .support import seeds_with

# written for this test (issue 23: "only the bridge article selected, 'How much will it cost?'"), and an orchard
ARTICLES = Path(__file__).resolve().parent / "data" / "filtered"


@pytest.fixture(scope="module")
def bridge_engine(tmp_path_factory, embedder):
    """The seed articles plus a bridge article and an orchard article."""
    articles = {p.name: p.read_text(encoding="utf-8") for p in ARTICLES.glob("*.txt")}
    return seeds_with(tmp_path_factory.mktemp("filtered"), embedder, articles)


@pytest.mark.model
def test_a_filter_to_one_article_finds_the_answer_it_holds(bridge_engine):
    answer = bridge_engine.ask("How much will it cost?", filters=bridge_engine.filters(doc_ids=["bridge.txt"]))
    assert answer.confidence != "none"
    assert "62 million dollars" in answer.answer[0].text
    assert answer.to_json()["message"] is None


@pytest.mark.model
def test_no_answer_under_a_filter_names_the_selected_articles(bridge_engine):
    filters = bridge_engine.filters(doc_ids=["orchard.txt"])
    answer = bridge_engine.ask("Who is the president of the football club?", filters=filters)
    assert answer.confidence == "none"
    assert answer.to_json()["message"] == "No answer in the selected articles."
    assert "No answer in the selected articles." in render.conversation([answer.to_json()])
    unfiltered = bridge_engine.ask("Who is the president of the football club?")
    assert unfiltered.confidence == "none"
    assert unfiltered.to_json()["message"] == "No answer in the collection."
    assert "No answer in the collection." in render.conversation([unfiltered.to_json()])


@pytest.mark.model
def test_the_command_line_says_no_answer_in_the_selected_articles(bridge_engine):
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    run = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--index", str(bridge_engine.index_dir),
                          "--doc", "orchard.txt", "Who is the president of the football club?"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "No answer in the selected articles" in run.stdout
    as_json = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--json", "--index",
                              str(bridge_engine.index_dir), "--doc", "orchard.txt",
                              "Who is the president of the football club?"],
                             capture_output=True, text=True, env=env, timeout=300)
    assert json.loads(as_json.stdout)["message"] == "No answer in the selected articles."


# the trust articles of the issue-23 browser replays: the bridge is one passage, so the judge's peak had no other
# candidate to compare with, and a question its article answers got "none" (steps.Retrieved.peak)
TRUST = Path(__file__).resolve().parent / "data" / "trust"
KESSLING = "kessling_bridge.html"  # one passage: within it, the judge has no other candidate to compare with


@pytest.fixture(scope="module")
def trusted(tmp_path_factory, embedder):
    """An engine over the seeds plus the three trust articles (a council vote, a ferry rota, the bridge)."""
    articles = {p.name: p.read_text(encoding="utf-8") for p in TRUST.iterdir()}
    return seeds_with(tmp_path_factory.mktemp("filter-answers"), embedder, articles)


def only(doc_id: str) -> Filters:
    return Filters(doc_ids=(doc_id,))


@pytest.mark.model
def test_a_one_passage_article_filter_answers_a_question_its_article_answers(trusted):
    got = trusted.ask("How much will it cost?", 5, filters=only(KESSLING))
    assert got.answered, got.confidence_detail
    assert "62 million dollars" in got.answer[0].text
    assert {e.citation.doc_id for e in got.excerpts} == {KESSLING}


@pytest.mark.model
@pytest.mark.parametrize("question", ["What is the best recipe for sourdough bread?",
                                      "Who won the World Cup in 2018?",
                                      "How long should I boil an egg for a soft yolk?"])
def test_an_off_topic_question_within_one_article_gets_none(trusted, question):
    for doc_id in (KESSLING, "greywater_lithium.txt"):
        got = trusted.ask(question, 5, filters=only(doc_id))
        assert got.confidence == "none", (doc_id, got.confidence_detail)
        assert got.message == NO_ANSWER_FILTERED == "No answer in the selected articles."

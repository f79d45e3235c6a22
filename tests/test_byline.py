"""Questions about an article itself are answered with its byline or dateline line, verbatim with offsets."""
import pytest

from qa.answering.byline import asks_about

from .support import engine_over

MINE = """Council approves Copperbeck lithium mine
By Helena Marsh
22 May 2025

The Tarrow regional council voted 7 to 4 on Wednesday to approve the Copperbeck lithium mine, a project that
Halden Minerals says will bring 300 jobs to the valley. Councillor Tomas Reyne, who voted against the project,
said the river could not spare the water. The company denied that the mine would take water from farms.
"""
KETTLE = """---
title: Brightwell recalls kettles
author: Omar Lind
---
# Brightwell recalls kettles

By Omar Lind

Brightwell is recalling 40,000 electric kettles after reports that their handles could crack when hot.
Owners can return a kettle to any shop for a full refund, the company said on Monday.
"""

FERRY = """---
title: Ferry crews on the Tamsin line accept new rota
author: Jonas Pellegrin
date: 2025-05-19
---
Ferry crews on the Tamsin harbour line voted on Monday to accept a new rota that ends split shifts.
The harbour authority had rejected an earlier demand for a four-day week.
"""


@pytest.mark.parametrize("question, asks", [
    ("Who wrote the article about the Copperbeck lithium mine?", "byline"),
    ("Who reported on the story about the kettle recall?", "byline"),
    ("Who is the author of the piece on kettles?", "byline"),
    ("When was the article about the mine published?", "dateline"),
    ("When was the kettle recall story published?", "dateline"),  # the brief's "When was … published"
    ("Who reported on the council vote?", "byline"),
    ("Who covered the cost of the repair?", None),
    ("When was the first edition of the book published?", None),
    ("Who wrote the majority opinion in the ruling?", None),  # a judge, not a byline
    ("Who voted against the lithium mine?", None),
    ("When was the mine approved?", None),
])
def test_questions_about_the_article_itself(question, asks):
    assert asks_about(question) == asks


@pytest.fixture(scope="module")
def news(tmp_path_factory, embedder):
    return engine_over(tmp_path_factory.mktemp("bylines"),
                       {"mine.txt": MINE, "kettle.md": KETTLE, "ferry.md": FERRY}, embedder)  # ferry: front matter only


def _verbatim(engine, sentence):
    return engine.loaded().store.document(sentence.doc_id).text[sentence.start:sentence.end] == sentence.text


@pytest.mark.parametrize("question, doc, line", [
    ("Who wrote the article about the Copperbeck lithium mine?", "mine.txt", "By Helena Marsh"),
    ("Who wrote the story about the kettle recall?", "kettle.md", "By Omar Lind"),
    ("When was the article about the Copperbeck lithium mine published?", "mine.txt", "22 May 2025"),
])
def test_the_byline_or_dateline_is_the_answer(news, question, doc, line):
    answer = news.ask(question, 3)
    assert answer.answer and answer.answer[0].text == line and answer.answer[0].doc_id == doc
    assert _verbatim(news, answer.answer[0])


def test_other_questions_never_quote_the_byline(news):
    answer = news.ask("Who voted against the Copperbeck lithium mine?", 3)
    assert answer.answer and not any("Helena Marsh" in s.text for s in answer.answer)


def test_the_seed_working_group_article_names_its_author(seed_engine):
    # issue 23: "Who wrote the article about the working group?" quoted the group's first sentence at "low"
    answer = seed_engine.ask("Who wrote the article about the working group's progress?", 5)
    assert answer.answer and answer.answer[0].text.strip() == "By Maria Ortiz"


@pytest.mark.parametrize("question, field, value", [
    ("Who wrote the article about the Tamsin ferry crews?", "byline", "Jonas Pellegrin"),
    ("When was the article about the Tamsin ferry rota published?", "date", "2025-05-19"),
])
def test_a_byline_or_date_only_in_metadata_is_the_answer_cited_as_metadata(news, question, field, value):
    answer = news.ask(question, 3)
    first = answer.answer[0]
    assert (first.text, first.metadata, first.doc_id) == (value, field, "ferry.md")
    assert value not in news.document("ferry.md").text  # not quoted from the text: the metadata field
    assert answer.to_json()["answer"][0]["metadata"] == field
    assert answer.confidence == "high"  # only this article is about the Tamsin ferry crews


def test_a_byline_in_the_text_is_quoted_not_cited_as_metadata(news):
    first = news.ask("Who wrote the article about the Copperbeck lithium mine?", 3).answer[0]
    assert first.metadata is None and first.text == "By Helena Marsh"


def test_an_article_is_clearly_meant_only_when_no_other_found_article_holds_the_subject():
    from qa.answering.byline import clearly_meant
    from qa.records import Document

    mine, kettle = Document("mine.txt", MINE, ""), Document("kettle.md", KETTLE, "")
    other_mine = Document("other.txt", "The Copperbeck lithium mine opened in 2026.", "")
    question = "Who wrote the article about the Copperbeck lithium mine?"
    assert clearly_meant(question, mine, [kettle])
    assert not clearly_meant(question, mine, [kettle, other_mine])  # two articles about that mine
    assert not clearly_meant(question, kettle, [mine])  # the kettle article is not about the mine
    assert not clearly_meant("Who wrote the article?", mine, [])  # no subject: which article is not said

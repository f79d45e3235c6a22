"""Answer sentences chosen by what the question asks: its negation or contrast, its phrases, the kind of fact it
asks for; never a headline, byline or dateline; never two sentences stating one fact."""
from __future__ import annotations

import numpy as np
import pytest

from qa.answering.answer import SentenceCandidate, choose
from qa.answering.relation import asked_relations, holds_relations, phrase_share, phrases
from qa.config import SETTINGS

from .support import engine_over

MINE = """Council approves Greywater Ridge lithium mine
By Helena Marsh
22 May 2025

The Alder Valley regional council voted 7 to 4 on Wednesday to approve the Greywater Ridge lithium mine, a project \
that Halden Minerals says will bring 300 jobs to the valley.
Councillor Mira Halvorsen, who voted against the project, said the river could not spare the water.
The company denied that the mine would take water from farms, and said it would pump from a new reservoir instead.
Work on the mine will start in 2026, the company said.
"""
UNION = """Dockworkers strike at Port Selby
By Omar Lind

Dockworkers at Port Selby walked out on Monday over pay.
Union secretary Ana Pereira said the strike would last until the port raised wages by 6 percent.
"""


@pytest.mark.parametrize("question, relations", [
    ("Who voted against the lithium mine?", ("against",)),
    ("What did the company deny?", ("deny",)),
    ("Which plan was not approved?", ("not",)),
    ("What did the board reject instead of the merger?", ("reject", "instead")),
    ("Who voted for the mine?", ()),
])
def test_the_negation_or_contrast_a_question_holds(question, relations):
    assert asked_relations(question) == relations


def test_a_sentence_must_state_the_relation_in_one_of_its_forms():
    assert holds_relations("Councillor Halvorsen, who opposed the project, spoke.", ("against",))
    assert not holds_relations("The council voted to approve the mine.", ("against",))
    assert holds_relations("He didn't say.", ("not",)) and holds_relations("They denied it.", ("deny",))


def test_a_question_phrase_counts_only_word_for_word():
    asked = phrases("Who voted against the lithium mine?")
    assert ("vote", "against") in asked and not any("who" in pair for pair in asked)
    held = phrase_share(asked, "Councillor Mira Halvorsen, who voted against the project, said no.")
    scattered = phrase_share(asked, "Against the odds, the council voted to approve the mine for lithium.")
    assert held > scattered


def candidate(text: str, start: int) -> SentenceCandidate:
    return SentenceCandidate("a.txt", start, start + len(text), text, 0, 0.5, 0.5)


def test_two_answer_sentences_never_state_only_the_same_figure():
    first = candidate("Roughly 100,000 Americans die of overdoses every year.", 0)
    again = candidate("Overdoses kill about 100,000 people in the country each year, officials said.", 100)
    other = candidate("Deaths fell by 10 percent in 2024, the first fall in years.", 200)
    chosen = choose([first, again, other], np.asarray([1.0, 0.98, 0.97], dtype=np.float32), SETTINGS.answer, "number")
    assert [s.start for s in chosen] == [0, 200]


@pytest.fixture(scope="module")
def news(tmp_path_factory, embedder):
    return engine_over(tmp_path_factory.mktemp("choice"), {"mine.txt": MINE, "union.txt": UNION}, embedder)


@pytest.mark.model
def test_who_voted_against_quotes_the_one_who_voted_against(news):
    # issue 23: the bag of words ("voted", "lithium", "mine") beat the relation the question asks about
    answer = news.ask("Who voted against the lithium mine?", 3)
    assert answer.answer[0].text.startswith("Councillor Mira Halvorsen, who voted against the project")
    assert not any("7 to 4" in s.text for s in answer.answer)
    assert answer.fact is not None and answer.fact.text == "Mira Halvorsen"
    assert answer.signals.relation_asked and answer.signals.relation_matched and answer.signals.fact_found
    text = news.document("mine.txt").text
    assert text[answer.fact.start:answer.fact.end] == "Mira Halvorsen"


@pytest.mark.model
def test_a_headline_or_byline_is_never_an_answer_sentence(news):
    # issue 23: "Who is the union secretary?" quoted the strike's headline as an answer sentence
    answer = news.ask("Who is the union secretary at Port Selby dockworkers strike?", 3)
    assert answer.answer and answer.answer[0].text.startswith("Union secretary Ana Pereira")
    assert not any(s.text in ("Dockworkers strike at Port Selby", "By Omar Lind") for s in answer.answer)
    assert answer.fact is not None and answer.fact.text == "Ana Pereira"


@pytest.mark.model
def test_the_kind_asked_for_is_in_the_answer_sentence(news):
    answer = news.ask("When will work on the Greywater Ridge mine start?", 3)
    assert "2026" in answer.answer[0].text and answer.signals.kind_present
    assert answer.fact is not None and answer.fact.text == "2026"


@pytest.mark.model
def test_a_supporting_source_marks_the_answer_sentence_it_holds(news):
    # issue 23: chip [1] pointed at the answer's sentence while source [1] highlighted another ("voted 7 to 4")
    answer = news.ask("Who voted against the lithium mine?", 3)
    first = answer.answer[0]
    holding = [e for e in answer.excerpts if e.supporting]
    assert holding and all(e.citation.doc_id == first.doc_id for e in holding[:1])
    assert (first.start, first.end) in holding[0].highlight
    for e in holding:  # every mark of a supporting source is a sentence of the answer
        assert all(any(s.doc_id == e.citation.doc_id and s.start <= a and b <= s.end for s in answer.answer)
                   for a, b in e.highlight)

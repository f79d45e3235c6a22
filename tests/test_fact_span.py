"""The asked-for fact: the shortest verbatim span of an answer sentence that is the person, date, number or amount."""
from __future__ import annotations

import pytest

from qa.answering.fact import EntityTagger, asked_kind, mark
from qa.config import SETTINGS
from qa.records import Answer, AnswerSentence

MINE = ("Councillor Mira Halvorsen, who voted against the project, said the river could not spare the water. "
        "The council voted 7 to 4 to approve the mine, which Halden Minerals says will bring 300 jobs to the valley. "
        "Repairs to the bridge would cost 62 million dollars and take three years. "
        "China banned the sale of fentanyl in 2019.")


@pytest.fixture(scope="module")
def tagger():
    return EntityTagger(SETTINGS.answer)


def sentence(text: str, offset: int = 1000) -> AnswerSentence:
    """`text` as a sentence found at `offset` of a document holding MINE there."""
    at = MINE.index(text)
    return AnswerSentence("mine.txt", offset + at, offset + at + len(text), text)


@pytest.mark.parametrize("question, kind", [
    ("Who voted against the lithium mine?", "person"),
    ("Who hired the engineer when he moved to the city?", "person"),  # the question's first asking word decides
    ("Which team won when the league began?", "organisation"),
    ("When did China ban fentanyl?", "date"),
    ("In what year did the mine open?", "date"),
    ("How many jobs will the mine bring?", "number"),
    ("How much will the repairs cost?", "amount"),
    ("How long will the repairs take?", "duration"),
    ("Which company runs the mine?", "organisation"),
    ("Where is the mine?", "place"),
    ("What percentage of voters agreed?", "percent"),
    ("Why did the council approve the mine?", None),
    ("What did the company deny?", None),
])
def test_the_kind_of_fact_a_question_asks_for(question, kind):
    assert asked_kind(question) == kind


@pytest.mark.model  # spaCy imports torch
@pytest.mark.parametrize("question, text, fact", [
    ("Who voted against the lithium mine?", MINE.split(". ")[0] + ".", "Mira Halvorsen"),  # the title is not the name
    ("How much will the bridge repairs cost?", "Repairs to the bridge would cost 62 million dollars and take three "
                                              "years.", "62 million dollars"),
    ("How long will the bridge repairs take?", "Repairs to the bridge would cost 62 million dollars and take three "
                                              "years.", "three years"),
    ("When did China ban the sale of fentanyl?", "China banned the sale of fentanyl in 2019.", "2019"),
    # the figure next to what is asked about, not the first figure of the sentence
    ("How many jobs will the mine bring?", "The council voted 7 to 4 to approve the mine, which Halden Minerals says "
                                          "will bring 300 jobs to the valley.", "300"),
])
def test_the_fact_is_the_shortest_span_of_its_kind_verbatim(tagger, question, text, fact):
    found = mark(question, [sentence(text)], tagger)
    assert found is not None and found.text == fact
    assert (" " * 1000 + MINE)[found.start:found.end] == fact and found.doc_id == "mine.txt"


@pytest.mark.model
@pytest.mark.parametrize("question, text, fact", [
    ("How many cases of malaria did Kenya report?", "Kenya reported an estimated 15 million cases of malaria.",
     "15 million"),
    ("Until what decade did small markets wait for a station?", "Small markets had to wait as late as the 1980s for "
                                                              "a station of their own.", "1980s"),
])
def test_a_hedge_before_the_figure_is_not_the_fact(tagger, question, text, fact):
    # SQuAD calibration misses: "estimated 50,000" for 50,000, "as late as the 1980s" for 1980s
    found = mark(question, [AnswerSentence("kenya.txt", 40, 40 + len(text), text)], tagger)
    assert found is not None and found.text == fact and (" " * 40 + text)[found.start:found.end] == fact


@pytest.mark.model
def test_no_fact_when_the_question_asks_for_none_or_none_fits(tagger):
    reason = sentence("China banned the sale of fentanyl in 2019.")
    assert mark("Why did China ban fentanyl?", [reason], tagger) is None
    # asks for a person; the sentence names none but the country the question names itself
    assert mark("Who banned fentanyl in China?", [reason], tagger) is None


@pytest.mark.model
def test_a_later_answer_sentence_holds_the_fact_when_the_first_does_not(tagger):
    first = sentence("Councillor Mira Halvorsen, who voted against the project, said the river could not spare "
                     "the water.")
    second = sentence("China banned the sale of fentanyl in 2019.")
    found = mark("When was the ban?", [first, second], tagger)
    assert found is not None and found.text == "2019"


def test_the_json_carries_the_fact_or_null():
    fact = AnswerSentence("a.txt", 40, 44, "2019")
    assert Answer("When?", True, 1.0, fact=fact).to_json()["fact"] == {"doc_id": "a.txt", "start": 40, "end": 44,
                                                                      "text": "2019"}
    assert Answer("Why?", True, 1.0).to_json()["fact"] is None


def test_the_entity_model_loads_on_first_use_not_on_import():
    import subprocess
    import sys

    code = ("import sys, qa.engine, qa.answering.fact; "
            "from qa.answering.fact import EntityTagger; from qa.config import SETTINGS; t = EntityTagger(SETTINGS.answer); "
            "print('spacy' in sys.modules, t.pipeline is None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


def marked(tagger, question: str, text: str) -> str | None:
    """The fact `mark` finds for `question` in `text`, one sentence at offset 70 of its document, checked verbatim."""
    found = mark(question, [AnswerSentence("news.txt", 70, 70 + len(text), text)], tagger)
    if found is not None:
        assert (" " * 70 + text)[found.start:found.end] == found.text and found.doc_id == "news.txt"
    return found.text if found is not None else None


@pytest.mark.model
def test_the_figure_among_the_question_words_is_the_fact(tagger):
    # "adopted" is the question's "adopt", stemmed, and the charter asked about sits around 1975, not 1855
    text = ("Norland has a written charter adopted in 1975, but based on the 1855 colonial charter, passed by the "
            "Crown as the Norland Charter Act 1855.")
    assert marked(tagger, "When did Norland adopt its charter?", text) == "1975"


@pytest.mark.model
@pytest.mark.parametrize("question, text, fact", [
    # the subject of the verb asked about, not the other name nearer the question's words
    ("Who formulated the drainage plan?", "In 1998, Frank Barnet, inspired by a proposal of Nora Jerne, formulated "
     "the drainage plan.", "Frank Barnet"),
    # the agent of a passive verb ("commissioned by"): an organisation before a person who is not its agent
    ("Who commissioned the footbridge?", "The footbridge was commissioned by Harlow Council and designed by the "
     "architect Mara Fenwick.", "Harlow Council"),
    # no name but the question's own: the subject of the verb asked about, with what is coordinated with it
    ("Who hires the builders?", "In most towns the owner selects the designs and hires the builders.", "owner"),
    ("Who acts as the project coordinator?", "In this arrangement, the architect or engineer acts as the project "
     "coordinator.", "architect or engineer"),
    # the verb is "is" or "has": what it says of the subject is what the question names
    ("Who is the final judge of the contest?", "In the end the audience is the final judge of the contest.",
     "audience"),
    ("Who has design authority over the receivers?", "The broadcaster has design authority over all receivers "
     "capable of receiving its service.", "broadcaster"),
])
def test_who_is_the_one_who_does_what_the_question_asks(tagger, question, text, fact):
    assert marked(tagger, question, text) == fact


@pytest.mark.model
@pytest.mark.parametrize("question, text, fact", [
    ("Who composed the score?", "All the music for the revived series has been composed by Murray Hale and Ben "
     "Foster.", "Murray Hale and Ben Foster"),
    ("Who composed the score?", "The score was composed by Maren Holt and Ben Ashby in two months.",
     "Maren Holt and Ben Ashby"),
    ("Who led the relief column?", "In 1064, William of Montreuil led the relief column into the valley.",
     "William of Montreuil"),
    ("When did Menich serve as mayor?", "The first mayor of the town was Jan Menich (1695–1696).", "1695–1696"),
    ("How far apart are the filaments?", "The filaments are arranged in rows 6.4 nanometers apart.", "6.4 nanometers"),
    ("How many days does the ferry wait?", "The ferry waits eight days in port before it sails.", "eight"),
    ("How many items from the region does the museum hold?", "The museum holds over 19,000 items from the region.",
     "over 19,000"),
    ("How many destinations does the airport serve?", "The airport now serves over 90 destinations.", "over 90"),
    ("How much did the club bid for the rights?", "In February 2015, the club bid £4.2bn for the rights.", "£4.2bn"),
    ("Whose army took the city in 1806?", "Taken by Napoleon's army in 1806, the city was made the capital of the "
     "new duchy.", "Napoleon's"),
    # the bracketed figure restates the one before it in other units
    ("How far is the town from the coast?", "The town lies 220 miles (350 km) north of the coast.", "220 miles"),
])
def test_the_edges_of_the_fact_are_those_squad_answers_draw(tagger, question, text, fact):
    assert marked(tagger, question, text) == fact


@pytest.mark.model  # spaCy imports torch
def test_a_leads_wire_dateline_is_neither_the_fact_nor_the_kind_asked_for(tagger):
    from qa.answering.answer import holds_kind
    from qa.ingest.metadata import wire_dateline

    lead = "PELLHAM, March 5, 2026 — A retired physics teacher has discovered a comet in her back garden."
    assert wire_dateline(lead) == len("PELLHAM, March 5, 2026 — ") and wire_dateline("Beijing banned it in 2019.") == 0
    # the dateline says when and where the story was filed: the sentence states no date and names no one
    assert not holds_kind(lead, "date") and not holds_kind(lead, "name")
    assert holds_kind("On the night of February 21, Margaret Ellery spotted it.", "date")
    assert mark("When was the comet first seen?", [AnswerSentence("comet.txt", 0, len(lead), lead)], tagger) is None
    later = "LINDEN, May 21, 2025 — Drivers will strike on June 12 and June 13, the union said."
    marked = mark("When will the drivers strike?", [AnswerSentence("strike.txt", 0, len(later), later)], tagger)
    assert marked is not None and marked.text.startswith("June 12")

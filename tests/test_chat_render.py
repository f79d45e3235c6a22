"""The chat's HTML and Markdown from real answers of the seed index, its filter fields, and what a tab restores."""
from __future__ import annotations

import json
import re

import pytest

from qa.ui import render
from qa.records import Filters
from qa.errors import QAError
from qa.ui.chat import ChatApp, saved_turns

from .support import PLAIN, SEED_ANSWER, SEED_QUESTION, SEEDS, SPUN

OFF_TOPIC = "recipe for sourdough bread with rye flour and caraway"


@pytest.fixture(scope="module")
def answers(seed_engine):
    return {q: seed_engine.ask(q).to_json() for q in (SEED_QUESTION, OFF_TOPIC)}


def test_the_answer_card_quotes_the_sentence_and_its_chip_opens_it(answers):
    answer = answers[SEED_QUESTION]
    html = render.conversation([answer])
    sentence = answer["answer"][0]
    document = (SEEDS / sentence["doc_id"]).read_text(encoding="utf-8")
    assert SEED_ANSWER in sentence["text"] and document[sentence["start"]:sentence["end"]] == sentence["text"]
    card = html.split('class="qa-card"')[1].split("</div></div>")[0]
    assert sentence["text"] in re.sub("</?strong>", "", card) and "Copy" in card and "qa-caution" not in card
    chip = re.search(r'<button type="button" class="qa-cite-btn qa-chip" ([^>]*)>\[(\d+)\]</button>', card)
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', chip.group(1)))
    source = render.source_of(sentence, answer["excerpts"])
    assert int(chip.group(2)) == source["rank"] and attrs["doc"] == sentence["doc_id"] == SPUN
    assert (int(attrs["start"]), int(attrs["end"])) == (source["start"], source["end"])
    assert attrs["hl"] == f'{sentence["start"]}-{sentence["end"]}'
    main_lines = re.sub(r'(title|data-md)="[^"]*"', "", html.split("qa-whole")[0])
    assert "score" not in main_lines and "characters" not in main_lines, "offsets and scores stay off the main line"


def test_the_fact_asked_for_comes_first_and_bold(answers):
    answer = answers[SEED_QUESTION]
    fact = answer["fact"]
    assert fact["text"] == "2019" and fact["doc_id"] == answer["answer"][0]["doc_id"]
    card = render.conversation([answer]).split('class="qa-card"')[1].split("</div></div>")[0]
    assert card.index('<p class="qa-fact"><strong>2019</strong></p>') < card.index("qa-answer-sents")
    assert "fentanyl in <strong>2019</strong>" in card  # and bold inside its sentence
    assert "qa-fact" not in render.conversation([{**answer, "fact": None}])


def test_each_source_line_shows_its_byline(answers):
    # issue 23: the article view showed "By Maria Ortiz", the chat's source lines never did
    answer = answers[SEED_QUESTION]
    html = render.conversation([answer])
    bylines = [e["byline"] for e in answer["excerpts"] if e.get("byline")]
    assert bylines and all(f'<span class="qa-byline">By {b}</span>' in html for b in bylines)


def test_no_answer_is_said_and_its_passages_are_folded_unmarked(answers):
    answer = answers[OFF_TOPIC]
    assert answer["confidence"] == "none"
    html = render.conversation([answer])
    assert render.NO_ANSWER in html and "<mark" not in html and 'class="qa-answer-sents"' not in html
    assert '<details class="qa-sources"><summary>Closest passages' in html, "folded: no `open`"


def test_only_the_excerpts_that_hold_the_answer_are_highlighted(answers):
    # issue 23: "sources unrelated to the question carry the same yellow highlight as the answer"
    answer = answers[SEED_QUESTION]
    sentences = answer["answer"]

    def holds_answer(e: dict) -> bool:
        return any(s["doc_id"] == e["doc_id"] and s["start"] < e["end"] and e["start"] < s["end"] for s in sentences)

    assert all(e["supporting"] == holds_answer(e) for e in answer["excerpts"])
    others = [e for e in answer["excerpts"] if not e["supporting"]]
    assert any(e["highlight"] for e in others), "the rule is tested on excerpts that have a best sentence"
    items = render.conversation([answer]).split('<li class="qa-excerpt">')[1:]
    assert len(items) == len(answer["excerpts"])
    for e, item in zip(answer["excerpts"], items):
        assert ("<mark" in item) == e["supporting"], e["rank"]
        assert ('data-hl=""' in item) != e["supporting"], "an unmarked source opens without a marked sentence"


def test_low_confidence_shows_a_caution(answers):
    answer = {**answers[SEED_QUESTION], "confidence": "low"}
    assert render.CAUTION in render.conversation([answer])
    assert render.CAUTION not in render.conversation([answers[SEED_QUESTION]])


def test_searched_for_and_also_in_are_shown_when_they_say_something(answers):
    answer = answers[SEED_QUESTION]
    assert "searched for" not in render.conversation([answer]), "the same as the question: not repeated"
    excerpts = [{**answer["excerpts"][0], "also_in": [PLAIN, "other.txt"]}, *answer["excerpts"][1:]]
    html = render.conversation([{**answer, "searched_for": "China ban fentanyl sale", "excerpts": excerpts}])
    assert "searched for: <q>China ban fentanyl sale</q>" in html and "also in 2 articles" in html


def test_markdown_quotes_each_sentence_then_cites_it(answers):
    answer = answers[SEED_QUESTION]
    md = render.markdown(answer).splitlines()
    s = answer["answer"][0]
    quoted = md.index(f"> {render.md_text(s['text'])}")
    cite = md[quoted + 2]
    assert md[0] == f"**{SEED_QUESTION}**" and cite.startswith("— *")
    assert f"`{s['doc_id']}`" in cite and f"characters {s['start']}–{s['end']}" in cite
    assert f"&hl={s['start']}-{s['end']}" in cite and "](?doc=" in cite


def test_filter_fields(seed_engine, tmp_path):
    """The chat reads its filter fields with the engine's own check, and a field it cannot use is a short
    message before anything is asked."""
    app = ChatApp(seed_engine, tmp_path)
    assert seed_engine.filters(" 2024-01-01 ", "", ["a.txt"]) == Filters("2024-01-01", None, ("a.txt",))
    assert not seed_engine.filters("", None, None)
    assert app.start("q", [], "", None, None)[4]["filters"] is None
    for since, until in [("06/08/2024", ""), ("2024-02-30", ""), ("", "2024"), ("2024-05-01", "2024-04-01")]:
        with pytest.raises(QAError):
            seed_engine.filters(since, until, None)
        problem = app.start("q", [], since, until, None)[3]
        assert "YYYY-MM-DD" in problem or "is after" in problem, problem


def test_a_restored_conversation_is_checked(answers):
    good = [answers[SEED_QUESTION]]
    assert saved_turns(json.dumps(good)) == good
    for bad in ["", "not json", "{}", "[1, 2]", '[{"question": 3}]', '[{"question": "q", "excerpts": [{"x": 1}]}]']:
        assert saved_turns(bad) == [], bad


def test_respond_passes_the_earlier_questions_and_the_filters(seed_engine, tmp_path):
    calls = []

    class Recording:  # the real engine, with each call to ask noted
        def __getattr__(self, name):
            return getattr(seed_engine, name)

        def ask(self, question, k=None, previous=(), filters=None, **limits):
            calls.append((question, list(previous), filters))
            return seed_engine.ask(question, k, previous=previous, filters=filters, **limits)

    app = ChatApp(Recording(), tmp_path)
    _, turns, saved, _, conversation = app.respond({"id": "1", "question": SEED_QUESTION}, [])
    second = app.start("When?", turns, "2019-01-01", "", [SPUN])[4]
    _, turns, saved, _, conversation = app.respond(second, turns, conversation)
    app.respond(second, turns, conversation)  # a second chain with the same pending question: not asked again
    assert calls[1] == ("When?", [SEED_QUESTION], Filters("2019-01-01", None, (SPUN,)))
    assert [t["question"] for t in json.loads(saved)] == [SEED_QUESTION, "When?"]
    hint = app.start("   ", turns, "", "", None)[3]
    assert "Type a question first" in hint and len(calls) == 2


def test_a_refused_submits_chain_neither_refuses_nor_unlocks_the_next_question(seed_engine, tmp_path):
    """Gradio blocks a second submit only while the first step runs: the steps of a refused submit's chain can
    run after the next question was taken. They answer it with its own filters and leave the box locked."""
    app = ChatApp(seed_engine, tmp_path)
    assert "YYYY-MM-DD" in app.start(SEED_QUESTION, [], "06/08/2024", "", None)[3]
    pending = app.start(SEED_QUESTION, [], "2024-01-01", "", None)[4]
    assert all(u == {"__type__": "update"} for u in app.unlock(pending)), "still answering: nothing unlocked"
    conversation, turns, _, hint, _ = app.respond(pending, [])  # the refused chain's step claims it
    assert len(turns) == 1 and "YYYY" not in hint and turns[0]["excerpts"]
    assert SPUN not in {e["doc_id"] for e in turns[0]["excerpts"]}, "answered with since 2024-01-01"
    assert app.respond(pending, turns)[1] == {"__type__": "update"}, "the question's own chain finds it claimed"
    assert all(u.get("interactive") for u in app.unlock(pending)) and all(u.get("interactive") for u in app.unlock(None))


def test_the_article_filter_lists_every_indexed_article_by_title(seed_engine, tmp_path):
    choices = ChatApp(seed_engine, tmp_path).doc_choices()["choices"]
    assert sorted(doc_id for _, doc_id in choices) == sorted(d.doc_id for d, _ in seed_engine.documents())
    titles = [title for title, _ in choices]
    assert titles == sorted(titles, key=str.lower) and all(titles)


def test_a_corrected_question_offers_to_ask_it_as_typed(answers):
    answer = {**answers[SEED_QUESTION], "question": 'When did Chnia ban "fentanyl"?',
              "searched_for": 'When did China ban "fentanyl"?',
              "corrections": [{"typed": "Chnia", "searched": "China", "start": 9, "end": 14}]}
    html = render.conversation([answer])
    assert 'searched for: <q>When did China ban &quot;fentanyl&quot;?</q>' in html
    assert 'class="qa-as-typed" data-question="When did Chnia ban &quot;fentanyl&quot;?"' in html
    follow_up = {**answers[SEED_QUESTION], "searched_for": "China ban fentanyl sale", "corrections": []}
    assert "qa-as-typed" not in render.conversation([follow_up]), "nothing was corrected: nothing to undo"


def test_an_answer_from_metadata_says_so(answers):
    answer = answers[SEED_QUESTION]
    meta = {"doc_id": answer["excerpts"][0]["doc_id"], "start": 0, "end": 0, "text": "Maria Ortiz", "metadata": "byline"}
    html = render.conversation([{**answer, "answer": [meta]}])
    assert "<q>Maria Ortiz</q> <span class=\"qa-from-meta\">(the author in the article&#x27;s metadata)</span>" in html
    assert "qa-from-meta" not in render.conversation([answer])
    assert "the byline in its metadata" in render.markdown({**answer, "answer": [meta]})

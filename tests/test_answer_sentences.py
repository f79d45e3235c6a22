"""The direct answer: 1-3 verbatim sentences chosen across the excerpts, each citable, never a heading."""
from __future__ import annotations

import pytest

from qa.answering import confidence
from qa.answering.answer import answer_type, looks_like_heading

from .support import PLAIN, SEEDS


@pytest.mark.parametrize("question, kind", [
    ("How many Americans die from fentanyl every year?", "number"),
    ("How much did the DEA seize?", "number"),
    ("When did China ban the sale of fentanyl?", "date"),
    ("In what year was the working group formed?", "date"),
    ("Which year was the ban announced?", "date"),
    ("Who wrote the article about the working group?", "name"),
    ("Where did the delegation meet?", "place"),
    ("What is the Counternarcotics Working Group?", None),
])
def test_the_kind_of_fact_asked_for(question, kind):
    assert answer_type(question) == kind


def test_headings_bylines_and_datelines_are_not_sentences():
    lines = (SEEDS / PLAIN).read_text(encoding="utf-8").splitlines()
    assert looks_like_heading("By Maria Ortiz")
    assert looks_like_heading("06 Aug 2024, 20:00 PM EDT")
    assert looks_like_heading("# Fentanyl seizures")
    assert not looks_like_heading(next(line for line in lines if line.startswith("The White House")))  # a sentence
    assert not looks_like_heading("Beijing banned the sale of fentanyl in 2019.")


def test_a_subheading_of_ten_words_is_a_heading_and_a_list_item_is_not():
    # the seed article's mid-story subheading was quoted as the answer to "What are fentanyl precursors?"
    assert looks_like_heading("China announces regulations on essential precursors for producing fentanyl")
    assert not looks_like_heading("- the July 15 announcement to further regulate veterinary anesthetics and "
                                  "psychotropic drugs")  # an item of a list: content, not a heading
    assert not looks_like_heading("Its population was 41,000 at the time of the first census (1790)")
    assert not looks_like_heading("The leaders met on Tuesday in Washington to talk about precursors and money "
                                  "laundering and the cartels that profit from both")  # too long to be a headline


def test_a_subheading_is_not_quoted_as_the_answer(seed_engine):
    answer = seed_engine.ask("What are fentanyl precursors?")
    assert all(not s.text.startswith("China announces regulations") for s in answer.answer)


@pytest.mark.parametrize("question, holds", [
    # the spun article says "12 months" and "U.S. deaths": few shared words, but its best sentence is close
    ("How many Americans die from fentanyl every year?", "100,000"),
    ("When did China ban the sale of fentanyl?", "2019"),
    ("What is the Counternarcotics Working Group?", "Counternarcotics Working Group"),
])
def test_the_first_answer_sentence_holds_the_fact(seed_engine, question, holds):
    answer = seed_engine.ask(question)
    assert answer.confidence in ("high", "low") and answer.answer
    assert holds in answer.answer[0].text
    assert not looks_like_heading(answer.answer[0].text)


def test_answer_sentences_are_verbatim_distinct_and_cited(seed_engine):
    for question in ("When did China ban the sale of fentanyl?", "What is the Counternarcotics Working Group?",
                     "International Narcotics Control Board"):
        answer = seed_engine.ask(question)
        assert 1 <= len(answer.answer) <= 3
        for s in answer.answer:
            assert seed_engine.document(s.doc_id).text[s.start:s.end] == s.text
        spans = [(s.doc_id, s.start, s.end) for s in answer.answer]
        assert all(not (a[0] == b[0] and a[1] < b[2] and b[1] < a[2]) for i, a in enumerate(spans) for b in spans[i + 1:])


def test_no_answer_at_confidence_none(seed_engine):
    answer = seed_engine.ask("How do I bake sourdough bread at home?")
    assert answer.confidence == "none" and not answer.answered and answer.answer == ()
    assert answer.excerpts  # the closest passages are still there for the reader to judge
    data = answer.to_json()
    assert data["confidence"] == "none" and data["answer"] == [] and data["excerpts"]


# ---- excerpts that add something: no sentence shows twice ------------------------------------------
def _no_sentence_twice(answer, text_of) -> None:
    from qa.text import sentence_spans

    seen: set[tuple[str, int, int]] = set()
    for e in answer.excerpts:
        c = e.citation
        assert text_of(c.doc_id)[c.start:c.end] == e.text
        spans = {(c.doc_id, s, t) for s, t in sentence_spans(e.text, offset=c.start)}
        assert not spans & seen, f"excerpt {e.rank} repeats a sentence of an earlier one"
        seen |= spans
    for i, a in enumerate(answer.excerpts):
        for b in answer.excerpts[i + 1:]:
            same = a.citation.doc_id == b.citation.doc_id
            assert not (same and a.citation.start < b.citation.end and b.citation.start < a.citation.end)


@pytest.mark.parametrize("question", ["How many Americans die from fentanyl every year?",
                                      "When did China ban the sale of fentanyl?",
                                      "What did Wang Wenbin say?"])
def test_seed_excerpts_never_repeat_a_sentence(seed_engine, question):
    answer = seed_engine.ask(question, 10)
    assert len(answer.excerpts) >= 5  # merging keeps the list full, it does not empty it
    _no_sentence_twice(answer, lambda d: seed_engine.document(d).text)


def test_fentanyl_deaths_excerpt_shows_the_figure_once(seed_engine):
    answer = seed_engine.ask("How many Americans die from fentanyl every year?", 5)
    assert sum("100,000 annual U.S. deaths" in e.text for e in answer.excerpts) == 1


def test_long_article_windows_are_merged_not_repeated(tmp_path, fresh_engine):
    from .support import long_article

    src = tmp_path / "articles"
    src.mkdir()
    (src / "report.txt").write_text(long_article(3, sentences=300), encoding="utf-8")
    engine = fresh_engine()
    engine.build([src])
    for question in ("How many barges did the keepers of lock 12 record?", "timber batch 31 grain tonnes"):
        answer = engine.ask(question, 20)
        assert len(answer.excerpts) == 20
        _no_sentence_twice(answer, lambda d: engine.document(d).text)
        # a merged excerpt spans at most two windows
        window = max(len(p.text) for p in engine.store.passages())
        assert max(e.citation.end - e.citation.start for e in answer.excerpts) < 2 * window


# ---- confidence a reader can trust -----------------------------------------------------------------
@pytest.mark.parametrize("question", [
    "What did Wang Wenbin say?",
    # "wrote" and "article" are not in the seeds; the best sentence's cosine and one sentence's share of the
    # other terms carry it
    "Who wrote the article about the working group?",
])
def test_short_answerable_questions_are_not_called_unanswerable(seed_engine, question):
    assert seed_engine.ask(question).confidence != "none"


@pytest.mark.parametrize("question", [
    "What is the capital of Canada?", "How do I update my iPhone?", "thanks",
    # known miss of the fitted rule (docs/quality.md, "Confidence, the best passage's lead"): a near-domain
    # question whose best passage (on opioid deaths) stands well above the rest, although Ohio is nowhere in the seeds
    pytest.param("How many opioid deaths were there in Ohio last year?",
                 marks=pytest.mark.xfail(strict=True, reason="near-domain: the best passage's lead carries it to 'low'")),
])
def test_off_topic_questions_get_none_without_answer_sentences(seed_engine, question):
    answer = seed_engine.ask(question)
    assert answer.confidence == "none" and answer.answer == ()


def test_an_answerable_questions_best_passage_stands_out_more_than_an_off_topic_ones(seed_engine):
    """The confidence's lead feature (`confidence.peak`): the best dense cosine less the mean of the 5 best."""
    assert confidence.peak([0.9, 0.5, 0.5, 0.5, 0.5, 0.1]) == pytest.approx(0.32) and confidence.peak([]) == 0.0

    def lead(question: str) -> float:
        return seed_engine.ask(question).confidence_detail.peak

    answerable = [lead(q) for q in ("What did Wang Wenbin say?", "How many Americans die from fentanyl every year?")]
    off_topic = [lead(q) for q in ("What is the capital of Canada?", "How do I update my iPhone?")]
    assert min(answerable) > 2 * max(off_topic), (answerable, off_topic)

"""Answers are faithful, cited excerpts; plain-English questions find spun text."""
import json

from .support import SEEDS, SPUN, seed_questions


def test_every_excerpt_is_faithful_to_its_file(seed_engine):
    for q in seed_questions():
        answer = seed_engine.ask(q["question"], 5)
        assert 1 <= len(answer.excerpts) <= 5
        for rank, e in enumerate(answer.excerpts, start=1):
            assert e.rank == rank
            file_text = (SEEDS / e.citation.doc_id).read_text(encoding="utf-8")
            assert file_text[e.citation.start:e.citation.end] == e.text
            for s, t in e.highlight:
                assert e.citation.start <= s < t <= e.citation.end
        scores = [e.score for e in answer.excerpts]
        assert scores == sorted(scores, reverse=True)


def test_plain_english_finds_the_spun_article(seed_engine):
    answer = seed_engine.ask("International Narcotics Control Board", 5)
    top = answer.excerpts[0]
    assert top.citation.doc_id == SPUN
    assert "Worldwide Narcotics Management Board" in top.text
    s, e = top.highlight[0]
    assert "Worldwide Narcotics Management Board" in (SEEDS / SPUN).read_text(encoding="utf-8")[s:e]
    chemicals = seed_engine.ask("Which Chinese chemicals are used to make fentanyl?", 3)
    assert chemicals.excerpts[0].citation.doc_id == SPUN or any(
        "Chinese language chemical substances" in x.text for x in chemicals.excerpts)


def test_seed_question_set_recall(seed_engine):
    questions = seed_questions()
    assert len(questions) >= 25
    at1 = at5 = 0
    for q in questions:
        excerpts = seed_engine.ask(q["question"], 5).excerpts
        hits = [i for i, x in enumerate(excerpts) if x.citation.doc_id == q["doc_id"] and q["must"] in x.text]
        at1 += bool(hits) and hits[0] == 0
        at5 += bool(hits)
    # floors below what the engine measures (see docs/quality.md); a regression in retrieval trips them
    assert at1 / len(questions) >= 0.75
    assert at5 / len(questions) >= 0.9


def test_answer_json_shape(seed_engine):
    data = seed_engine.ask("When was the working group launched?", 3).to_json()
    assert set(data) == {"question", "searched_for", "corrections", "answered", "confidence", "message", "took_ms",
                         "answer", "fact", "excerpts"}
    assert data["answered"] is True and data["took_ms"] > 0 and data["message"] is None
    fact, first = data["fact"], data["answer"][0]  # a "when" question: the date, inside an answer sentence
    assert fact["doc_id"] == first["doc_id"] and first["text"][fact["start"] - first["start"]:][:len(fact["text"])] \
        == fact["text"]
    json.dumps(data)
    e = data["excerpts"][0]
    assert set(e) == {"rank", "score", "doc_id", "title", "date", "date_text", "byline", "url", "source", "start", "end",
                      "text", "highlight", "also_in", "supporting"}


def test_off_topic_question_is_not_answered(seed_engine):
    answer = seed_engine.ask("What is the best recipe for sourdough bread?", 5)
    assert answer.answered is False
    assert answer.excerpts  # the closest ones are still listed


def test_warm_up_loads_the_entity_model_too(tmp_path, embedder):
    """A server warms up at start-up; its first "who"/"when" question must not pay spaCy's load (about 2 s)."""
    from .support import engine_over

    engine = engine_over(tmp_path, {"a.txt": "The bridge reopened in 2019 after repairs.\n"}, embedder)
    assert engine.tagger.pipeline is None  # loaded on first use, not on opening the index
    engine.warm_up()
    assert engine.tagger.pipeline is not None

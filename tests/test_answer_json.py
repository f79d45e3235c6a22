"""The answer's JSON shape is defined once (Answer.to_json); the REST/MCP models agree with it field for field."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from qa.serve.schemas import AnswerOut, AnswerSentenceOut, ExcerptOut, answer_out
from qa.records import Answer, AnswerSentence, Citation, Excerpt


def full_answer() -> Answer:
    """An answer with every field set, optional ones included."""
    citation = Citation("a.txt", "Title", "2024-08-06", "a.txt", 10, 60, date_text="6 Aug 2024", byline="By Me",
                        url="https://example.com/a")
    excerpt = Excerpt(1, 0.5, "China banned the sale of fentanyl in 2019.", citation, ((10, 52),), 7, 0.61, ("b.txt",))
    return Answer("When?", True, 12.5, (excerpt,), 0.9, (AnswerSentence("a.txt", 10, 52, "China banned it."),), "high",
                  searched_for="When did China ban fentanyl?")


def test_the_models_hold_exactly_the_keys_to_json_writes():
    data = full_answer().to_json()
    assert set(AnswerOut.model_fields) == set(data)
    assert set(ExcerptOut.model_fields) == set(data["excerpts"][0])
    assert set(AnswerSentenceOut.model_fields) == set(data["answer"][0])


def test_the_model_of_an_answer_is_its_json_unchanged():
    answer = full_answer()
    assert answer_out(answer).model_dump() == answer.to_json()


def test_a_key_the_models_do_not_know_is_refused():
    data = full_answer().to_json()
    data["excerpts"][0]["extra"] = 1
    with pytest.raises(ValidationError):
        AnswerOut.model_validate(data)

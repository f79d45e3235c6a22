"""The app's `ask` endpoint through gradio_client: the CLI's JSON, verbatim excerpts, filters, clear errors."""
from __future__ import annotations

import pytest

from .support import PLAIN, SPUN, gradio_client

pytest.importorskip("gradio_client")
CLI_KEYS = {"question", "searched_for", "corrections", "answered", "confidence", "message", "took_ms", "answer", "fact",
            "excerpts"}
EXCERPT_KEYS = {"rank", "score", "doc_id", "title", "date", "date_text", "byline", "url", "source", "start", "end", "text",
                "highlight", "also_in", "supporting"}


@pytest.fixture(scope="module")
def client(app_server):
    return gradio_client(app_server.url)


def test_ask_returns_the_cli_json_object(client, app_server, embedder):
    from qa.engine import Engine

    question = "When did China ban the sale of fentanyl?"
    got = client.predict(question, 3, api_name="/ask")
    assert isinstance(got, dict) and set(got) == CLI_KEYS
    assert got["question"] == question and got["answered"] is True
    assert 1 <= len(got["excerpts"]) <= 3 and all(set(e) == EXCERPT_KEYS for e in got["excerpts"])
    assert any("banned the sale of fentanyl in 2019" in e["text"] for e in got["excerpts"])
    expected = Engine(app_server.index, embedder=embedder).ask(question, 3).to_json()  # what `qa ask --json` prints
    for answer in (got, expected):
        answer.pop("took_ms")
    assert got == expected


def test_excerpts_are_verbatim_and_highlights_inside(client, app_server):
    got = client.predict("What is the Counternarcotics Working Group?", api_name="/ask")  # k defaults to 5
    assert len(got["excerpts"]) == 5
    assert [e["rank"] for e in got["excerpts"]] == [1, 2, 3, 4, 5]
    for e in got["excerpts"]:
        document = (app_server.collection / e["doc_id"]).read_text(encoding="utf-8")
        assert document[e["start"]:e["end"]] == e["text"]
        assert all(e["start"] <= s < t <= e["end"] for s, t in e["highlight"])


def test_ask_within_an_article_or_dates(client):
    question = "When did China ban the sale of fentanyl?"
    one = client.predict(question, 3, None, None, [SPUN], api_name="/ask")
    assert [e["doc_id"] for e in one["excerpts"]] == [SPUN] * 3
    dated = client.predict(question, 20, "2024-08-06", "2024-08-06", api_name="/ask")
    assert {e["doc_id"] for e in dated["excerpts"]} == {PLAIN}  # SPUN has no date; PLAIN is 2024-08-06T20:00
    with pytest.raises(Exception, match="since must be a date YYYY-MM-DD"):
        client.predict(question, 3, "2024/08/06", api_name="/ask")


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_is_a_clear_error(client, question):
    with pytest.raises(Exception, match="the question is empty"):
        client.predict(question, 3, api_name="/ask")


def test_hostile_question_comes_back_as_data(client):
    question = '<script>alert(1)</script> "fentanyl" AND (China OR NEAR:precursors*)'
    got = client.predict(question, 2, api_name="/ask")
    assert got["question"] == question and len(got["excerpts"]) == 2

"""The REST API with httpx against the running app: answers, articles, errors as one-line JSON, docs."""
from __future__ import annotations

import re

import pytest

from .support import ANSWER_TIMEOUT, PLAIN, SPUN

httpx = pytest.importorskip("httpx")
FENTANYL = "When did China ban the sale of fentanyl?"



def test_ask_is_the_cli_json_object_and_the_2019_ban_comes_first(api, app_server, embedder):
    from qa.engine import Engine

    r = api.get("/api/ask", params={"q": FENTANYL, "k": 3})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    got = r.json()
    first = got["excerpts"][0]
    assert got["answered"] is True and "banned the sale of fentanyl in 2019" in first["text"]
    hl = [first["text"][s - first["start"]:e - first["start"]] for s, e in first["highlight"]]
    assert any("2019" in sentence for sentence in hl)
    fact = got["fact"]  # the asked-for fact, verbatim with its offsets (issue 23)
    assert fact["text"] == "2019" and (app_server.collection / fact["doc_id"]).read_text(
        encoding="utf-8")[fact["start"]:fact["end"]] == "2019"
    expected = Engine(app_server.index, embedder=embedder).ask(FENTANYL, 3).to_json()  # what `qa ask --json` prints
    for answer in (got, expected):
        answer.pop("took_ms")
    assert got == expected


def test_post_ask_takes_the_same_request_as_json(api):
    got = api.post("/api/ask", json={"q": FENTANYL, "k": 2}).json()
    assert got["question"] == FENTANYL and len(got["excerpts"]) == 2
    assert api.get("/api/ask", params={"q": FENTANYL}).json()["excerpts"].__len__() == 5  # k defaults to 5


def test_excerpts_are_verbatim_spans_of_the_articles_the_api_serves(api, app_server):
    got = api.get("/api/ask", params={"q": "What is the Counternarcotics Working Group?", "k": 5}).json()
    for e in got["excerpts"]:
        article = api.get(f"/api/articles/{e['doc_id']}").json()
        assert article["text"][e["start"]:e["end"]] == e["text"]
        assert article["text"] == (app_server.collection / e["doc_id"]).read_text(encoding="utf-8")


def test_articles_lists_the_collection(api, app_server):
    got = api.get("/api/articles").json()["articles"]
    assert {a["doc_id"] for a in got} == {p.name for p in app_server.collection.iterdir()}
    assert all(set(a) == {"doc_id", "title", "byline", "date", "date_text", "url", "passages", "also_in"}
               and a["passages"] >= 1 and a["also_in"] == [] for a in got)  # the seeds are two different stories
    one = api.get(f"/api/articles/{SPUN}").json()
    assert set(one) == {"doc_id", "title", "byline", "date", "date_text", "url", "source", "sha256", "text",
                        "also_in"}
    assert one["doc_id"] == SPUN


def test_no_server_path_leaves_the_api(api, app_server):
    """`source` names the file as the collection does (its id), never where it lies on the server."""
    server_paths = {str(app_server.collection), str(app_server.collection.resolve()), str(app_server.index)}
    article = api.get(f"/api/articles/{SPUN}")
    answer = api.get("/api/ask", params={"q": "What is the Counternarcotics Working Group?", "k": 5})
    assert article.json()["source"] == SPUN
    assert [e["source"] for e in answer.json()["excerpts"]] == [e["doc_id"] for e in answer.json()["excerpts"]]
    for body in (article.text, answer.text, api.get("/api/articles").text):
        assert not any(path in body for path in server_paths), body[:300]


@pytest.mark.parametrize("params, message", [
    ({"q": "x", "k": 0}, "k must be from 1 to 1000, not 0"),
    ({"q": "x", "k": 1001}, "k must be from 1 to 1000, not 1001"),
    ({"q": "x", "k": "abc"}, "k must be a whole number from 1 to 1000"),
    ({"q": "x", "k": "5.5"}, "k must be a whole number from 1 to 1000"),
    ({"q": "   "}, "the question is empty"),
    ({"k": 3}, "q is required"),
    ({"q": "x", "date_from": "2020"}, "unknown parameter 'date_from'"),  # a misspelt filter is not ignored
    ({"q": "x", "since": "2024-02-30"}, "since must be a date YYYY-MM-DD, not '2024-02-30'"),
    ({"q": "x", "since": "2025-01-01", "until": "2024-01-01"}, "since (2025-01-01) is after until (2024-01-01)"),
])
def test_a_bad_question_or_k_is_a_400_with_one_line(api, params, message):
    r = api.get("/api/ask", params=params)
    assert r.status_code == 400 and r.json() == {"error": message}


def test_filters_restrict_the_answer_get_and_post(api):
    one = api.get("/api/ask", params={"q": FENTANYL, "k": 4, "doc": PLAIN}).json()
    assert [e["doc_id"] for e in one["excerpts"]] == [PLAIN] * 4
    both = api.get("/api/ask", params=[("q", FENTANYL), ("k", 20), ("doc", PLAIN), ("doc", SPUN)]).json()
    assert {e["doc_id"] for e in both["excerpts"]} == {PLAIN, SPUN}
    dated = api.post("/api/ask", json={"q": FENTANYL, "k": 20, "since": "2024-08-06", "until": "2024-08-06"}).json()
    assert {e["doc_id"] for e in dated["excerpts"]} == {PLAIN}  # SPUN has no date; PLAIN is 2024-08-06T20:00
    r = api.get("/api/ask", params={"q": FENTANYL, "doc": "nope.txt"})
    assert r.status_code == 404 and r.json() == {"error": "no document 'nope.txt' in the index"}


def test_no_answer_names_the_selected_articles_under_a_filter(api):
    off_topic = "What is the best recipe for sourdough bread?"
    filtered = api.get("/api/ask", params={"q": off_topic, "doc": PLAIN}).json()
    assert filtered["confidence"] == "none" and filtered["message"] == "No answer in the selected articles."
    whole = api.get("/api/ask", params={"q": off_topic}).json()
    assert whole["confidence"] == "none" and whole["message"] == "No answer in the collection."

def test_ask_takes_the_earlier_questions_of_a_conversation(api):
    earlier = "Which veterinary anesthetic did China move to regulate?"
    got = api.get("/api/ask", params=[("q", "When?"), ("k", "2"), ("previous", "hello"), ("previous", earlier)]).json()
    assert got["question"] == "When?" and "anesthetic" in got["searched_for"]
    assert "July 15" in got["answer"][0]["text"]
    posted = api.post("/api/ask", json={"q": "When?", "k": 2, "previous": ["hello", earlier]}).json()
    assert posted["searched_for"] == got["searched_for"] and posted["answer"] == got["answer"]
    alone = api.get("/api/ask", params={"q": "When?", "k": 2}).json()
    assert alone["searched_for"] == "When?"
    for body in ({"q": "When?", "previous": "not a list"}, {"q": "When?", "previous": [1]}):
        r = api.post("/api/ask", json=body)
        assert r.status_code == 400 and r.json() == {"error": "previous must be a list of earlier questions (texts)"}


def test_ask_says_which_misspelled_words_it_corrected_and_as_typed_keeps_them(api):
    typed = "Wat did the Whte Hous say abuot the fentanil precursers?"
    got = api.get("/api/ask", params={"q": typed, "k": 3}).json()
    assert got["searched_for"] == "Wat did the White House say about the fentanyl precursors?"
    assert {"typed": "fentanil", "searched": "fentanyl", "start": 36, "end": 44} in got["corrections"]
    posted = api.post("/api/ask", json={"q": typed, "k": 3, "as_typed": True}).json()
    assert posted["corrections"] == [] and posted["searched_for"] == typed
    assert api.get("/api/ask", params={"q": FENTANYL}).json()["corrections"] == []


def test_k_true_is_refused_as_the_engine_does(api):
    r = api.post("/api/ask", json={"q": "x", "k": True})  # pydantic alone would read it as 1
    assert r.status_code == 400 and r.json() == {"error": "k must be a whole number from 1 to 1000"}
    assert api.post("/api/ask", json={"q": "x", "k": 2.0}).status_code == 200


def test_bad_json_body_is_a_400(api):
    r = api.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json() == {"error": "the request body is not valid JSON"}


def test_unknown_article_is_a_404_with_one_line(api):
    r = api.get("/api/articles/no/such/article.txt")
    assert r.status_code == 404 and r.json() == {"error": "no document 'no/such/article.txt' in the index"}


def test_openapi_docs_list_the_routes_and_load_nothing_from_elsewhere(api):
    schema = api.get("/openapi.json").json()
    assert {"/api/ask", "/api/articles", "/api/articles/{doc_id}"} <= set(schema["paths"])
    answer = schema["components"]["schemas"]["AnswerOut"]
    assert answer["properties"]["excerpts"]["items"] == {"$ref": "#/components/schemas/ExcerptOut"}
    page = api.get("/docs")
    assert page.status_code == 200 and "/openapi.json" in page.text
    urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)""", page.text)
    assert urls and all(u.startswith("/") for u in urls), urls  # Swagger UI's files come from this app
    for url in urls:
        assert api.get(url).status_code == 200


@pytest.mark.browser
def test_docs_page_in_a_browser_lists_the_routes_and_stays_on_this_host(app_server, browser):
    from urllib.parse import urlparse

    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(app_server.url.rstrip("/") + "/docs")
    paths = page.locator(".opblock-summary-path")
    paths.nth(3).wait_for(timeout=ANSWER_TIMEOUT)
    shown = set(paths.all_inner_texts())
    page.close()
    assert {"/api/ask", "/api/articles", "/api/articles/{doc_id}"} <= {s.replace("\u200b", "") for s in shown}
    assert [u for u in requests if urlparse(u).hostname != "127.0.0.1"] == []

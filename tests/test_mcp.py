"""The MCP tools through the official `mcp` client over Streamable HTTP, configured as docs/api.md tells users to."""
from __future__ import annotations

import asyncio
import json

import pytest

from .support import HTTP_PATIENCE, PLAIN, SEED_QUESTION as FENTANYL, SPUN, client_for, documented_mcp_configs

mcp = pytest.importorskip("mcp")
pytest.importorskip("httpx2")


def run(coro):
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def open_entry():
    configs = documented_mcp_configs()
    assert len(configs) == 2, "docs/api.md shows a config without and one with a password"
    return next(c for c in configs if "headers" not in c)


def test_lists_three_tools_that_say_how_to_cite(app_server, open_entry):
    async def go():
        async with client_for(open_entry, app_server.url) as client:
            return (await client.list_tools()).tools

    tools = {t.name: t for t in run(go())}
    assert set(tools) == {"ask_articles", "read_article", "list_articles"}
    for name in ("ask_articles", "read_article"):
        text = tools[name].description.lower()
        assert "verbatim" in text and "cite" in text and "doc_id" in text and "start-end" in text
    assert set(tools["ask_articles"].input_schema["properties"]) == {"question", "k", "since", "until", "doc",
                                                                     "previous"}
    assert tools["ask_articles"].input_schema["required"] == ["question"]
    assert tools["read_article"].input_schema["required"] == ["doc_id"]


def test_each_tool_answers_with_verbatim_quotes(app_server, open_entry):
    async def go():
        async with client_for(open_entry, app_server.url) as client:
            asked = await client.call_tool("ask_articles", {"question": FENTANYL, "k": 3})
            listed = await client.call_tool("list_articles", {})
            texts = {}
            for e in asked.structured_content["excerpts"]:
                read = await client.call_tool("read_article", {"doc_id": e["doc_id"]})
                assert not read.is_error
                texts[e["doc_id"]] = read.structured_content["text"]
            return asked, listed, texts

    asked, listed, texts = run(go())
    assert not asked.is_error and not listed.is_error
    answer = asked.structured_content
    assert answer["answered"] is True and len(answer["excerpts"]) == 3
    assert "banned the sale of fentanyl in 2019" in answer["excerpts"][0]["text"]
    assert answer["fact"]["text"] == "2019"  # the same shape as REST and `qa ask --json`
    assert json.loads(asked.content[0].text) == answer  # clients that read only text get the same object
    for e in answer["excerpts"]:
        assert texts[e["doc_id"]][e["start"]:e["end"]] == e["text"]
        assert e["text"] in (app_server.collection / e["doc_id"]).read_text(encoding="utf-8")
    ids = {a["doc_id"] for a in listed.structured_content["articles"]}
    assert ids == {p.name for p in app_server.collection.iterdir()} and SPUN in ids


def test_ask_within_chosen_articles_or_dates(app_server, open_entry):
    async def go():
        async with client_for(open_entry, app_server.url) as client:
            return (await client.call_tool("ask_articles", {"question": FENTANYL, "k": 3, "doc": [SPUN]}),
                    await client.call_tool("ask_articles", {"question": FENTANYL, "k": 20, "since": "2024-01-01"}),
                    await client.call_tool("ask_articles", {"question": FENTANYL, "until": "24-01-01"}))

    one, dated, bad = run(go())
    assert [e["doc_id"] for e in one.structured_content["excerpts"]] == [SPUN] * 3
    assert {e["doc_id"] for e in dated.structured_content["excerpts"]} == {PLAIN}  # SPUN has no date
    assert bad.is_error and "until must be a date YYYY-MM-DD, not '24-01-01'" in bad.content[0].text

def test_ask_articles_understands_a_follow_up_with_previous(app_server, open_entry):
    earlier = "Which veterinary anesthetic did China move to regulate?"

    async def go():
        async with client_for(open_entry, app_server.url) as client:
            return (await client.call_tool("ask_articles", {"question": "When?", "k": 2, "previous": [earlier]}),
                    await client.call_tool("ask_articles", {"question": "When?", "previous": "oops"}))

    asked, bad = run(go())
    answer = asked.structured_content
    assert not asked.is_error and answer["question"] == "When?" and "anesthetic" in answer["searched_for"]
    assert "July 15" in answer["answer"][0]["text"]
    assert bad.is_error and "previous must be a list" in bad.content[0].text


def test_tool_errors_are_one_line_messages(app_server, open_entry):
    async def go():
        async with client_for(open_entry, app_server.url) as client:
            return (await client.call_tool("ask_articles", {"question": "x", "k": 0}),
                    await client.call_tool("ask_articles", {"question": " "}),
                    await client.call_tool("ask_articles", {"question": "x", "k": True}),
                    await client.call_tool("read_article", {"doc_id": "nope.txt"}))

    for result, message in zip(run(go()), ["k must be from 1 to 1000, not 0", "the question is empty",
                                           "k must be a whole number from 1 to 1000",
                                           "no document 'nope.txt' in the index"]):
        assert result.is_error and message in result.content[0].text
        assert "\n" not in result.content[0].text and "Traceback" not in result.content[0].text


def test_on_loopback_a_foreign_host_or_origin_is_refused(app_server):
    httpx = pytest.importorskip("httpx")
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    headers = {"accept": "application/json, text/event-stream"}
    url = app_server.url.rstrip("/") + "/mcp"
    with httpx.Client(timeout=30) as client:  # a web page's script reaching the app through a rebound name
        assert client.post(url, json=ping, headers={**headers, "host": "evil.example"}).status_code in (403, 421)
        assert client.post(url, json=ping, headers={**headers, "origin": "http://evil.example"}).status_code == 403


def test_rest_mcp_and_the_cli_give_the_same_json(app_server, open_entry, capsys):
    """One adaptor (qa/requests.py) behind every front end: the same question, depth and filter give the same object."""
    import httpx

    from qa import cli

    question, since = "Who announced the ban?", "2019-01-01"

    async def go():
        async with client_for(open_entry, app_server.url) as client:
            return await client.call_tool("ask_articles", {"question": question, "k": 3, "since": since})

    by_mcp = run(go()).structured_content
    by_rest = httpx.get(app_server.url.rstrip("/") + "/api/ask", params={"q": question, "k": 3, "since": since},
                        timeout=HTTP_PATIENCE).json()
    assert cli.main(["ask", question, "--index", str(app_server.index), "-k", "3", "--since", since, "--json"]) == 0
    by_cli = json.loads(capsys.readouterr().out)
    for answer in (by_mcp, by_rest, by_cli):
        answer.pop("took_ms")
    assert by_mcp == by_rest == by_cli and by_cli["excerpts"]

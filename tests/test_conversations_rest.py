"""/api/conversations against the running app: list, get, rename, delete, export as Markdown and JSON; only the
local user's on loopback; a note where a cited article is no longer as it was when it was cited."""
from __future__ import annotations

import pytest

from qa.conversations.markdown import md_text
from qa.conversations.store import LOCAL_USER, ConversationStore, cited_in

from .support import SEED_QUESTION

pytest.importorskip("httpx")
SECOND = "What is the Counternarcotics Working Group?"


def kept(api, app_server, owner: str, questions: list[str], hashes=None) -> str:
    """A conversation of `owner` with these questions answered by the app, kept as the chat keeps them (in the
    app's own store file, beside its index); the cited articles' hashes as /api/articles gives them."""
    store = ConversationStore.beside(app_server.index)
    conversation_id = None
    for question in questions:
        answer = api.get("/api/ask", params={"q": question}).json()
        sources = hashes if hashes is not None else {
            d: api.get(f"/api/articles/{d}").json()["sha256"] for d in cited_in(answer)}
        conversation_id = store.add(owner, conversation_id, answer, sources).conversation_id
    return conversation_id


def test_list_get_rename_and_delete(api, app_server):
    older = kept(api, app_server, LOCAL_USER, [SECOND])
    newer = kept(api, app_server, LOCAL_USER, [SEED_QUESTION, SECOND])
    listed = api.get("/api/conversations").json()["conversations"]
    ids = [c["id"] for c in listed]
    assert ids.index(newer) < ids.index(older)
    assert next(c for c in listed if c["id"] == newer)["title"] == SEED_QUESTION
    whole = api.get(f"/api/conversations/{newer}").json()
    assert [t["answer"]["question"] for t in whole["turns"]] == [SEED_QUESTION, SECOND]
    assert all(t["source_changes"] == {} and t["sources"] for t in whole["turns"])
    assert "banned the sale of fentanyl in 2019" in whole["turns"][0]["answer"]["answer"][0]["text"]

    r = api.patch(f"/api/conversations/{newer}", json={"title": "Fentanyl and China"})
    assert r.status_code == 200 and r.json()["conversations"][0]["title"] == "Fentanyl and China"
    bad = api.patch(f"/api/conversations/{newer}", json={"title": "  "})
    assert bad.status_code == 400 and bad.json() == {"error": "a conversation's title cannot be empty"}
    assert api.patch(f"/api/conversations/{newer}", json={"name": "x"}).status_code == 400

    assert api.delete(f"/api/conversations/{newer}").status_code == 204
    gone = api.get(f"/api/conversations/{newer}")
    assert gone.status_code == 404 and gone.json() == {"error": f"no conversation '{newer}'"}
    assert newer not in [c["id"] for c in api.get("/api/conversations").json()["conversations"]]
    assert api.delete(f"/api/conversations/{newer}").status_code == 404


def test_the_markdown_export_quotes_every_answer_sentence_with_its_citation(api, app_server):
    conversation_id = kept(api, app_server, LOCAL_USER, [SEED_QUESTION, SECOND])
    api.patch(f"/api/conversations/{conversation_id}", json={"title": "China <and> fentanyl"})
    r = api.get(f"/api/conversations/{conversation_id}/export.md")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert r.headers["content-disposition"] == 'attachment; filename="China-and-fentanyl.md"'
    md = r.text
    assert md.startswith(f"# {md_text('China <and> fentanyl')}\n")
    whole = api.get(f"/api/conversations/{conversation_id}").json()
    for turn in whole["turns"]:
        assert f"**{md_text(turn['answer']['question'])}**" in md
        for s in turn["answer"]["answer"]:
            quote_at = md.index(f"> {md_text(s['text'])}")
            citation = md[quote_at:].split("\n\n")[1]
            assert f"`{s['doc_id']}`, characters {s['start']}–{s['end']}" in citation
            assert f"({app_server.url}?doc={s['doc_id']}&" in citation and f"hl={s['start']}-{s['end']})" in citation
            article = api.get(f"/api/articles/{s['doc_id']}").json()["text"]
            assert article[s["start"]:s["end"]] == s["text"]  # the quote is the article's own words


def test_the_json_export_is_the_whole_conversation(api, app_server):
    conversation_id = kept(api, app_server, LOCAL_USER, [SEED_QUESTION])
    r = api.get(f"/api/conversations/{conversation_id}/export.json")
    assert r.status_code == 200 and r.headers["content-disposition"].endswith('.json"')
    assert r.json() == api.get(f"/api/conversations/{conversation_id}").json()


def test_another_users_conversations_are_not_the_local_users(api, app_server):
    theirs = kept(api, app_server, "someone-else", [SEED_QUESTION])
    assert theirs not in [c["id"] for c in api.get("/api/conversations").json()["conversations"]]
    for r in (api.get(f"/api/conversations/{theirs}"), api.get(f"/api/conversations/{theirs}/export.md"),
              api.patch(f"/api/conversations/{theirs}", json={"title": "mine"}),
              api.delete(f"/api/conversations/{theirs}")):
        assert r.status_code == 404 and r.json() == {"error": f"no conversation '{theirs}'"}
    assert ConversationStore.beside(app_server.index).get("someone-else", theirs).summary.title == SEED_QUESTION


def test_a_changed_or_removed_cited_article_is_noted(api, app_server):
    answer = api.get("/api/ask", params={"q": SEED_QUESTION}).json()
    cited = cited_in(answer)
    hashes = {d: "0" * 64 for d in cited} | {"an-article-since-removed.txt": "1" * 64}  # as if it changed since
    conversation_id = kept(api, app_server, LOCAL_USER, [SEED_QUESTION], hashes)
    turn = api.get(f"/api/conversations/{conversation_id}").json()["turns"][0]
    assert turn["source_changes"] == {**{d: "changed" for d in cited}, "an-article-since-removed.txt": "removed"}
    md = api.get(f"/api/conversations/{conversation_id}/export.md").text
    assert f"*Note: The article {md_text(cited[0])} has changed since this answer was given.*" in md
    assert f"*Note: The article {md_text('an-article-since-removed.txt')} has been removed" in md

"""Conversations kept on a real SQLite file: each user's own, renamed, deleted, exported, and noted when a cited
article has changed since; one test over a real index that is rebuilt under a saved conversation."""
from __future__ import annotations

import json
import re
import shutil
import sqlite3

import pytest

from qa.config import MAX_CONVERSATION_TITLE
from qa.conversations.export import shown_turn, to_json, to_markdown
from qa.conversations.markdown import md_text
from qa.conversations.store import LOCAL_USER, ConversationStore, cited_in, title_from
from qa.errors import ConversationError, QAError, UnknownConversation

from .support import SEED_QUESTION, SEEDS, SPUN


def answer(question: str, doc_id: str = "a.txt", text: str = "The bridge opened in 1932.") -> dict:
    """An answer in the shape of Answer.to_json(): one sentence, quoted from one excerpt."""
    excerpt = {"rank": 1, "score": 0.9, "doc_id": doc_id, "title": "The <b>bridge</b>", "date": "2024-05-01",
               "date_text": None, "byline": None, "url": None, "source": doc_id, "start": 10, "end": 10 + len(text),
               "text": text, "highlight": [[10, 10 + len(text)]], "also_in": []}
    return {"question": question, "searched_for": question, "answered": True, "confidence": "high",
            "took_ms": 12.0, "answer": [{"doc_id": doc_id, "start": 10, "end": 10 + len(text), "text": text}],
            "excerpts": [excerpt]}


@pytest.fixture
def store(tmp_path):
    return ConversationStore.beside(tmp_path / "index")


def test_a_conversation_is_titled_by_its_first_question_and_listed_newest_first(store, tmp_path):
    first = store.add("ann", None, answer("When did the bridge open?"), {"a.txt": "h1"})
    store.add("ann", first.conversation_id, answer("Who built it?"), {"a.txt": "h1"})
    second = store.add("ann", None, answer("What did the mill cost?", "b.txt"), {"b.txt": "h2"})
    assert (tmp_path / "index" / "conversations.sqlite").is_file()
    listed = store.summaries("ann")
    assert [s.conversation_id for s in listed] == [second.conversation_id, first.conversation_id]
    assert [(s.title, s.questions) for s in listed] == [("What did the mill cost?", 1), ("When did the bridge open?", 2)]
    store.add("ann", first.conversation_id, answer("And when?"), {"a.txt": "h1"})  # used last: first again
    assert store.summaries("ann")[0].conversation_id == first.conversation_id
    again = ConversationStore.beside(tmp_path / "index").get("ann", first.conversation_id)  # a new process's view
    assert [t.answer["question"] for t in again.turns] == ["When did the bridge open?", "Who built it?", "And when?"]
    assert again.turns[0].answer == answer("When did the bridge open?") and again.turns[0].sources == {"a.txt": "h1"}


def test_the_file_is_sqlite_in_wal_mode_with_its_own_tables(store):
    store.add(LOCAL_USER, None, answer("q"), {})
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} == {
            "conversations", "turns"}


def test_one_user_cannot_see_rename_delete_or_add_to_another_users_conversation(store):
    ann = store.add("ann", None, answer("Ann's question"), {})
    bob = store.add("bob", None, answer("Bob's question"), {})
    assert [s.title for s in store.summaries("ann")] == ["Ann's question"]
    assert [s.title for s in store.summaries("bob")] == ["Bob's question"]
    assert store.summaries(LOCAL_USER) == []
    for attempt in (lambda: store.get("bob", ann.conversation_id),
                    lambda: store.rename("bob", ann.conversation_id, "mine now"),
                    lambda: store.delete("bob", ann.conversation_id),
                    lambda: store.add("bob", ann.conversation_id, answer("sneaked in"), {})):
        with pytest.raises(UnknownConversation) as refused:
            attempt()
        assert str(refused.value) == f"no conversation '{ann.conversation_id}'"  # as for an id that does not exist
    assert store.get("ann", ann.conversation_id).summary.title == "Ann's question"
    assert [t.answer["question"] for t in store.get("ann", ann.conversation_id).turns] == ["Ann's question"]
    assert store.get("bob", bob.conversation_id).summary.questions == 1


def test_rename_and_delete(store):
    one = store.add("ann", None, answer("When did the bridge open?"), {})
    assert store.rename("ann", one.conversation_id, "  The   bridge\n story ").title == "The bridge story"
    assert store.summaries("ann")[0].title == "The bridge story"
    for bad in ("", "   ", None, "x" * (MAX_CONVERSATION_TITLE + 1)):
        with pytest.raises(ConversationError) as refused:
            store.rename("ann", one.conversation_id, bad)
        assert "\n" not in str(refused.value) and isinstance(refused.value, QAError)
    store.delete("ann", one.conversation_id)
    assert store.summaries("ann") == []
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT COUNT(*) FROM turns").fetchone()[0] == 0  # its answers went with it
    with pytest.raises(UnknownConversation):
        store.get("ann", one.conversation_id)
    with pytest.raises(UnknownConversation):
        store.add("ann", one.conversation_id, answer("after the delete"), {})


def test_a_long_first_question_makes_a_title_cut_at_a_word():
    title = title_from("word " * 100)
    assert len(title) <= MAX_CONVERSATION_TITLE and title.endswith("word…")
    assert title_from("  two\nlines ") == "two lines" and title_from("") == "Untitled conversation"


def test_a_changed_or_removed_article_is_noted_and_the_answer_stays_as_given(store):
    one = store.add("ann", None, answer("When did the bridge open?", "a.txt"), {"a.txt": "h1"})
    store.add("ann", one.conversation_id, answer("What did the mill cost?", "b.txt", "It cost £4."), {"b.txt": "h2"})
    store.add("ann", one.conversation_id, answer("Who ran it?", "c.txt", "Ada ran it."), {"c.txt": "h3"})
    conversation = store.get("ann", one.conversation_id)
    now = {"a.txt": "h1", "b.txt": "h2-edited"}  # c.txt is gone
    assert [t.changes(now) for t in conversation.turns] == [{}, {"b.txt": "changed"}, {"c.txt": "removed"}]
    assert conversation.cited() == ["a.txt", "b.txt", "c.txt"]
    shown = shown_turn(conversation.turns[1], now)
    assert shown["answer"][0]["text"] == "It cost £4." and shown["source_changes"] == {"b.txt": "changed"}
    md = to_markdown(conversation, now)
    assert "*Note: The article b.txt has changed since this answer was given.*" in md
    assert "*Note: The article c.txt has been removed from the collection since this answer was given.*" in md
    assert md.count("*Note:") == 2
    exported = to_json(conversation, now)
    assert [t["source_changes"] for t in exported["turns"]] == [{}, {"b.txt": "changed"}, {"c.txt": "removed"}]
    assert exported["turns"][2]["answer"] == answer("Who ran it?", "c.txt", "Ada ran it.")
    json.dumps(exported)  # all of it is JSON


def test_the_markdown_export_quotes_every_sentence_with_its_citation_and_escapes_hostile_text(store):
    hostile = "<img src=x onerror=alert(1)> [click](javascript:alert(2)) **bold**"
    one = store.add("ann", None, answer(hostile, "a.txt", "It opened in 1932 <script>x()</script>."), {"a.txt": "h"})
    store.rename("ann", one.conversation_id, "# Not a heading <b>")
    nothing = {**answer("Who painted it?"), "answered": False, "confidence": "none", "answer": []}
    store.add("ann", one.conversation_id, nothing, {"a.txt": "h"})
    md = to_markdown(store.get("ann", one.conversation_id), {"a.txt": "h"}, base_url="http://127.0.0.1:7860/")
    assert md.startswith(f"# {md_text('# Not a heading <b>')}\n")
    assert f"**{md_text(hostile)}**" in md and not re.search(r"(?<!\\)<", md)  # every "<" escaped
    assert "> It opened in 1932 \\<script\\>x()\\</script\\>." in md
    assert "`a.txt`, characters 10–49" in md
    assert "[open the source](http://127.0.0.1:7860/?doc=a.txt&start=10&end=49&hl=10-49)" in md
    assert "**Who painted it?**\n\n*No answer in the collection.*" in md  # not the closest passage passed off


def test_cited_in_takes_the_sentences_and_excerpts_articles_once():
    two = answer("q", "a.txt")
    two["excerpts"].append({**two["excerpts"][0], "doc_id": "b.txt"})
    assert cited_in(two) == ["a.txt", "b.txt"] and cited_in({}) == []


@pytest.mark.model
def test_a_saved_answer_is_noted_once_its_article_changes_in_a_real_rebuild(tmp_path, fresh_engine):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    engine = fresh_engine()
    engine.build([folder])
    given = engine.ask(SEED_QUESTION).to_json()
    store = ConversationStore.beside(engine.index_dir)
    one = store.add(LOCAL_USER, None, given, engine.content_hashes(cited_in(given)))
    conversation = store.get(LOCAL_USER, one.conversation_id)
    assert SPUN in conversation.turns[0].sources
    assert conversation.turns[0].changes(engine.content_hashes(conversation.cited())) == {}
    spun = folder / SPUN
    spun.write_text(spun.read_text(encoding="utf-8") + "\nA line added later.\n", encoding="utf-8")
    removed = sorted(set(conversation.cited()) - {SPUN})
    for doc_id in removed:
        (folder / doc_id).unlink()
    engine.build([folder])
    again = store.get(LOCAL_USER, one.conversation_id)
    assert again.turns[0].answer == given  # as it was given, whatever the index says now
    expected = {SPUN: "changed", **{d: "removed" for d in removed}}
    assert again.turns[0].changes(engine.content_hashes(again.cited())) == expected
    assert (engine.index_dir / "conversations.sqlite").is_file()


def test_the_docs_state_the_configured_limits():
    from qa.config import MAX_CONVERSATION_TURNS

    from .support import ROOT

    doc = (ROOT / "docs" / "conversations.md").read_text(encoding="utf-8")
    assert f"at most {MAX_CONVERSATION_TURNS} questions" in doc
    assert doc.count(f"1 to {MAX_CONVERSATION_TITLE} characters") == 2


def test_the_side_list_escapes_titles_and_marks_the_open_conversation(store):
    from qa.ui.conversation_list import export_html, list_html

    hostile = store.add("ann", None, answer('<img src=x onerror="alert(1)"> & more'), {})
    other = store.add("ann", None, answer("When did the bridge open?"), {})
    html = list_html(store.summaries("ann"), hostile.conversation_id)
    assert "<img" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; more" in html
    assert html.index(other.conversation_id) < html.index(hostile.conversation_id)  # newest first
    assert html.count('aria-current="true"') == 1 and "1 question<" in html
    assert f'data-id="{hostile.conversation_id}" aria-current="true"' in html
    links = export_html(hostile.conversation_id)
    assert f'href="api/conversations/{hostile.conversation_id}/export.md"' in links and "export.json" in links
    assert "once you ask a question" in list_html([], "")


def test_a_reopened_answer_shows_a_note_for_each_changed_article():
    from qa.ui import render

    shown = {**answer("When did the bridge open?"), "source_changes": {"a<b>.txt": "changed", "gone.txt": "removed"}}
    html = render.conversation([shown])
    assert '<p class="qa-stale" role="note">The article a&lt;b&gt;.txt has changed since this answer was given.</p>' \
        in html
    assert "The article gone.txt has been removed from the collection since this answer was given." in html
    assert "qa-stale" not in render.conversation([answer("When did the bridge open?")])

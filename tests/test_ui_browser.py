"""End to end in headless Debian chromium: ask, open a cited source, upload an article, hostile markup stays text."""
from __future__ import annotations

import os
import time
from urllib.parse import urlparse

import pytest

from .support import ANSWER_TIMEOUT, HOSTILE_NAME, PLAIN, SEED_ANSWER, SPUN, long_article

pytest.importorskip("playwright")
pytestmark = pytest.mark.browser
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
NEW_ARTICLE = (
    "Quokka Bridge opens in Tallinn\n"
    "The Quokka Bridge over the Pirita river in Tallinn opened to traffic on 3 March 2025 "
    "after seven years of construction. It carries four lanes and a tram line.\n"
)


@pytest.fixture
def page(browser, app_server):
    """A fresh page on the app that records every request it makes, and fails on any to another host."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    pg = context.new_page()
    pg.requests = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.goto(app_server.url)
    pg.locator("#qa-question textarea, #qa-question input").first.wait_for()
    yield pg
    outside = [u for u in pg.requests if urlparse(u).hostname not in LOCAL_HOSTS and not u.startswith(("data:", "blob:"))]
    context.close()
    assert outside == [], f"requests left localhost: {outside[:5]}"


def ask(pg, question: str) -> None:
    """Type a question, press Enter, wait for its answer to be the last turn on screen."""
    answered = pg.locator(".qa-turn:not(.qa-asking)")
    before = answered.count()
    box = pg.locator("#qa-question textarea, #qa-question input").first
    box.fill(question)
    box.press("Enter")
    answered.nth(before).locator(".qa-took").wait_for(timeout=ANSWER_TIMEOUT)


def open_citation(pg, doc_id: str):
    """Click the last citation of `doc_id` on screen; return the source panel once it shows that article."""
    pg.locator(f'.qa-turn >> nth=-1 >> .qa-cite-btn[data-doc="{doc_id}"]').first.click()
    panel = pg.locator("#qa-source")
    panel.locator(".qa-docmeta", has_text=doc_id).wait_for(timeout=ANSWER_TIMEOUT)
    return panel


def test_ask_cite_and_check_source(page, app_server):
    ask(page, "When did China ban the sale of fentanyl?")
    turn = page.locator(".qa-turn").last
    assert "When did China ban the sale of fentanyl?" in turn.locator(".qa-question").inner_text()
    assert SEED_ANSWER in turn.locator(".qa-card .qa-answer-sents").inner_text(), "the answer comes first"
    fact = turn.locator(".qa-card .qa-fact strong")  # the asked-for fact above the sentences, bold
    assert fact.inner_text() == "2019" and fact.evaluate("e => getComputedStyle(e).fontWeight") >= "600"
    assert turn.locator(".qa-card .qa-answer-sents strong").first.inner_text() == "2019"
    first = turn.locator(".qa-excerpt").first
    assert first.locator(".qa-gist mark.best").count() >= 1, "the best sentence is highlighted"
    assert SPUN in turn.inner_text() and "score" not in first.inner_text(), "no raw score on the main line"
    details = first.locator(".qa-cite-btn").get_attribute("title")
    assert "characters" in details and "relevance score" in details, "offsets and score in the tooltip"

    panel = open_citation(page, SPUN)
    passage = panel.locator("mark.qa-passage")
    passage.wait_for()
    cited = passage.inner_text()
    document = (app_server.collection / SPUN).read_text(encoding="utf-8")
    assert cited.strip() and " ".join(cited.split()) in " ".join(document.split())
    page.wait_for_timeout(300)  # the scroll runs right after the panel renders
    box = panel.locator(".qa-doctext").bounding_box()
    mark = passage.bounding_box()
    assert mark["y"] < box["y"] + box["height"] and mark["y"] + mark["height"] > box["y"], "passage scrolled into view"
    assert passage.is_visible()
    if os.environ.get("QA_SCREENSHOT"):  # QA_SCREENSHOT=docs/chat.png pytest tests/test_ui_browser.py -k cite
        page.screenshot(path=os.environ["QA_SCREENSHOT"])


def test_conversation_stays_and_examples_ask(page):
    page.get_by_role("button", name="International Narcotics Control Board").click()
    page.locator(".qa-turn:not(.qa-asking) .qa-took").first.wait_for(timeout=ANSWER_TIMEOUT)
    page.wait_for_function("() => !document.querySelector('#qa-question textarea, #qa-question input').disabled")
    ask(page, "What is the Counternarcotics Working Group?")
    assert page.locator(".qa-turn").count() == 2
    assert "International Narcotics Control Board" in page.locator(".qa-turn").first.inner_text()


def test_no_confident_match_is_said_plainly(page):
    ask(page, "recipe for sourdough bread with rye flour and caraway")
    turn = page.locator(".qa-turn").last
    assert "No answer in the collection" in turn.inner_text()
    assert turn.locator(".qa-excerpt").count() > 0 and not turn.locator(".qa-excerpt").first.is_visible(), "folded"
    assert turn.locator("mark").count() == 0 and turn.locator(".qa-answer-sents").count() == 0


def test_hostile_article_renders_as_text(page):
    question = 'How many ships did the zebra lighthouse keeper count? <img src=x onerror="window.__pwned=4">'
    ask(page, question)
    turn = page.locator(".qa-turn").last
    assert question in turn.inner_text() and "<script>" in turn.text_content()
    panel = open_citation(page, HOSTILE_NAME)
    text = panel.inner_text()
    assert "<script>window.__pwned = 2</script>" in text and 'onerror="window.__pwned=3"' in text
    page.get_by_role("tab", name="Collection").click()
    page.locator("#qa-docs", has_text=HOSTILE_NAME).wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#qa-source img, #qa-conversation img, #qa-docs img, #qa-source script").count() == 0


def test_upload_then_ask(page, app_server, tmp_path):
    page.get_by_role("tab", name="Collection").click()
    page.locator("#qa-docs", has_text=PLAIN).wait_for()
    upload = tmp_path / "quokka bridge.md"
    upload.write_text(NEW_ARTICLE, encoding="utf-8")
    page.locator("#qa-upload input[type=file]").set_input_files(str(upload))
    result = page.locator("#qa-build-result")
    result.get_by_text("added and ready for questions").wait_for(timeout=120_000)
    assert (app_server.collection / "quokka_bridge.md").exists() or (app_server.collection / "quokka bridge.md").exists()
    page.locator("#qa-docs", has_text="Quokka Bridge opens in Tallinn").wait_for()
    page.get_by_role("tab", name="Chat").click()
    ask(page, "When did the Quokka Bridge open?")
    first = page.locator(".qa-turn").last.locator(".qa-excerpt").first
    assert "3 March 2025" in first.text_content()
    assert "quokka" in first.locator(".qa-cite-btn").get_attribute("data-doc").lower()


def test_upload_of_wrong_type_is_refused(page, app_server, tmp_path):
    page.get_by_role("tab", name="Collection").click()
    bad = tmp_path / "payload.exe.txt.sh"
    bad.write_bytes(b"#!/bin/sh\necho hi\n")
    page.locator("#qa-upload input[type=file]").set_input_files(str(bad))
    page.wait_for_timeout(1500)
    assert not any(p.name.startswith("payload") for p in app_server.collection.iterdir())


def test_questions_are_answered_while_an_upload_is_indexed(page, app_server, tmp_path):
    client = pytest.importorskip("gradio_client").Client(app_server.url, verbose=False)
    page.get_by_role("tab", name="Collection").click()
    big = tmp_path / "marlow_locks.txt"
    big.write_text(long_article(0, sentences=1000), encoding="utf-8")  # about 330 passages to embed
    page.locator("#qa-upload input[type=file]").set_input_files(str(big))
    saved = app_server.collection / "marlow_locks.txt"
    deadline = time.monotonic() + 60
    while not saved.exists():  # the file is saved just before the build starts
        assert time.monotonic() < deadline, "the upload was not saved"
        time.sleep(0.05)
    answer = client.predict("What is the Counternarcotics Working Group?", 2, api_name="/ask")
    assert answer["excerpts"] and answer["excerpts"][0]["doc_id"] == PLAIN
    result = page.locator("#qa-build-result")
    assert "added and ready" not in result.inner_text(), "answered only after the update finished"
    result.get_by_text("marlow_locks.txt: added and ready for questions").wait_for(timeout=600_000)
    later = client.predict("How many barges did the keepers of lock 5 record on day 5?", 3, api_name="/ask")
    assert any(e["doc_id"] == "marlow_locks.txt" for e in later["excerpts"])


def test_marks_are_built_from_escaped_pieces():
    """Offsets index the raw text; escaping happens after the cut, so a mark never splits an entity."""
    from qa.ui.render import marked

    text = 'a <b>bold</b> & "q"'
    assert marked(text, 100, [(102, 105), (116, 119)]) == (
        'a <mark class="best">&lt;b&gt;</mark>bold&lt;/b&gt; &amp; <mark class="best">&quot;q&quot;</mark>')
    assert marked(text, 0, [(-5, 1), (50, 60), (4, 2)]) == '<mark class="best">a</mark> &lt;b&gt;bold&lt;/b&gt; &amp; &quot;q&quot;'

"""Conversations that last, in headless Debian chromium: three questions, the browser closed, a new one (a fresh
profile) finds the conversation in the side list, reopens, renames and exports it; light, dark and 390 px."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.conversations.markdown import md_text

from .support import ANSWER_TIMEOUT, CHROMIUM, CHROMIUM_ARGS, HTTP_PATIENCE, PatientBrowser

pytest.importorskip("playwright")
httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.browser
BOX = "#qa-question textarea, #qa-question input"
QUESTIONS = ("How many fentanyl pills were seized on July 1?", "What is the Counternarcotics Working Group?",
             "When did China ban the sale of fentanyl?")
SHOTS = Path("/tmp/shots-conv")  # where the screenshots are copied for a person to look at
# Elements whose right edge is beyond the viewport (0 wide and hidden ones aside): tests/test_chat_browser.py
SIDEBAR_LEFT = "document.querySelector('#qa-conversations').getBoundingClientRect().left"
OVERFLOW_JS = """
() => [...document.querySelectorAll('body *')].filter((e) => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.right > window.innerWidth + 1;
}).map((e) => `${e.tagName}#${e.id}.${e.className}`.slice(0, 120))
"""


def fresh_browser(browser):
    """A chromium of its own (a new process with a fresh profile), from the module's Playwright."""
    return PatientBrowser(browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS))


def open_app(chromium, url: str, width: int = 1400, height: int = 900):
    page = chromium.new_context(viewport={"width": width, "height": height}, accept_downloads=True).new_page()
    page.goto(url)
    page.locator(BOX).first.wait_for()
    return page


def ask(page, question: str) -> None:
    turns = page.locator(".qa-turn:not(.qa-asking)")
    before = turns.count()
    page.locator(BOX).first.fill(question)
    page.locator(BOX).first.press("Enter")
    turns.nth(before).locator(".qa-took").wait_for(timeout=ANSWER_TIMEOUT)
    page.wait_for_function("(sel) => !document.querySelector(sel).disabled", arg=BOX, timeout=ANSWER_TIMEOUT)


def shown_answers(page) -> list[list[str]]:
    """Each turn's quoted answer sentences, as the chat shows them."""
    return [turn.locator(".qa-answer-sents q").all_inner_texts()
            for turn in page.locator(".qa-turn:not(.qa-asking)").all()]


def shoot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_a_conversation_outlives_the_browser_and_exports_every_sentence_with_its_citation(
        browser, app_server, tmp_path):
    first = fresh_browser(browser)
    page = open_app(first, app_server.url)
    for question in QUESTIONS:
        ask(page, question)
    current = page.locator(".qa-conv-open[aria-current='true']")
    current.wait_for()
    conversation_id = current.get_attribute("data-id")
    assert current.inner_text().startswith(QUESTIONS[0]) and "3 questions" in current.inner_text()
    given = shown_answers(page)
    assert len(given) == 3 and sum(map(len, given)) >= 2  # the seeds answer at least two of the three
    first.close()  # the browser, its profile and its sessionStorage are gone

    second = fresh_browser(browser)
    page = open_app(second, app_server.url)
    assert page.locator(".qa-turn").count() == 0  # a fresh profile starts empty...
    item = page.locator(f".qa-conv-open[data-id='{conversation_id}']")
    item.wait_for()  # ...and finds the conversation in the side list
    item.click()
    page.locator(".qa-turn").nth(2).wait_for()
    assert [q.strip() for q in page.locator(".qa-turn .qa-question p").all_inner_texts()] == list(QUESTIONS)
    assert shown_answers(page) == given  # as they were given
    assert page.locator(".qa-stale").count() == 0  # no article has changed since

    page.locator("#qa-conv-title input, #qa-conv-title textarea").first.fill("Fentanyl: seizures and the ban")
    page.locator("#qa-conv-rename").click()
    page.wait_for_function("(id) => document.querySelector(`.qa-conv-open[data-id='${id}']`)?.innerText"
                           ".startsWith('Fentanyl: seizures and the ban')", arg=conversation_id)
    ask(page, "Who said that?")  # the reopened conversation goes on
    page.wait_for_function("(id) => document.querySelector(`.qa-conv-open[data-id='${id}']`)?.innerText"
                           ".includes('4 questions')", arg=conversation_id)

    with page.expect_download() as download:
        page.locator("#qa-conv-export a.qa-export-md").click()
    assert download.value.suggested_filename == "Fentanyl-seizures-and-the-ban.md"
    md = Path(download.value.path()).read_text(encoding="utf-8")
    assert md.startswith(f"# {md_text('Fentanyl: seizures and the ban')}\n")
    with httpx.Client(base_url=app_server.url.rstrip("/"), timeout=HTTP_PATIENCE) as api:
        turns = api.get(f"/api/conversations/{conversation_id}").json()["turns"]
        assert [t["answer"]["question"] for t in turns] == [*QUESTIONS, "Who said that?"]
        for turn, shown in zip(turns, given):
            assert [s["text"] for s in turn["answer"]["answer"]] == shown
        for turn in turns:
            assert f"**{md_text(turn['answer']['question'])}**" in md
            for s in turn["answer"]["answer"]:
                article = api.get(f"/api/articles/{s['doc_id']}").json()["text"]
                assert article[s["start"]:s["end"]] == s["text"]  # verbatim from the article
                quote_at = md.index(f"> {md_text(s['text'])}")
                citation = md[quote_at:].split("\n\n")[1]
                assert f"`{s['doc_id']}`, characters {s['start']}–{s['end']}" in citation
                assert f"{app_server.url}?doc=" in citation and f"hl={s['start']}-{s['end']})" in citation
    shoot(page, tmp_path, "conversations-light")

    page.on("dialog", lambda dialog: dialog.accept())  # "Delete this conversation and its answers?"
    page.locator("#qa-conv-delete").click()
    page.wait_for_function("(id) => !document.querySelector(`.qa-conv-open[data-id='${id}']`)", arg=conversation_id)
    assert page.locator(".qa-turn").count() == 0 and not page.locator("#qa-conv-tools").is_visible()
    with httpx.Client(base_url=app_server.url.rstrip("/"), timeout=HTTP_PATIENCE) as api:
        assert api.get(f"/api/conversations/{conversation_id}").status_code == 404
    second.close()


def test_the_side_list_in_dark_mode_and_at_390_px(browser, app_server, tmp_path):
    chromium = fresh_browser(browser)
    page = open_app(chromium, app_server.url + "?__theme=dark")
    ask(page, QUESTIONS[2])
    current = page.locator(".qa-conv-open[aria-current='true']")
    current.wait_for()
    conversation_id, listed = current.get_attribute("data-id"), page.locator(".qa-conv-open").count()
    page.reload()  # the tab goes on with the same conversation, not a new one
    page.locator(".qa-turn .qa-took").first.wait_for()
    ask(page, "Who said that?")
    page.wait_for_function("(id) => document.querySelector(`.qa-conv-open[aria-current='true']`)?.dataset.id === id"
                           " && document.querySelector(`.qa-conv-open[data-id='${id}']`).innerText.includes("
                           "'2 questions')", arg=conversation_id)
    assert page.locator(".qa-conv-open").count() == listed
    shoot(page, tmp_path, "conversations-dark")

    phone = open_app(chromium, app_server.url, width=390, height=844)
    sidebar = phone.locator("#qa-conversations")
    phone.wait_for_function("() => !document.querySelector('#qa-conversations').classList.contains('open')")
    assert phone.locator(BOX).first.is_visible() and phone.evaluate(OVERFLOW_JS) == []  # the chat comes first
    shoot(phone, tmp_path, "conversations-390-closed")
    closed_at = phone.evaluate(f"() => {SIDEBAR_LEFT}")
    sidebar.locator(".toggle-button").click()
    phone.locator(".qa-conv-open").first.wait_for(state="visible")
    # the list slides in: measured and shot once it is all in view (the time it takes is not counted)
    phone.wait_for_function("() => document.querySelector('#qa-conversations').getBoundingClientRect().left >= 0")
    phone.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    assert phone.evaluate(OVERFLOW_JS) == []
    shoot(phone, tmp_path, "conversations-390-open")
    phone.locator(".qa-conv-open").first.click()  # picking one closes the list and shows the chat
    phone.locator(".qa-turn").first.wait_for()
    phone.wait_for_function("() => !document.querySelector('#qa-conversations').classList.contains('open')")
    # the list slides out as it slid in: measured once it is back where it was closed (a fresh-clone run measured
    # it mid-slide, with its toggle button past the screen's right edge)
    phone.wait_for_function(f"(x) => Math.abs({SIDEBAR_LEFT} - x) < 1", arg=closed_at)
    phone.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    assert phone.evaluate(OVERFLOW_JS) == []
    chromium.close()

"""WCAG AA contrast of what the chat and the Collection tab show, light and dark, measured in chromium; and on a
390-px phone, a source opened from a citation chip leads back to its answer."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.conversations.store import LOCAL_USER, ConversationStore, cited_in

from .contrast import AA, CONTRAST_JS
from .support import ANSWER_TIMEOUT, HTTP_PATIENCE, SEED_QUESTION

pytest.importorskip("playwright")
pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"  # git-ignored, where the other browser tests save
BOX = "#qa-question textarea, #qa-question input"
NO_ANSWER_QUESTION = "recipe for sourdough bread with rye flour and caraway"
MISSPELLED = "Wat did the Whte Hous say abuot the fentanil precursers?"  # corrected: "searched for", Ask as typed
LONG_QUESTION = "\n".join(["Which officials spoke about fentanyl and what did each of them say?"] * 80)  # > 5,000
# what is measured, by name: the chat (after an answer, a no-answer and a long question) and the Collection tab
CHAT = {
    "title and status": ".qa-title, #qa-status",
    "question card, You badge": ".qa-question",
    "long question note": ".qa-cut",
    "answer card": ".qa-answer-sents",
    "marked fact line": ".qa-fact",
    "searched for": ".qa-searched",
    "Ask as typed instead": ".qa-as-typed",
    "no-answer card": ".qa-nomatch",
    "copy button": ".qa-copy",
    "Ask button": "#qa-ask",
    "sources heading": ".qa-sources > summary",
    "source titles": ".qa-excerpt .qa-cite-btn",
    "source meta (date, file, link)": ".qa-meta",
    "also-in badge": ".qa-also",
    "Show the whole passage": ".qa-whole > summary",
    "whole passage details": ".qa-details",
    "quoted passages": ".qa-excerpt blockquote",
    "highlight in answers": ".qa-gist mark.best",
    "time taken": ".qa-took",
    "citation chips": ".qa-chip",
    "source panel meta": "#qa-source .qa-docmeta, #qa-source .qa-range",
    "source panel text": "#qa-source .qa-doctext",
    "passage highlight": "#qa-source mark.qa-passage",
    "best sentence highlight": "#qa-source mark.best",
    "back to the answer": ".qa-back",
    "filters": "#qa-filters",
    "examples and clear": "#qa-examples",
    "conversations side list": "#qa-conversations",
}
REOPENED = {"metadata note (a cited article changed or removed)": ".qa-stale"}
COLLECTION = {
    "collection table": "#qa-docs",
    "collection limits text": "#qa-docs ~ *, .prose",
    "article preview": "#qa-preview",
}


def ask(pg, question: str) -> None:
    turns = pg.locator(".qa-turn:not(.qa-asking)")
    before = turns.count()
    box = pg.locator(BOX).first
    box.fill(question)
    box.press("Enter")
    turns.nth(before).locator(".qa-took").wait_for(timeout=ANSWER_TIMEOUT)
    pg.wait_for_function("(sel) => !document.querySelector(sel).disabled", arg=BOX, timeout=ANSWER_TIMEOUT)


def changed_since(app_server) -> str:
    """A conversation of the local user, kept as the chat keeps them, whose cited articles have changed or gone
    since its answer was given (the hashes it holds are not theirs): reopened, it shows the metadata note."""
    import httpx

    with httpx.Client(base_url=app_server.url.rstrip("/"), timeout=HTTP_PATIENCE) as api:
        answer = api.get("/api/ask", params={"q": SEED_QUESTION}).json()
    hashes = {d: "0" * 64 for d in cited_in(answer)} | {"an-article-since-removed.txt": "1" * 64}
    return ConversationStore.beside(app_server.index).add(LOCAL_USER, None, answer, hashes).conversation_id


def measure(pg, selectors: dict[str, str]) -> dict[str, list]:
    found = {name: pg.evaluate(CONTRAST_JS, selector) for name, selector in selectors.items()}
    return {name: worst for name, worst in found.items() if worst}


def shoot(pg, name: str, **options) -> None:
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / name), **options)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_text_meets_wcag_aa(browser, app_server, theme):  # noqa: F811
    pg = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    pg.goto(app_server.url + ("?__theme=dark" if theme == "dark" else ""))
    pg.locator(BOX).first.wait_for()
    assert pg.evaluate("!!document.querySelector('.dark')") == (theme == "dark")
    ask(pg, SEED_QUESTION)
    ask(pg, NO_ANSWER_QUESTION)
    ask(pg, LONG_QUESTION)
    stale = changed_since(app_server)  # kept now, the side list shows it after the next answer
    ask(pg, MISSPELLED)
    first = pg.locator(".qa-turn").first
    first.locator(".qa-chip").first.click()
    pg.locator("#qa-source mark.qa-passage").wait_for(timeout=ANSWER_TIMEOUT)
    first.locator(".qa-whole > summary").first.click()  # "Show the whole passage" opened: its details are read
    pg.locator("#qa-filters").click()
    pg.locator("#qa-filter-since").wait_for()
    ratios = measure(pg, CHAT)
    for shown, name in ((".qa-fact", "fact"), (".qa-as-typed", "as-typed")):  # in view in the chat's own scroll
        pg.locator(shown).first.scroll_into_view_if_needed()
        shoot(pg, f"desk-{name}-{theme}.png")
    first.scroll_into_view_if_needed()
    shoot(pg, f"desk-contrast-chat-{theme}.png")
    SHOTS.mkdir(exist_ok=True)
    for index, name in ((1, "no-answer"), (2, "long-question")):
        pg.locator(".qa-turn").nth(index).screenshot(path=str(SHOTS / f"desk-{name}-{theme}.png"))
    pg.get_by_role("tab", name="Collection").click()
    cell = pg.locator("#qa-docs [role=gridcell]").nth(1)  # Gradio 6's table: a grid of divs
    cell.wait_for(timeout=ANSWER_TIMEOUT)
    cell.click()
    pg.locator("#qa-preview .qa-doctext").wait_for(timeout=ANSWER_TIMEOUT)
    ratios |= measure(pg, COLLECTION)
    shoot(pg, f"desk-contrast-collection-{theme}.png")
    pg.get_by_role("tab", name="Chat").click()
    pg.locator(f".qa-conv-open[data-id='{stale}']").click()  # reopened: the chat shows the answer as given
    pg.locator(".qa-stale").first.wait_for(timeout=ANSWER_TIMEOUT)
    ratios |= measure(pg, REOPENED)
    shoot(pg, f"desk-stale-note-{theme}.png")
    pg.set_viewport_size({"width": 390, "height": 844})  # the same, on a phone, its side list folded away
    if pg.evaluate("document.querySelector('#qa-conversations').classList.contains('open')"):
        pg.locator("#qa-conversations .toggle-button").click()
    pg.wait_for_function("() => !document.querySelector('#qa-conversations').classList.contains('open')"
                         " && document.getAnimations().every((a) => a.playState !== 'running')")
    pg.locator(".qa-stale").first.scroll_into_view_if_needed()
    shoot(pg, f"desk-stale-note-{theme}-390.png")
    pg.context.close()
    (SHOTS / f"desk-contrast-{theme}.json").write_text(json.dumps(ratios, indent=1))
    for name in ("answer card", "no-answer card", "source titles", "highlight in answers", "question card, You badge",
                 "collection table", "filters", "passage highlight", "marked fact line",
                 "searched for", "Ask as typed instead", *REOPENED):
        assert name in ratios, f"{name}: nothing measured ({({**CHAT, **COLLECTION, **REOPENED})[name]})"
    low = {name: worst for name, worst in ratios.items() if worst[0] < AA}
    assert not low, "below WCAG AA 4.5:1:\n" + "\n".join(f"{n}: {w[0]:.2f} {w[1]} {w[2]}" for n, w in low.items())


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_on_a_phone_a_source_leads_back_to_its_answer(browser, app_server, theme):  # noqa: F811
    phone = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    pg = browser.new_context(**phone).new_page()
    pg.goto(app_server.url + ("?__theme=dark" if theme == "dark" else ""))
    pg.locator(BOX).first.wait_for()
    ask(pg, SEED_QUESTION)
    ask(pg, "What is the Counternarcotics Working Group?")
    chip = pg.locator(".qa-turn").first.locator(".qa-chip").first
    chip.scroll_into_view_if_needed()
    chip.click()
    pg.locator("#qa-source mark.qa-passage").wait_for(timeout=ANSWER_TIMEOUT)
    back = pg.locator("#qa-source .qa-back")
    pg.wait_for_function("() => { const r = document.querySelector('#qa-source .qa-back')?.getBoundingClientRect();"
                         " return r && r.top >= 0 && r.bottom <= innerHeight; }", timeout=ANSWER_TIMEOUT)
    assert chip.evaluate("(e) => e.getBoundingClientRect().bottom < 0 || e.getBoundingClientRect().top > innerHeight"), \
        "the test needs the answer off screen once the source is open"
    shoot(pg, f"desk-phone-source-{theme}.png")
    back.click()
    pg.wait_for_function("() => { const e = document.activeElement, r = e.getBoundingClientRect();"
                         " return e.classList.contains('qa-chip') && r.top >= 0 && r.bottom <= innerHeight; }",
                         timeout=ANSWER_TIMEOUT)
    assert chip.evaluate("(e) => e === document.activeElement"), "back at the very chip the source came from"
    shoot(pg, f"desk-phone-back-{theme}.png")
    pg.context.close()

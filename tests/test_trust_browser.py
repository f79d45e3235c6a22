"""Issue 23's failures replayed in chromium, as a new user met them: the seed articles plus three short articles
written for this test (tests/data/trust: .txt, .md with its author only in front matter, .html), asked through the
chat. Screenshots (light, dark, 390 px) go to the test's folder and to /tmp/shots-trust/."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .apprunner import running_app
from .support import ANSWER_TIMEOUT, SEEDS

pytest.importorskip("playwright")
pytestmark = [pytest.mark.browser, pytest.mark.model]
ARTICLES = Path(__file__).resolve().parent / "data" / "trust"
SHOTS_COPY = Path("/tmp/shots-trust")
BOX = "#qa-question textarea, #qa-question input"
MISSPELLED = "Wat did the Whte Hous say abuot the fentanil precursers?"
DESK = dict(viewport={"width": 1400, "height": 1000})
VIEWS = {"light": DESK, "dark": DESK, "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """app.py over a copy of seeds/ and the test's own articles, in a temporary folder."""
    base = tmp_path_factory.mktemp("trust-app")
    collection = base / "articles"
    shutil.copytree(SEEDS, collection)
    for article in ARTICLES.iterdir():
        shutil.copy(article, collection / article.name)
    with running_app(base, ["--source", str(collection), "--index", str(base / "index")]) as (url, _):
        yield url


@pytest.fixture(params=list(VIEWS))
def page(request, browser, app):
    """A fresh tab in light, dark or on a 390-px phone."""
    pg = browser.new_context(**VIEWS[request.param]).new_page()
    pg.goto(app + ("?__theme=dark" if request.param == "dark" else ""))
    pg.locator(BOX).first.wait_for()
    pg.view = request.param  # the screenshots' suffix
    yield pg
    pg.context.close()


def ask(pg, question: str):
    """Ask as a user does (type, Enter) and return the new turn once it is answered."""
    turns = pg.locator(".qa-turn:not(.qa-asking)")
    before = turns.count()
    box = pg.locator(BOX).first
    box.fill(question)
    box.press("Enter")
    turn = turns.nth(before)
    turn.locator(".qa-took").wait_for(timeout=ANSWER_TIMEOUT)
    pg.wait_for_function("(sel) => !document.querySelector(sel).disabled", arg=BOX, timeout=ANSWER_TIMEOUT)
    return turn


def answer_of(turn) -> str:
    """The card's quoted answer sentences, as shown."""
    return " ".join(turn.locator(".qa-answer-sents li").all_inner_texts())


def shoot(pg, turn, name: str, tmp_path: Path) -> None:
    """The turn's screenshot, in the test's folder and in /tmp/shots-trust/."""
    path = tmp_path / f"{name}-{pg.view}.png"
    turn.scroll_into_view_if_needed()
    turn.screenshot(path=str(path))
    SHOTS_COPY.mkdir(exist_ok=True)
    shutil.copy(path, SHOTS_COPY / path.name)


def test_a_misspelled_question_is_answered_and_can_be_asked_as_typed(page, tmp_path):
    turn = ask(page, MISSPELLED)
    searched = turn.locator(".qa-searched").inner_text()
    assert "White House say about the fentanyl precursors" in searched
    assert "No answer" not in turn.inner_text() and answer_of(turn)
    shoot(page, turn, "misspelled", tmp_path)
    turn.locator(".qa-as-typed").click()  # one click: the question again, its words as typed
    again = page.locator(".qa-turn:not(.qa-asking)").nth(1)
    again.locator(".qa-took").wait_for(timeout=ANSWER_TIMEOUT)
    assert again.locator(".qa-question").inner_text().endswith(MISSPELLED)
    assert again.locator(".qa-searched").count() == 0, "asked as typed: nothing was changed"


def test_who_wrote_the_article_is_answered_with_its_byline(page, tmp_path):
    turn = ask(page, "Who wrote the article about the working group?")
    assert answer_of(turn).startswith("By Maria Ortiz"), answer_of(turn)
    shoot(page, turn, "byline-text", tmp_path)
    # the author only in the Markdown front matter: the metadata field, cited as such
    turn = ask(page, "Who wrote the article about the Tamsin ferry crews?")
    assert "Jonas Pellegrin" in answer_of(turn) and "the author in the article's metadata" in answer_of(turn)
    assert "qa-high" in turn.get_attribute("class"), "the article is clearly the one meant"
    shoot(page, turn, "byline-metadata", tmp_path)


def test_and_what_about_mexico_after_follow_ups_is_about_mexico(page, tmp_path):
    ask(page, "Which precursors did China announce it would regulate?")
    ask(page, "When?")
    turn = ask(page, "And what about Mexico?")
    assert "Mexico" in answer_of(turn), answer_of(turn)
    shoot(page, turn, "mexico", tmp_path)


def test_who_voted_against_the_lithium_mine_names_the_councillor(page, tmp_path):
    turn = ask(page, "Who voted against the lithium mine?")
    shoot(page, turn, "voted-against", tmp_path)
    first = turn.locator(".qa-answer-sents li").first.inner_text()
    assert "Mira Halvorsen" in first, answer_of(turn)


def test_a_filter_on_the_bridge_article_finds_its_cost(page, tmp_path):
    page.locator("#qa-filters").click()
    docs = page.locator("#qa-filter-docs input").first
    docs.click()
    docs.fill("Kessling")
    page.locator("[role=option]", has_text="Kessling Street").first.click()
    page.keyboard.press("Escape")
    turn = ask(page, "How much will it cost?")
    shoot(page, turn, "filtered-cost", tmp_path)
    assert "62 million dollars" in answer_of(turn), turn.inner_text()
    off_topic = ask(page, "What is the best recipe for sourdough bread?")  # the same filter: its article has none
    shoot(page, off_topic, "filtered-off-topic", tmp_path)
    assert "No answer in the selected articles" in off_topic.inner_text(), off_topic.inner_text()
    assert not answer_of(off_topic)

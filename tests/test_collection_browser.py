"""The Collection tab in headless chromium: the table sorted by date, open and download an article, upload,
add by URL from a local news site, delete and rebuild only after a confirmation, and `--watch` picking up a
file added by hand. The app runs on temporary folders: the checkout's `git status` does not change."""
from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from .apprunner import launch, stop, wait_until_up
from .newsite import ARTICLE_TITLE, news_site
from .support import ANSWER_TIMEOUT, ROOT, SEEDS

pytest.importorskip("playwright")
pytestmark = [pytest.mark.browser, pytest.mark.model]  # the app's start-up build loads the model
BUILD_TIMEOUT = 300_000  # ms; the CPU is shared
OLD = "Harbour dredging ends\nBy Ada Varga\n2019-05-02\nThe dredging of the old harbour ended after 14 months.\n"
NEW = "Tram line extended\nBy Ole Brun\n2026-01-15\nThe number 9 tram now runs to the airport, the city said.\n"
UNDATED = "Allotment rules\nThe allotment society changed its rules on compost bins and water butts.\n"


def _git_status() -> str | None:
    if not shutil.which("git") or not (ROOT / ".git").exists():
        return None
    return subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """app.py --watch over a temporary copy of seeds/ plus three dated and undated articles."""
    base = tmp_path_factory.mktemp("collection-app")
    collection = base / "articles"
    shutil.copytree(SEEDS, collection)
    for name, text in (("old.txt", OLD), ("new.txt", NEW), ("undated.txt", UNDATED)):
        (collection / name).write_text(text, encoding="utf-8")
    status_before = _git_status()
    log = open(base / "app.log", "w")
    # the test's news site is on loopback, which Add by address reaches only when told to
    proc, url, _ = launch(["--source", str(collection), "--index", str(base / "index"), "--watch",
                           "--allow-network", "127.0.0.0/8"],
                          stdout=log, stderr=subprocess.STDOUT, cwd=base)
    if not wait_until_up(proc, url, timeout=300):
        proc.kill()
        pytest.fail(f"app.py did not start:\n{(base / 'app.log').read_text()[-3000:]}")
    with news_site() as (site, _server):
        yield type("App", (), dict(url=url, collection=collection, log=base / "app.log", site=site))
    stop(proc)
    log.close()
    assert _git_status() == status_before, "using the app changed the checkout"


def open_tab(browser, app, width: int = 1400, dark: bool = False):
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(app.url + ("?__theme=dark" if dark else ""))
    page.get_by_role("tab", name="Collection").click()
    page.locator("#qa-docs", has_text="old.txt").wait_for(timeout=BUILD_TIMEOUT)
    return page


@pytest.fixture
def page(browser, app):
    pg = open_tab(browser, app)
    yield pg
    pg.context.close()


def rows(page) -> list[list[str]]:
    """The table's rows as shown: [date, title, file, passages, copies]."""
    body = page.locator("#qa-docs [role=row]:has([role=gridcell])")  # Gradio 6's table: a grid of divs
    return [[c.strip() for c in body.nth(i).locator("[role=gridcell]").all_inner_texts()] for i in range(body.count())]


def select(page, doc_id: str):
    page.locator("#qa-docs [role=gridcell]", has_text=doc_id).first.click()
    preview = page.locator("#qa-preview .qa-docmeta", has_text=doc_id)
    preview.wait_for(timeout=ANSWER_TIMEOUT)
    return page.locator("#qa-preview")


def test_the_table_is_newest_first_and_an_article_opens_and_downloads(page, app):
    shown = rows(page)
    files = [r[2] for r in shown]
    assert files.index("new.txt") < files.index("old.txt") < files.index("undated.txt"), shown
    dates = [r[0] for r in shown if r[0]]
    assert dates == sorted(dates, reverse=True) and "2026-01-15" in dates

    preview = select(page, "old.txt")
    text = preview.inner_text()
    assert "Harbour dredging ends" in text and "Ada Varga" in text and "2019-05-02" in text
    assert "14 months" in text
    with page.expect_download() as download:
        page.locator("#qa-download").click()
    got = Path(download.value.path()).read_bytes()
    assert got == (app.collection / "old.txt").read_bytes() and download.value.suggested_filename == "old.txt"


def test_ask_within_this_article_sets_the_chat_filter(page, app):
    select(page, "old.txt")
    page.locator("#qa-ask-within").click()
    box = page.locator("#qa-question textarea, #qa-question input").first
    box.wait_for(state="visible", timeout=ANSWER_TIMEOUT)  # the Chat tab is shown
    page.locator("#qa-filters").click()  # the folded Filters row shows the article chosen
    page.locator("#qa-filter-docs", has_text="Harbour dredging ends").wait_for(timeout=ANSWER_TIMEOUT)
    box.fill("How long did the dredging take?")
    box.press("Enter")
    page.locator(".qa-turn:not(.qa-asking) .qa-took").first.wait_for(timeout=ANSWER_TIMEOUT)
    files = page.locator(".qa-turn .qa-file").all_inner_texts()
    assert files and set(files) == {"old.txt"}, files


def test_an_upload_appears_in_the_table(page, app, tmp_path):
    upload = tmp_path / "otter sighting.txt"
    upload.write_text("Otter seen in the moat\n2026-02-01\nAn otter was filmed in the castle moat at dawn.\n")
    page.locator("#qa-upload input[type=file]").set_input_files(str(upload))
    page.locator("#qa-build-result").get_by_text("added and ready for questions").wait_for(timeout=BUILD_TIMEOUT)
    page.locator("#qa-docs", has_text="Otter seen in the moat").wait_for()
    assert rows(page)[0][0] == "2026-02-01", "the newest article comes first"


def test_add_by_url_and_a_page_without_article_text_changes_nothing(page, app):
    before = sorted(p.name for p in app.collection.iterdir())
    page.locator("#qa-url textarea, #qa-url input").first.fill(f"{app.site}/world")
    page.locator("#qa-add-url").click()
    page.locator("#qa-build-result").get_by_text("no article text").wait_for(timeout=ANSWER_TIMEOUT)
    assert sorted(p.name for p in app.collection.iterdir()) == before

    page.locator("#qa-url textarea, #qa-url input").first.fill(f"{app.site}/science/otter-census")
    page.locator("#qa-add-url").click()
    page.locator("#qa-build-result").get_by_text("ready for questions").wait_for(timeout=BUILD_TIMEOUT)
    page.locator("#qa-docs", has_text=ARTICLE_TITLE).wait_for()
    saved = app.collection / "otter-census-finds-412-otters-along-the-vltava.html"
    assert saved.exists()
    preview = select(page, saved.name)
    assert f"{app.site}/science/otter-census" in preview.inner_text()


def test_delete_asks_first_then_removes_file_and_row(page, app):
    victim = app.collection / "undated.txt"
    select(page, "undated.txt")
    page.locator("#qa-delete").click()
    confirm = page.locator("#qa-delete-confirm")
    confirm.get_by_text("undated.txt").wait_for()
    page.locator("#qa-delete-no").click()
    confirm.wait_for(state="hidden")
    assert victim.exists() and "undated.txt" in page.locator("#qa-docs").inner_text()

    page.locator("#qa-delete").click()
    page.locator("#qa-delete-yes").click()
    page.locator("#qa-build-result").get_by_text("undated.txt: deleted").wait_for(timeout=BUILD_TIMEOUT)
    assert not victim.exists()
    assert "undated.txt" not in [r[2] for r in rows(page)]
    assert not [p for p in app.collection.iterdir() if p.name.startswith(".")], "nothing set aside is left"


def test_rebuild_asks_first(page, app):
    page.locator("#qa-rebuild").click()
    confirm = page.locator("#qa-rebuild-confirm")
    confirm.get_by_text("re-embeds every article").wait_for()
    page.locator("#qa-rebuild-no").click()
    confirm.wait_for(state="hidden")
    assert page.locator("#qa-build-result").inner_text().strip() == ""
    page.locator("#qa-rebuild").click()
    page.locator("#qa-rebuild-yes").click()
    page.locator("#qa-build-result").get_by_text("passages embedded").wait_for(timeout=BUILD_TIMEOUT)
    assert "old.txt" in page.locator("#qa-docs").inner_text()


def test_a_file_added_by_hand_is_picked_up_by_watch(browser, app):
    seen = len(app.log.read_text())
    (app.collection / "by hand.txt").write_text("Ferry timetable changes\n2026-03-01\nThe night ferry stops.\n")
    deadline = time.monotonic() + BUILD_TIMEOUT / 1000
    while not any("watch: update" in line and "1 added" in line for line in app.log.read_text()[seen:].splitlines()):
        assert time.monotonic() < deadline, app.log.read_text()[-2000:]
        time.sleep(0.5)
    page = open_tab(browser, app)  # the table is read when the page loads
    page.locator("#qa-docs", has_text="Ferry timetable changes").wait_for()
    page.context.close()


@pytest.mark.skipif(not os.environ.get("QA_SCREENSHOTS"), reason="set QA_SCREENSHOTS=screenshots to take them")
def test_screenshots(browser, app):
    folder = Path(os.environ["QA_SCREENSHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    for name, width, dark in (("collection-light", 1400, False), ("collection-dark", 1400, True),
                              ("collection-390", 390, False)):
        page = open_tab(browser, app, width, dark)
        select(page, "old.txt")
        page.wait_for_timeout(500)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=True)
        page.context.close()

"""The Collection table's Copies count in chromium: a click on it lists the copies of the story (title and file),
and each opens in the preview; light, dark and a 390-px phone."""
from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from .apprunner import running_app
from .contrast import AA, CONTRAST_JS
from .support import ANSWER_TIMEOUT, PLAIN, SEEDS

pytest.importorskip("playwright")
pytestmark = [pytest.mark.browser, pytest.mark.model]  # the app's start-up build loads the model
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"  # git-ignored, where the other browser tests save
HEADERS = ["Date", "Title", "File", "Byline", "Copies", "Passages"]
ROWS = "#qa-docs [role=row]:has([role=gridcell])"  # Gradio 6's table: a grid of divs
COPIES = {"partner/ortiz_reprint.txt": "US and China report progress on fentanyl",
          "wire/ortiz_wire.txt": "Counternarcotics group makes headway"}


def reprint(text: str, headline: str) -> str:
    """What a syndication partner prints: its own headline, and one paragraph cut."""
    paragraphs = text.splitlines()
    return "\n".join([headline] + paragraphs[1:4] + paragraphs[5:]) + "\n"


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory):
    """app.py over the seeds plus two near-identical copies of one of them, in folders of their own."""
    base = tmp_path_factory.mktemp("copies")
    collection = base / "articles"
    shutil.copytree(SEEDS, collection)
    for name, headline in COPIES.items():
        (collection / name).parent.mkdir()
        (collection / name).write_text(reprint((SEEDS / PLAIN).read_text(), headline), encoding="utf-8")
    with running_app(base, ["--source", str(collection), "--index", str(base / "index")]) as (url, _):
        yield SimpleNamespace(url=url)


def copies_cell(pg, doc_id: str):
    row = pg.locator(ROWS).filter(has=pg.get_by_role("gridcell", name=doc_id, exact=True))
    return row.locator("[role=gridcell]").nth(HEADERS.index("Copies"))


def listed_copies(pg) -> list[tuple[str, str]]:
    """(title, file) of each copy the preview lists."""
    items = pg.locator("#qa-preview .qa-copies li")
    return [(items.nth(i).locator(".qa-open-copy").inner_text().strip(),
             items.nth(i).locator(".qa-copy-file").inner_text().strip()) for i in range(items.count())]


@pytest.mark.parametrize("theme, width", [("light", 1400), ("dark", 1400), ("light", 390), ("dark", 390)])
def test_the_copies_count_lists_the_copies_and_opens_one(browser, syndicated, theme, width):
    pg = browser.new_context(viewport={"width": width, "height": 900}).new_page()
    pg.goto(syndicated.url + ("?__theme=dark" if theme == "dark" else ""))
    pg.get_by_role("tab", name="Collection").click()
    pg.locator(ROWS).first.wait_for(timeout=ANSWER_TIMEOUT)
    cell = copies_cell(pg, PLAIN)
    assert cell.inner_text().strip() == "2"
    cell.click()
    pg.locator("#qa-preview .qa-copies .qa-open-copy").first.wait_for(timeout=ANSWER_TIMEOUT)
    assert sorted(listed_copies(pg)) == sorted((title, name) for name, title in COPIES.items())
    assert cell.locator("span[data-editable]").evaluate("(e) => getComputedStyle(e).cursor") == "pointer"  # a link
    for selector in ("#qa-docs", "#qa-preview .qa-copies"):  # the counts, on the selected row too, and the list
        ratio, element, colours = pg.evaluate(CONTRAST_JS, selector)
        assert ratio >= AA, f"{selector}: {ratio:.2f} {element} {colours} (WCAG AA asks 4.5:1)"
    pg.locator("#qa-preview .qa-copies").scroll_into_view_if_needed()  # on a phone, below the table: scrolled to
    shoot(pg, f"desk-copies-{theme}-{width}.png")

    opened = "wire/ortiz_wire.txt"
    pg.locator("#qa-preview .qa-open-copy", has_text=COPIES[opened]).click()
    pg.wait_for_function("(title) => document.querySelector('#qa-preview h3')?.innerText === title",
                         arg=COPIES[opened], timeout=ANSWER_TIMEOUT)
    assert pg.locator("#qa-download").inner_text().strip() == "Download ortiz_wire.txt"
    assert opened in pg.locator("#qa-preview .qa-docmeta").inner_text()
    assert pg.locator("#qa-preview .qa-doctext").inner_text().startswith(COPIES[opened])
    assert {name for _, name in listed_copies(pg)} == {PLAIN, "partner/ortiz_reprint.txt"}  # and back again
    shoot(pg, f"desk-copy-opened-{theme}-{width}.png")
    pg.context.close()


def shoot(pg, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / name))

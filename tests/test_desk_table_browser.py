"""The Collection table in chromium: title without the file inside, byline, one date format, copies as a count,
passages; cells that do not look editable; sorting by a header; headers on one line and never clipped, at 1400 px
and on a 390-px phone (where the table scrolls sideways)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from .support import ANSWER_TIMEOUT

pytest.importorskip("playwright")
pytestmark = pytest.mark.browser
SHOTS = Path(__file__).resolve().parent.parent / "screenshots"  # git-ignored, where the other browser tests save
HEADERS = ["Date", "Title", "File", "Byline", "Copies", "Passages"]
ROWS = "#qa-docs [role=row]:has([role=gridcell])"  # Gradio 6's table: a grid of divs
# The selected cell's outline, border and shadow colours: any orange (Gradio's edit box) says "editable".
CELL_STYLE_JS = """
(cell) => { const out = [];
  for (const e of [cell, ...cell.querySelectorAll('*')]) { const s = getComputedStyle(e);
    out.push(e.className, s.outlineStyle !== 'none' ? s.outlineColor : '', s.boxShadow, s.borderTopColor, s.borderLeftColor); }
  return out.join(' '); }
"""
# Why a header's text cannot be read whole, or "": text cut inside its cell (scrollWidth beyond the box), cut by a
# clipping ancestor, off screen, or reachable only by a scroll the reader cannot do (an overflow: hidden box).
CLIPPED_JS = """
(text) => { const r = text.getBoundingClientRect(), cell = text.closest('[role=columnheader]');
  for (let e = text; e && e !== document.documentElement; e = e.parentElement) { const s = getComputedStyle(e);
    if (cell.contains(e) && e.scrollWidth > e.clientWidth + 1) return `cut inside ${e.className} (${e.scrollWidth} > ${e.clientWidth} px)`;
    if (e.scrollLeft > 0 && !['auto', 'scroll'].includes(s.overflowX)) return `hidden by ${e.className}, which cannot be scrolled`;
    if (e !== text && s.overflowX !== 'visible') { const a = e.getBoundingClientRect();
      if (r.left < a.left - 1 || r.right > a.right + 1) return `clipped by ${e.className}`; } }
  return r.left < 0 || r.right > innerWidth ? 'off screen' : ''; }
"""


def rows(pg) -> list[list[str]]:
    body = pg.locator(ROWS)
    return [[c.strip() for c in body.nth(i).locator("[role=gridcell]").all_inner_texts()] for i in range(body.count())]


def open_collection(browser, url: str, **context):
    pg = browser.new_context(**{"viewport": {"width": 1400, "height": 900}, **context}).new_page()
    pg.goto(url)
    pg.get_by_role("tab", name="Collection").click()
    pg.locator(ROWS).first.wait_for(timeout=ANSWER_TIMEOUT)
    return pg


def orange(style: str) -> bool:
    """True when any rgb() in `style` is orange-ish: red high, blue low (Gradio's accent, orange-500/600)."""
    return any(int(r) > 200 and int(b) < 90 and 60 < int(g) < 180
               for r, g, b in re.findall(r"rgba?\((\d+), (\d+), (\d+)", style))


def test_the_table_reads_and_sorts(browser, app_server):  # noqa: F811
    pg = open_collection(browser, app_server.url)
    header = pg.locator("#qa-docs [role=columnheader]")
    assert [h.strip() for h in header.all_inner_texts()][:len(HEADERS)] == HEADERS
    for i, name in enumerate(HEADERS):  # one line each: a header's text is no taller than its font's line
        lines = header.nth(i).get_by_text(name, exact=True).first.evaluate(
            "(e) => e.getClientRects().length ? e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).fontSize) : 0")
        assert 0 < lines < 2, f"the header {name!r} wraps ({lines:.1f} font sizes tall)"
    assert_headers_readable(header)
    shown = rows(pg)
    assert len(shown) >= 3
    for date, title, file, _byline, copies, passages in shown:
        assert file not in title and len(title) <= 71, (title, file)
        assert re.fullmatch(r"(\d{4}-\d\d-\d\d( \d\d:\d\d)?)?", date), date
        assert copies.isdigit() and passages.isdigit() and int(passages) >= 1
    cell = pg.locator(ROWS).first.locator("[role=gridcell]").nth(1)
    cell.click()
    pg.locator("#qa-preview .qa-doctext").wait_for(timeout=ANSWER_TIMEOUT)
    assert not orange(cell.evaluate(CELL_STYLE_JS)), "the clicked cell looks editable"
    shoot(pg, "desk-table-light.png")

    for column, way in (("Passages", "ascending"), ("Passages", "descending"), ("Copies", "ascending")):
        index = HEADERS.index(column)  # each header's menu sorts by it
        header.nth(index).hover()
        header.nth(index).locator(".cell-menu-button").click()
        pg.get_by_text(f"Sort {way}").first.click()
        key = int
        expected = lambda: sorted(values, reverse=way == "descending")  # noqa: E731
        for _ in range(20):  # the grid re-renders after the click
            values = [key(r[index]) for r in rows(pg)]
            if values == expected():
                break
            pg.wait_for_timeout(100)
        assert values == expected(), (column, way, values)
    pg.context.close()


@pytest.mark.parametrize("theme, width", [("dark", 1400), ("light", 390), ("dark", 390)])
def test_table_screenshots(browser, app_server, theme, width):  # noqa: F811
    pg = open_collection(browser, app_server.url + ("?__theme=dark" if theme == "dark" else ""),
                         viewport={"width": width, "height": 900})
    header = pg.locator("#qa-docs [role=columnheader]")
    for i, name in enumerate(HEADERS):  # at 390 px too, no header is broken mid-word
        text = header.nth(i).get_by_text(name, exact=True).first
        assert text.evaluate("(e) => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).fontSize)") < 2
    assert_headers_readable(header)
    pg.locator("#qa-docs .table-container").evaluate("(e) => { e.scrollLeft = 0; }")  # the shot shows the start
    shoot(pg, f"desk-table-{theme}-{width}.png", full_page=True)
    pg.context.close()


def assert_headers_readable(header) -> None:
    """Each header, scrolled into view as a reader would, shows its whole name."""
    for i, name in enumerate(HEADERS):
        text = header.nth(i).get_by_text(name, exact=True).first
        text.scroll_into_view_if_needed()
        clipped = text.evaluate(CLIPPED_JS)
        assert not clipped, f"the header {name!r} is not readable: {clipped}"


def shoot(pg, name: str, **options) -> None:
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / name), **options)

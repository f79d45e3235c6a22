"""End to end through the `qa` command line: a mixed collection (HTML, Markdown, plain text, PDF, a
syndicated copy, a page added by URL) gives titles, bylines, ISO dates and URLs, filters and story groups."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from .newsite import ARTICLE_FACT, ARTICLE_TITLE, news_site
from .pdfs import pdf_bytes
from .support import qa

pytestmark = pytest.mark.model  # every test here reads an index that `qa build` made with the model

HTML_ID, MD_ID, TXT_ID, PDF_ID = "orava-bridge.html", "honey.md", "broadband.txt", "reservoir.pdf"
COPY_ID = "partner/glass-walkway.txt"
URL_ID = "otter-census-finds-412-otters-along-the-vltava.html"  # the page `qa add` saves, named by its title
HTML_TITLE = "Glass walkway opens over the Orava gorge"
CANONICAL = "https://news.example.com/travel/orava-glass-walkway"
# the HTML story's paragraphs; the syndicated copy prints them under its own headline, the third one cut
STORY = [
    "A walkway with a glass floor opened over the Orava gorge on Wednesday, and more than 3,000 visitors crossed "
    "it on the first day, the regional tourist board said.",
    "The walkway is 212 metres long and hangs 96 metres above the river, which makes it the longest glass "
    "crossing in central Europe, according to the engineering firm Most Stavby that built it.",
    "Work on the crossing began in the spring of 2022 and cost 14 million euros, two thirds of it paid by the "
    "European Union's fund for regional development.",
    "Each of the 320 glass panels is four centimetres thick and can carry the weight of a small car, chief "
    "engineer Milan Kovac told reporters at the opening, standing in the middle of the span.",
    "Tickets cost 12 euros for adults and 6 euros for children, and the walkway closes when the wind in the "
    "gorge is stronger than 60 kilometres an hour, the operator said.",
    "Hotels in the villages of Oravsky Podzamok and Dolny Kubin reported that rooms for the summer were already "
    "almost fully booked, and the tourist board expects 400,000 visitors a year.",
]
NAV, SCRIPT, FOOTER = "Subscribe to the Tatra Courier for 2 euros a week", "leaderboard-slot-7", "All rights reserved"
HTML = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{HTML_TITLE} | The Tatra Courier</title>
<meta property="og:title" content="{HTML_TITLE}">
<meta property="og:type" content="article">
<meta name="author" content="Petra Holub">
<meta property="article:published_time" content="2024-06-12T08:15:00Z">
<meta name="description" content="A record glass crossing in Slovakia">
<link rel="canonical" href="{CANONICAL}">
<script>window.ads = {{slot: "{SCRIPT}"}}; function track() {{ return "{SCRIPT}"; }}</script>
<style>nav a {{ margin: 0 6px; }}</style>
</head><body>
<header><nav><a href="/">Home</a> <a href="/travel">Travel</a> <a href="/sport">Sport</a>
<a href="/subscribe">{NAV}</a></nav></header>
<main><article><h1>{HTML_TITLE}</h1>
<p class="byline">By Petra Holub</p>
{"".join(f"<p>{p}</p>" for p in STORY)}
</article></main>
<aside><h3>Most read</h3><ul><li><a href="/a">Ski lift prices rise again</a></li></ul></aside>
<footer><p>© 2024 The Tatra Courier. {FOOTER}.</p></footer>
<script src="/static/{SCRIPT}.js"></script>
</body></html>
"""
COPY = "\n\n".join(["Slovakia opens Europe's longest glass crossing"] + STORY[:2] + STORY[3:]) + "\n"
MARKDOWN = """---
title: "Beekeepers in Lusatia report a record honey harvest"
author: Tomas Weber
date: 2025-01-20
---
# Record honey harvest

Members of the Lusatian beekeepers' association collected **38 tonnes** of honey in 2024, the largest harvest
since the association was founded, its chairwoman said on Monday.

A warm spring and the [new lime tree avenues](https://example.org/limes) planted by the towns gave the bees
*three weeks* more of flowering than usual.
"""
TXT = """Senate approves $4.2 billion for rural broadband towers
By Laura Chen

WASHINGTON, March 3, 2025 (Reuters) - The U.S. Senate on Monday approved $4.2 billion to build 9,300 broadband
towers in rural counties, after a debate that lasted two weeks.

The money will be handed out by the Commerce Department over five years, and counties with the slowest
connections will be served first, the bill's sponsors said.
"""
PDF_TITLE = "Reservoir levels fall to a ten-year low"
PDF_LINES = [
    "The Dlouha Voda reservoir held 31 percent of its capacity at the end of August,",
    "the lowest level in ten years, the river authority said in its monthly report.",
    "Farmers downstream may draw no water for irrigation until the level is back above 40 percent.",
]


def _pdf() -> bytes:
    """A real one-page PDF (no date anywhere in it) with several lines of text and a title in its info."""
    lines = " T* ".join(f"({line}) Tj" for line in PDF_LINES)
    return pdf_bytes([f"BT /F1 11 Tf 14 TL 72 720 Td {lines} ET".encode()], title=PDF_TITLE)


def _ok(*args) -> str:
    out = qa(*args)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def coll(tmp_path_factory):
    """The collection built once, then a page added to it by URL from a local news site."""
    base = tmp_path_factory.mktemp("mixed")
    articles, index = base / "articles", base / "index"
    (articles / "partner").mkdir(parents=True)
    for name, text in ((HTML_ID, HTML), (MD_ID, MARKDOWN), (TXT_ID, TXT), (COPY_ID, COPY)):
        (articles / name).write_text(text, encoding="utf-8")
    (articles / PDF_ID).write_bytes(_pdf())
    build = json.loads(_ok("build", "--source", str(articles), "--index", str(index), "--json"))
    with news_site() as (site, _):
        page = f"{site}/science/otter-census"
        added = _ok("add", page, "--allow-network", "127.0.0.1", "--source", str(articles), "--index", str(index))
    return SimpleNamespace(articles=articles, index=index, build=build, added=added, page=page, shown={})


def show(coll, doc_id: str) -> dict:
    if doc_id not in coll.shown:
        coll.shown[doc_id] = json.loads(_ok("show", doc_id, "--index", str(coll.index), "--json"))
    return coll.shown[doc_id]


def ask(coll, question: str, *filters: str, k: int = 5) -> list[dict]:
    """The excerpts of `qa ask --json`, each checked to quote its article at its offsets."""
    excerpts = json.loads(_ok("ask", question, "--index", str(coll.index), "-k", str(k), "--json", *filters))["excerpts"]
    for e in excerpts:
        assert show(coll, e["doc_id"])["text"][e["start"]:e["end"]] == e["text"]
    return excerpts


def meta(doc: dict) -> tuple:
    return doc["title"], doc["byline"], doc["date"], doc["date_text"], doc["url"]


def test_every_article_is_indexed_and_the_page_saved(coll):
    assert sorted(coll.build["added"]) == sorted([COPY_ID, HTML_ID, MD_ID, PDF_ID, TXT_ID])
    assert coll.build["skipped"] == []
    assert coll.added.strip() == f"added {URL_ID} from {coll.page}"
    assert (coll.articles / URL_ID).is_file()


def test_html_metadata_and_main_text_only(coll):
    doc = show(coll, HTML_ID)
    assert meta(doc) == (HTML_TITLE, "Petra Holub", "2024-06-12T08:15", "2024-06-12T08:15:00Z", CANONICAL)
    assert all(p in doc["text"] for p in STORY)
    for junk in (NAV, SCRIPT, FOOTER, "Most read", "Ski lift", "The Tatra Courier", "margin"):
        assert junk not in doc["text"]


def test_markdown_front_matter_and_plain_text(coll):
    doc = show(coll, MD_ID)
    assert meta(doc) == ("Beekeepers in Lusatia report a record honey harvest", "Tomas Weber", "2025-01-20",
                         "2025-01-20", None)
    assert "collected 38 tonnes of honey" in doc["text"] and "the new lime tree avenues planted" in doc["text"]
    assert not any(mark in doc["text"] for mark in ("**", "](", "---", "# ", "*three"))
    human = _ok("show", MD_ID, "--index", str(coll.index))
    assert "collected 38 tonnes of honey" in human and "**" not in human and "date: 2025-01-20" in human


def test_plain_text_headline_byline_and_wire_dateline(coll):
    doc = show(coll, TXT_ID)
    assert meta(doc) == ("Senate approves $4.2 billion for rural broadband towers", "Laura Chen", "2025-03-03",
                         "March 3, 2025", None)
    assert doc["text"] == TXT


def test_pdf_text_and_title_and_no_date(coll):
    doc = show(coll, PDF_ID)
    assert (doc["title"], doc["date"], doc["date_text"], doc["url"]) == (PDF_TITLE, None, None, None)
    assert "31 percent of its capacity" in doc["text"] and "above 40 percent" in doc["text"]


def test_the_syndicated_copy_is_grouped_with_its_original(coll):
    copy = show(coll, COPY_ID)
    assert copy["title"] == "Slovakia opens Europe's longest glass crossing" and copy["date"] is None
    assert copy["also_in"] == [HTML_ID] and show(coll, HTML_ID)["also_in"] == [COPY_ID]
    assert all(show(coll, d)["also_in"] == [] for d in (MD_ID, TXT_ID, PDF_ID, URL_ID))


def test_one_excerpt_per_story_with_its_copies_in_also_in(coll):
    excerpts = ask(coll, "How long is the glass walkway over the Orava gorge?")
    story = [e for e in excerpts if e["doc_id"] in (HTML_ID, COPY_ID)]
    assert story and "212 metres long" in excerpts[0]["text"]
    speaker = {e["doc_id"] for e in story}
    assert len(speaker) == 1, "both copies of the story came back"
    other = {HTML_ID: COPY_ID, COPY_ID: HTML_ID}[speaker.pop()]
    assert all(e["also_in"] == [other] for e in story)
    assert all(e["also_in"] == [] for e in excerpts if e not in story)
    assert sum("212 metres long" in e["text"] for e in excerpts) == 1
    assert excerpts[0]["title"] in (HTML_TITLE, show(coll, COPY_ID)["title"])


def test_doc_filter_answers_from_that_article_only(coll):
    copy = ask(coll, "How long is the glass walkway over the Orava gorge?", "--doc", COPY_ID)
    assert copy and {e["doc_id"] for e in copy} == {COPY_ID} and "212 metres long" in copy[0]["text"]
    assert all(e["also_in"] == [HTML_ID] for e in copy)
    pdf = ask(coll, "How full is the Dlouha Voda reservoir?", "--doc", PDF_ID)
    assert pdf and {e["doc_id"] for e in pdf} == {PDF_ID} and "31 percent" in pdf[0]["text"]
    assert pdf[0]["title"] == PDF_TITLE and pdf[0]["date"] is None
    two = ask(coll, "How full is the Dlouha Voda reservoir?", "--doc", MD_ID, "--doc", TXT_ID)
    assert two and {e["doc_id"] for e in two} <= {MD_ID, TXT_ID}
    batch = qa("ask", "-", "--index", str(coll.index), "--json", "--doc", PDF_ID,
               stdin="How long is the glass walkway?\nHow much honey did the beekeepers collect?\n")
    answers = [json.loads(line) for line in batch.stdout.splitlines()]
    assert batch.returncode == 0 and len(answers) == 2  # `qa ask -` applies the same filter to every line
    assert all(a["excerpts"] and {e["doc_id"] for e in a["excerpts"]} == {PDF_ID} for a in answers)


def test_date_filters_keep_dated_articles_in_range_and_no_undated_one(coll):
    # the story's article is from 2024 and its copy undated: neither answers from 2025 on
    later = ask(coll, "How long is the glass walkway over the Orava gorge?", "--since", "2025-01-01")
    assert later and {e["doc_id"] for e in later} <= {MD_ID, TXT_ID, URL_ID}
    # the undated PDF holds the answer, but only the one article dated 2024-06-12 (08:15) is in range
    day = ask(coll, "How full is the Dlouha Voda reservoir?", "--since", "2024-06-12", "--until", "2024-06-12")
    assert day and {e["doc_id"] for e in day} == {HTML_ID}
    assert all(e["date"] == "2024-06-12T08:15" for e in day)
    march = ask(coll, "How much money did the Senate approve?", "--until", "2025-03-03", "--since", "2025-02-01")
    assert {e["doc_id"] for e in march} == {TXT_ID} and "$4.2 billion" in march[0]["text"]
    assert ask(coll, "How full is the Dlouha Voda reservoir?", "--doc", PDF_ID, "--since", "2000-01-01") == []


@pytest.mark.parametrize("flags, named", [(("--since", "2025-13-01"), "--since"), (("--doc", "missing.txt"), "missing.txt"),
                                          (("--since", "2025-03-04", "--until", "2025-03-03"), "since")])
def test_bad_filters_are_one_line_exit_2(coll, flags, named):
    out = qa("ask", "How full is the reservoir?", "--index", str(coll.index), "--json", *flags)
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qa: error: ") and named in lines[0]


def test_a_page_added_by_url_has_its_address_and_answers(coll):
    doc = show(coll, URL_ID)
    assert meta(doc) == (ARTICLE_TITLE, "Jana Dvořáková", "2025-04-17T09:30", "2025-04-17T09:30:00+02:00", coll.page)
    assert ARTICLE_FACT in doc["text"] and "Subscribe" not in doc["text"]
    found = ask(coll, "How many otters were counted along the Vltava?", "--doc", URL_ID)
    assert found and {e["doc_id"] for e in found} == {URL_ID} and "412" in found[0]["text"]
    assert found[0]["url"] == coll.page and found[0]["also_in"] == []
    spring = ask(coll, "How many otters were counted along the Vltava?", "--since", "2025-04-01")
    assert spring and spring[0]["doc_id"] == URL_ID
    assert {e["doc_id"] for e in spring} == {URL_ID}  # the only article dated after April 1

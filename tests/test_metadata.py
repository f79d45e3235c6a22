"""Titles, bylines, ISO dates (with the text as written) and URLs from every format."""
import json
import sqlite3
import subprocess
import sys

import pytest

from qa.ingest.loader import load, scan
from qa.ingest.metadata import iso_date

from .support import PLAIN, ROOT, SEEDS

HTML = """<!doctype html><html><head><title>Harbour reopens after storm | The Coast Times</title>
<meta property="og:title" content="Harbour reopens after storm">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-05T14:30:00Z">
<link rel="canonical" href="https://example.com/news/harbour-reopens">
<script>var tracker = "script text";</script><style>body { color: red }</style></head><body>
<nav><a href="/">Home</a> | <a href="/world">World news menu</a></nav>
<article><h1>Harbour reopens after storm</h1>
<p>The Kestrel harbour reopened on Tuesday after the storm damaged three piers and sank eleven boats.</p>
<p>Repairs cost 2.4 million pounds and took six weeks of work by crews from across the county.</p></article>
<footer>Copyright 2024 The Coast Times</footer></body></html>
"""
FRONT_MATTER_MD = """---
title: "Grain prices climb in Marlow"
author: Sam Reed
date: 2025-03-03
url: https://example.org/grain
---
# Grain prices climb

The council approved **$87 million** for the [new silo](https://example.com/silo) project.

- the *first* point
- the `second` point
"""
FIRST_LINES_MD = """# Lighthouse keeper retires

**By Ann Lee**

*March 4, 2025*

After forty years the keeper of the Quill lighthouse retired on Monday.
"""
DATELINE_TXT = ("Ferry service resumes on the island route\nBy Tom Hale\nPublished: 5 May 2023\n\n"
                "The ferry service to Quill island resumed on Friday after a three-week pause.\n")
NO_TITLE_TXT = ("The ferry service to Quill island resumed on Friday after a three-week pause caused by the storm "
                "that closed the harbour for most of the month. Passengers welcomed it.\n")


def _load(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")
    files, _ = scan([folder])
    return load(next(f for f in files if f.doc_id == name))


def test_html_head_metadata_and_main_text(tmp_path):
    doc = _load(tmp_path, "harbour.html", HTML)
    assert (doc.title, doc.byline) == ("Harbour reopens after storm", "Jane Doe")
    assert (doc.date, doc.date_text) == ("2024-03-05T14:30", "2024-03-05T14:30:00Z")
    assert doc.url == "https://example.com/news/harbour-reopens"
    assert "sank eleven boats" in doc.text
    assert not any(junk in doc.text for junk in ("script text", "color: red", "World news menu"))


def test_markdown_front_matter_and_plain_text(tmp_path):
    doc = _load(tmp_path, "grain.md", FRONT_MATTER_MD)
    assert (doc.title, doc.byline, doc.date, doc.date_text) == ("Grain prices climb in Marlow", "Sam Reed",
                                                               "2025-03-03", "2025-03-03")
    assert doc.url == "https://example.org/grain"
    assert "The council approved $87 million for the new silo project." in doc.text
    assert not any(mark in doc.text for mark in ("**", "](", "---", "# ", "`", "*first*", "- the"))


def test_markdown_title_byline_and_date_from_its_first_lines(tmp_path):
    doc = _load(tmp_path, "keeper.md", FIRST_LINES_MD)
    assert (doc.title, doc.byline, doc.date, doc.date_text) == ("Lighthouse keeper retires", "Ann Lee",
                                                               "2025-03-04", "March 4, 2025")
    assert doc.url is None and "**" not in doc.text and "# " not in doc.text


def test_plain_text_dateline_and_headline(tmp_path):
    doc = _load(tmp_path, "ferry.txt", DATELINE_TXT)
    assert (doc.title, doc.byline, doc.date, doc.date_text) == ("Ferry service resumes on the island route", "Tom Hale",
                                                               "2023-05-05", "5 May 2023")
    assert doc.text == DATELINE_TXT  # plain text is kept as it is


@pytest.mark.parametrize("line, written", [
    ("WASHINGTON, March 3, 2025 (Reuters) - The Senate voted on Monday.", "March 3, 2025"),
    ("SAN JUAN, Puerto Rico, 5 May 2023 (AP) — Police said on Friday.", "5 May 2023"),
    ("LONDON, Jan 5 (Reuters) - A wire dateline without its year.", None),
    ("The Senate, March 3, 2025 - a sentence, not a dateline.", None),
])
def test_a_wire_dateline_dates_the_story_and_still_opens_it(tmp_path, line, written):
    doc = _load(tmp_path, "wire.txt", f"Senate votes on rural towers\nBy Laura Chen\n\n{line}\n")
    assert (doc.title, doc.byline, doc.date_text) == ("Senate votes on rural towers", "Laura Chen", written)
    alone = _load(tmp_path, "lead.txt", f"{line}\nMore of the story.\n")  # no headline: its title is cut from it
    assert alone.title.startswith(line[:30]) and alone.date_text == written


def test_plain_text_without_a_headline_gets_a_cut_title_and_its_file_name(tmp_path):
    doc = _load(tmp_path, "ferry.txt", NO_TITLE_TXT)
    cut, _, name = doc.title.partition(" (")
    assert name == "ferry.txt)" and cut.endswith("…") and len(cut) <= 91
    assert NO_TITLE_TXT.startswith(cut[:-1]) and NO_TITLE_TXT[len(cut) - 1] == " "  # cut at a word


@pytest.mark.parametrize("written, iso", [("06 Aug 2024, 20:00 PM EDT", "2024-08-06T20:00"), ("2025-03-03", "2025-03-03"),
                                          ("Published: March 3, 2025", "2025-03-03"), ("not a date", None), ("", None)])
def test_dates_are_iso_8601(written, iso):
    assert iso_date(written) == iso


def test_an_index_of_the_old_schema_opens_with_the_new_columns(tmp_path):
    """An index built before date_text/url: it still opens, and its date as found moves to date_text."""
    from qa.index.store import Store

    Store(tmp_path, create=True).close()
    db = sqlite3.connect(tmp_path / "qa.sqlite")
    db.executescript("ALTER TABLE documents DROP COLUMN date_text; ALTER TABLE documents DROP COLUMN url;")
    db.execute("INSERT INTO documents VALUES ('a.txt', 'h', 'T', 'B', '06 Aug 2024', '/a.txt', 'text', 0, 0)")
    db.commit()
    db.close()
    doc = Store(tmp_path).document("a.txt")
    assert (doc.title, doc.byline, doc.date, doc.date_text, doc.url) == ("T", "B", None, "06 Aug 2024", None)


@pytest.mark.model
def test_json_contract_of_show_and_ask(tmp_path):
    """`qa show --json` and each excerpt of `qa ask --json` carry date (ISO or null), date_text, byline, title, url;
    a Markdown article's offsets point into its plain text, which `qa show` prints."""
    source = tmp_path / "articles"
    source.mkdir()
    (source / PLAIN).write_bytes((SEEDS / PLAIN).read_bytes())
    (source / "grain.md").write_text(FRONT_MATTER_MD, encoding="utf-8")
    index = tmp_path / "index"

    def qa(*args):
        out = subprocess.run([sys.executable, "-m", "qa.cli", *args, "--index", str(index)], capture_output=True,
                             text=True, cwd=ROOT, timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        return out.stdout

    qa("build", "--source", str(source))
    shown = json.loads(qa("show", "grain.md", "--json"))
    assert {k: shown[k] for k in ("title", "byline", "date", "date_text", "url")} == {
        "title": "Grain prices climb in Marlow", "byline": "Sam Reed", "date": "2025-03-03", "date_text": "2025-03-03",
        "url": "https://example.org/grain"}
    plain = json.loads(qa("show", PLAIN, "--json"))
    assert (plain["date"], plain["date_text"], plain["byline"]) == ("2024-08-06T20:00", "06 Aug 2024, 20:00 PM EDT",
                                                                  "Maria Ortiz")
    answer = json.loads(qa("ask", "How much did the council approve for the silo?", "-k", "2", "--json"))
    excerpt = next(e for e in answer["excerpts"] if e["doc_id"] == "grain.md")
    assert {k: excerpt[k] for k in ("title", "byline", "date", "date_text", "url")} == {
        "title": "Grain prices climb in Marlow", "byline": "Sam Reed", "date": "2025-03-03", "date_text": "2025-03-03",
        "url": "https://example.org/grain"}
    assert shown["text"][excerpt["start"]:excerpt["end"]] == excerpt["text"] and "**" not in excerpt["text"]
    assert "$87 million for the new silo project" in excerpt["text"]
    human = qa("show", "grain.md")
    assert "The council approved $87 million for the new silo project." in human and "**$87" not in human

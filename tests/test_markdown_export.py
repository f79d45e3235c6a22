"""The answer's Markdown export ("Copy") is inert wherever it is pasted: text and metadata from a hostile article
render as the text they are, with no raw HTML, no `javascript:` link, and links only to http(s) and the app."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from qa.ui import render

SENTENCE = ('Officials said [click here](javascript:alert(1)) and <img src=x onerror="alert(2)"> '
            '<script>alert(3)</script> ![x](javascript:alert(4)) <javascript:alert(5)> *bold* `code` &lt;b&gt; 1 < 2.')
HOSTILE = {
    "question": "<b>Who</b> said [it](javascript:alert(6))?",
    "answer": [{"doc_id": "evil`name</a>.html", "start": 10, "end": 10 + len(SENTENCE), "text": SENTENCE}],
    "excerpts": [{"rank": 1, "doc_id": "evil`name</a>.html", "start": 0, "end": 400, "text": SENTENCE,
                  "title": '<svg onload=alert(7)> [T](javascript:alert(8))', "date": None,
                  "date_text": "<iframe src=javascript:alert(9)>", "url": "javascript:alert(10)//http://x",
                  "highlight": []}],
}
ALLOWED_TAGS = {"p", "blockquote", "strong", "em", "code", "a"}


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def rendered(md: str) -> Tags:
    """The export as a Markdown renderer that passes raw HTML through (CommonMark's default) shows it."""
    parser = Tags()
    parser.feed(MarkdownIt("commonmark", {"html": True}).render(md))
    return parser


def test_a_hostile_answer_exports_inert_markdown():
    md = render.markdown(HOSTILE)
    page = rendered(md)
    assert {tag for tag, _ in page.tags} <= ALLOWED_TAGS, page.tags
    links = [attrs.get("href", "") for tag, attrs in page.tags if tag == "a"]
    assert links and all(href.startswith("?doc=") for href in links), links
    assert "javascript:" not in "".join(links)
    # the quote still reads as the article's words, character for character
    assert SENTENCE in " ".join("".join(page.text).split())


def test_only_http_addresses_become_links():
    assert render.md_link("javascript:alert(1)") == "javascript:alert(1)"
    assert render.md_link("data:text/html,<b>x</b>") == r"data:text/html,\<b\>x\</b\>"
    link = render.md_link("https://news.example.org/a_(b)?q=<x>&y=1")
    page = rendered(link)
    assert [(tag, attrs.get("href")) for tag, attrs in page.tags] == [
        ("p", None), ("a", "https://news.example.org/a_%28b%29?q=%3Cx%3E&y=1")]
    assert "".join(page.text).strip() == "https://news.example.org/a_(b)?q=<x>&y=1"


def test_text_renders_as_itself():
    for text in ("1. first", "# heading", "- item", "+ item", "=== rule", "a_b_c *d* `e` [f] <g> & ~h~ |i|",
                 "\\[not a link\\]", "C:\\path\\file"):
        page = rendered(render.md_text(text))
        assert "".join(page.text).strip() == text, (text, render.md_text(text))
        assert {tag for tag, _ in page.tags} == {"p"}, (text, page.tags)
    assert re.fullmatch(r"``+ ?.*`+", render.md_code("a`b")) and "".join(rendered(render.md_code("a`b")).text).strip() == "a`b"

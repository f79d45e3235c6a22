"""Article metadata for every format: title, byline, date (ISO-8601 and as written) and source URL."""
from __future__ import annotations

import re
from functools import lru_cache

_BYLINE = re.compile(r"^\s*By\s+([A-Z][\w.'’\-]*(?:[ ,]+(?:and\s+)?[A-Z][\w.'’\-]*){0,6})\s*$")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_CLOCK = r"(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}(?:\s*[AP]\.?M\.?)?(?:\s+[A-Z]{2,4})?)?"
# Only finds the line that states the date; dateparser reads it. A looser finder would take any sentence
# with a number in it for a dateline.
_DATE = (rf"\d{{1,2}}\s+{_MONTH},?\s+\d{{4}}{_CLOCK}"
         rf"|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}{_CLOCK}"
         rf"|\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}})?(?:Z|[+-]\d{{2}}:?\d{{2}})?)?")
_DATELINE = re.compile(
    rf"^\s*(?:(?:Published|Updated|Posted|Date)\s*(?:on)?\s*:?\s*)?(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?("
    rf"{_DATE})\s*$",
    re.IGNORECASE,
)
# A wire story's first paragraph opens with its dateline: "WASHINGTON, March 3, 2025 (Reuters) - The ...".
# The place in capitals and the dash after the date keep an ordinary sentence from passing for one.
_WIRE_DATELINE = re.compile(
    rf"^\s*[A-Z][A-Z.'’\- ]+(?:,\s*[A-Z][\w.'’ ]+?)?,\s+({_DATE})\s*(?:\([^()]{{1,40}}\)\s*)?[-–—]")
_HAS_CLOCK = re.compile(r"\d{1,2}:\d{2}")
HEADLINE_MAX_CHARS = 120
HEADLINE_MAX_WORDS = 20
CUT_TITLE_CHARS = 90  # a title made from the first sentence, cut at a word

# HTML meta tags that hold the publication date or the author, most specific first
_DATE_KEYS = ("article:published_time", "datepublished", "date", "dc.date", "dc.date.issued", "pubdate",
              "publish-date", "og:published_time", "sailthru.date", "article:modified_time")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "byl", "sailthru.author")


def iso_date(text: str | None) -> str | None:
    """`text` as ISO-8601: YYYY-MM-DD, with THH:MM when it states a time; None when it is no date."""
    if not text or not text.strip():
        return None
    parsed = _parse(" ".join(text.split()))
    if parsed is None:
        return None
    return parsed.strftime("%Y-%m-%dT%H:%M" if _HAS_CLOCK.search(text) else "%Y-%m-%d")


def _parse(text: str):
    import dateparser  # slow to import (~1 s): only builds that meet a date pay for it

    # a date line's label ("Published:") is not part of the date; dateparser refuses the whole otherwise
    m = _DATELINE.match(text)
    settings = {"RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": "DMY"}
    try:
        return dateparser.parse(m.group(1) if m else text, languages=["en"], settings=settings)
    except (ValueError, OverflowError, TypeError):  # a malformed date in an article is no date, not a failure
        return None


def dateline(line: str) -> str | None:
    """The date as written when `line` is a dateline ("06 Aug 2024, 20:00 PM EDT"), else None."""
    m = _DATELINE.match(line) or _WIRE_DATELINE.match(line)
    return m.group(1).strip() if m else None


def wire_dateline(text: str) -> int:
    """How many characters of `text` its opening wire dateline takes, the dash and the space after it included
    ("PELLHAM, March 5, 2026 — " of a lead sentence); 0 when it opens with none."""
    m = _WIRE_DATELINE.match(text)
    return len(text) - len(text[m.end():].lstrip()) if m else 0


def looks_like_headline(line: str) -> bool:
    """A short line that is not a sentence: a title, not the first line of the body."""
    line = line.strip()
    return (0 < len(line) <= HEADLINE_MAX_CHARS and len(line.split()) <= HEADLINE_MAX_WORDS
            and not line.endswith((".", ",", ";", ":")))


def cut_title(lead: str, file_name: str) -> str:
    """A title for an article without one: its first sentence cut at a word (≤ 90 characters), with the file name."""
    from ..text import sentence_spans

    spans = sentence_spans(lead[:2000])
    first = " ".join((lead[spans[0][0]:spans[0][1]] if spans else lead[:2000]).split())
    if len(first) > CUT_TITLE_CHARS:
        head = first[:CUT_TITLE_CHARS + 1]
        cut = head.rsplit(" ", 1)[0] if " " in head[CUT_TITLE_CHARS // 2:] else head[:CUT_TITLE_CHARS]
        first = cut.rstrip(",;:—- ") + "…"
    return f"{first} ({file_name})"


def head_metadata(text: str) -> dict:
    """Title, byline and date stated in the first lines of a plain-text article (or Markdown's text), and its
    `lead`: the first line that is neither, a title when it looks like a headline."""
    found: dict = {}
    for line in text.splitlines()[:12]:
        stripped = line.strip()
        if not stripped:
            continue
        if "byline" not in found and (m := _BYLINE.match(stripped)):
            found["byline"] = m.group(1).strip()
            continue
        if "date_text" not in found and (written := dateline(stripped)):
            found["date_text"] = written
            if not _WIRE_DATELINE.match(stripped):  # a wire dateline also opens the story's first paragraph
                continue
        if "lead" not in found:
            found["lead"] = stripped
            if looks_like_headline(stripped):
                found["title"] = stripped
    return found


# ---- Markdown ---------------------------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)


def markdown_text(source: str) -> tuple[str, dict]:
    """The plain text of a Markdown article (markup removed) and its front matter / first heading metadata."""
    meta: dict = {}
    m = _FRONT_MATTER.match(source)
    if m:
        meta = _front_matter(m.group(1))
        source = source[m.end():]
    text, heading = _markdown_plain(source)
    if heading and not meta.get("title"):
        meta["title"] = heading
    return text, meta


def _front_matter(block: str) -> dict:
    import yaml

    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict):
        return {}
    data = {str(k).lower(): v for k, v in data.items()}

    def first(*keys):
        for key in keys:
            value = data.get(key)
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            if value not in (None, ""):
                return str(value)
        return None

    return {"title": first("title", "headline"), "byline": first("author", "authors", "byline"),
            "date_text": first("date", "published", "pubdate", "published_at"), "url": first("url", "canonical", "link")}


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").enable("strikethrough")


def _markdown_plain(source: str) -> tuple[str, str | None]:
    """(the text as a reader sees it, one block a paragraph, table rows a line; the first heading or None)."""
    blocks: list[str] = []
    heading: str | None = None
    in_heading = in_cell = False
    row: list[str] = []
    for token in _parser().parse(source):
        kind = token.type
        if kind in ("heading_open", "heading_close"):
            in_heading = kind == "heading_open"
        elif kind in ("th_open", "td_open", "th_close", "td_close"):
            in_cell = kind.endswith("_open")
        elif kind == "inline" and in_cell:
            row.append(_inline(token))
        elif kind == "inline":
            words = _inline(token)
            if in_heading and heading is None:
                heading = " ".join(words.split())
            blocks.append(words)
        elif kind in ("fence", "code_block"):
            blocks.append(token.content.rstrip("\n"))
        elif kind == "tr_close":
            blocks.append("\t".join(row))
            row = []
    return "\n\n".join(b for b in blocks if b.strip()), heading


def _inline(token) -> str:
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "softbreak":
            out.append("\n")
        elif child.type == "hardbreak":
            out.append("\n")
        elif child.type == "image":
            out.append(child.content or "")  # the alt text
        # html_inline and link/emphasis markers carry no words of the article
    return "".join(out)


# ---- HTML -------------------------------------------------------------------------------------------------
def html_metadata(html: str) -> dict:
    """Title, byline, date (as written) and URL from an HTML page's head: meta tags, <link rel=canonical>, <time>."""
    try:
        import lxml.html

        tree = lxml.html.fromstring(html)
    except Exception:  # lxml raises several kinds on empty or odd documents
        return {}
    meta: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        value = (el.get("content") or "").strip()
        if key and value:
            meta.setdefault(key, value)
    found: dict = {"title": meta.get("og:title")}
    if not found["title"]:
        titles = tree.xpath("//title")
        found["title"] = titles[0].text_content().strip() if titles else None
    if not found["title"]:
        h1 = tree.xpath("//h1")
        found["title"] = h1[0].text_content().strip() if h1 else None
    found["date_text"] = next((meta[k] for k in _DATE_KEYS if k in meta), None)
    if not found["date_text"]:
        times = tree.xpath("//time[@datetime]")
        found["date_text"] = times[0].get("datetime").strip() if times else None
    found["byline"] = next((meta[k] for k in _AUTHOR_KEYS if k in meta and not meta[k].startswith("http")), None)
    canonical = tree.xpath("//link[@rel='canonical']/@href")
    found["url"] = (canonical[0].strip() if canonical else None) or meta.get("og:url")
    return {k: v for k, v in found.items() if v}

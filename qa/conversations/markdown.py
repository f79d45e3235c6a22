"""An answer as Markdown that stays inert wherever it is pasted, and the citation pieces it is made of (links, titles)."""
from __future__ import annotations

import re
from urllib.parse import quote, urlencode, urlsplit

from ..ingest.loader import shorten

TABLE_TITLE_CHARS = 70  # titles in the Collection table, the source lines and exports, cut at a word


def confidence_of(answer: dict) -> str:
    """high | low | none; answers saved before the three levels existed say only `answered`."""
    level = answer.get("confidence")
    if level in ("high", "low", "none"):
        return level
    return "high" if answer.get("answered") else "none"


def answer_sentences(answer: dict) -> list[dict]:
    """The answer's sentences; for answers saved before `answer` existed, the first excerpt's highlighted
    sentences stand in (none when there is no excerpt)."""
    if answer.get("answer"):
        return list(answer["answer"])
    excerpts = answer.get("excerpts") or []
    if not excerpts:
        return []
    e = excerpts[0]
    return [{"doc_id": e["doc_id"], "start": s, "end": t, "text": e["text"][s - e["start"]:t - e["start"]]}
            for s, t in e.get("highlight") or []][:3]


def shown_title(title: str | None, doc_id: str, limit: int = TABLE_TITLE_CHARS) -> str:
    """A title cut at a word, without the "(file name)" an untitled article's made-up title ends with: the
    file is shown beside it, not inside it. The doc id when there is no title."""
    name = doc_id.rsplit("/", 1)[-1]
    title = " ".join(str(title or "").split())
    if title.endswith(f" ({name})"):
        title = title[:-len(name) - 3]
    return shorten(title, limit) or doc_id


def source_of(sentence: dict, excerpts: list[dict]) -> dict | None:
    """The excerpt that holds `sentence`, else the first one from its article, else None."""
    same = [e for e in excerpts if e["doc_id"] == sentence["doc_id"]]
    inside = [e for e in same if e["start"] <= sentence["start"] and sentence["end"] <= e["end"]]
    return (inside or same or [None])[0]


def cited_title(e: dict) -> str:
    """An excerpt's title as shown: indexes built before titles were capped hold whole ones."""
    return shown_title(e.get("title"), e["doc_id"])


def link(doc_id: str, start: int, end: int, hl: tuple[int, int] | None = None) -> str:
    """The query string that opens the app with this passage (and sentence) highlighted in the source panel."""
    params = {"doc": doc_id, "start": int(start), "end": int(end)}
    if hl:
        params["hl"] = f"{int(hl[0])}-{int(hl[1])}"
    return "?" + urlencode(params)


def markdown(answer: dict) -> str:
    """The answer as Markdown: each sentence quoted, then its citation; links are relative (`?doc=…`).

    Everything taken from an article or a question is escaped (md_text), so the export stays inert wherever it
    is pasted: no raw HTML, no link but the app's own and an article's http(s) address (md_link)."""
    excerpts = answer.get("excerpts") or []
    lines = [f"**{md_text(answer.get('question', ''))}**", ""]
    for sentence in answer_sentences(answer):
        e = source_of(sentence, excerpts) or {"doc_id": sentence["doc_id"]}
        start, end = int(sentence["start"]), int(sentence["end"])
        field = sentence.get("metadata")  # a byline or date from front matter or meta tags: no characters to cite
        where = f"the {md_text(str(field))} in its metadata" if field else f"characters {start}–{end}"
        cite = [f"*{md_text(cited_title(e))}*", md_text(e.get("date_text") or e.get("date") or ""),
                md_code(sentence["doc_id"]), where, md_link(e.get("url"))]
        span = (e.get("start", start), e.get("end", end))
        cite.append(f"[open the source]({link(sentence['doc_id'], *span, (start, end))})")
        lines += [f"> {md_text(line)}" if line.strip() else ">" for line in sentence["text"].splitlines() or [""]]
        lines += ["", "— " + ", ".join(str(c) for c in cite if c), ""]
    return "\n".join(lines).rstrip() + "\n"


# The characters that start Markdown's inline syntax, and HTML's: each is written backslash-escaped, which
# CommonMark shows as the character itself, so text makes no link, image, autolink, tag, entity, emphasis or code
# span. A line-leading "#", "-", "+", "=" or "1." is escaped too (no heading or list); other punctuation stays
# as it is, so the Markdown still reads as the article does.
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&~|])")
MD_LINE_START = re.compile(r"^([-=+#]|\d+(?=[.)]))")


def md_text(text: str) -> str:
    """`text` as Markdown that renders as exactly that text, on one line."""
    text = MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))
    # "1." becomes "1\." (a backslash escapes punctuation only); "#", "-", "+", "=" get one in front
    return MD_LINE_START.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1), text, 1)


def md_code(text: str) -> str:
    """`text` as a code span (inert: nothing inside one is markup), fenced by more backticks than it holds."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_link(url: str | None) -> str:
    """An article's address as a link when it is http(s), else as plain (escaped) text; empty when there is none."""
    if not url:
        return ""
    url = str(url).strip()
    if urlsplit(url).scheme.lower() not in ("http", "https") or any(c.isspace() for c in url):
        return md_text(url)
    target = quote(url, safe=":/?#@!$&'*+,;=%~-._")  # no "(", ")", "<", ">" or spaces left to end the link early
    return f"[{md_text(url)}](<{target}>)"


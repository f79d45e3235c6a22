"""How the held-out checker reads its articles (stdlib only): each format's visible text and metadata, its
sentences, and the content words that tell a paraphrase from a copy."""
from __future__ import annotations

import html
import re
from pathlib import Path

STOP = set("""a an the and or but nor of to in on at by for from with without into onto over under about as is are was
were be been being am do does did done have has had having it its it's this that these those there here what which who
whom whose when where why how much many whether if then than so such not no yes can could will would shall should may
might must i you he she we they me him her us them my your his our their up down out off again more most some any all
each every both few other own same too very just also s t d ll re ve m o y said says say""".split())


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def parse_md(raw: str) -> tuple[str, dict[str, str]]:
    m = re.match(r"^---\n(.*?)\n---\n", raw, re.S)
    if not m:
        return raw, {}
    meta = {}
    for line in m.group(1).splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            meta[k.strip()] = v.strip().strip('"').strip("'")
    return raw[m.end():], meta


def parse_html(raw: str) -> tuple[str, dict[str, str]]:
    meta = {}
    t = re.search(r"<title>(.*?)</title>", raw, re.S | re.I)
    if t:
        meta["title"] = html.unescape(t.group(1)).strip()
    for attr, key, name in (("name", "author", "author"), ("property", "article:published_time", "date")):
        m = re.search(r'<meta\s+%s="%s"\s+content="([^"]*)"' % (attr, re.escape(key)), raw, re.I)
        if m:
            meta[name] = html.unescape(m.group(1))
    body = re.search(r"<body\b.*?</body>", raw, re.S | re.I)
    text = body.group(0) if body else raw
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S | re.I)
    text = re.sub(r"</?(p|h[1-6]|li|ul|div|header|footer|nav|main|article|aside|time|br)\b[^>]*>", "\n", text, flags=re.I)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text), meta


def load_articles(folder: Path) -> dict[str, dict]:
    """Each article of `folder` by file name: its raw and normalised text, its blocks, metadata and format."""
    docs = {}
    for p in sorted(folder.iterdir()):
        if p.suffix not in (".txt", ".md", ".html"):
            continue
        raw = p.read_text(encoding="utf-8")
        if p.suffix == ".md":
            text, meta = parse_md(raw)
        elif p.suffix == ".html":
            text, meta = parse_html(raw)
        else:
            text, meta = raw, {}
        blocks = [norm(b) for b in text.splitlines() if b.strip()]  # lines / paragraphs / HTML blocks
        docs[p.name] = {"raw": raw, "text": norm(text), "blocks": blocks, "meta": meta, "ext": p.suffix}
    return docs


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])[\"”']?\s+(?=[\"“]?[A-Z])", text)


def stem(w: str) -> str:
    w = w.lower().replace("’", "'")
    w = re.sub(r"'s?$", "", w)
    for suf in ("ing", "ed", "es", "s", "ly"):
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            return w[: -len(suf)]
    return w


def content_words(s: str) -> set[str]:
    return {stem(w) for w in re.findall(r"[A-Za-z0-9][A-Za-z0-9'’.-]*[A-Za-z0-9]|[A-Za-z0-9]", s)
            if w.lower() not in STOP and stem(w) not in STOP}

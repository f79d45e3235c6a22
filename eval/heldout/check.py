#!/usr/bin/env python3
"""Check the held-out evaluation set in this folder (stdlib only): python3 eval/heldout/check.py

Verifies the articles (formats, length, byline/date/headline structure), questions.jsonl (doc ids exist,
`must` and `fact` are verbatim text of the article, kinds and their minimum counts, misspelled questions'
`same_as`, paraphrases share no content word with the answer sentence), offtopic.jsonl and dialogues.jsonl.
Exit status 0 when everything passes, 1 otherwise. It never imports or runs the `qa` package.

Text rules (what "verbatim" is checked against; runs of whitespace count as one space):
  .txt   the whole file
  .md    the body after the YAML front matter; with "from": "metadata", the front matter values
  .html  the visible text of <body> (scripts and styles dropped, tags stripped, entities unescaped);
         with "from": "metadata", <title> and the content of <meta name="author"> / article:published_time
"""
from __future__ import annotations

import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

from reading import content_words, load_articles, norm, sentences  # this folder: run as a script

HERE = Path(__file__).resolve().parent
ARTICLES = HERE / "articles"

KINDS = ("who", "when", "how-much", "where", "what", "why", "negation", "byline", "dateline", "paraphrase",
         "misspelled")
MINIMUM = {"who": 8, "when": 8, "how-much": 8, "negation": 8, "byline": 8, "paraphrase": 8, "misspelled": 8,
           "where": 4, "why": 4, "dateline": 4, "what": 4}
MIN_QUESTIONS, MIN_ARTICLES, MIN_PER_FORMAT = 72, 10, 4
WORDS_MIN, WORDS_MAX = 450, 900
FACT_REQUIRED = {"who", "when", "how-much", "byline", "dateline"}
TURN_KINDS = ("first", "follow-up", "topic-shift")

errors: list[str] = []
notes: list[str] = []


def fail(msg: str) -> None:
    errors.append(msg)


def check_articles(docs: dict[str, dict]) -> None:
    fmt = Counter(d["ext"] for d in docs.values())
    if len(docs) < MIN_ARTICLES:
        fail(f"articles: {len(docs)} < {MIN_ARTICLES}")
    for ext in (".txt", ".md", ".html"):
        if fmt[ext] < MIN_PER_FORMAT:
            fail(f"articles: {fmt[ext]} {ext} files < {MIN_PER_FORMAT}")
    for name, d in docs.items():
        words = len(d["text"].split())
        if d["ext"] == ".html":  # the article itself, without header/nav/footer clutter
            art = re.search(r"<article\b.*?</article>", d["raw"], re.S | re.I)
            words = len(norm(html.unescape(re.sub(r"<[^>]+>", " ", art.group(0)))).split()) if art else 0
        if not WORDS_MIN <= words <= WORDS_MAX:
            fail(f"{name}: {words} words, outside {WORDS_MIN}-{WORDS_MAX}")
        if d["ext"] == ".txt":
            lines = d["raw"].splitlines()
            if len(lines) < 3 or not lines[0].strip() or not re.match(r"By [A-Z]", lines[1]):
                fail(f"{name}: expected a headline line, then a 'By NAME' line")
            else:
                d["meta"] = {"title": lines[0].strip(), "author": lines[1].strip()[3:]}
        elif d["ext"] == ".md":
            for key in ("title", "author", "date"):
                if not d["meta"].get(key):
                    fail(f"{name}: front matter lacks '{key}'")
        else:
            for key in ("title", "author", "date"):
                if not d["meta"].get(key):
                    fail(f"{name}: <head> lacks {key} (title / meta author / article:published_time)")
            if not re.search(r"<article\b.*?<h1\b", d["raw"], re.S | re.I):
                fail(f"{name}: no <article> with an <h1>")
            if "By " + d["meta"].get("author", "?") not in d["text"]:
                fail(f"{name}: no visible 'By {d['meta'].get('author')}' byline")


def where_text(d: dict, row: dict) -> str:
    if row.get("from") == "metadata":
        return " | ".join(norm(v) for v in d["meta"].values())
    return d["text"]


def answer_sentence(d: dict, must: str) -> str | None:
    """The sentence (within one line, paragraph or HTML block) that holds `must`."""
    for block in d["blocks"]:
        for s in sentences(block):
            if must in s:
                return s
    return None


def check_span(where: str, d: dict, row: dict) -> None:
    text = where_text(d, row)
    must, fact = row.get("must"), row.get("fact")
    if not isinstance(must, str) or not must:
        fail(f"{where}: no 'must'")
        return
    if norm(must) not in text:
        fail(f"{where}: must {must!r} is not verbatim in {row['doc_id']}"
             + (" metadata" if row.get("from") == "metadata" else ""))
    n = len(must.split())
    if n > 8 or (n < 2 and row.get("from") != "metadata"):  # a metadata date may be one token
        fail(f"{where}: must {must!r} has {n} words, not 2-8")
    if fact is not None:
        if not isinstance(fact, str) or norm(fact) not in text:
            fail(f"{where}: fact {fact!r} is not verbatim in {row['doc_id']}")
        elif fact not in must:
            fail(f"{where}: fact {fact!r} is not inside must {must!r}")


def load_jsonl(path: Path) -> list[dict]:
    rows = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as e:
                fail(f"{path.name}:{i}: not JSON ({e})")
    return rows


def check_questions(docs: dict[str, dict]) -> Counter:
    rows = load_jsonl(HERE / "questions.jsonl")
    by_text = {r.get("question"): r for r in rows}
    kinds = Counter()
    for i, r in enumerate(rows, 1):
        where = f"questions.jsonl:{i}"
        for key in ("question", "doc_id", "must", "kind"):
            if key not in r:
                fail(f"{where}: missing '{key}'")
        if "fact" not in r:
            fail(f"{where}: missing 'fact' (null when there is none)")
        kind = r.get("kind")
        if kind not in KINDS:
            fail(f"{where}: unknown kind {kind!r}")
            continue
        kinds[kind] += 1
        d = docs.get(r.get("doc_id"))
        if d is None:
            fail(f"{where}: doc_id {r.get('doc_id')!r} not in articles/")
            continue
        check_span(where, d, r)
        if kind in FACT_REQUIRED and not r.get("fact"):
            fail(f"{where}: a {kind} question needs a fact")
        if kind == "byline" and r.get("fact") != d["meta"].get("author"):
            fail(f"{where}: byline fact {r.get('fact')!r} is not the author {d['meta'].get('author')!r}")
        if kind == "dateline" and not re.search(r"\d", r.get("fact") or ""):
            fail(f"{where}: dateline fact {r.get('fact')!r} holds no date")
        if kind == "misspelled":
            orig = by_text.get(r.get("same_as"))
            if orig is None:
                fail(f"{where}: same_as {r.get('same_as')!r} is not a question in the file")
            else:
                if (orig["doc_id"], orig["must"], orig.get("fact")) != (r["doc_id"], r["must"], r.get("fact")):
                    fail(f"{where}: doc_id/must/fact differ from its same_as question")
                a, b = r["question"].split(), orig["question"].split()
                diff = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
                if not 2 <= diff <= 3:
                    fail(f"{where}: {diff} misspelled words, not 2-3")
        if kind == "paraphrase" and r.get("from") != "metadata":
            sent = answer_sentence(d, norm(r["must"]))
            if sent is None:
                fail(f"{where}: must {r['must']!r} spans a sentence boundary")
            else:
                shared = content_words(r["question"]) & content_words(sent)
                if shared:
                    fail(f"{where}: paraphrase shares content words with its answer sentence: {sorted(shared)}")
    if len(rows) < MIN_QUESTIONS:
        fail(f"questions.jsonl: {len(rows)} questions < {MIN_QUESTIONS}")
    for kind, n in MINIMUM.items():
        if kinds[kind] < n:
            fail(f"questions.jsonl: {kinds[kind]} '{kind}' questions < {n}")
    if len(by_text) != len(rows):
        fail("questions.jsonl: a question text appears twice")
    return kinds


def check_offtopic() -> int:
    rows = load_jsonl(HERE / "offtopic.jsonl")
    for i, r in enumerate(rows, 1):
        if not r.get("question") or r.get("answerable") is not False or r.get("kind") != "off-topic" or "doc_id" in r:
            fail(f"offtopic.jsonl:{i}: expected question, answerable: false, kind: off-topic and no doc_id")
    if len(rows) < 20:
        fail(f"offtopic.jsonl: {len(rows)} questions < 20")
    return len(rows)


def check_dialogues(docs: dict[str, dict]) -> Counter:
    rows = load_jsonl(HERE / "dialogues.jsonl")
    turn_kinds = Counter()
    names = set()
    for i, r in enumerate(rows, 1):
        name = r.get("dialogue")
        where = f"dialogues.jsonl:{i} ({name})"
        if not name or name in names:
            fail(f"{where}: missing or repeated dialogue name")
        names.add(name)
        turns = r.get("turns") or []
        if not 3 <= len(turns) <= 4:
            fail(f"{where}: {len(turns)} turns, not 3-4")
        ks = [t.get("kind") for t in turns]
        if ks and ks[0] != "first":
            fail(f"{where}: the first turn's kind should be 'first'")
        if "follow-up" not in ks or "topic-shift" not in ks:
            fail(f"{where}: needs at least one follow-up and one topic-shift")
        for j, t in enumerate(turns):
            tw = f"{where} turn {j + 1}"
            k = t.get("kind")
            if k not in TURN_KINDS:
                fail(f"{tw}: unknown kind {k!r}")
            turn_kinds[k] += 1
            if j and k == "first":
                fail(f"{tw}: only the first turn is 'first'")
            d = docs.get(t.get("doc_id"))
            if d is None or not t.get("question"):
                fail(f"{tw}: needs a question and a doc_id in articles/")
                continue
            check_span(tw, d, {**t, "fact": None})
            if k == "topic-shift" and j and t["doc_id"] == turns[j - 1].get("doc_id"):
                fail(f"{tw}: a topic shift must move to another article")
            if k == "follow-up" and j and t["doc_id"] != turns[j - 1].get("doc_id"):
                fail(f"{tw}: a follow-up must stay on the previous turn's article")
            m = re.match(r"(?i)^and what about (.+?)\?*$", t["question"].strip())
            if m:
                sent = answer_sentence(d, norm(t["must"])) or ""
                missing = content_words(m.group(1)) - content_words(sent)
                if missing:
                    fail(f"{tw}: 'what about' subject words {sorted(missing)} are not in the answer sentence")
    if len(rows) < 10:
        fail(f"dialogues.jsonl: {len(rows)} dialogues < 10")
    return turn_kinds


def main() -> int:
    docs = load_articles(ARTICLES)
    check_articles(docs)
    kinds = check_questions(docs)
    n_off = check_offtopic()
    turn_kinds = check_dialogues(docs)
    fmt = Counter(d["ext"] for d in docs.values())
    print(f"articles: {len(docs)} ({', '.join(f'{n} {e}' for e, n in sorted(fmt.items()))})")
    print(f"questions: {sum(kinds.values())} (" + ", ".join(f"{k} {kinds[k]}" for k in KINDS) + ")")
    print(f"off-topic: {n_off}")
    print(f"dialogues: {sum(turn_kinds.values())} turns (" + ", ".join(f"{k} {turn_kinds[k]}" for k in TURN_KINDS) + ")")
    for n in notes:
        print("note:", n)
    for e in errors:
        print("FAIL:", e)
    print("OK" if not errors else f"{len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())

"""HTML for the chat UI, built only from escaped pieces: article text and questions are untrusted."""
from __future__ import annotations

from html import escape

from .loader import shorten
from .records import Document

NO_MATCH = ("No confident match in the collection. The closest excerpts are shown below, "
            "marked as weak: check them before relying on them.")
WELCOME = ("Ask a question about the articles in the collection. Answers are passages quoted word for word, "
           "each with its source; click a source to read the whole article with the passage highlighted.")


def marked(text: str, base: int, spans, css_class: str = "best") -> str:
    """`text` (which starts at document offset `base`) escaped, with the document `spans` wrapped in <mark>."""
    out, pos = [], 0
    for start, end in sorted((int(s) - base, int(e) - base) for s, e in spans):
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out += [escape(text[pos:start]), f'<mark class="{css_class}">', escape(text[start:end]), "</mark>"]
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def conversation(turns: list[dict]) -> str:
    """The whole conversation, oldest first; each turn is an `Answer.to_json()` object."""
    if not turns:
        return f'<div class="qa-chat"><p class="qa-welcome">{escape(WELCOME)}</p></div>'
    return '<div class="qa-chat">' + "".join(_turn(t, i) for i, t in enumerate(turns)) + "</div>"


def _turn(answer: dict, index: int) -> str:
    weak = not answer["answered"]
    head = f'<p class="qa-nomatch" role="status">{escape(NO_MATCH)}</p>' if weak else ""
    if not answer["excerpts"]:
        head = '<p class="qa-nomatch" role="status">Nothing in the collection matches this question.</p>'
    items = "".join(_excerpt(e, weak, index) for e in answer["excerpts"])
    took = f'<span class="qa-took">{answer["took_ms"]:.0f} ms</span>'
    return (f'<section class="qa-turn" id="turn-{index}">'
            f'<div class="qa-question"><span class="qa-who">You</span><p>{escape(answer["question"])}</p></div>'
            f'<div class="qa-answer">{head}<ol class="qa-excerpts">{items}</ol>{took}</div></section>')


def _excerpt(e: dict, weak: bool, turn: int) -> str:
    quote = marked(e["text"], e["start"], e["highlight"])
    title = shorten(e["title"]) or e["doc_id"]  # indexes built before titles were capped hold whole ones
    spans = ",".join(f"{int(s)}-{int(h)}" for s, h in e["highlight"])
    attrs = (f'data-doc="{escape(e["doc_id"])}" data-start="{int(e["start"])}" data-end="{int(e["end"])}" '
             f'data-hl="{escape(spans)}" data-turn="{turn}" data-rank="{int(e["rank"])}"')
    date = e.get("date_text") or e["date"]  # as the article writes it; the ISO form is in the JSON
    meta = [escape(date)] if date else []
    meta += [f'<span class="qa-file">{escape(e["doc_id"])}</span>', f'chars {int(e["start"])}–{int(e["end"])}',
             f'score {float(e["score"]):.3f}']
    badge = '<span class="qa-weak-badge">weak match</span>' if weak else ""
    return (f'<li class="qa-excerpt{" qa-weak" if weak else ""}">'
            f'<blockquote>{quote}</blockquote>'
            f'<div class="qa-cite"><button type="button" class="qa-cite-btn" {attrs} '
            f'title="Open the article with this passage highlighted">[{int(e["rank"])}] {escape(title)}</button>'
            f'<span class="qa-meta">{" · ".join(meta)}</span>{badge}</div></li>')


def source(doc: Document, start: int, end: int, highlight: list[tuple[int, int]]) -> str:
    """The full article with the cited passage (and its best sentence inside it) highlighted."""
    text = doc.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    inner = [(max(s, start), min(e, end)) for s, e in highlight if min(e, end) > max(s, start)]
    body = (escape(text[:start]) + '<mark class="qa-passage" id="qa-cited">'
            + marked(text[start:end], start, inner) + "</mark>" + escape(text[end:]))
    rows = [("By", doc.byline), ("Date", doc.date_text or doc.date), ("URL", doc.url), ("File", doc.doc_id)]  # the title is the heading
    meta = "".join(f"<dt>{label}</dt><dd>{escape(value)}</dd>" for label, value in rows if value)
    return (f'<article class="qa-source"><h3>{escape(shorten(doc.title) or doc.doc_id)}</h3><dl class="qa-docmeta">{meta}</dl>'
            f'<p class="qa-range">Cited passage: characters {start}–{end} of {len(text)}</p>'
            f'<div class="qa-doctext">{body}</div></article>')


def source_placeholder(message: str = "Click a source under an excerpt to read the whole article here.") -> str:
    return f'<div class="qa-source qa-empty"><p>{escape(message)}</p></div>'


def notice(lines: list[str], kind: str = "info") -> str:
    """A status box; every line is escaped (file names come from users)."""
    if len(lines) == 1:
        return f'<div class="qa-notice qa-{escape(kind)}"><p>{escape(lines[0])}</p></div>'
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<div class="qa-notice qa-{escape(kind)}"><ul>{items}</ul></div>'


CSS = """
.qa-chat { display: flex; flex-direction: column; gap: 18px; }
.qa-welcome { color: var(--body-text-color-subdued); margin: 8px 0; }
.qa-turn { border-bottom: 1px solid var(--border-color-primary); padding-bottom: 14px; }
.qa-question { display: flex; gap: 10px; align-items: baseline; }
.qa-question p { margin: 0; font-weight: 600; font-size: 1.05em; white-space: pre-wrap; }
.qa-who { background: var(--color-accent); color: white; border-radius: 10px; padding: 1px 8px; font-size: .8em; }
.qa-excerpts { margin: 10px 0 0 0; padding-left: 0; list-style: none; display: flex; flex-direction: column; gap: 4px; }
.qa-excerpt blockquote { margin: 0; padding: 8px 12px; border-left: 4px solid var(--color-accent);
  background: var(--background-fill-secondary); white-space: pre-wrap; line-height: 1.5; }
.qa-weak blockquote { border-left-color: #b0b0b0; opacity: .85; }
mark.best { background: #ffe066; color: #1a1a1a; padding: 0 1px; border-radius: 2px; }
.qa-cite { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 4px; font-size: .88em; }
.qa-cite-btn { background: none; border: none; padding: 0; color: var(--link-text-color, #2563eb); cursor: pointer;
  font-weight: 600; text-align: left; text-decoration: underline; font-size: 1em; overflow-wrap: anywhere; }
.qa-meta { color: var(--body-text-color-subdued); }
.qa-file { font-family: var(--font-mono); font-size: .95em; }
.qa-weak-badge { background: #eee; color: #555; border-radius: 8px; padding: 0 6px; font-size: .85em; }
.qa-nomatch { background: #fff4e5; color: #7a4a00; border: 1px solid #f5c77e; border-radius: 6px; padding: 8px 10px; margin: 8px 0 0 0; }
.qa-took { color: var(--body-text-color-subdued); font-size: .8em; }
.qa-source h3 { margin: 0 0 6px 0; overflow-wrap: anywhere; }  /* a title of one unbroken word still wraps */
.qa-docmeta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0 0 6px 0; font-size: .9em; }
.qa-docmeta dt { color: var(--body-text-color-subdued); }
.qa-docmeta dd { margin: 0; word-break: break-all; }
.qa-range { font-size: .85em; color: var(--body-text-color-subdued); margin: 0 0 6px 0; }
.qa-doctext { white-space: pre-wrap; line-height: 1.55; max-height: 62vh; overflow-y: auto; padding: 10px 12px;
  border: 1px solid var(--border-color-primary); border-radius: 6px; background: var(--background-fill-secondary); }
mark.qa-passage { background: #dbeafe; color: inherit; border-radius: 2px; }
mark.qa-passage mark.best { background: #ffd43b; }
.qa-empty { color: var(--body-text-color-subdued); padding: 20px 4px; }
.qa-notice ul, .qa-notice p { margin: 0; padding-left: 18px; }
.qa-notice p { padding-left: 0; }
.qa-chat blockquote, .qa-chat ol, .qa-chat p, .qa-source p, .qa-source dl { margin-top: 0; margin-bottom: 0; }
.qa-cite button { margin: 0; }
.qa-notice { border-radius: 6px; padding: 8px 10px; }
.qa-error { background: #fdecec; color: #8a1c1c; }
.qa-ok { background: #eaf7ee; color: #1d5b2e; }
.qa-info { background: var(--background-fill-secondary); }
"""

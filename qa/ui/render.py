"""HTML for the chat UI, built only from escaped pieces: article text and questions are untrusted."""
from __future__ import annotations

from html import escape

from ..config import MAX_QUESTION_CHARS
from ..conversations.export import change_notes
from ..conversations.markdown import (TABLE_TITLE_CHARS, answer_sentences, confidence_of, link,  # noqa: F401
                                      markdown, md_code, md_link, md_text, shown_title, source_of)
from ..records import NO_ANSWER, Document  # noqa: F401  (NO_ANSWER: the card's words, also read by tests)
NO_ANSWER_MORE = "The closest passages are folded below, unmarked: none of them answers the question."
CAUTION = "Low confidence: this may not answer the question. Check the sources before relying on it."
NOTHING = "Nothing in the collection matches this question."
# misspelled words were corrected: one click asks the question again with its words as typed (chat.py)
AS_TYPED = ' <button type="button" class="qa-as-typed" data-question="{}">Ask as typed instead</button>'
# an answer that is a field of the article's front matter or meta tags, not quoted from its text, says so
FROM_METADATA = {field: f' <span class="qa-from-meta">(the {name} in the article&#x27;s metadata)</span>'
                 for field, name in (("byline", "author"), ("date", "date"))}
QUESTION_FOLD_LINES = 3  # a longer question shows its first lines, then "show all"
QUESTION_FOLD_CHARS = 200
WELCOME = ("Ask a question about the articles in the collection. Answers are sentences quoted word for word, "
           "each with its source; click a numbered source to read the whole article with the passage highlighted.")


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


def pending(turns: list[dict], question: str) -> str:
    """The conversation with `question` shown as being answered."""
    ask = _question(question[:MAX_QUESTION_CHARS], len(question)) + '<p class="qa-pending" role="status">Looking through the articles…</p>'
    body = "".join(_turn(t, i) for i, t in enumerate(turns))
    return f'<div class="qa-chat">{body}<section class="qa-turn qa-asking">{ask}</section></div>'


def _question(text: str, asked_chars: int = 0) -> str:
    """The question as a card; a long one folded to its first lines ("show all"), and a note when the engine
    cut it (`asked_chars`: its length as typed, when that was over MAX_QUESTION_CHARS)."""
    who = '<span class="qa-who">You</span>'
    cut = ""
    if int(asked_chars or 0) > len(text):
        cut = (f'<p class="qa-cut" role="note">Only the first {len(text):,} characters were searched: the '
               f'question had {int(asked_chars):,} (the limit is {MAX_QUESTION_CHARS:,}).</p>')
    lines = text.splitlines() or [""]
    if len(text) <= QUESTION_FOLD_CHARS and len(lines) <= QUESTION_FOLD_LINES:
        return f'<div class="qa-question">{who}<p>{escape(text)}</p>{cut}</div>'
    head = "\n".join(lines[:QUESTION_FOLD_LINES])[:QUESTION_FOLD_CHARS].rstrip() + "…"
    return (f'<div class="qa-question qa-long">{who}<details class="qa-qfold"><summary><p class="qa-qhead">'
            f'{escape(head)}</p><span class="qa-more">show all</span></summary><p>{escape(text)}</p></details>'
            f'{cut}</div>')


def _turn(answer: dict, index: int) -> str:
    level = confidence_of(answer)
    excerpts = answer.get("excerpts") or []
    searched = answer.get("searched_for") or ""
    parts = [_question(answer.get("question", ""), answer.get("asked_chars", 0))]
    if searched and searched.strip() != answer.get("question", "").strip():
        shown = searched if len(searched) <= QUESTION_FOLD_CHARS else searched[:QUESTION_FOLD_CHARS].rstrip() + "…"
        again = AS_TYPED.format(escape(answer["question"], quote=True)) if answer.get("corrections") else ""
        parts.append(f'<p class="qa-searched">searched for: <q>{escape(shown)}</q>{again}</p>')
    parts.append(_card(answer, level, excerpts) + stale_note(answer))
    if excerpts:
        items = "".join(_excerpt(e, level) for e in excerpts)
        label = "Closest passages" if level == "none" else "Sources"
        folded = "" if level == "none" else " open"
        parts.append(f'<details class="qa-sources"{folded}><summary>{label} ({len(excerpts)})</summary>'
                     f'<ol class="qa-excerpts">{items}</ol></details>')
    took = float(answer.get("took_ms") or 0)
    parts.append(f'<span class="qa-took">{took:.0f} ms</span>')
    return f'<section class="qa-turn qa-{level}" id="turn-{index}">{"".join(parts)}</section>'


def _card(answer: dict, level: str, excerpts: list[dict]) -> str:
    """The direct answer: quoted sentences with numbered chips, or the no-answer message; plus Copy."""
    if not excerpts:
        return f'<div class="qa-card"><p class="qa-nomatch" role="status">{escape(NOTHING)}</p></div>'
    if level == "none":
        said = answer.get("message") or NO_ANSWER  # answers saved before "message" existed had no filter
        return (f'<div class="qa-card"><p class="qa-nomatch" role="status"><strong>{escape(said)}</strong> '
                f'{escape(NO_ANSWER_MORE)}</p></div>')
    sentences, fact = answer_sentences(answer), answer.get("fact")
    quotes = "".join(f"<li><q>{_with_fact(s, fact)}</q>{FROM_METADATA.get(str(s.get('metadata')), '')} "
                     f"{_chip(s, excerpts)}</li>" for s in sentences)
    caution = f'<p class="qa-caution" role="status">{escape(CAUTION)}</p>' if level == "low" else ""
    caution += f'<p class="qa-fact"><strong>{escape(fact["text"])}</strong></p>' if fact else ""  # first, bold
    md = escape(markdown(answer), quote=True)
    copy = (f'<button type="button" class="qa-copy" data-md="{md}" '
            'title="Copy the answer with its citations as Markdown">Copy</button>')
    return (f'<div class="qa-card">{caution}<ol class="qa-answer-sents">{quotes}</ol>'
            f'<div class="qa-actions">{copy}</div></div>')


def stale_note(answer: dict) -> str:
    """A note under a reopened answer whose cited articles have changed or gone since it was given."""
    changes = answer.get("source_changes")
    if not isinstance(changes, dict):
        return ""
    lines = change_notes({str(d): state for d, state in changes.items() if state in ("changed", "removed")})
    return "".join(f'<p class="qa-stale" role="note">{escape(line)}</p>' for line in lines)


def _with_fact(sentence: dict, fact: dict | None) -> str:
    """The sentence's text, escaped, with the fact bold when it lies inside it."""
    text, a, b = sentence["text"], (fact or {}).get("start", -1) - sentence["start"], (fact or {}).get("end", 0)
    if not fact or fact["doc_id"] != sentence["doc_id"] or a < 0 or b > sentence["end"]:
        return escape(text)
    b -= sentence["start"]
    return f"{escape(text[:a])}<strong>{escape(text[a:b])}</strong>{escape(text[b:])}"


def shown_date(date: str | None, date_text: str | None = None) -> str:
    """One date format wherever the UI shows one: the ISO date, with the time when the article gives one
    ("2025-03-14 09:30"); the article's own wording only when no date could be read from it."""
    if date:
        return str(date).replace("T", " ")[:16]
    return date_text or ""


def _chip(sentence: dict, excerpts: list[dict]) -> str:
    e = source_of(sentence, excerpts)
    start, end = (e["start"], e["end"]) if e else (sentence["start"], sentence["end"])
    number = int(e["rank"]) if e else "·"
    title = escape(_title(e or sentence))
    return (f'<button type="button" class="qa-cite-btn qa-chip" data-doc="{escape(sentence["doc_id"])}" '
            f'data-start="{int(start)}" data-end="{int(end)}" data-hl="{int(sentence["start"])}-{int(sentence["end"])}" '
            f'title="Open {title}, characters {int(sentence["start"])}–{int(sentence["end"])}">[{number}]</button>')


def _title(e: dict) -> str:
    return shown_title(e.get("title"), e["doc_id"])  # indexes built before titles were capped hold whole ones


def _excerpt(e: dict, level: str) -> str:
    # only an excerpt that holds a sentence of the answer is marked: the others are context, shown plain
    # (answers saved before "supporting" existed marked every excerpt)
    supporting = level != "none" and e.get("supporting", True)
    spans = [(int(s), int(t)) for s, t in e.get("highlight") or []] if supporting else []
    start, end = int(e["start"]), int(e["end"])
    hl = ",".join(f"{s}-{t}" for s, t in spans)
    attrs = (f'data-doc="{escape(e["doc_id"])}" data-start="{start}" data-end="{end}" data-hl="{escape(hl)}" '
             f'data-rank="{int(e["rank"])}"')
    details = f'characters {start}–{end} · rank {int(e["rank"])} · relevance score {float(e["score"]):.3f}'
    # who wrote it, and when in the one date format the table uses too
    meta = [f'<span class="qa-byline">By {escape(e["byline"])}</span>'] if e.get("byline") else []
    meta += [escape(d) for d in [shown_date(e.get("date"), e.get("date_text"))] if d]
    meta.append(f'<span class="qa-file">{escape(e["doc_id"])}</span>')
    also = e.get("also_in") or []
    if also:
        names = ", ".join(also)
        meta.append(f'<span class="qa-also" title="{escape(names)}">also in {len(also)} '
                    f'article{"s" if len(also) > 1 else ""}</span>')
    href = escape(link(e["doc_id"], start, end, spans[0] if spans else None))
    meta.append(f'<a class="qa-link" href="{href}" title="A link that opens this passage">link</a>')
    return (f'<li class="qa-excerpt">'
            f'<div class="qa-cite"><button type="button" class="qa-cite-btn" {attrs} title="{details}">'
            f'[{int(e["rank"])}] {escape(_title(e))}</button><span class="qa-meta">{" · ".join(meta)}</span></div>'
            f'{_passage(e, spans, details)}</li>')


def _passage(e: dict, spans: list[tuple[int, int]], details: str) -> str:
    """The highlighted sentence(s) shown, the whole passage behind a disclosure."""
    text, base = e["text"], int(e["start"])
    whole = marked(text, base, spans)
    if spans:
        shown = " … ".join(marked(text[s - base:t - base], s, [(s, t)]) for s, t in spans)
    else:
        shown = escape(text[:240].rstrip()) + ("…" if len(text) > 240 else "")
    return (f'<blockquote class="qa-gist">{shown}</blockquote>'
            f'<details class="qa-whole"><summary>Show the whole passage</summary>'
            f'<blockquote>{whole}</blockquote><p class="qa-details">{details}</p></details>')


BACK = "↑ Back to the answer"


def source(doc: Document, start: int, end: int, highlight: list[tuple[int, int]], back: bool = False) -> str:
    """The full article with the cited passage (and its best sentence inside it) highlighted; `back`: opened
    from a citation in the chat, so a button leads back to it (on a phone the answer is far above)."""
    text = doc.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    inner = [(max(s, start), min(e, end)) for s, e in highlight if min(e, end) > max(s, start)]
    body = (escape(text[:start]) + '<mark class="qa-passage" id="qa-cited">'
            + marked(text[start:end], start, inner) + "</mark>" + escape(text[end:]))
    rows = [("By", doc.byline), ("Date", shown_date(doc.date, doc.date_text)), ("URL", doc.url),
            ("File", doc.doc_id)]  # the title is the heading
    meta = "".join(f"<dt>{label}</dt><dd>{escape(value)}</dd>" for label, value in rows if value)
    back_button = f'<button type="button" class="qa-back">{escape(BACK)}</button>' if back else ""
    return (f'<article class="qa-source">{back_button}<h3>{escape(shown_title(doc.title, doc.doc_id))}</h3><dl class="qa-docmeta">{meta}</dl>'
            f'<p class="qa-range">Cited passage: characters {start}–{end} of {len(text)}</p>'
            f'<div class="qa-doctext">{body}</div></article>')


def source_placeholder(message: str = "Click a numbered source to read the whole article here.") -> str:
    return f'<div class="qa-source qa-empty"><p>{escape(message)}</p></div>'


def hint(message: str = "") -> str:
    """A short line under the question box (an empty question, a bad date); empty when all is well."""
    return f'<p class="qa-hint" role="status">{escape(message)}</p>' if message else ""


def notice(lines: list[str], kind: str = "info") -> str:
    """A status box; every line is escaped (file names come from users)."""
    if len(lines) == 1:
        return f'<div class="qa-notice qa-{escape(kind)}"><p>{escape(lines[0])}</p></div>'
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<div class="qa-notice qa-{escape(kind)}"><ul>{items}</ul></div>'

"""A whole conversation exported: Markdown a reader can check (every answer sentence quoted, with its citation and
link) and JSON (every answer as it was given), each with a note where a cited article has changed since."""
from __future__ import annotations

from typing import Mapping

from ..records import NO_ANSWER
from .markdown import confidence_of, markdown, md_text
from .store import Conversation, Turn

LOW = "Low confidence: this may not answer the question."
CHANGE_WORDS = {"changed": "has changed since this answer was given",
                "removed": "has been removed from the collection since this answer was given"}


def change_notes(changes: dict[str, str]) -> list[str]:
    """One plain line per cited article that changed or went, e.g. "The article a.txt has changed since ..."."""
    return [f"The article {doc_id} {CHANGE_WORDS[state]}." for doc_id, state in sorted(changes.items())]


def shown_turn(turn: Turn, current: Mapping[str, str]) -> dict:
    """The answer as it was given, with `source_changes` ({doc_id: "changed" | "removed"}) where the index has
    moved on since: what the chat shows for a reopened conversation."""
    return {**turn.answer, "source_changes": turn.changes(current)}


def to_markdown(conversation: Conversation, current: Mapping[str, str], base_url: str = "") -> str:
    """The conversation as Markdown: a heading, then each question with its answer sentences quoted, each
    followed by its citation and a link (made absolute with `base_url`, the app's address, when given).
    Everything from a question, a title or an article is escaped (qa/conversations/markdown.py)."""
    summary = conversation.summary
    lines = [f"# {md_text(summary.title)}", "",
             f"*{len(conversation.turns)} questions, {summary.created[:10]} to {summary.updated[:10]}; exported "
             f"from qa. Every answer is quoted word for word from the articles cited.*", ""]
    for number, turn in enumerate(conversation.turns, 1):
        answer = turn.answer
        lines += [f"## {number}.", ""]
        if confidence_of(answer) == "none":
            said = answer.get("message") or NO_ANSWER  # within a filter: "No answer in the selected articles."
            lines += [f"**{md_text(answer.get('question', ''))}**", "", f"*{md_text(said)}*", ""]
        else:
            text = markdown(answer)
            if confidence_of(answer) == "low":  # the chat says so above the quotes: so does the export
                text = text.replace("\n\n", f"\n\n*{LOW}*\n\n", 1)
            lines.append(text.replace("](?doc=", f"]({base_url}?doc=") if base_url else text)
        for note in change_notes(turn.changes(current)):
            lines += [f"*Note: {md_text(note)}*", ""]
    return "\n".join(lines).rstrip() + "\n"


def to_json(conversation: Conversation, current: Mapping[str, str]) -> dict:
    """The conversation with every answer as given (`Answer.to_json()`), the content hash of each article it
    cited then, and what has changed since."""
    return {**conversation.summary.to_json(),
            "turns": [{"asked_at": t.asked_at, "answer": t.answer, "sources": t.sources,
                       "source_changes": t.changes(current)} for t in conversation.turns]}

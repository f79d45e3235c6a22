"""Conversations kept on the server in a SQLite file beside the index: each user's own, every answer as given."""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Mapping
from uuid import uuid4

from ..config import CONVERSATIONS_FILE, MAX_CONVERSATION_TITLE, MAX_CONVERSATION_TURNS
from ..errors import ConversationError, UnknownConversation

LOCAL_USER = "local"  # who owns the conversations of an app on loopback without a password
BUSY_TIMEOUT_SECONDS = 10.0  # another thread or process writing: wait this long before giving up
SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, title TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations (owner, updated);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL, asked_at TEXT NOT NULL,
    answer TEXT NOT NULL,   -- the answer's JSON as it was given (Answer.to_json())
    sources TEXT NOT NULL,  -- {doc_id: sha256} of each cited article when the answer was given
    PRIMARY KEY (conversation_id, position));
"""


@dataclass(frozen=True)
class Turn:
    """One question and its answer, as given."""

    answer: dict
    sources: dict[str, str]  # doc_id -> the article's content hash when it was cited
    asked_at: str  # ISO-8601, UTC

    def changes(self, current: Mapping[str, str]) -> dict[str, str]:
        """The cited articles that are no longer as they were: doc_id -> "changed" or "removed".

        `current`: each article's content hash in the index now (an article not there is missing from it)."""
        return {doc_id: "removed" if doc_id not in current else "changed"
                for doc_id, sha256 in self.sources.items() if current.get(doc_id) != sha256}


@dataclass(frozen=True)
class Summary:
    """A conversation as its list shows it."""

    conversation_id: str
    title: str
    created: str
    updated: str
    questions: int

    def to_json(self) -> dict:
        return {"id": self.conversation_id, "title": self.title, "created": self.created, "updated": self.updated,
                "questions": self.questions}


@dataclass(frozen=True)
class Conversation:
    summary: Summary
    turns: tuple[Turn, ...]

    def cited(self) -> list[str]:
        """Every article its answers cited, once each."""
        return list(dict.fromkeys(doc_id for turn in self.turns for doc_id in turn.sources))


def cited_in(answer: dict) -> list[str]:
    """The articles an answer cites (its sentences' and its excerpts'), once each: whose hashes a turn keeps."""
    found = [s.get("doc_id") for s in answer.get("answer") or []] + [e.get("doc_id") for e in answer.get("excerpts") or []]
    return list(dict.fromkeys(d for d in found if isinstance(d, str)))


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def title_from(question: str) -> str:
    """A title taken from the first question: its first line, cut at a word."""
    words = " ".join(str(question).split())
    if len(words) <= MAX_CONVERSATION_TITLE:
        return words or "Untitled conversation"
    return words[:MAX_CONVERSATION_TITLE - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def checked_title(title) -> str:
    """A title a user typed, on one line; ConversationError when empty or too long."""
    text = " ".join(str(title if isinstance(title, str) else "").split())
    if not text:
        raise ConversationError("a conversation's title cannot be empty")
    if len(text) > MAX_CONVERSATION_TITLE:
        raise ConversationError(f"a conversation's title may have at most {MAX_CONVERSATION_TITLE} characters")
    return text


class ConversationStore:
    """The conversations in `path` (a SQLite file of their own, in WAL mode). Every call names its owner: a
    conversation of another owner is not found, exactly as one that does not exist."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)) as db:
            db.execute("PRAGMA journal_mode=WAL")  # readers go on while an answer is saved; kept in the file
            db.executescript(SCHEMA)  # in a transaction of its own

    @classmethod
    def beside(cls, index_dir: Path) -> "ConversationStore":
        """The store in the index folder: `<index>/conversations.sqlite`."""
        return cls(Path(index_dir) / CONVERSATIONS_FILE)

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        """A connection of this call's own (Gradio and the REST API call from many threads), one transaction."""
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)) as db:
            db.execute("PRAGMA foreign_keys=ON")
            db.execute("PRAGMA synchronous=FULL")  # a saved answer survives a power cut, not only a crash
            db.execute("BEGIN IMMEDIATE")  # writers queue here, so a turn's position is read and used at once
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def summaries(self, owner: str) -> list[Summary]:
        """The owner's conversations, the most recently used first."""
        with self.connection() as db:
            rows = db.execute("SELECT c.id, c.title, c.created, c.updated, COUNT(t.position) FROM conversations c "
                              "LEFT JOIN turns t ON t.conversation_id = c.id WHERE c.owner = ? GROUP BY c.id "
                              "ORDER BY c.updated DESC, c.rowid DESC", (owner,)).fetchall()
        return [Summary(*row) for row in rows]

    def get(self, owner: str, conversation_id: str) -> Conversation:
        with self.connection() as db:
            summary = self.summary(db, owner, conversation_id)
            rows = db.execute("SELECT answer, sources, asked_at FROM turns WHERE conversation_id = ? "
                              "ORDER BY position", (conversation_id,)).fetchall()
        return Conversation(summary, tuple(Turn(json.loads(a), json.loads(s), at) for a, s, at in rows))

    def add(self, owner: str, conversation_id: str | None, answer: dict, sources: dict[str, str]) -> Summary:
        """Save one answer as given, at the end of the conversation; a new conversation, titled from its
        question, when `conversation_id` is None. UnknownConversation when it was deleted meanwhile."""
        stamp = now()
        with self.connection() as db:
            if conversation_id is None:
                conversation_id = uuid4().hex
                db.execute("INSERT INTO conversations VALUES (?, ?, ?, ?, ?)",
                           (conversation_id, owner, title_from(answer.get("question", "")), stamp, stamp))
            count = self.summary(db, owner, conversation_id).questions
            if count >= MAX_CONVERSATION_TURNS:
                raise ConversationError(f"this conversation holds {MAX_CONVERSATION_TURNS} questions, the most "
                                        "one can: start a new conversation")
            db.execute("INSERT INTO turns VALUES (?, ?, ?, ?, ?)",
                       (conversation_id, count, stamp, json.dumps(answer), json.dumps(sources)))
            db.execute("UPDATE conversations SET updated = ? WHERE id = ?", (stamp, conversation_id))
            return self.summary(db, owner, conversation_id)

    def rename(self, owner: str, conversation_id: str, title) -> Summary:
        title = checked_title(title)
        with self.connection() as db:
            self.summary(db, owner, conversation_id)
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))
            return self.summary(db, owner, conversation_id)

    def delete(self, owner: str, conversation_id: str) -> None:
        """Delete the conversation and its answers; UnknownConversation when the owner has none by that id."""
        with self.connection() as db:
            self.summary(db, owner, conversation_id)
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    @staticmethod
    def summary(db: sqlite3.Connection, owner: str, conversation_id) -> Summary:
        row = db.execute("SELECT c.id, c.title, c.created, c.updated, (SELECT COUNT(*) FROM turns t WHERE "
                         "t.conversation_id = c.id) FROM conversations c WHERE c.id = ? AND c.owner = ?",
                         (str(conversation_id), owner)).fetchone()
        if row is None:
            raise UnknownConversation(f"no conversation '{str(conversation_id)[:80]}'")
        return Summary(*row)

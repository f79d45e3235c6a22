"""The index database's tables, and the upgrade an index made by an older version gets when it is opened."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import Store

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, title TEXT, byline TEXT, date TEXT,
    source TEXT NOT NULL, text TEXT NOT NULL, n_passages INTEGER NOT NULL, indexed_at REAL NOT NULL,
    date_text TEXT, url TEXT
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, position);
CREATE TABLE IF NOT EXISTS vectors (text_hash TEXT PRIMARY KEY, vector BLOB NOT NULL, sentences BLOB);
"""
ADDED_COLUMNS = ("date_text", "url")  # since the first schema: an older index gains them when opened


def upgrade(store: Store) -> None:
    """Add `ADDED_COLUMNS` to an older index (its `date` was as written, so it moves to `date_text`), and the
    vector cache's `sentences` column (empty: the next build embeds again, see `cached_vectors`)."""
    have = {r[1] for r in store.query("PRAGMA table_info(documents)")}
    vectors = {r[1] for r in store.query("PRAGMA table_info(vectors)")}
    if not have or (set(ADDED_COLUMNS) <= have and "sentences" in vectors):  # no table: generation() reports
        return
    with store.transaction():
        have = {r[1] for r in store.query("PRAGMA table_info(documents)")}  # another process may have done it
        for column in ADDED_COLUMNS:
            if column not in have:
                store.query(f"ALTER TABLE documents ADD COLUMN {column} TEXT")
        if "date_text" not in have:
            store.query("UPDATE documents SET date_text = date, date = NULL")
        if "sentences" not in {r[1] for r in store.query("PRAGMA table_info(vectors)")}:
            store.query("ALTER TABLE vectors ADD COLUMN sentences BLOB")

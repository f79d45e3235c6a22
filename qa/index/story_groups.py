"""The SQLite tables of story groups: each article's MinHash signature, and which articles carry one story.

Written inside the build's transaction (qa/index/syndication.py decides the groups), so every generation's groups
are those of its own articles; a pinned reader sees its generation's.
"""
from __future__ import annotations

import numpy as np

from .store import Store

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS story_signatures (doc_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, "
    "signature BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS story_groups (doc_id TEXT PRIMARY KEY, story INTEGER NOT NULL)",
)


def ensure_tables(store: Store) -> None:
    """Create the tables in an index made before grouping existed (inside the build's transaction)."""
    for sql in SCHEMA:
        store.query(sql)


def has_tables(store: Store) -> bool:
    names = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {"story_signatures", "story_groups"} <= names


def signatures(store: Store) -> dict[str, tuple[str, np.ndarray]]:
    """doc id -> (the sha256 of the text it was computed from, its MinHash signature)."""
    rows = store.query("SELECT doc_id, sha256, signature FROM story_signatures")
    return {d: (h, np.frombuffer(blob, dtype=np.uint32)) for d, h, blob in rows}


def save_signatures(store: Store, keep: set[str], new: dict[str, tuple[str, np.ndarray]]) -> None:
    """Drop the signatures of articles not in `keep`, and store `new` ones."""
    gone = [(d,) for d, in store.query("SELECT doc_id FROM story_signatures") if d not in keep]
    store.query_many("DELETE FROM story_signatures WHERE doc_id = ?", gone)
    store.query_many("INSERT OR REPLACE INTO story_signatures(doc_id, sha256, signature) VALUES (?, ?, ?)",
                     [(d, sha, np.asarray(signature, dtype=np.uint32).tobytes()) for d, (sha, signature) in new.items()])


def save_groups(store: Store, groups: list[list[str]]) -> None:
    """Replace every group; only groups of two or more articles are stored."""
    store.query("DELETE FROM story_groups")
    store.query_many("INSERT INTO story_groups(doc_id, story) VALUES (?, ?)",
                     [(doc_id, story) for story, members in enumerate(groups) for doc_id in members])


def companions(store: Store) -> dict[str, tuple[str, ...]]:
    """doc id -> the other articles of its story (sorted), for every article in a group."""
    if not has_tables(store):
        return {}
    members: dict[int, list[str]] = {}
    for doc_id, story in store.query("SELECT doc_id, story FROM story_groups ORDER BY doc_id"):
        members.setdefault(story, []).append(doc_id)
    return {d: tuple(o for o in group if o != d) for group in members.values() if len(group) > 1 for d in group}

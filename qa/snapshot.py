"""Load the BM25 index of one index generation fast: from its saved file, or by updating an older one."""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from .lexical import BM25
from .store import Store, _generation_of

COMPACT_SHARE = 0.2  # rows of removed passages, as a share of all rows, above which they are dropped


def bm25_path(folder: Path, generation: int) -> Path:
    return Path(folder) / f"bm25-{generation}.npz"


def load_bm25(store: Store, generation: int, previous: BM25 | None = None) -> BM25:
    """The BM25 index of `generation`.

    In order of preference: the file saved for this generation; `previous` (the in-memory index of an
    older generation) or the newest older file, brought up to date by tokenising only the passages
    added since; every passage tokenised afresh. Whatever was computed is saved for the next process.
    """
    current = _passage_ids(store)
    saved = _read(bm25_path(store.folder, generation))
    if saved is not None and _matches(saved, current):
        return saved
    base = previous.copy() if previous is not None else _newest_older(store.folder, generation)
    bm25 = _update(store, base, current) if base is not None else _fit(store)
    _save(bm25, store.folder, generation)
    return bm25


def _passage_ids(store: Store) -> np.ndarray:
    # ids only: at 100k passages this is milliseconds, where reading every text is most of a second
    rows = store._query("SELECT id FROM passages ORDER BY id").fetchall()
    return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))


def _matches(bm25: BM25, ids: np.ndarray) -> bool:
    return np.array_equal(np.sort(bm25.ids[bm25.alive]), ids)


def _fit(store: Store) -> BM25:
    passages = store.passages()
    return BM25().fit([p.passage_id for p in passages], [p.text for p in passages])


def _update(store: Store, bm25: BM25, current: np.ndarray) -> BM25:
    """Passage ids are never reused (AUTOINCREMENT), so the id sets alone say what changed."""
    live = bm25.ids[bm25.alive]
    removed = np.setdiff1d(live, current, assume_unique=True)
    added = np.setdiff1d(current, live, assume_unique=True)
    if len(removed):
        bm25.remove(removed)
    if len(added):
        passages = store.passages(added.tolist())
        bm25.add([p.passage_id for p in passages], [p.text for p in passages])
    if (~bm25.alive).sum() > COMPACT_SHARE * len(bm25.alive):
        bm25.compact()
    return bm25


def _read(path: Path) -> BM25 | None:
    if not path.exists():
        return None
    try:
        return BM25.load(path)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # damaged or half-written by an older version: rebuilt from SQLite


def _newest_older(folder: Path, generation: int) -> BM25 | None:
    older = sorted((g, p) for p in Path(folder).glob("bm25-*.npz")
                   if 0 <= (g := _generation_of(p)) < generation)
    for _, path in reversed(older):
        bm25 = _read(path)
        if bm25 is not None:
            return bm25
    return None


def _save(bm25: BM25, folder: Path, generation: int) -> None:
    """Save, then drop older generations' files; a read-only folder just answers from memory."""
    try:
        bm25.save(bm25_path(folder, generation))
    except OSError:
        return
    for old in Path(folder).glob("bm25-*.npz"):
        if 0 <= _generation_of(old) < generation:
            old.unlink(missing_ok=True)

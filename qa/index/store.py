"""SQLite, the index's source of truth: documents, passages, the vector cache, metadata and the generation.

Every change is one transaction. Derived files (FAISS, BM25) live beside it (qa/index/generations.py); their
digests are recorded here in the same transaction that publishes their generation. Any SQLite error,
wherever it is raised (even while rows are fetched), becomes a one-line IndexUnavailable naming the fix.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from ..errors import DiskFull, IndexBusy, IndexUnavailable
from ..records import Document, Passage
from .schema import SCHEMA, SCHEMA_VERSION, upgrade

DB_NAME = "qa.sqlite"
MAX_SQL_VARIABLES = 900  # under SQLite's default limit of 999 host parameters

_DOC_COLUMNS = "doc_id, sha256, title, byline, date, source, date_text, url"
_DOC_META = f"SELECT {_DOC_COLUMNS}, n_passages FROM documents"
_PASSAGE = ('SELECT p.id, p.doc_id, p.position, p.start, p."end", substr(d.text, p.start + 1, p."end" - p.start) '
            "FROM passages p JOIN documents d USING (doc_id)")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Store:
    """One index database. `pinned()` gives a reader that sees a single committed state until dropped."""

    def __init__(self, folder: Path, create: bool = False, pinned: bool = False):
        self.folder = Path(folder)
        self.db_path = self.folder / DB_NAME
        if not self.db_path.exists() and not create:
            raise IndexUnavailable(f"no index at {self.folder}: run `qa build` first")
        if create:
            self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        try:
            self.db = sqlite3.connect(self.db_path, check_same_thread=False, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if create:
                self.db.executescript(SCHEMA)
                if self.meta("schema") is None:
                    self.set_meta("schema", SCHEMA_VERSION)
                    self.set_meta("generation", 0)
            upgrade(self)
            if pinned:  # a read transaction held open: every later read sees this one committed state
                self.db.execute("BEGIN DEFERRED")
            self.generation()
        except sqlite3.DatabaseError as exc:
            raise _failure(self.folder, exc) from None

    def pinned(self) -> "Store":
        """A second connection whose reads all see the generation committed now, whatever builds commit later.

        An answer reads candidates from the in-memory index of one generation and then their passages: both
        must come from that generation, or a rebuild that renumbers passages empties the answer.
        """
        return Store(self.folder, pinned=True)

    def close(self) -> None:
        self.db.close()

    # ---- metadata -------------------------------------------------------------------------
    def meta(self, key: str):
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value) -> None:
        self._rows("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def generation(self) -> int:
        """A number that grows with every committed change; readers reload when it moves."""
        value = self.meta("generation")
        if value is None:
            raise IndexUnavailable(f"index at {self.folder} is incomplete: run `qa build --rebuild`")
        return int(value)

    def file_digests(self, generation: int) -> dict[str, str]:
        """The digests recorded for the derived files of `generation` ({} when none are: an older index)."""
        record = self.meta("files") or {}
        return record.get("digests", {}) if record.get("generation") == generation else {}

    def check(self) -> None:
        """Raise IndexUnavailable when the database is damaged: pages (quick_check) or undecodable text."""
        result = self._one("PRAGMA quick_check")[0]
        if result != "ok":
            raise _failure(self.folder, sqlite3.DatabaseError(result))
        self._rows("SELECT text, title, byline, date, source, date_text, url FROM documents")  # Python decodes every text

    # ---- reads ----------------------------------------------------------------------------
    def document_hashes(self) -> dict[str, str]:
        return dict(self._rows("SELECT doc_id, sha256 FROM documents"))

    def documents(self) -> list[tuple[Document, int]]:
        """Every document's metadata (text left empty) with its passage count, by doc_id."""
        return [(_meta_document(r), r[8]) for r in self._rows(_DOC_META + " ORDER BY doc_id")]

    def document_meta(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """Metadata (text left empty) of these documents, without reading their text: citations need no more."""
        rows = self._rows_in(_DOC_META + " WHERE doc_id IN ({})", list(dict.fromkeys(doc_ids)))
        return {r[0]: _meta_document(r) for r in rows}

    def document(self, doc_id: str) -> Document | None:
        r = self._one(f"SELECT {_DOC_COLUMNS}, text FROM documents WHERE doc_id = ?", (doc_id,))
        return None if r is None else _meta_document(r, text=r[8])

    def passages(self, ids: Iterable[int] | None = None) -> list[Passage]:
        """Passages by id (in the order asked; unknown ids left out), or all of them in id order."""
        if ids is None:
            return [_passage(r) for r in self._rows(_PASSAGE + " ORDER BY p.id")]
        ids = [int(i) for i in ids]
        found = {r[0]: _passage(r) for r in self._rows_in(_PASSAGE + " WHERE p.id IN ({})", ids)}
        return [found[i] for i in ids if i in found]

    def passage_ids(self, doc_ids: list[str] | None = None) -> np.ndarray:
        """Ids of the passages of these documents (all passages when None), sorted."""
        if doc_ids is None:
            rows = self._rows("SELECT id FROM passages ORDER BY id")
        else:
            rows = sorted(self._rows_in("SELECT id FROM passages WHERE doc_id IN ({})", list(doc_ids)))
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def passage_count(self) -> int:
        return self._one("SELECT count(*) FROM passages")[0]

    def cached_vector_count(self) -> int:
        """Distinct passage texts with a vector in the embedding cache."""
        return self._one("SELECT count(*) FROM vectors")[0]

    def cached_vectors(self, hashes: list[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for these passage-text hashes (the embedding cache); a passage cached
        without its sentence vectors (an index from before them) counts as not cached, so it is embedded again."""
        rows = self._rows_in("SELECT text_hash, vector FROM vectors WHERE sentences IS NOT NULL AND text_hash IN ({})",
                             list(set(hashes)))
        return {h: np.frombuffer(blob, dtype=np.float32) for h, blob in rows}

    def sentence_vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        """The stored sentence vectors of these passages (float32, a row a sentence), by passage id."""
        rows = self._rows_in("SELECT p.id, v.sentences, length(v.vector) / 4 FROM passages p JOIN vectors v "
                             "USING (text_hash) WHERE v.sentences IS NOT NULL AND p.id IN ({})", [int(i) for i in ids])
        return {i: np.frombuffer(blob, dtype=np.float16).astype(np.float32).reshape(-1, dim) for i, blob, dim in rows}

    def vectors_of(self, ids: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of these passages, or of every passage in id order."""
        sql = "SELECT p.id, v.vector FROM passages p JOIN vectors v USING (text_hash)"
        if ids is None:
            return _stack(self._rows(sql + " ORDER BY p.id"))
        return _stack(self._rows_in(sql + " WHERE p.id IN ({})", [int(i) for i in ids]))

    # ---- writes ---------------------------------------------------------------------------
    def cache_vectors(self, items: dict[str, np.ndarray], sentences: dict[str, np.ndarray] | None = None) -> None:
        """Remember computed vectors, and the passages' sentence vectors (float16: they only rank a few
        sentences, and are ~3 times the passage's size); committed at once, so a killed build keeps its work.

        Vectors already cached are overwritten, not cleared first: a build killed half-way must still leave
        every indexed passage with a vector.
        """
        sentences = sentences or {}
        with self.transaction():
            self._many("INSERT OR REPLACE INTO vectors(text_hash, vector, sentences) VALUES (?, ?, ?)",
                       [(h, np.asarray(v, dtype=np.float32).tobytes(),
                         np.asarray(sentences[h], dtype=np.float16).tobytes() if h in sentences else None)
                        for h, v in items.items()])

    def write_changes(self, remove: list[str], add: list[tuple[Document, list[Passage]]]) -> None:
        """Inside a transaction: remove and (re)insert documents with their passages."""
        for doc_id in remove:
            self._rows("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
            self._rows("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
        now = time.time()
        for doc, passages in add:
            self._rows("DELETE FROM passages WHERE doc_id = ?", (doc.doc_id,))
            self._rows(f"INSERT OR REPLACE INTO documents({_DOC_COLUMNS}, text, n_passages, indexed_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (doc.doc_id, doc.sha256, doc.title, doc.byline, doc.date, doc.source, doc.date_text, doc.url,
                        doc.text, len(passages), now))
            self._many('INSERT INTO passages(doc_id, position, start, "end", text_hash) VALUES (?, ?, ?, ?, ?)',
                       [(p.doc_id, p.position, p.start, p.end, text_hash(p.text)) for p in passages])
        # vectors no passage uses any more are dropped, so the cache stays the size of the index
        self._rows("DELETE FROM vectors WHERE text_hash NOT IN (SELECT text_hash FROM passages)")

    def publish(self, generation: int, digests: dict[str, str], meta: dict) -> None:
        """Inside a transaction: make `generation` current, with its derived files' digests and build metadata."""
        for key, value in {**meta, "files": {"generation": generation, "digests": digests}}.items():
            self.set_meta(key, value)
        self.set_meta("generation", generation)

    def record_digests(self, generation: int, digests: dict[str, str]) -> bool:
        """Record files a reader rebuilt for `generation`, if that is still the current one; False if not."""
        with self.transaction():
            if self.generation() != generation:
                return False
            self.set_meta("files", {"generation": generation, "digests": {**self.file_digests(generation), **digests}})
        return True

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (re-entrant calls join it); any SQLite failure inside is one line."""
        with self._lock:
            if self.db.in_transaction:
                yield
                return
            self._rows("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._roll_back()
                raise
            try:
                self.db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:  # the commit itself failed (disk full, damaged file)
                self._roll_back()
                raise _failure(self.folder, exc) from None

    def _roll_back(self) -> None:
        # some errors (SQLITE_FULL, SQLITE_IOERR) have already rolled the transaction back
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    # ---- plumbing: every statement and every fetch goes through here -----------------------
    def _rows(self, sql: str, params: Iterable = ()) -> list:
        with self._lock:
            try:
                return self.db.execute(sql, tuple(params)).fetchall()
            except sqlite3.DatabaseError as exc:
                raise _failure(self.folder, exc) from None
    query = _rows  # for modules with their own tables (story_groups) or bulk reads (catalog): errors stay one line

    def _one(self, sql: str, params: Iterable = ()):
        return next(iter(self._rows(sql, params)), None)

    def _many(self, sql: str, rows: list) -> None:
        with self._lock:
            try:
                self.db.executemany(sql, rows)
            except sqlite3.DatabaseError as exc:
                raise _failure(self.folder, exc) from None

    query_many = _many  # one statement for many rows (story_groups writes one row an article)

    def _rows_in(self, sql: str, values: list) -> list:
        """`sql` with `IN ({})` filled with `values`, in as many statements as SQLite's parameter limit needs."""
        rows: list = []
        for i in range(0, len(values), MAX_SQL_VARIABLES):
            chunk = values[i:i + MAX_SQL_VARIABLES]
            rows.extend(self._rows(sql.format(",".join("?" * len(chunk))), chunk))
        return rows


def _failure(folder: Path, exc: sqlite3.DatabaseError) -> IndexUnavailable:
    """The one-line error for a failed SQLite call: busy, disk full, or damaged (which names the fix)."""
    text = " ".join(str(exc).split())
    if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
        return IndexBusy(f"the index at {folder} is busy ({text}); try again")
    if "full" in text:  # SQLITE_FULL: the write was rolled back, the index is fine
        return DiskFull(f"could not write the index at {folder}: the disk is full; free some space and retry")
    return IndexUnavailable(f"index at {folder} is damaged ({text}): run `qa build --rebuild`")


def _meta_document(row, text: str = "") -> Document:  # a row that starts with _DOC_COLUMNS
    return Document(row[0], text, row[1], row[2], row[3], row[4], row[5], date_text=row[6], url=row[7])


def _passage(row) -> Passage:
    return Passage(row[1], row[2], row[3], row[4], row[5], row[0])


def _stack(rows: list) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    if not rows:
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)

"""Store the index: SQLite holds documents, passages, vectors and metadata; FAISS holds the search vectors.

SQLite is the source of truth and changes only in transactions. The FAISS file is derived from it and is
named by the generation it reflects (`vectors-<gen>.faiss`), written to a temporary file and renamed, so a
crash at any moment leaves either the old or the new generation complete. A FAISS file that is missing
or stale is rebuilt from the vectors kept in SQLite.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

from .config import VectorIndexSettings
from .errors import DiskFull, IndexUnavailable
from .records import Document, Passage
from .vector_index import make_index

DB_NAME = "qa.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL, title TEXT, byline TEXT, date TEXT,
    source TEXT NOT NULL, text TEXT NOT NULL, n_passages INTEGER NOT NULL, indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    position INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_doc ON passages(doc_id, position);
CREATE TABLE IF NOT EXISTS vectors (text_hash TEXT PRIMARY KEY, vector BLOB NOT NULL);
"""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Store:
    """One index folder: a SQLite database and the FAISS file of its current generation."""

    def __init__(self, folder: Path, create: bool = False):
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
                self.db.executescript(_SCHEMA)
                if self.meta("schema") is None:
                    self.set_meta("schema", SCHEMA_VERSION)
                    self.set_meta("generation", 0)
            self.generation()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.folder, exc) from None

    def close(self) -> None:
        self.db.close()

    # ---- metadata -------------------------------------------------------------------------
    def meta(self, key: str):
        row = self._query("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value) -> None:
        self._query("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def generation(self) -> int:
        """A number that grows with every committed change; readers reload when it moves."""
        value = self.meta("generation")
        if value is None:
            raise IndexUnavailable(f"index at {self.folder} is incomplete: run `qa build --rebuild`")
        return int(value)

    # ---- reads ----------------------------------------------------------------------------
    def document_hashes(self) -> dict[str, str]:
        return dict(self._query("SELECT doc_id, sha256 FROM documents").fetchall())

    def documents(self) -> list[tuple[Document, int]]:
        """Every document's metadata (text left empty) with its passage count, by doc_id."""
        rows = self._query(_DOC_META + " ORDER BY doc_id").fetchall()
        return [(_meta_document(r), r[6]) for r in rows]

    def document_meta(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        """Metadata (text left empty) of these documents, without reading their text: citations need no more."""
        found: dict[str, Document] = {}
        for chunk in _chunks(list(dict.fromkeys(doc_ids)), 900):
            rows = self._query(_DOC_META + f" WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk).fetchall()
            found.update((r[0], _meta_document(r)) for r in rows)
        return found

    def document(self, doc_id: str) -> Document | None:
        r = self._query(
            "SELECT doc_id, sha256, title, byline, date, source, text FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return None if r is None else Document(r[0], r[6], r[1], r[2], r[3], r[4], r[5])

    def passages(self, ids: Iterable[int] | None = None) -> list[Passage]:
        """Passages by id (in the order asked), or all of them in id order."""
        sql = ('SELECT p.id, p.doc_id, p.position, p.start, p."end", substr(d.text, p.start + 1, p."end" - p.start) '
               "FROM passages p JOIN documents d USING (doc_id)")
        if ids is None:
            rows = self._query(sql + " ORDER BY p.id").fetchall()
            return [Passage(r[1], r[2], r[3], r[4], r[5], r[0]) for r in rows]
        ids = [int(i) for i in ids]
        found: dict[int, Passage] = {}
        for chunk in _chunks(ids, 900):
            q = sql + f" WHERE p.id IN ({','.join('?' * len(chunk))})"
            for r in self._query(q, chunk).fetchall():
                found[r[0]] = Passage(r[1], r[2], r[3], r[4], r[5], r[0])
        return [found[i] for i in ids if i in found]

    def cached_vectors(self, hashes: list[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for these passage-text hashes (the embedding cache)."""
        out: dict[str, np.ndarray] = {}
        for chunk in _chunks(list(set(hashes)), 900):
            q = f"SELECT text_hash, vector FROM vectors WHERE text_hash IN ({','.join('?' * len(chunk))})"
            for h, blob in self._query(q, chunk).fetchall():
                out[h] = np.frombuffer(blob, dtype=np.float32)
        return out

    def passage_ids(self, doc_ids: list[str]) -> np.ndarray:
        """Ids of the passages of these documents."""
        found: list[int] = []
        for chunk in _chunks(list(doc_ids), 900):
            q = f"SELECT id FROM passages WHERE doc_id IN ({','.join('?' * len(chunk))})"
            found.extend(r[0] for r in self._query(q, chunk).fetchall())
        return np.asarray(found, dtype=np.int64)

    def vectors_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of these passages."""
        rows: list = []
        for chunk in _chunks([int(i) for i in ids], 900):
            q = (f"SELECT p.id, v.vector FROM passages p JOIN vectors v USING (text_hash) "
                 f"WHERE p.id IN ({','.join('?' * len(chunk))})")
            rows.extend(self._query(q, chunk).fetchall())
        return _stack(rows)

    def all_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every passage, for rebuilding the FAISS index."""
        rows = self._query(
            "SELECT p.id, v.vector FROM passages p JOIN vectors v USING (text_hash) ORDER BY p.id"
        ).fetchall()
        return _stack(rows)

    def passage_count(self) -> int:
        return self._query("SELECT count(*) FROM passages").fetchone()[0]

    # ---- writes ---------------------------------------------------------------------------
    def cache_vectors(self, items: dict[str, np.ndarray], replace: bool = False) -> None:
        """Remember computed vectors; committed at once, so a killed build keeps its embedding work.

        `replace` overwrites vectors already cached (a rebuild), instead of clearing the cache first: a
        build killed half-way must still leave every indexed passage with a vector.
        """
        with self.transaction():
            self.db.executemany(
                f"INSERT OR {'REPLACE' if replace else 'IGNORE'} INTO vectors(text_hash, vector) VALUES (?, ?)",
                [(h, np.asarray(v, dtype=np.float32).tobytes()) for h, v in items.items()],
            )

    def write_changes(self, remove: list[str], add: list[tuple[Document, list[Passage]]], meta: dict) -> int:
        """Remove and (re)insert documents in one transaction; return the new generation."""
        with self.transaction():
            for doc_id in remove:
                self.db.execute("DELETE FROM passages WHERE doc_id = ?", (doc_id,))
                self.db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            now = time.time()
            for doc, passages in add:
                self.db.execute("DELETE FROM passages WHERE doc_id = ?", (doc.doc_id,))
                self.db.execute(
                    "INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (doc.doc_id, doc.sha256, doc.title, doc.byline, doc.date, doc.source, doc.text, len(passages), now),
                )
                self.db.executemany(
                    'INSERT INTO passages(doc_id, position, start, "end", text_hash) VALUES (?, ?, ?, ?, ?)',
                    [(p.doc_id, p.position, p.start, p.end, text_hash(p.text)) for p in passages],
                )
            # vectors no passage uses any more are dropped, so the cache stays the size of the index
            self.db.execute("DELETE FROM vectors WHERE text_hash NOT IN (SELECT text_hash FROM passages)")
            for key, value in meta.items():
                self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, json.dumps(value)))
            generation = self.generation() + 1
            self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('generation', ?)", (json.dumps(generation),))
            pause_for_crash_test("before_commit")
        pause_for_crash_test("after_commit")
        return generation

    # ---- FAISS ----------------------------------------------------------------------------
    def faiss_path(self, generation: int) -> Path:
        return self.folder / f"vectors-{generation}.faiss"

    def load_faiss(self, generation: int):
        """The FAISS index of `generation`, rebuilt from SQLite (and saved) when its file is missing or wrong."""
        import faiss

        path = self.faiss_path(generation)
        count = self.passage_count()
        if path.exists():
            try:
                index = faiss.read_index(str(path))
                if index.ntotal == count:
                    return index
            except RuntimeError:
                pass  # truncated or damaged: the vectors in SQLite rebuild it
        index = self.build_faiss()
        self.save_faiss(index, generation)
        return index

    def build_faiss(self, settings: VectorIndexSettings = VectorIndexSettings()):
        """A new FAISS index of every passage vector: exact, or IVF above `settings.exact_max` passages."""
        ids, vectors = self.all_vectors()
        dim = vectors.shape[1] if len(ids) else int(self.meta("dim") or 384)
        return make_index(ids, vectors, dim, settings)

    def save_faiss(self, index, generation: int) -> None:
        """Write atomically, then drop files of older generations."""
        import faiss

        path = self.faiss_path(generation)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        try:
            faiss.write_index(index, str(tmp))
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            pause_for_crash_test("faiss_written")
            os.replace(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)
            return  # a read-only folder still answers from the in-memory index
        for stale in self.folder.glob("vectors-*.tmp*"):
            if _left_by_dead_process(stale):  # a build killed while writing
                stale.unlink(missing_ok=True)
        for old in self.folder.glob("vectors-*.faiss"):
            if old != path and _generation_of(old) < generation:
                old.unlink(missing_ok=True)

    # ---- plumbing -------------------------------------------------------------------------
    def transaction(self):
        return _Transaction(self)

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Reads inside see one committed state, however many transactions other processes commit meanwhile."""
        with self._lock:
            if self.db.in_transaction:  # already inside a snapshot or a write: that one holds
                yield
                return
            self._query("BEGIN DEFERRED")
            try:
                yield
            finally:
                self.db.execute("COMMIT")

    def _query(self, sql: str, params: Iterable = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                return self.db.execute(sql, tuple(params))
            except sqlite3.DatabaseError as exc:
                if _is_busy(exc):
                    raise
                raise _damaged(self.folder, exc) from None


class _Transaction:
    def __init__(self, store: Store):
        self.store = store

    def __enter__(self):
        self.store._lock.acquire()
        try:
            self.store._query("BEGIN IMMEDIATE")
        except BaseException:
            self.store._lock.release()
            raise
        return self.store.db

    def __exit__(self, exc_type, exc, tb):
        try:
            self.store.db.execute("ROLLBACK" if exc_type else "COMMIT")
        except sqlite3.DatabaseError as failed:
            if exc_type is None:  # the commit itself failed (disk full, damaged file)
                raise _damaged(self.store.folder, failed) from None
        finally:
            self.store._lock.release()
        if exc_type is not None and issubclass(exc_type, sqlite3.DatabaseError) and not _is_busy(exc):
            raise _damaged(self.store.folder, exc) from None  # a write inside the transaction failed
        return False


def _damaged(folder: Path, exc: Exception) -> IndexUnavailable:
    if "full" in str(exc):  # SQLITE_FULL: the write was rolled back, the index is fine
        return DiskFull(f"could not write the index at {folder}: the disk is full; free some space and retry")
    return IndexUnavailable(f"index at {folder} is damaged ({exc}): run `qa build --rebuild`")


def _is_busy(exc: BaseException | None) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def set_aside_if_damaged(folder: Path) -> Path | None:
    """Move a database SQLite cannot read out of the way (to `damaged-<time>/`); return where it went.

    Only `qa build --rebuild` calls this: the collection files are the real source, so a rebuild can start
    from nothing, and the damaged files are kept rather than deleted in case someone wants to look at them.
    """
    folder = Path(folder)
    db_path = folder / DB_NAME
    if not db_path.exists():
        return None
    try:
        db = sqlite3.connect(db_path, timeout=30)
        try:
            ok = db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            ok = ok and db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone() is not None
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        if _is_busy(exc):
            raise
        ok = False
    if ok:
        return None
    aside = folder / f"damaged-{time.strftime('%Y%m%d-%H%M%S')}"
    aside.mkdir(exist_ok=True)
    for path in [db_path, *folder.glob(DB_NAME + "-*"), *folder.glob("vectors-*.faiss"), *folder.glob("bm25-*.npz")]:
        os.replace(path, aside / path.name)
    return aside


def pause_for_crash_test(point: str) -> None:
    """Crash-test hook: with QA_TEST_PAUSE=<point>:<seconds>, announce the point on stderr and sleep there,
    so tests/test_crash.py can kill a build at exactly that moment. Unset (always, outside tests), it does nothing."""
    name, _, seconds = os.environ.get("QA_TEST_PAUSE", "").partition(":")
    if name == point:
        print(f"qa-test: paused at {point}", file=sys.stderr, flush=True)
        time.sleep(float(seconds or 30))


_DOC_META = "SELECT doc_id, sha256, title, byline, date, source, n_passages FROM documents"


def _meta_document(row) -> Document:
    return Document(row[0], "", row[1], row[2], row[3], row[4], row[5])


def _stack(rows: list) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    if not rows:
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)


def _left_by_dead_process(tmp: Path) -> bool:
    """Whether the process named in a `*.tmp<pid>` file name is gone (a live one may still be writing it)."""
    try:
        os.kill(int(tmp.suffix.removeprefix(".tmp")), 0)
    except ValueError:
        return False
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists but is not ours
    return False


def _generation_of(path: Path) -> int:
    try:
        return int(path.stem.split("-", 1)[1])
    except (IndexError, ValueError):
        return -1


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]

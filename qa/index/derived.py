"""A generation's derived search files (FAISS vectors, BM25, the spelling vocabulary): made from SQLite, loaded only when verified.

The build calls `derive` inside its write transaction, so every file of a generation exists before the
generation is published. Readers call `load`: a file whose digest differs from the one SQLite recorded
(missing, damaged, left by another index) is rebuilt from SQLite and saved again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

import numpy as np

from . import vector_index
from .. import timing
from ..config import Settings
from ..errors import QAError
from .generations import GenerationFiles
from .lexical import BM25
from .store import Store
from .vocabulary import Vocabulary

T = TypeVar("T")


@dataclass
class SearchFiles:
    """What one generation searches with: passage vectors (FAISS), the BM25 index and the words spelling knows."""

    vectors: object  # a FAISS index with passage ids
    bm25: BM25
    words: Vocabulary
    rebuilt: tuple[str, ...] = ()  # kinds whose file was missing or wrong and was rebuilt from SQLite


def derive(store: Store, files: GenerationFiles, previous: int, generation: int, removed: np.ndarray,
           added: np.ndarray, settings: Settings, removed_texts: list[str]) -> dict[str, str]:
    """Write `generation`'s files by applying a change (passage ids removed and added) to `previous`'s
    verified files, or from all of SQLite when they are unusable; return the digests to publish.

    `removed_texts`: the removed passages' texts, read before they were deleted (the vocabulary counts words)."""
    digests = store.file_digests(previous)
    with timing.stage("FAISS"):
        vectors = _read(files, "vectors", previous, digests.get("vectors"), vector_index.from_bytes)
        if vectors is not None:
            vector_index.update(vectors, removed, *store.vectors_of(added))
        count = store.passage_count()
        if vectors is None or vectors.ntotal != count or vector_index.needs_rebuild(vectors, count, settings.vectors):
            # never publish an index that disagrees with SQLite; an IVF index's centroids are kept when they fit
            keep = vector_index.centroids(vectors) if vectors is not None else None
            vectors = _vectors_from_sqlite(store, settings, keep)
        vector_bytes = vector_index.to_bytes(vectors)
    with timing.stage("BM25"):
        passages = store.passages(added.tolist())
        bm25 = _read(files, "bm25", previous, digests.get("bm25"), BM25.from_bytes)
        if bm25 is not None:
            bm25.remove(removed)
            bm25.add([p.passage_id for p in passages], [p.text for p in passages])
            if (~bm25.alive).sum() > settings.build.bm25_compact_share * len(bm25.alive):
                bm25.compact()
        if bm25 is None or not np.array_equal(bm25.live_ids(), store.passage_ids()):
            bm25 = _bm25_from_sqlite(store)
        bm25_bytes = bm25.to_bytes()
    with timing.stage("vocabulary"):
        words = _read(files, "words", previous, digests.get("words"), Vocabulary.from_bytes)
        if words is not None:
            words.remove(removed.tolist(), removed_texts).add(added.tolist(), [p.text for p in passages])
        if words is None or not np.array_equal(words.ids, store.passage_ids()):
            words = _words_from_sqlite(store)
        words_bytes = words.to_bytes()
    with timing.stage("write files (fsync)"):
        return {"vectors": files.write("vectors", generation, vector_bytes),
                "bm25": files.write("bm25", generation, bm25_bytes),
                "words": files.write("words", generation, words_bytes)}


def load(store: Store, files: GenerationFiles, generation: int, settings: Settings,
         record: Callable[[dict[str, str]], object]) -> SearchFiles:
    """The verified files of `generation` as seen by `store` (a pinned reader); wrong ones are rebuilt from
    SQLite, saved, and their digests passed to `record` (a read-only folder just answers from memory)."""
    digests = store.file_digests(generation)
    rebuilt: dict[str, bytes] = {}
    upgraded: dict[str, bytes] = {}  # sound files of an older kind, remade: not reported as damaged
    vectors = _read(files, "vectors", generation, digests.get("vectors"), vector_index.from_bytes)
    if vectors is None or vectors.ntotal != store.passage_count():
        vectors = _vectors_from_sqlite(store, settings)
        rebuilt["vectors"] = vector_index.to_bytes(vectors)
    elif vector_index.stores_float32(vectors):
        vectors = _vectors_from_sqlite(store, settings, vector_index.centroids(vectors))
        upgraded["vectors"] = vector_index.to_bytes(vectors)
    bm25 = _read(files, "bm25", generation, digests.get("bm25"), BM25.from_bytes)
    if bm25 is None or not np.array_equal(bm25.live_ids(), store.passage_ids()):
        bm25 = _bm25_from_sqlite(store)
        rebuilt["bm25"] = bm25.to_bytes()
    words = _read(files, "words", generation, digests.get("words"), Vocabulary.from_bytes)
    if words is None or not np.array_equal(words.ids, store.passage_ids()):
        words = _words_from_sqlite(store)  # an index from before the vocabulary existed has none: not damage
        (rebuilt if "words" in digests else upgraded)["words"] = words.to_bytes()
    if rebuilt or upgraded:
        try:
            record({kind: files.write(kind, generation, data) for kind, data in (rebuilt | upgraded).items()})
        except QAError:
            pass  # a read-only or full disk: this process still answers from what it rebuilt in memory
    vector_index.prepare_for_search(vectors, settings.vectors)
    return SearchFiles(vectors, bm25, words, tuple(rebuilt))


def _read(files: GenerationFiles, kind: str, generation: int, digest: str | None, parse: Callable[[bytes], T]
          ) -> T | None:
    """The `kind` file of `generation` parsed by `parse`, when its bytes have `digest` and parse (else None)."""
    data = files.read(kind, generation, digest)
    try:
        return parse(data) if data is not None else None
    except ValueError:
        return None


def _words_from_sqlite(store: Store) -> Vocabulary:
    passages = store.passages()
    return Vocabulary.fit([p.passage_id for p in passages], [p.text for p in passages])


def _vectors_from_sqlite(store: Store, settings: Settings, keep_centroids: np.ndarray | None = None):
    ids, vectors = store.vectors_of()
    dim = vectors.shape[1] if len(ids) else settings.model.dim
    return vector_index.make_index(ids, vectors, dim, settings.vectors, keep_centroids)


def _bm25_from_sqlite(store: Store) -> BM25:
    passages = store.passages()
    return BM25.fit([p.passage_id for p in passages], [p.text for p in passages])

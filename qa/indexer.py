"""Build the index incrementally: only new and changed files are chunked and embedded."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
from filelock import FileLock, Timeout

from .chunker import Chunker
from .config import Settings, VectorIndexSettings
from .embedder import Embedder
from .errors import BuildLocked, LoadError
from .loader import load, scan
from .records import BuildReport, Document, Passage
from .store import Store, text_hash
from .vector_index import needs_rebuild

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
Warn = Callable[[str], None]
# passages embedded and committed to the cache at a time: large, because the embedder sorts each call's
# texts by length and less padding is faster; small enough that a killed build loses ~10 s of work
EMBED_BATCH = 1024


def build_lock(folder: Path) -> FileLock:
    """The lock that serialises writers of one index folder."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    return FileLock(str(Path(folder) / ".build.lock"))


def build(
    store: Store,
    sources: list[Path],
    embedder: Embedder,
    settings: Settings,
    rebuild: bool = False,
    progress: Progress | None = None,
    warn: Warn | None = None,
    wait: float = -1,
) -> BuildReport:
    """Bring the index in `store` up to date with the files under `sources`.

    Args:
        store: the open index.
        sources: collection folders.
        embedder: the model to embed with.
        settings: chunking and model settings; a change from what the index was built with re-embeds.
        rebuild: re-read and re-embed everything.
        progress: called as passages are embedded.
        warn: called with a one-line message for every skipped file.
        wait: seconds to wait for another build to finish (-1: as long as it takes).
    """
    warn = warn or (lambda msg: print(f"warning: {msg}", file=sys.stderr))
    try:
        with build_lock(store.folder).acquire(timeout=wait):
            return _build(store, sources, embedder, settings, rebuild, progress, warn)
    except Timeout:
        raise BuildLocked(f"another build of {store.folder} is running; try again when it ends") from None


def _build(store, sources, embedder, settings, rebuild, progress, warn) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    files, skipped = scan(sources)
    key = settings.index_key()
    stored_key = store.meta("index_key")
    # vectors of another model (or a forced rebuild) cannot be reused; they are overwritten as the new ones
    # are computed, not cleared first, so a build killed half-way leaves the indexed passages their vectors
    fresh = rebuild or (stored_key is not None and stored_key.get("model") != key["model"])
    redo_all = rebuild or stored_key != key
    existing = store.document_hashes()
    seen = {f.doc_id for f in files}

    chunker = Chunker(settings.chunk, embedder.wordpieces)
    todo: list[tuple[Document, list[Passage]]] = []
    for f in files:
        if not redo_all and existing.get(f.doc_id) == f.sha256:
            report.unchanged.append(f.doc_id)
            continue
        try:
            doc = load(f, settings.load)
        except LoadError as exc:
            skipped.append((f.doc_id, str(exc) + ("; the indexed version is kept" if f.doc_id in existing else "")))
            continue
        todo.append((doc, chunker.split(doc)))
        (report.updated if f.doc_id in existing else report.added).append(f.doc_id)

    for name, reason in skipped:
        warn(f"skipped {name}: {reason}")
    report.skipped = skipped
    report.removed = sorted(set(existing) - seen)

    report.passages_embedded = _embed_missing(store, embedder, [p for _, ps in todo for p in ps], progress, fresh)
    if todo or report.removed or stored_key != key:
        old_ids = store.passage_ids(report.removed + [d.doc_id for d, _ in todo])
        old_generation = store.generation()
        generation = store.write_changes(
            report.removed, todo,
            # the backend of the newest build, for the record: vectors of different backends agree to a
            # cosine of ~0.99 and are kept (see docs/speed.md), so a backend change does not re-embed
            {"index_key": key, "model": key["model"], "dim": settings.model.dim, "backend": embedder.backend},
        )
        _update_faiss(store, old_generation, generation, old_ids, [d.doc_id for d, _ in todo], settings.vectors)
    report.seconds = time.perf_counter() - started
    return report


def _embed_missing(store: Store, embedder: Embedder, passages: list[Passage], progress: Progress | None,
                   fresh: bool = False) -> int:
    """Embed passage texts not in the cache (all of them when `fresh`), committing each batch so a killed
    build keeps its work."""
    unique: dict[str, str] = {}
    for p in passages:
        unique.setdefault(text_hash(p.text), p.text)
    cached = {} if fresh else store.cached_vectors(list(unique))
    missing = [(h, t) for h, t in unique.items() if h not in cached]
    if progress:
        progress(0, len(missing))
    for i in range(0, len(missing), EMBED_BATCH):
        batch = missing[i:i + EMBED_BATCH]
        vectors = embedder.embed([t for _, t in batch])
        store.cache_vectors({h: v for (h, _), v in zip(batch, vectors)}, replace=fresh)
        if progress:
            progress(min(i + EMBED_BATCH, len(missing)), len(missing))
    return len(missing)


def _update_faiss(store: Store, old_generation: int, generation: int, old_ids: np.ndarray, new_docs: list[str],
                  vector_settings: VectorIndexSettings) -> None:
    """Apply the change to the previous FAISS index rather than re-reading every vector."""
    import faiss

    path = store.faiss_path(old_generation)
    try:
        index = faiss.read_index(str(path)) if path.exists() else None
    except RuntimeError:
        index = None  # unreadable: rebuilt from SQLite below
    if index is not None:
        if len(old_ids):
            index.remove_ids(old_ids)
        new_ids, vectors = store.vectors_of(store.passage_ids(new_docs))
        if len(new_ids):
            index.add_with_ids(vectors, new_ids)
    count = store.passage_count()
    if index is None or index.ntotal != count or needs_rebuild(index, count, vector_settings):
        index = store.build_faiss(vector_settings)  # never save an index that disagrees with SQLite
    store.save_faiss(index, generation)

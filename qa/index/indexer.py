"""Build the index incrementally: only new and changed files are chunked and embedded."""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Callable, Iterator, Protocol

import numpy as np
from filelock import FileLock, Timeout

from . import derived, syndication
from .. import timing
from ..ingest.chunker import Chunker
from ..config import Settings
from ..embed.embedder import Embedder
from ..errors import BuildLocked, LoadError
from .generations import GenerationFiles
from ..ingest.loader import SourceFile, load, scan
from ..records import BuildReport, Document, Passage
from .store import Store, text_hash
from .testhooks import pause_for_crash_test

# (stage, done, total): "reading" counts the articles read so far, "embedding" the passages embedded; each
# stage is announced with done = 0 before its work starts, so a front end can say what is coming
Progress = Callable[[str, int, int], None]
Warn = Callable[[str], None]
# what reading one file gave: the file, its Document (or the one-line reason it was skipped) and its passages
Read = tuple[SourceFile, "Document | str", list[Passage]]
# one batch of embedded passage texts: their text hashes, vectors (a row each) and sentence vectors (one array each)
Embedded = tuple[list[str], np.ndarray, list[np.ndarray]]


class Workers(Protocol):
    """Who reads, splits and embeds for a build: this process (`LocalWorkers`) or a cluster (qa/cluster/).

    Everything else (which files are new, which texts the vector cache holds, the commit) is the build's own,
    so a build's guarantees do not depend on who did the work.
    """

    def read(self, files: list[SourceFile], progress: Progress) -> Iterator[Read]: ...

    def embed(self, missing: list[tuple[str, str]], progress: Progress) -> Iterator[Embedded]: ...


class LocalWorkers:
    """Reading, splitting and embedding in this process, with the embedder's sessions (one a core)."""

    def __init__(self, embedder: Embedder, settings: Settings):
        self.embedder = embedder
        self.settings = settings

    def read(self, files: list[SourceFile], progress: Progress) -> Iterator[Read]:
        # the chunker keeps each window's token ids, so embedding does not tokenise the passages again
        chunker = Chunker(self.settings.chunk, self.embedder.wordpieces_kept_for_embedding)
        for n, f in enumerate(files):
            progress("reading", n, len(files))
            try:
                with timing.stage("read files"):
                    doc = load(f, self.settings.load)
            except LoadError as exc:
                yield f, str(exc), []
                continue
            with timing.stage("split into passages (sentences, tiktoken)"):
                passages = chunker.split(doc)
            yield f, doc, passages
        if files:
            progress("reading", len(files), len(files))

    def embed(self, missing: list[tuple[str, str]], progress: Progress) -> Iterator[Embedded]:
        """(hash, text) pairs in commit batches of `embed_batch`, each yielded to be cached at once."""
        batch_size = self.settings.build.embed_batch
        for i in range(0, len(missing), batch_size):
            batch = missing[i:i + batch_size]
            # one call a commit batch, reporting as the model's batches finish: many small calls left the
            # sessions waiting at each call's end, and their model runs took ~15% more time (docs/speed.md)
            # the model sessions run in a pool: on this thread this is the wall time of embedding (it waits for
            # them); their model runs and pooling are timed in their threads
            with timing.stage("embed (wall time; model sessions in a pool)"):
                vectors, sentences = self.embedder.embed_passages(
                    [t for _, t in batch], lambda done, i=i: progress("embedding", i + done, len(missing)))
            yield [h for h, _ in batch], vectors, sentences


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
    workers: Workers | None = None,
    only: Callable[[str], bool] | None = None,
) -> BuildReport:
    """Bring the index in `store` up to date with the files under `sources`.

    Args:
        store: the open index.
        sources: collection folders.
        embedder: the model to embed with.
        settings: chunking and model settings; a change from what the index was built with re-embeds.
        rebuild: re-read and re-embed everything.
        progress: called with (stage, done, total) as articles are read and passages embedded (`Progress`).
        warn: called with a one-line message for every skipped file.
        wait: seconds to wait for another build to finish (-1: as long as it takes).
        workers: who reads, splits and embeds (default: this process, with `embedder`).
        only: which doc ids this index holds (a shard's, qa/cluster/shards.py); default every one.
    """
    warn = warn or (lambda msg: print(f"warning: {msg}", file=sys.stderr))
    try:
        with build_lock(store.folder).acquire(timeout=wait):
            return _build(store, sources, embedder, settings, rebuild, progress, warn,
                          workers or LocalWorkers(embedder, settings), only)
    except Timeout:
        raise BuildLocked(f"another build of {store.folder} is running; try again when it ends") from None


def _build(store: Store, sources: list[Path], embedder: Embedder, settings: Settings, rebuild: bool,
           progress: Progress | None, warn: Warn, workers: Workers,
           only: Callable[[str], bool] | None = None) -> BuildReport:
    started = time.perf_counter()
    store.check()  # a damaged database is reported (naming `--rebuild`) before any work is done
    report = BuildReport()
    with timing.stage("read files"):
        files, skipped = scan(sources)
    if only is not None:
        files, skipped = [f for f in files if only(f.doc_id)], [s for s in skipped if only(s[0])]
    key = settings.index_key()
    stored_key = store.meta("index_key")
    # vectors of another model (or a forced rebuild) cannot be reused; they are overwritten as the new ones
    # are computed, not cleared first, so a build killed half-way leaves the indexed passages their vectors
    fresh = rebuild or (stored_key is not None and stored_key.get("model") != key["model"])
    redo_all = rebuild or stored_key != key
    existing = store.document_hashes()

    todo: list[tuple[Document, list[Passage]]] = []
    report.unchanged = [f.doc_id for f in files if not redo_all and existing.get(f.doc_id) == f.sha256]
    to_read = [f for f in files if redo_all or existing.get(f.doc_id) != f.sha256]
    progress = progress or (lambda stage, done, total: None)
    # in the scan's order whatever order the workers finish in, so passage ids do not depend on who read what
    found = {f.doc_id: (doc, passages) for f, doc, passages in workers.read(to_read, progress)}
    for f in to_read:
        doc, passages = found[f.doc_id]
        if isinstance(doc, str):
            skipped.append((f.doc_id, doc + ("; the indexed version is kept" if f.doc_id in existing else "")))
            continue
        todo.append((doc, passages))
        (report.updated if f.doc_id in existing else report.added).append(f.doc_id)

    for name, reason in skipped:
        warn(f"skipped {name}: {reason}")
    report.skipped = skipped
    report.removed = sorted(set(existing) - {f.doc_id for f in files})

    passages = [p for _, ps in todo for p in ps]
    report.passages_embedded = _embed_missing(store, workers, passages, progress, fresh)
    if todo or report.removed or stored_key != key or syndication.needed(store):
        _publish(store, report, todo, settings, embedder.backend)
    else:
        report.repaired = list(_verify(store, settings))
    report.seconds = time.perf_counter() - started
    return report


def _publish(store: Store, report: BuildReport, todo: list[tuple[Document, list[Passage]]], settings: Settings,
             backend: str) -> None:
    """Write the change and every derived file of the new generation, then commit: all or nothing."""
    files = GenerationFiles(store.folder)
    changed = report.removed + [d.doc_id for d, _ in todo]
    with store.transaction():
        previous = store.generation()
        removed = store.passage_ids(changed)
        removed_texts = [p.text for p in store.passages(removed.tolist())]  # the vocabulary subtracts their words
        with timing.stage("SQLite reads and writes"):
            store.write_changes(report.removed, todo)
        with timing.stage("story groups"):
            syndication.update(store, [d for d, _ in todo], settings.groups)
        added = store.passage_ids([d.doc_id for d, _ in todo])
        pause_for_crash_test("before_derive")
        digests = derived.derive(store, files, previous, previous + 1, removed, added, settings,
                                 removed_texts)
        key = settings.index_key()
        # the backend of the newest build, for the record: vectors of different backends agree to a
        # cosine of ~0.99 and are kept (see docs/speed.md), so a backend change does not re-embed
        store.publish(previous + 1, digests, {"index_key": key, "model": key["model"], "dim": settings.model.dim,
                                              "backend": backend})
        pause_for_crash_test("before_commit")
    pause_for_crash_test("after_commit")
    files.remove_older(previous + 1)


def _verify(store: Store, settings: Settings) -> tuple[str, ...]:
    """With nothing to change: check the current generation's files and rebuild any that are wrong."""
    generation = store.generation()
    files = GenerationFiles(store.folder)
    found = derived.load(store, files, generation, settings, lambda d: store.record_digests(generation, d))
    files.remove_older(generation)
    return found.rebuilt


def _embed_missing(store: Store, workers: Workers, passages: list[Passage], progress: Progress,
                   fresh: bool = False) -> int:
    """Embed passage texts not in the cache (all of them when `fresh`), committing each batch the workers
    hand back so a killed build keeps its work."""
    unique: dict[str, str] = {}
    for p in passages:
        unique.setdefault(text_hash(p.text), p.text)
    with timing.stage("SQLite reads and writes"):
        cached = {} if fresh else store.cached_vectors(list(unique))
    # by length: each commit batch then holds passages of like length, and its model batches little padding
    missing = sorted(((h, t) for h, t in unique.items() if h not in cached), key=lambda item: len(item[1]))
    if missing:
        progress("embedding", 0, len(missing))
    for hashes, vectors, sentences in workers.embed(missing, progress):
        with timing.stage("SQLite reads and writes"):
            store.cache_vectors(dict(zip(hashes, vectors)), dict(zip(hashes, sentences)))
    return len(missing)

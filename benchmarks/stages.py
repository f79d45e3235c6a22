"""Per-stage wall time of a run: wraps named functions and methods, and charges each one its own time only."""
from __future__ import annotations

import threading
import time
from collections import defaultdict
from functools import wraps


class Stages:
    """Exclusive seconds per stage: time inside a wrapped call, less the time of wrapped calls it made.

    Each thread keeps its own call stack. The main thread's stages (`seconds`) add up to at most the run's wall
    time; what other threads spend (the build's model sessions run in a pool) goes to `thread_seconds`, summed
    over those threads, so it can exceed the wall time it overlaps.
    """

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.thread_seconds: dict[str, float] = defaultdict(float)
        self._local = threading.local()  # .stack: per open call, [time spent in nested wrapped calls]
        self._lock = threading.Lock()
        self._undo: list[tuple[object, str, object]] = []

    def wrap(self, owner, name: str, stage: str) -> None:
        """Time `owner.name` (a module function or a class's method) as `stage`; absent names are skipped,
        so the benchmark outlives a renamed helper (its time then shows as "other")."""
        original = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
        if original is None or isinstance(original, (staticmethod, classmethod)):
            return
        stages = self

        @wraps(original)
        def timed(*args, **kwargs):
            stack = stages._stack()
            stack.append([0.0])
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.perf_counter() - started
                nested = stack.pop()[0]
                main = threading.current_thread() is threading.main_thread()
                with stages._lock:
                    (stages.seconds if main else stages.thread_seconds)[stage] += spent - nested
                if stack:
                    stack[-1][0] += spent

        setattr(owner, name, timed)
        self._undo.append((owner, name, original))

    def _stack(self) -> list[list[float]]:
        if not hasattr(self._local, "stack"):
            self._local.stack = []
        return self._local.stack

    def restore(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        self._undo.clear()

    def __enter__(self) -> "Stages":
        return self

    def __exit__(self, *exc) -> None:
        self.restore()


def wrap_build(stages: Stages) -> None:
    """The stages of `Engine.build`: read, split, tokenise, embed, SQLite, FAISS, BM25, file writes."""
    from qa.embed import embedder, onnx_model
    from qa.index import derived, generations, indexer, lexical, store, vector_index
    from qa.ingest import chunker

    for name in ("load", "scan"):
        stages.wrap(indexer, name, "read files")
    stages.wrap(chunker.Chunker, "split", "split into passages (sentences, tiktoken)")
    for name in ("wordpieces", "_encodings"):
        stages.wrap(embedder.Embedder, name, "tokenise (model wordpieces)")
    # the model sessions run in a pool: on the main thread "embed" is the wall time of embedding (it waits for
    # them); the pool threads' model runs and pooling are reported apart, summed over the threads
    stages.wrap(embedder.Embedder, "embed_passages", "embed (wall time; model sessions in a pool)")
    stages.wrap(onnx_model.OnnxEncoder, "hidden", "embed (model run)")
    # the embedder calls the name it imported: wrapping it in qa.embed.sentence_vectors timed nothing
    stages.wrap(embedder, "sentence_means", "sentence vectors (pooling)")
    for name in ("cache_vectors", "cached_vectors", "write_changes", "publish", "check", "passages", "vectors_of",
                 "passage_ids", "document_hashes"):
        stages.wrap(store.Store, name, "SQLite reads and writes")
    for name in ("make_index", "update", "to_bytes"):
        stages.wrap(vector_index, name, "FAISS")
    for name in ("add", "to_bytes", "remove", "compact"):
        stages.wrap(lexical.BM25, name, "BM25")
    stages.wrap(generations.GenerationFiles, "write", "write files (fsync)")
    stages.wrap(derived, "derive", "other")


def wrap_ask(stages: Stages) -> None:
    """The stages of `Engine.ask`."""
    from qa import engine
    from qa.answering import answer, excerpts, retriever
    from qa.embed import embedder
    from qa.index import store

    stages.wrap(embedder.Embedder, "embed_query", "question embedding")
    stages.wrap(embedder.Embedder, "embed", "sentence embedding (highlight tie-break, answer)")
    stages.wrap(embedder.Embedder, "_embed_sentences", "sentence embedding (highlight tie-break, answer)")
    stages.wrap(retriever.Retriever, "_dense", "vector search (FAISS)")
    stages.wrap(retriever.Retriever, "_cosines", "vector search (FAISS)")
    stages.wrap(retriever.Retriever, "_lexical", "BM25")
    stages.wrap(retriever.Retriever, "_fuse", "fusion")
    stages.wrap(retriever.Retriever, "retrieve", "fusion")
    for name in ("passages", "document_meta"):
        stages.wrap(store.Store, name, "passage reads (SQLite)")
    stages.wrap(store.Store, "sentence_vectors", "sentence vectors (stored)")
    stages.wrap(excerpts, "select", "near-copy selection")
    stages.wrap(excerpts, "confidence", "confidence")
    stages.wrap(excerpts, "highlight_all", "sentence split and highlight")
    stages.wrap(engine.Engine, "_answer", "answer sentences")
    stages.wrap(answer, "sentences_of", "answer sentences")
    stages.wrap(engine.Engine, "_judge", "confidence")
    stages.wrap(engine.Engine, "_cite", "citations")
    stages.wrap(engine.Engine, "ask", "other (checks, records)")

"""The question-answering engine: the one entry point the CLI, the UI and the API share."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from . import excerpts, indexer
from .config import MAX_K, MAX_QUESTION_CHARS, SETTINGS, Settings
from .embedder import Embedder
from .errors import IndexUnavailable, QuestionError, UnknownDocument
from .records import Answer, BuildReport, Citation, Document, Excerpt
from .retriever import Retriever
from .snapshot import load_bm25
from .vector_index import prepare_for_search
from .store import Store, set_aside_if_damaged



def set_aside_damaged_index(index_dir: Path) -> Path | None:
    """Before a rebuild: move an index database SQLite cannot read to a `damaged-*` folder; return it."""
    return set_aside_if_damaged(Path(index_dir))


@dataclass
class _Snapshot:
    """What one generation of the index needs in memory to answer."""

    generation: int
    retriever: Retriever
    idf: object


class Engine:
    """Builds an index of article folders and answers questions from it with cited excerpts."""

    def __init__(self, index_dir: Path, settings: Settings = SETTINGS, embedder: Embedder | None = None,
                 create: bool = False):
        """Open the index in `index_dir` (create it when `create`); the model loads on first use."""
        self.index_dir = Path(index_dir)
        self.settings = settings
        self.embedder = embedder or Embedder(settings.model)
        self.store = Store(self.index_dir, create=create)
        self._snapshot: _Snapshot | None = None
        self._reload = threading.Lock()

    # ---- answering ----------------------------------------------------------------------
    def ask(self, question: str, k: int | None = None) -> Answer:
        """The k best excerpts for `question`, best first, and whether any is a confident match."""
        question = self._check(question)
        k = self.check_k(k)
        snap = self._current()
        self.embedder.model  # loading the model is start-up, not answering: keep it out of took_ms
        started = time.perf_counter()
        qvec = self.embedder.embed_query(question)
        candidates = snap.retriever.retrieve(question, qvec, max(self.settings.retrieval.candidates, 4 * k))
        passages = self.store.passages([c.passage_id for c in candidates])
        by_id = {c.passage_id: c for c in candidates}
        chosen = [passages[i] for i in excerpts.select(passages, k, self.settings.retrieval.dedup_jaccard)]
        docs = self.store.document_meta(p.doc_id for p in chosen)
        rs = self.settings.retrieval
        sure = excerpts.confidence(question, [p.text for p in chosen], [by_id[p.passage_id].dense for p in chosen],
                                   snap.idf, rs.coverage_weight)
        answered = bool(chosen) and sure >= rs.answer_threshold
        # embedding sentences to place a highlight costs tens of ms: only worth it for a confident answer
        embed = self.embedder.embed if answered else None
        result = []
        marked = excerpts.highlight_all(question, chosen, snap.idf, embed, qvec)
        for rank, (p, spans) in enumerate(zip(chosen, marked), start=1):
            doc = docs.get(p.doc_id) or Document(p.doc_id, "", "")  # removed by a build meanwhile
            result.append(Excerpt(
                rank=rank,
                score=by_id[p.passage_id].score,
                text=p.text,
                citation=Citation(p.doc_id, doc.title, doc.date, doc.source, p.start, p.end),
                highlight=spans,
                passage_id=p.passage_id,
            ))
        took = (time.perf_counter() - started) * 1000
        return Answer(question, answered, took, tuple(result))

    def warm_up(self) -> None:
        """Load the model and the index now, so the first question is answered at full speed."""
        self._current()
        self.embedder.embed_query("warm up")

    # ---- the collection -----------------------------------------------------------------
    def build(self, sources: list[Path], rebuild: bool = False, progress=None, warn=None) -> BuildReport:
        """Index new and changed files under `sources`, drop deleted ones; see `indexer.build`."""
        return indexer.build(self.store, [Path(s) for s in sources], self.embedder, self.settings,
                             rebuild=rebuild, progress=progress, warn=warn)

    def document(self, doc_id: str) -> Document:
        doc = self.store.document(doc_id)
        if doc is None:
            raise UnknownDocument(f"no document '{doc_id}' in the index")
        return doc

    def documents(self) -> list[tuple[Document, int]]:
        """Every indexed document (metadata only) with its passage count."""
        return self.store.documents()

    # ---- internals ----------------------------------------------------------------------
    def check_k(self, k) -> int:
        """The one rule for k: None means the default; else a whole number from 1 to MAX_K (5.0 counts as 5)."""
        if k is None:
            return self.settings.retrieval.k
        if isinstance(k, float) and k.is_integer():
            k = int(k)
        if isinstance(k, str) and k.strip().isdigit():
            k = int(k)
        if isinstance(k, bool) or not isinstance(k, int):
            raise QuestionError(f"k must be a whole number from 1 to {MAX_K}")
        if not 1 <= k <= MAX_K:
            raise QuestionError(f"k must be from 1 to {MAX_K}, not {k}")
        return k

    @staticmethod
    def _check(question) -> str:
        if not isinstance(question, str):
            raise QuestionError("the question must be text")
        question = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in question).strip()
        if not question:
            raise QuestionError("the question is empty")
        return question[:MAX_QUESTION_CHARS]

    def _current(self) -> _Snapshot:
        """The in-memory state of the newest committed generation, reloaded when the index moves on."""
        generation = self.store.generation()
        snap = self._snapshot
        if snap is not None and snap.generation == generation:
            return snap
        with self._reload:
            snap = self._snapshot
            if snap is None or snap.generation != generation:
                snap = self._load(generation)
                self._snapshot = snap
        return snap

    def _load(self, generation: int) -> _Snapshot:
        with self.store.read_snapshot():  # vectors and passages of one generation, even if a build commits now
            generation = self.store.generation()
            if self.store.meta("index_key") is None:
                raise IndexUnavailable(f"the index at {self.index_dir} is empty: run `qa build`")
            vectors = self.store.load_faiss(generation)
            prepare_for_search(vectors, self.settings.vectors)
            previous = self._snapshot.retriever.bm25 if self._snapshot is not None else None
            bm25 = load_bm25(self.store, generation, previous)  # saved per generation: no re-tokenising on reload
        return _Snapshot(generation, Retriever(vectors, bm25, self.settings.retrieval), excerpts.idf_lookup(bm25))

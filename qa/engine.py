"""The question-answering engine: the one entry point the CLI, the UI and the API share."""
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answering import answer, excerpts, followup
from .index import derived, indexer, story_groups
from .answering.catalog import Catalog, check_dates
from .config import MAX_K_JSON, MAX_PREVIOUS, MAX_QUESTION_CHARS, SETTINGS, Settings
from .embed.embedder import Embedder
from .errors import IndexUnavailable, QuestionError, UnknownDocument
from .index.generations import GenerationFiles
from .ingest.loader import doc_id_of
from .records import Answer, AnswerSentence, BuildReport, Citation, Document, Excerpt, Filters, Passage
from .index.recovery import set_aside_if_damaged
from .answering.retriever import Candidate, Retriever
from .embed.sentence_vectors import StoredSentences
from .index.store import Store


@dataclass
class LoadedGeneration:
    """One committed generation of the index, held in memory to answer from.

    `store` is pinned to that generation, so the passages an answer reads are the ones its candidates
    were found among, however many builds commit meanwhile.
    """

    generation: int
    store: Store
    retriever: Retriever
    idf: excerpts.Idf
    catalog: Catalog  # passage ids, dates and story groups by article: filters and `also_in`


class Engine:
    """Builds an index of article folders and answers questions from it with cited excerpts."""

    def __init__(self, index_dir: Path, settings: Settings = SETTINGS, embedder: Embedder | None = None,
                 create: bool = False, recover: bool = False):
        """Open the index in `index_dir` (create it when `create`); the model loads on first use.

        With `recover`, a database SQLite cannot read is first moved to `damaged-<time>/` (see
        `set_aside`), so that a rebuild can start afresh.
        """
        self.index_dir = Path(index_dir)
        self.settings = settings
        self.embedder = embedder or Embedder(settings)
        self.set_aside: Path | None = set_aside_if_damaged(self.index_dir) if recover else None
        self.store = Store(self.index_dir, create=create)
        self._loaded: LoadedGeneration | None = None
        self._reload = threading.Lock()

    # ---- answering ----------------------------------------------------------------------
    def ask(self, question: str, k: int | None = None, previous: Sequence[str] = (),
            filters: Filters | None = None) -> Answer:
        """The k best excerpts for `question`, best first, and whether they confidently answer it.

        `previous`: the earlier questions of the conversation, oldest first, so that a follow-up ("Who said
        that?") is understood with them. `filters`: which articles may answer (dates, doc ids).
        """
        asked = self.check_question(question)
        k = self.check_k(k)
        # everything below works on the question as understood with the conversation; `question` stays as asked
        question = followup.resolve(asked, self.check_previous(previous))
        loaded = self.loaded()
        self.embedder.model  # loading the model is start-up, not answering: keep it out of took_ms
        started = time.perf_counter()
        qvec = self.embedder.embed_query(question)
        candidates = self._retrieve(loaded, question, qvec, k, filters)
        passages = self._load_passages(loaded, candidates)
        chosen = self._select(loaded, passages, k)
        embed = self._sentence_vectors(loaded, passages, chosen)
        cosines = [candidates[p.passage_id].dense for p in chosen]
        windows = [(p.doc_id, p.start, p.text, c) for p, c in zip(chosen[:self.settings.answer.depth], cosines)]
        pool = answer.sentences_of(question, windows, loaded.idf)  # the answer step's candidates, judged first
        similarity = self._similarity(pool, qvec, embed)
        peak = excerpts.peak(c.dense for c in candidates.values())
        score, label = self._judge(loaded, question, chosen, cosines, peak, lambda: float(similarity().max(initial=0.0)))
        answered = label != "none"
        spans = self._highlight(loaded, question, chosen, qvec, embed if answered else None)
        found = self._cite(loaded, chosen, candidates, spans)
        sentences = self._answer(question, pool, similarity()) if answered else ()
        took = (time.perf_counter() - started) * 1000
        return Answer(asked, answered, took, found, score, sentences, label, searched_for=question)

    def _retrieve(self, loaded: LoadedGeneration, question: str, qvec: np.ndarray, k: int,
                  filters: Filters | None = None) -> dict[int, Candidate]:
        """Candidates by passage id, best first: enough that k survive the removal of near-copies.

        `filters` is applied inside both searches, before anything is cut to size.
        """
        allowed = loaded.catalog.allowed(filters)
        found = loaded.retriever.retrieve(question, qvec, max(self.settings.retrieval.candidates, 4 * k), allowed)
        return {c.passage_id: c for c in found}

    @staticmethod
    def _load_passages(loaded: LoadedGeneration, candidates: dict[int, Candidate]) -> list[Passage]:
        return loaded.store.passages(candidates)

    def _select(self, loaded: LoadedGeneration, passages: list[Passage], k: int) -> list[Passage]:
        """The k best passages, one article per story: the first article of a story group to come back
        speaks for it (its excerpts list the others in `also_in`), its copies' passages are dropped."""
        speaker: dict[str, str] = {}
        for p in passages:
            for other in loaded.catalog.also_in(p.doc_id):
                speaker.setdefault(other, speaker.get(p.doc_id, p.doc_id))
            speaker.setdefault(p.doc_id, p.doc_id)
        passages = [p for p in passages if speaker[p.doc_id] == p.doc_id]
        return excerpts.distinct(passages, k, self.settings.retrieval.dedup_jaccard)

    def _sentence_vectors(self, loaded: LoadedGeneration, passages: list[Passage], chosen: list[Passage]
                          ) -> StoredSentences:
        """The sentence vectors the highlight and the answer compare with the question: those stored with the
        chosen excerpts' windows (merged windows included), the model embedding only what was not stored."""
        depth = max(self.settings.answer.depth, self.settings.retrieval.highlight_embed_depth)
        windows = [p for p in passages if any(excerpts.overlaps(p, c) for c in chosen[:depth])]
        return StoredSentences(loaded.store.sentence_vectors, windows, self.embedder.sentence_embedder())

    def _judge(self, loaded: LoadedGeneration, question: str, chosen: list[Passage], cosines: list[float],
               peak: float, sentence_cosine: Callable[[], float]) -> tuple[float, str]:
        """How surely the first excerpts answer (see `excerpts.confidence`), and the level a reader sees.

        `peak`: the best candidate's dense cosine less the mean of the 5 best (`excerpts.peak`)."""
        r = self.settings.retrieval
        texts, cosines = [p.text for p in chosen[:r.confidence_depth]], cosines[:r.confidence_depth]
        coverage = excerpts.coverage(question, texts, loaded.idf)
        score = excerpts.confidence(cosines, coverage, r.coverage_weight)
        if score >= r.high_threshold:
            return score, "high"
        if not texts:
            return score, "none"
        features = (max(cosines), coverage, excerpts.sentence_coverage(question, texts, loaded.idf), sentence_cosine(),
                    peak)
        needed = excerpts.odds_needed(loaded.retriever.vectors.ntotal, r.answer_odds, r.small_collection,
                                      r.large_collection)
        return score, "low" if excerpts.answer_log_odds(features, r.answer_weights) >= needed else "none"

    @staticmethod
    def _similarity(sentences: list[answer.SentenceCandidate], qvec: np.ndarray, embed: Callable
                    ) -> Callable[[], np.ndarray]:
        """The model's similarity of each sentence to the question (stored vectors), computed on first use:
        the judge asks only when the answer is not "high", the answer step only when there is an answer."""
        return functools.cache(lambda: embed([c.text for c in sentences]) @ qvec if sentences
                               else np.zeros(0, dtype=np.float32))

    def _highlight(self, loaded: LoadedGeneration, question: str, chosen: list[Passage], qvec: np.ndarray,
                   embed: Callable | None) -> list[tuple[tuple[int, int], ...]]:
        # embed is None unless the answer is confident: embedding sentences to break a tie costs a few ms
        return excerpts.highlight_all(question, chosen, loaded.idf, embed, qvec,
                                      self.settings.retrieval.highlight_embed_depth)

    def _answer(self, question: str, candidates: list[answer.SentenceCandidate], cosines: np.ndarray
                ) -> tuple[AnswerSentence, ...]:
        """The sentences that answer directly, chosen across the first excerpts (see qa/answering/answer.py)."""
        if not candidates:
            return ()
        return answer.choose(candidates, answer.score(question, candidates, cosines, self.settings.answer),
                             self.settings.answer)

    @staticmethod
    def _cite(loaded: LoadedGeneration, chosen: list[Passage], candidates: dict[int, Candidate],
              spans: list[tuple[tuple[int, int], ...]]) -> tuple[Excerpt, ...]:
        docs = loaded.store.document_meta(p.doc_id for p in chosen)
        return tuple(
            Excerpt(rank=rank, score=candidates[p.passage_id].score, text=p.text, citation=_citation(docs[p.doc_id], p),
                    highlight=marked, passage_id=p.passage_id, cosine=candidates[p.passage_id].dense,
                    also_in=loaded.catalog.also_in(p.doc_id))
            for rank, (p, marked) in enumerate(zip(chosen, spans), start=1)
        )

    def warm_up(self) -> None:
        """Load the model and the index now, so the first question is answered at full speed."""
        self.loaded()
        self.embedder.embed_query("warm up")

    # ---- checking requests: the one place that says what is valid ----------------------
    def check_k(self, k, limit: int = MAX_K_JSON) -> int:
        """The one rule for k: None means the default; else a whole number from 1 to `limit` (5.0 counts as 5).

        `ask` allows MAX_K_JSON (programs); front ends that show excerpts to a person pass config.MAX_K.
        """
        if k is None:
            return self.settings.retrieval.k
        if isinstance(k, float) and k.is_integer():
            k = int(k)
        if isinstance(k, str) and k.strip().isdigit():
            k = int(k)
        if isinstance(k, bool) or not isinstance(k, int):
            raise QuestionError(f"k must be a whole number from 1 to {limit}")
        if not 1 <= k <= limit:
            raise QuestionError(f"k must be from 1 to {limit}, not {k}")
        return k

    def check_previous(self, previous) -> list[str]:
        """The earlier questions of a conversation, oldest first: a list of texts (empty ones skipped), at
        most MAX_PREVIOUS of the latest kept; QuestionError if it is not a list of texts."""
        if previous is None:
            return []
        if isinstance(previous, (str, bytes)) or not isinstance(previous, Sequence) \
                or not all(isinstance(p, str) for p in previous):
            raise QuestionError("previous must be a list of earlier questions (texts)")
        cleaned = [self.check_question(p) for p in previous if p.strip()]
        return cleaned[-MAX_PREVIOUS:]

    @staticmethod
    def check_question(question) -> str:
        """The question as asked, control characters blanked and cut to MAX_QUESTION_CHARS; QuestionError if empty."""
        if not isinstance(question, str):
            raise QuestionError("the question must be text")
        question = "".join(ch if ch.isprintable() or ch in "\t\n" else " " for ch in question).strip()
        if not question:
            raise QuestionError("the question is empty")
        return question[:MAX_QUESTION_CHARS]

    # ---- the collection -----------------------------------------------------------------
    def build(self, sources: list[Path], rebuild: bool = False, progress=None, warn=None) -> BuildReport:
        """Index new and changed files under `sources`, drop deleted ones; see `indexer.build`."""
        return indexer.build(self.store, [Path(s) for s in sources], self.embedder, self.settings,
                             rebuild=rebuild, progress=progress, warn=warn)

    @staticmethod
    def doc_id(path: Path, sources: list[Path]) -> str:
        """The id a build gives the file at `path` in one of the collection folders `sources`."""
        root = next(Path(s) for s in sources if Path(path).is_relative_to(s))
        return doc_id_of(root, Path(path), len(sources) > 1)

    def document(self, doc_id: str) -> Document:
        doc = self.store.document(doc_id)
        if doc is None:
            raise UnknownDocument(f"no document '{doc_id}' in the index")
        return doc

    def documents(self) -> list[tuple[Document, int]]:
        """Every indexed document (metadata only) with its passage count."""
        return self.store.documents()

    def groups(self) -> list[tuple[str, ...]]:
        """Every story carried by two or more articles (syndicated or near-duplicate copies): their doc ids."""
        return Catalog(groups=story_groups.companions(self.store)).story_groups()

    def also_in(self, doc_id: str) -> tuple[str, ...]:
        """The other articles that carry the same story as `doc_id` (empty when it appears once)."""
        self.document(doc_id)  # UnknownDocument for an id not in the index
        return story_groups.companions(self.store).get(doc_id, ())

    @staticmethod
    def filters(since: str | None = None, until: str | None = None, doc_ids=()) -> Filters | None:
        """Filters from a front end's fields (empty ones ignored), dates checked; None when there are none."""
        if isinstance(doc_ids, str):
            doc_ids = (doc_ids,)
        docs = tuple(d.strip() for d in (doc_ids or ()) if isinstance(d, str) and d.strip())
        found = Filters(*check_dates(since, until), docs)
        return found or None

    def generation(self) -> int:
        """The newest committed generation of the index."""
        return self.store.generation()

    # ---- the generation in memory -----------------------------------------------------------
    def loaded(self) -> LoadedGeneration:
        """The newest committed generation, loaded; reloaded when a build has committed a newer one."""
        generation = self.store.generation()
        current = self._loaded
        if current is not None and current.generation == generation:
            return current
        with self._reload:
            current = self._loaded
            if current is None or current.generation != generation:
                current = self._load()
                self._loaded = current  # the one it replaces closes once the last answer using it is done
        return current

    def _load(self) -> LoadedGeneration:
        pinned = self.store.pinned()
        generation = pinned.generation()
        if pinned.meta("index_key") is None:
            raise IndexUnavailable(f"the index at {self.index_dir} is empty: run `qa build`")
        found = derived.load(pinned, GenerationFiles(self.index_dir), generation, self.settings,
                             lambda digests: self.store.record_digests(generation, digests))
        retriever = Retriever(found.vectors, found.bm25, self.settings.retrieval)
        return LoadedGeneration(generation, pinned, retriever, found.bm25.idf_function(), Catalog.load(pinned))


def _citation(doc: Document, passage: Passage) -> Citation:
    # the source as the reader knows it (its path below the collection folders, i.e. its id): never the
    # server's own file layout, which a citation would otherwise hand to every API client
    return Citation(doc.doc_id, doc.title, doc.date, doc.doc_id, passage.start, passage.end,
                    date_text=doc.date_text, byline=doc.byline, url=doc.url)

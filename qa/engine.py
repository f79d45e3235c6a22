"""The question-answering engine: the one entry point the CLI, the UI and the API share."""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import timing
from .answering import answer, byline, fact, followup, steps
from .answering.spelling import Speller
from .index import derived, indexer, story_groups
from .answering.catalog import Catalog, check_dates
from .config import MAX_K_JSON, MAX_PREVIOUS, MAX_QUESTION_CHARS, SETTINGS, Settings
from .embed.embedder import Embedder
from .errors import IndexUnavailable, QuestionError, UnknownDocument
from .index.generations import GenerationFiles
from .ingest.loader import doc_id_of
from .answering.question import Idf, parse
from .records import Answer, BuildReport, Document, Filters
from .index.recovery import set_aside_if_damaged
from .answering.retriever import Retriever
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
    idf: Idf
    catalog: Catalog  # passage ids, dates and story groups by article: filters and `also_in`
    speller: Speller  # misspelled question words -> the collection's words


class Engine:
    """Builds an index of article folders and answers questions from it with cited excerpts."""

    def __init__(self, index_dir: Path, settings: Settings = SETTINGS, embedder: Embedder | None = None,
                 create: bool = False, recover: bool = False):
        """Open the index in `index_dir` (create it when `create`); the model loads on first use.

        With `recover`, a database SQLite cannot read is first moved to `damaged-<time>/` (see
        `set_aside`), so that a rebuild can start afresh.
        """
        self.init_answering(index_dir, settings, embedder)
        if recover:
            self.set_aside = set_aside_if_damaged(self.index_dir)
        # what only an index of its own needs: its store and the generation loaded from it
        self.store = Store(self.index_dir, create=create)
        self._loaded: LoadedGeneration | None = None
        self._reload = threading.Lock()

    def init_answering(self, index_dir: Path, settings: Settings, embedder: Embedder | None = None) -> None:
        """Everything `ask` uses besides the loaded generation, set in this one place for every engine (a single
        index's, the front over shards, the one a Ray service answers for), so that an engine without a store of
        its own cannot miss an attribute added here. Nothing here loads a model: each loads on first use."""
        self.index_dir = Path(index_dir)
        self.settings = settings
        self.embedder = embedder or Embedder(settings)
        self.set_aside: Path | None = None  # where a damaged database was moved (`recover`)
        self.tagger = fact.EntityTagger(settings.answer)  # loads spaCy's NER on the first question that needs it

    # ---- answering ----------------------------------------------------------------------
    def ask(self, question: str, k: int | None = None, previous: Sequence[str] = (),
            filters: Filters | None = None, k_limit: int = MAX_K_JSON, as_typed: bool = False) -> Answer:
        """The k best excerpts for `question`, best first, and whether they confidently answer it.

        `previous`: the earlier questions of the conversation, oldest first, so that a follow-up ("Who said
        that?") is understood with them. `filters`: which articles may answer (dates, doc ids). `k_limit`: the
        most excerpts the caller may ask for (see `check_k`). `as_typed`: search the question's words as typed,
        misspelled ones too (by default they are corrected to the collection's words: `Answer.corrections`).
        """
        asked = self.check_question(question)
        k = self.check_k(k, k_limit)
        earlier = self.check_previous(previous)
        loaded = self.loaded()
        self.embedder.load()  # loading the model is start-up, not answering: keep it out of took_ms
        if fact.asked_kind(asked):
            self.tagger.load()  # the same for the entity model, on the first question asking for a fact
        if not as_typed:  # so is making the spelling dictionary, when this question first needs it
            loaded.speller.prepare((asked, *earlier))
        started = time.perf_counter()
        r = self.settings.retrieval
        # timing points for benchmarks (qa/timing.py); the embedder, the retriever and the store time their parts
        with timing.stage("spelling"):
            meant, corrections = (asked, ()) if as_typed else loaded.speller.correct(asked)
            if not as_typed:  # a follow-up takes their words
                earlier = [loaded.speller.correct(p)[0] for p in earlier]
        # everything below works on the question as understood with the conversation; `asked` stays as asked
        searched = followup.resolve(meant, earlier)
        focus = followup.focus_of(meant) if searched != meant else ""
        with timing.stage("question (parse)"):
            parsed = parse(meant, searched, loaded.idf, self.embedder.embed_query, focus)
        with timing.stage("retrieve (passage reads)"):
            found = steps.retrieve(parsed, loaded.retriever, loaded.catalog, loaded.store, k, filters, r)
        with timing.stage("select (near copies, merges)"):
            chosen = steps.select(found, loaded.catalog, k, self.settings)
        with timing.stage("sentence pool"):
            pool = steps.sentence_pool(parsed, chosen, loaded.store.sentence_vectors, self.embedder.embed_sentences,
                                       self.settings.answer.depth)
        with timing.stage("judge (confidence)"):
            judged = steps.judge(parsed, chosen, found, pool, loaded.retriever.vectors.ntotal, r)
        with timing.stage("highlight"):
            spans = steps.highlight(parsed, chosen, pool if judged.answered else None, r.highlight_embed_depth)
        with timing.stage("answer sentences"):
            choice = (answer.direct(parsed, pool.sentences, pool.similarities_once(), self.settings.answer)
                      if judged.answered else answer.Choice(()))
            sentences, clearly_meant = choice.sentences, False
            if judged.answered and (asks := byline.asks_about(meant)):  # "Who wrote the article about ...?"
                sentences, clearly_meant = self._about_the_article(loaded.store, chosen.passages, meant, asks, sentences)
        with timing.stage("trust (high or low)"):  # how surely the answer is right
            judged = steps.trust(judged, choice, found, r)
        level = "high" if clearly_meant else judged.level  # a byline of the one article meant is its answer
        with timing.stage("fact (entities)"):  # only the answer's sentences are tagged, only for a fact question
            marked = fact.mark(meant, sentences, self.tagger, known=searched) if sentences else None
        with timing.stage("cite"):
            cited = steps.cite(chosen, found, spans, loaded.store, loaded.catalog, sentences)
        took = (time.perf_counter() - started) * 1000
        return Answer(asked, judged.answered, took, cited, judged.score, sentences, level, searched_for=searched,
                      confidence_detail=judged, filtered=bool(filters), fact=marked, corrections=corrections,
                      signals=answer.signals(parsed, sentences, fact.asked_kind(meant), marked is not None))

    @staticmethod
    def _about_the_article(store: Store, passages, question: str, asks: str, sentences) -> tuple[tuple, bool]:
        """The first article's byline or dateline as the answer (its metadata field when its text lacks one), and
        whether that article is clearly the one meant (then the answer is "high"); else the answer as it was."""
        doc = store.document(passages[0].doc_id)
        line = byline.line_of(doc, asks)
        if line is None:
            return sentences, False
        others = [store.document(d) for d in dict.fromkeys(p.doc_id for p in passages) if d != doc.doc_id]
        return (line,), byline.clearly_meant(question, doc, [o for o in others if o])

    def warm_up(self) -> None:
        """Load the model, the entity model and the index now, so the first question is answered at full speed."""
        self.loaded().speller.prepare()
        self.embedder.load()
        self.tagger.load()  # about 2 s: a server pays it at start-up, not on its first "who"/"when" question
        self.embedder.embed_query("warm up")  # and the question session's first run

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
    def asked_fact(question: str) -> str | None:
        """The kind of fact `question` asks for (number, date, name, place), as the answer step reads it."""
        return answer.answer_type(question)

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

    def content_hashes(self, doc_ids) -> dict[str, str]:
        """The sha256 of each of these articles' text as indexed now; an id not in the index is left out."""
        return {d: doc.sha256 for d, doc in self.store.document_meta(doc_ids).items()}

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
        idf = found.bm25.idf_function()
        return LoadedGeneration(generation, pinned, retriever, idf, Catalog.load(pinned),
                                Speller(found.words, self.settings.retrieval.spelling_edits_from, idf))


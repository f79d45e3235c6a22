"""Answering from a sharded index: each shard searches its own passages, the front answers as one index would.

A shard (`ShardSearcher`) holds an ordinary index and scores BM25 with the collection's statistics; it returns
its best `depth` dense and lexical candidates, filters applied before they are cut. The front (`ShardedEngine`)
is `Engine.ask` itself over a generation made of the shards: the merged lists cut to `depth` are exactly the
single index's (both searches are exact top-k and score a passage the same in any shard), and z-score fusion,
story groups, `also_in`, confidence and the answer step then run on them unchanged.

Passage ids are global: a shard's own id times the shard count plus the shard number.
"""
from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from ..answering.catalog import Catalog, check_dates
from ..answering.retriever import Candidate, fuse
from ..answering.spelling import Speller
from ..config import SETTINGS, Settings
from ..embed.embedder import Embedder
from ..engine import Engine, LoadedGeneration
from ..errors import ClusterError, UnknownDocument
from ..index.lexical import CollectionStats, idf_lookup
from ..records import Document, Filters, Passage
from .shards import Collection, is_sharded, load_collection, shard_folder, shard_of

NO_HITS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))


class ShardSearcher:
    """One shard's index, searched with the collection's BM25 statistics; every id it hands out is global."""

    def __init__(self, folder: Path, shard: int, shards: int, stats: CollectionStats, settings: Settings = SETTINGS):
        self.shard, self.shards = shard, shards
        self.engine = Engine(folder, settings)  # the model is never loaded here: the front embeds questions
        self.loaded = self.engine.loaded()
        self.loaded.retriever.bm25.use_collection(stats)
        r = settings.retrieval
        if r.mode != "dense" and len(self.loaded.retriever.bm25):
            self.loaded.retriever.bm25.weights(r.bm25_k1, r.bm25_b)  # now, not in the first question's time

    def to_global(self, ids: np.ndarray) -> np.ndarray:
        return np.asarray(ids, dtype=np.int64) * self.shards + self.shard

    def to_local(self, ids: Iterable[int]) -> list[int]:
        return [int(i) // self.shards for i in ids]

    def count(self) -> int:
        return int(self.loaded.retriever.vectors.ntotal)

    def search(self, question: str, vector: np.ndarray, depth: int, filters: Filters | None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(dense ids, cosines, lexical ids, BM25 scores): this shard's best `depth` of each, among the passages
        `filters` allows (its doc ids outside this shard are another shard's to check)."""
        if filters:
            mine = tuple(d for d in filters.doc_ids if shard_of(d, self.shards) == self.shard)
            if filters.doc_ids and not mine:
                return NO_HITS + NO_HITS
            filters = Filters(filters.since, filters.until, mine)
        allowed = self.loaded.catalog.allowed(filters or None)
        retriever, mode = self.loaded.retriever, self.loaded.retriever.settings.mode
        dense = retriever.dense(vector, depth, allowed) if mode != "lexical" else NO_HITS
        lexical = retriever.lexical(question, depth, allowed) if mode != "dense" else NO_HITS
        return self.to_global(dense[0]), dense[1], self.to_global(lexical[0]), lexical[1]

    def cosines(self, vector: np.ndarray, ids: list[int]) -> dict[int, float]:
        found = self.loaded.retriever.cosines(vector, self.to_local(ids))
        return {i * self.shards + self.shard: c for i, c in found.items()}

    def passages_by_id(self, ids: list[int]) -> dict[int, Passage]:
        found = [replace(p, passage_id=p.passage_id * self.shards + self.shard)
                 for p in self.loaded.store.passages(self.to_local(ids))]
        return {p.passage_id: p for p in found}

    def sentence_vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        found = self.loaded.store.sentence_vectors(self.to_local(ids))
        return {i * self.shards + self.shard: v for i, v in found.items()}

    def document_meta(self, doc_ids: list[str]) -> dict[str, Document]:
        return self.loaded.store.document_meta(doc_ids)

    def document(self, doc_id: str) -> Document | None:
        return self.loaded.store.document(doc_id)

    def documents(self) -> list[tuple[Document, int]]:
        return self.loaded.store.documents()


def open_index(index: Path, create: bool = False, recover: bool = False) -> Engine:
    """The engine of the index folder `index`: its shards in this process when it is a sharded index."""
    if is_sharded(index) and not create:
        return ShardedEngine.open(index)
    return Engine(index, create=create, recover=recover)


def open_shards(root: Path, settings: Settings = SETTINGS) -> list[ShardSearcher]:
    """Every shard of the sharded index at `root`, in this process."""
    collection = load_collection(root)
    return [ShardSearcher(shard_folder(root, s), s, collection.shards, collection.stats, settings)
            for s in range(collection.shards)]


@dataclass(frozen=True)
class VectorCount:
    """What the confidence judge reads of the vector index: how many passages there are."""

    ntotal: int


class FanOut:
    """Calls on every shard at once, or on the shard that holds an article or a passage."""

    def __init__(self, shards: list):
        self.shards = shards
        self.pool = ThreadPoolExecutor(max_workers=len(shards), thread_name_prefix="qa-shard")

    def every(self, method: str, *args) -> list:
        return list(self.pool.map(lambda shard: getattr(shard, method)(*args), self.shards))

    def by_passage(self, method: str, ids: Iterable[int], *args) -> dict:
        """`method(*args, ids)` on each shard holding some of `ids`, the results merged (dicts by global id)."""
        return self._grouped(method, [int(i) for i in ids], lambda i: i % len(self.shards), args)

    def by_article(self, method: str, doc_ids: Iterable[str]) -> dict:
        """`method(doc_ids)` on each shard holding some of `doc_ids`, the results merged."""
        return self._grouped(method, list(dict.fromkeys(doc_ids)), lambda d: shard_of(d, len(self.shards)), ())

    def _grouped(self, method: str, keys: list, shard: Callable[[Any], int], args: tuple) -> dict:
        # One call per shard, all at once, however many keys: a call per key cost a question citing 30
        # articles 30 rounds.
        groups: dict[int, list] = {}
        for key in keys:
            groups.setdefault(shard(key), []).append(key)
        found: dict = {}
        for part in self.pool.map(lambda s: getattr(self.shards[s], method)(*args, groups[s]), groups):
            found.update(part)
        return found

    def holder(self, doc_id: str):
        return self.shards[shard_of(doc_id, len(self.shards))]


class FrontRetriever:
    """`Retriever.retrieve` over every shard: their candidate lists merged, cut and fused as one index's."""

    def __init__(self, fan: FanOut, passages: int, settings: Settings):
        self.fan = fan
        self.vectors = VectorCount(passages)
        self.settings = settings.retrieval

    def retrieve(self, question: str, query_vector: np.ndarray, n: int | None = None,
                 allowed: Filters | None = None) -> list[Candidate]:
        n = n or self.settings.candidates
        depth = max(n, self.settings.candidates)
        found = self.fan.every("search", question, query_vector, depth, allowed)
        dense = merged([(f[0], f[1]) for f in found], depth)
        lexical = merged([(f[2], f[3]) for f in found], depth)
        fused = fuse(dense, lexical, self.settings)[:n]
        cosines = dict(zip(dense[0].tolist(), dense[1].tolist()))
        scores = dict(zip(lexical[0].tolist(), lexical[1].tolist()))
        cosines.update(self.fan.by_passage("cosines", [pid for pid, _ in fused if pid not in cosines], query_vector))
        return [Candidate(pid, score, cosines.get(pid, 0.0), scores.get(pid, 0.0)) for pid, score in fused]


def merged(lists: list[tuple[np.ndarray, np.ndarray]], depth: int) -> tuple[np.ndarray, np.ndarray]:
    """The best `depth` of several (ids, scores) lists, best first (ties in shard order)."""
    ids = np.concatenate([np.asarray(i, dtype=np.int64) for i, _ in lists] or [NO_HITS[0]])
    scores = np.concatenate([np.asarray(s, dtype=np.float32) for _, s in lists] or [NO_HITS[1]])
    order = np.argsort(-scores, kind="stable")[:depth]
    return ids[order], scores[order]


class FrontStore:
    """What answering reads of the store (passages, sentence vectors, documents), from the shards that hold them."""

    def __init__(self, fan: FanOut):
        self.fan = fan

    def passages(self, ids: Iterable[int]) -> list[Passage]:
        ids = [int(i) for i in ids]
        found = self.fan.by_passage("passages_by_id", ids)
        return [found[i] for i in ids if i in found]

    def sentence_vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        return self.fan.by_passage("sentence_vectors", ids)

    def document_meta(self, doc_ids: Iterable[str]) -> dict[str, Document]:
        return self.fan.by_article("document_meta", doc_ids)

    def document(self, doc_id: str) -> Document | None:
        return self.fan.holder(doc_id).document(doc_id)


class FrontCatalog(Catalog):
    """The collection's story groups; a filter is checked here and applied by every shard (`ShardSearcher.search`)."""

    def __init__(self, groups: dict[str, tuple[str, ...]], store: FrontStore):
        super().__init__(groups=groups)
        self.store = store

    def allowed(self, filters: Filters | None) -> Filters | None:  # type: ignore[override]
        if not filters:
            return None
        since, until = check_dates(filters.since, filters.until)
        known = self.store.document_meta(filters.doc_ids)
        for doc_id in filters.doc_ids:
            if doc_id not in known:
                raise UnknownDocument(f"no document '{doc_id}' in the index")
        return Filters(since, until, tuple(filters.doc_ids))


class ShardedEngine(Engine):
    """`Engine` over the shards of a sharded index: the same answers, the same interface for the serve layer."""

    def __init__(self, shards: list, collection: Collection, settings: Settings = SETTINGS,
                 embedder: Embedder | None = None, index_dir: Path | None = None):
        self.init_answering(index_dir or Path("."), settings, embedder)  # Engine's own: none can be forgotten
        self.collection = collection
        fan = FanOut(shards)
        store = FrontStore(fan)
        stats = collection.stats
        idf = idf_lookup(stats.passages, lambda term: stats.df.get(term, 0))
        self.front = LoadedGeneration(max(collection.generations, default=0), store,
                                      FrontRetriever(fan, sum(fan.every("count")), settings), idf,
                                      FrontCatalog(collection.companions(), store),
                                      Speller(collection.words, settings.retrieval.spelling_edits_from, idf))
        self.fan = fan

    @classmethod
    def open(cls, root: Path, settings: Settings = SETTINGS, embedder: Embedder | None = None) -> "ShardedEngine":
        """The shards of `root` opened in this process (no cluster)."""
        return cls(open_shards(root, settings), load_collection(root), settings, embedder, root)

    def loaded(self) -> LoadedGeneration:
        return self.front

    def document(self, doc_id: str) -> Document:
        doc = self.fan.holder(doc_id).document(doc_id) if isinstance(doc_id, str) else None
        if doc is None:
            raise UnknownDocument(f"no document '{doc_id}' in the index")
        return doc

    def documents(self) -> list[tuple[Document, int]]:
        return sorted(itertools.chain.from_iterable(self.fan.every("documents")), key=lambda row: row[0].doc_id)

    def groups(self) -> list[tuple[str, ...]]:
        return self.front.catalog.story_groups()

    def also_in(self, doc_id: str) -> tuple[str, ...]:
        self.document(doc_id)
        return self.front.catalog.also_in(doc_id)

    def generation(self) -> int:
        return self.front.generation

    def build(self, sources: list[Path], rebuild: bool = False, progress=None, warn=None):
        raise ClusterError("a sharded index is updated with `qa build --shards N`; restart the service after it")

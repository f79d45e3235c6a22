"""`qa build --shards N`: the collection split by article into N ordinary indexes, with its collection-wide statistics.

Layout of a sharded index folder:

    INDEX/collection.json     shards, the partition rule, passages and their total length, story groups,
                              each shard's generation (written last, so a reader never sees new shards with old
                              statistics that claim to match them)
    INDEX/collection-df.npz   each term's document frequency over the whole collection
    INDEX/collection-words.npz  spelling's dictionary: each word of the collection and how many passages hold it
    INDEX/shard-00/ ...       an ordinary index each (SQLite, FAISS, BM25): `qa ask --index INDEX/shard-00` works

An article's shard is a stable hash of its doc id: it never moves when other articles come or go, so an
incremental build touches only the shards of the changed files. Story groups are not a partition key: they are
known only once articles are read, and they change as copies arrive; they are computed over every shard's
signatures at build time and applied by the front (qa/cluster/sharded.py), so copies need not share a shard.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import SETTINGS, Settings
from ..embed.embedder import Embedder
from ..engine import Engine
from ..errors import IndexUnavailable, QuestionError
from ..index import indexer, story_groups, syndication
from ..index.indexer import LocalWorkers, Progress, Warn
from ..index.lexical import CollectionStats
from ..index.store import text_hash
from ..index.vocabulary import Vocabulary
from ..ingest.loader import scan
from ..records import BuildReport

COLLECTION_FILE = "collection.json"
DF_FILE = "collection-df.npz"
WORDS_FILE = "collection-words.npz"
PARTITION = "blake2b-64(doc_id) mod shards"


def shard_of(doc_id: str, shards: int) -> int:
    """The shard that holds article `doc_id`: the same on every machine and every run (not Python's hash)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def shard_folder(root: Path, shard: int) -> Path:
    return Path(root) / f"shard-{shard:02d}"


def is_sharded(root: Path) -> bool:
    """Whether `root` is a sharded index (a `qa build --shards` folder)."""
    return (Path(root) / COLLECTION_FILE).is_file()


@dataclass(frozen=True)
class Collection:
    """What the front needs of the whole collection: the shard count, BM25 statistics, story groups, and the
    words spelling corrects to (every shard's, with collection-wide counts)."""

    shards: int
    stats: CollectionStats
    groups: list[list[str]]
    generations: tuple[int, ...]
    words: Vocabulary

    def companions(self) -> dict[str, tuple[str, ...]]:
        """doc id -> the other articles of its story, over every shard."""
        return {d: tuple(o for o in group if o != d) for group in self.groups for d in group}


def load_collection(root: Path) -> Collection:
    """The statistics `build_shards` kept; IndexUnavailable when `root` is not a sharded index."""
    try:
        meta = json.loads((Path(root) / COLLECTION_FILE).read_text(encoding="utf-8"))
        with np.load(Path(root) / DF_FILE, allow_pickle=False) as f:
            df = dict(zip(f["terms"].tolist(), f["df"].tolist()))
        words = load_words(Path(root) / WORDS_FILE)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexUnavailable(f"{root} is not a sharded index (qa build --shards N): {exc}") from None
    stats = CollectionStats(int(meta["passages"]), int(meta["total_length"]), df)
    return Collection(int(meta["shards"]), stats, meta["groups"], tuple(meta["generations"]), words)


def load_words(path: Path) -> Vocabulary:
    """The collection's spelling words; none (nothing is corrected) for a sharded index built before they were
    kept: `qa build --shards N` writes them."""
    return Vocabulary.from_bytes(path.read_bytes()) if path.is_file() else Vocabulary()


def build_shards(root: Path, sources: list[Path], shards: int | None, embedder: Embedder | None = None,
                 settings: Settings = SETTINGS, progress: Progress | None = None, warn: Warn | None = None
                 ) -> BuildReport:
    """Bring the `shards` shards under `root` (None: as many as it has) up to date with `sources`, then write
    the collection's statistics.

    The passages to embed are embedded first, all together and in the order a single index's build would
    embed them: the int8 model's vectors depend a little on the batch, and these batches give the single
    index's vectors. The shard builds then find every vector cached.
    """
    if shards is None and is_sharded(root):
        shards = load_collection(root).shards
    if not isinstance(shards, int) or shards < 1:
        raise QuestionError(f"--shards must be a whole number of at least 1, not {shards}")
    root = Path(root)
    if (root / "qa.sqlite").exists():
        raise QuestionError(f"{root} holds a single index; shard into a new folder")
    if is_sharded(root) and load_collection(root).shards != shards:
        raise QuestionError(f"{root} has {load_collection(root).shards} shards, not {shards}; shard into a new folder")
    root.mkdir(parents=True, exist_ok=True)
    embedder = embedder or Embedder(settings)
    engines = [Engine(shard_folder(root, s), settings, embedder, create=True) for s in range(shards)]
    progress = progress or (lambda stage, done, total: None)
    started = time.perf_counter()  # the report's seconds include the embedding, as a single build's do
    embedded = embed_for_shards(engines, sources, embedder, settings, progress)
    total = BuildReport()
    for s, engine in enumerate(engines):
        report = indexer.build(engine.store, [Path(p) for p in sources], embedder, settings, progress=progress,
                               warn=warn if s == 0 else (lambda message: None), only=lambda d, s=s: shard_of(d, shards) == s)
        for name in ("added", "updated", "unchanged", "removed", "repaired"):
            getattr(total, name).extend(getattr(report, name))
        total.skipped = report.skipped if s == 0 else total.skipped
    total.passages_embedded = embedded
    write_collection(root, engines, settings)
    total.seconds = time.perf_counter() - started
    return total


def embed_for_shards(engines: list[Engine], sources: list[Path], embedder: Embedder, settings: Settings,
                     progress: Progress) -> int:
    """Embed the passage texts of new and changed files that their shard's vector cache lacks, as a single
    build would (one list, by length, in its commit batches), and cache each in the shards that hold it."""
    files, _ = scan([Path(p) for p in sources])
    existing = [e.store.document_hashes() for e in engines]
    to_read = [f for f in files if existing[shard_of(f.doc_id, len(engines))].get(f.doc_id) != f.sha256]
    workers = LocalWorkers(embedder, settings)
    holders: dict[str, set[int]] = {}
    texts: dict[str, str] = {}
    for f, doc, passages in workers.read(to_read, progress):
        for p in passages:
            h = text_hash(p.text)
            texts.setdefault(h, p.text)
            holders.setdefault(h, set()).add(shard_of(f.doc_id, len(engines)))
    cached = [e.store.cached_vectors([h for h in texts if s in holders[h]]) for s, e in enumerate(engines)]
    missing = sorted(((h, t) for h, t in texts.items() if any(h not in cached[s] for s in holders[h])),
                     key=lambda item: len(item[1]))
    if missing:
        progress("embedding", 0, len(missing))
    for hashes, vectors, sentences in workers.embed(missing, progress):
        for s, engine in enumerate(engines):
            mine = [i for i, h in enumerate(hashes) if s in holders[h]]
            if mine:
                engine.store.cache_vectors({hashes[i]: vectors[i] for i in mine},
                                           {hashes[i]: sentences[i] for i in mine})
    return len(missing)


def write_collection(root: Path, engines: list[Engine], settings: Settings) -> None:
    """Sum the shards' BM25 statistics and spelling words, group every shard's articles into stories, and write
    them (collection.json last: it names the generations the other files were made from)."""
    df: dict[str, int] = {}
    words: Counter = Counter()
    passages = total_length = 0
    signatures: dict[str, np.ndarray] = {}
    generations = []
    for engine in engines:
        loaded = engine.loaded() if engine.store.meta("index_key") is not None else None
        generations.append(engine.generation())
        if loaded is None:
            continue
        terms, counts, live, length = loaded.retriever.bm25.live_terms()
        for term, count in zip(terms, counts.tolist()):
            if count:
                df[term] = df.get(term, 0) + count
        passages, total_length = passages + live, total_length + length
        words.update(loaded.speller.vocabulary.counts)  # passage counts: a passage is in one shard only
        signatures.update({d: s for d, (_, s) in story_groups.signatures(loaded.store).items()})
    groups = syndication.group(signatures, settings.groups)
    terms = sorted(df)
    replace_file(root / DF_FILE, lambda f: np.savez(f, terms=np.array(terms, dtype=str),
                                                     df=np.array([df[t] for t in terms], dtype=np.int64)))
    # the shards' passage ids are their own: the joined vocabulary keeps counts only
    replace_file(root / WORDS_FILE, lambda f: f.write(Vocabulary(words).to_bytes()))
    meta = {"shards": len(engines), "partition": PARTITION, "passages": passages, "total_length": total_length,
            "generations": generations, "groups": groups}
    replace_file(root / COLLECTION_FILE, lambda f: f.write(json.dumps(meta, indent=1).encode()))


def replace_file(path: Path, write) -> None:
    """Write `path` whole or not at all: into a temporary file, synced, then renamed over it."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)

"""`qa build --ray [ADDRESS]`: reading, splitting and embedding as Ray Data pipelines, committed by the local build."""
from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path
from typing import Iterator

import numpy as np

from ..config import CLUSTER, ClusterSettings, Settings
from ..environment import CORES_ENV
from ..embed.embedder import Embedder
from ..embed.tokens import truncate
from ..engine import Engine
from ..errors import ClusterError, LoadError
from ..index import indexer
from ..index.indexer import Embedded, Progress, Read, Warn
from ..ingest.chunker import Chunker
from ..ingest.loader import SourceFile, load
from ..records import BuildReport

# a worker process keeps its chunker (the tokenizer) from one read task to the next
_chunkers: dict[str, Chunker] = {}


def ray_module():
    """The `ray` package, or ClusterError naming the extra to install."""
    try:
        import ray
        import ray.data  # noqa: F401  (ray[data]: the pipelines)
    except ImportError:
        raise ClusterError("`--ray` needs Ray: pip install 'qa[cluster]'") from None
    return ray


def build_on_ray(engine: Engine, sources: list[Path], address: str | None, rebuild: bool = False,
                 progress: Progress | None = None, warn: Warn | None = None,
                 cluster: ClusterSettings = CLUSTER) -> BuildReport:
    """`Engine.build` with the reading, splitting and embedding done by the Ray cluster at `address`.

    An empty or None address starts a Ray of this machine's own. The build's rules are the local build's
    (indexer.build): only files whose content hash is new are read, only texts the vector cache lacks are
    embedded, each batch is cached as it arrives, and the new generation is committed at once. Ray retries the
    work of a lost node; whatever it hands back twice is kept once, since results are keyed by document id and
    text hash.
    """
    if (address or "").split(":")[0] in (cluster.loopback, "localhost"):
        # a cluster on loopback (qa.cluster.local) is joined on loopback, which Ray allows only with its switch off
        os.environ.setdefault(cluster.loopback_env, "0")
    ray = ray_module()
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address or None, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClusterError(f"no Ray cluster at {address or 'this machine'}: {str(exc).splitlines()[0]}") from None
    # the build's own progress is what a user follows; Ray Data's bars and plan logs would interleave with it
    ray.data.DataContext.get_current().enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        workers = RayWorkers(engine.settings, cluster)
        return indexer.build(engine.store, [Path(s) for s in sources], engine.embedder, engine.settings,
                             rebuild=rebuild, progress=progress, warn=warn, workers=workers)
    finally:
        if started_here:
            ray.shutdown()


class RayWorkers:
    """indexer.Workers over Ray Data: read tasks of a few files each, and an actor pool of one int8 model each."""

    def __init__(self, settings: Settings, cluster: ClusterSettings = CLUSTER):
        self.settings = settings
        self.cluster = cluster

    def actors(self) -> int:
        """One model actor per CPU of the cluster (at least one)."""
        return max(1, int(ray_module().cluster_resources().get("CPU", 1)))

    def read(self, files: list[SourceFile], progress: Progress) -> Iterator[Read]:
        if not files:
            return
        ray = ray_module()
        by_id = {f.doc_id: f for f in files}
        rows = [{"doc_id": f.doc_id, "path": str(f.path), "sha256": f.sha256} for f in files]
        # a few tasks a CPU: each task's worker loads the tokenizer, so many small tasks spent more time starting
        # than reading (24 s against 1 s locally for 800 files in tasks of 8, docs/scale.md)
        cpus = self.actors()
        size = max(self.cluster.files_per_task, -(-len(files) // (self.cluster.read_tasks_per_cpu * cpus)))
        progress("reading", 0, len(files))
        dataset = ray.data.from_items(rows, override_num_blocks=max(1, -(-len(rows) // size))).map_batches(
            read_and_split, batch_size=size, batch_format="numpy", num_cpus=self.cluster.task_cpus,
            fn_kwargs={"settings": self.settings}, max_retries=-1)
        seen: set[str] = set()
        for row in dataset.iter_rows():
            doc_id = str(row["doc_id"])
            if doc_id in seen:  # a retried task's rows, already handed over
                continue
            seen.add(doc_id)
            doc, passages = pickle.loads(row["result"])
            progress("reading", len(seen), len(files))
            yield by_id[doc_id], doc, passages
        if len(seen) != len(files):
            raise ClusterError(f"the cluster read {len(seen)} of {len(files)} files; run the build again")

    def embed(self, missing: list[tuple[str, str]], progress: Progress) -> Iterator[Embedded]:
        if not missing:
            return
        ray = ray_module()
        from ray.data import ActorPoolStrategy

        rows = [{"batch": pickle.dumps(batch)} for batch in model_batches(missing, self.settings)]
        per_call = self.cluster.model_batches_per_call
        dataset = ray.data.from_items(rows, override_num_blocks=max(1, -(-len(rows) // per_call))).map_batches(
            EmbedPassages, batch_size=per_call, batch_format="numpy", num_cpus=self.cluster.actor_cpus,
            compute=ActorPoolStrategy(size=self.actors()), fn_constructor_kwargs={"settings": self.settings},
            scheduling_strategy="SPREAD", max_restarts=-1, max_task_retries=-1)
        wanted = {h for h, _ in missing}
        done: set[str] = set()
        pending: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            for h, vector, sentences in zip(batch["hash"], batch["vector"], batch["sentences"]):
                h = str(h)
                if h in wanted and h not in done:  # a retried call's rows are kept once
                    done.add(h)
                    pending[h] = (np.asarray(vector, dtype=np.float32),
                                  np.frombuffer(sentences, dtype=np.float16).reshape(-1, self.settings.model.dim))
            progress("embedding", len(done), len(missing))
            if len(pending) >= self.settings.build.embed_batch:
                yield take(pending)
        if pending:
            yield take(pending)
        if len(done) != len(missing):
            raise ClusterError(f"the cluster embedded {len(done)} of {len(missing)} passages; run the build again "
                               "(what was embedded is kept)")


def model_batches(missing: list[tuple[str, str]], settings: Settings) -> list[list[tuple[str, str]]]:
    """The model batches a local build runs: each commit batch of `embed_batch` texts sorted by wordpieces (after
    the model's cut) and cut into `onnx_batch_size`.

    The int8 model quantises a batch's activations with one scale, so a passage's vector depends a little on the
    passages batched with it (cosine down to ~0.99 measured); the local build's batches give the local build's
    vectors, whichever actor runs them.
    """
    tokens = Embedder(settings).tokens  # the tokenizer only: counting loads no model
    limit, size, found = settings.chunk.model_max_wordpieces, settings.model.onnx_batch_size, []
    for lo in range(0, len(missing), settings.build.embed_batch):
        chunk = missing[lo:lo + settings.build.embed_batch]
        # as Embedder.embed_passages sorts them (a fresh cache keeps nothing, so nothing is taken from it)
        lengths = [len(truncate(ids, limit)) for ids, _ in tokens.take_encodings([t for _, t in chunk])]
        order = sorted(range(len(chunk)), key=lambda i: lengths[i])
        found += [[chunk[i] for i in order[at:at + size]] for at in range(0, len(order), size)]
    return found


def take(pending: dict[str, tuple[np.ndarray, np.ndarray]]) -> Embedded:
    """The pending results as one batch for the vector cache, emptying `pending`."""
    hashes = list(pending)
    vectors = np.stack([pending[h][0] for h in hashes])
    sentences = [pending[h][1] for h in hashes]
    pending.clear()
    return hashes, vectors, sentences


def read_and_split(batch: dict[str, np.ndarray], settings: Settings) -> dict[str, np.ndarray]:
    """A Ray task: read and split a few files; each row's result is (Document or skip reason, passages), pickled."""
    key = repr(settings)
    if key not in _chunkers:
        _chunkers[key] = Chunker(settings.chunk, Embedder(settings).wordpieces)
    chunker = _chunkers[key]
    results = []
    for doc_id, path, sha256 in zip(batch["doc_id"], batch["path"], batch["sha256"]):
        try:
            doc = load(SourceFile(str(doc_id), Path(str(path)), str(sha256)), settings.load)
            found = (doc, chunker.split(doc))
        except LoadError as exc:
            found = (str(exc), [])
        results.append(pickle.dumps(found))
    return {"doc_id": batch["doc_id"], "result": np.array(results, dtype=object)}


class EmbedPassages:
    """A Ray actor: one int8 model with one thread, embedding batches of passage texts."""

    def __init__(self, settings: Settings):
        os.environ[CORES_ENV] = "1"  # before the model loads: one session, one thread (an actor is a part of a CPU)
        self.embedder = Embedder(settings)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        hashes, vectors, packed = [], [], []
        for rows in batch["batch"]:  # each one model batch, run as one (see `model_batches`)
            pairs = pickle.loads(rows)
            found, sentences = self.embedder.embed_passages([t for _, t in pairs])
            hashes += [h for h, _ in pairs]
            vectors.append(found)
            packed += [np.asarray(s, dtype=np.float16).tobytes() for s in sentences]
        return {"hash": np.array(hashes), "vector": np.concatenate(vectors),
                "sentences": np.array(packed, dtype=object)}

"""`qa serve --ray [ADDRESS]`: a sharded index served by Ray Serve, one deployment a shard and a front.

Each shard is a deployment of `ClusterSettings.shard_replicas` replicas (`ShardReplica`, a `ShardSearcher`);
the front (`FrontReplica`) is a `ShardedEngine` whose shards are those deployments' handles, so it answers
exactly as the in-process `ShardedEngine` does. The web app (chat UI, REST, MCP) runs in the `qa serve`
process with a `RayEngine`, which hands every call to the front. A call that meets a lost replica is sent
again (`call`): Ray Serve routes it to a live replica and starts a new one in the lost one's place.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

from ..config import CLUSTER, MAX_K_JSON, SETTINGS, ClusterSettings, Settings
from ..environment import CORES_ENV
from ..engine import Engine
from ..errors import ClusterError, QAError
from ..records import Answer, Document
from .build import ray_module
from .shards import is_sharded, load_collection, shard_folder
from .sharded import ShardSearcher, ShardedEngine

APPLICATION = "qa"
GATE_NAMESPACE = "qa-gate"  # where a test's gate actor (`ClusterSettings.gate`) is named
LOST_CALLS = [0]  # calls of this process sent again after meeting a lost replica (a front reports its own)


def call(handle, method: str, *args, attempts: int = CLUSTER.call_attempts, **kwargs):
    """`method(*args, **kwargs)` on a replica behind `handle`, sent again while replicas are lost; an error of
    qa's own (a bad question, an unknown document) is raised as itself."""
    from ray import exceptions

    for attempt in range(1, attempts + 1):
        try:
            return handle.call.remote(method, *args, **kwargs).result()
        except exceptions.RayTaskError as exc:  # the replica ran the call and it failed: not a lost replica
            cause = getattr(exc, "cause", None)
            if isinstance(cause, QAError):
                raise cause from None
            raise
        except (exceptions.RayError, RuntimeError) as exc:  # the replica or its node is gone, or going
            LOST_CALLS[0] += 1
            if attempt == attempts:
                raise ClusterError(f"{method}: no replica answered after {attempts} attempts: "
                                   f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
            time.sleep(min(1.0, 0.05 * attempt))  # Serve's controller needs a moment to see a replica is gone


class RemoteShard:
    """A shard deployment, called as a `ShardSearcher` is (each call retried on another replica if need be)."""

    def __init__(self, handle, attempts: int = CLUSTER.call_attempts):
        self.handle = handle
        self.attempts = attempts

    def __getattr__(self, method: str):
        if method.startswith("__"):
            raise AttributeError(method)
        return lambda *args: call(self.handle, method, *args, attempts=self.attempts)


class ShardReplica:
    """A Ray Serve replica of one shard."""

    def __init__(self, root: str, shard: int, settings: Settings, gate: str = ""):
        collection = load_collection(Path(root))
        self.shard = shard
        self.searcher = ShardSearcher(shard_folder(Path(root), shard), shard, collection.shards, collection.stats,
                                      settings)
        self.gate = ray_module().get_actor(gate, namespace=GATE_NAMESPACE) if gate else None

    def call(self, method: str, *args):
        if self.gate is not None and method == "search":  # a test decides when (and whether) this search goes on
            ray = ray_module()
            ray.get(self.gate.enter.remote(self.shard, ray.get_runtime_context().get_actor_name()))
        return getattr(self.searcher, method)(*args)

    def pid(self) -> int:
        return os.getpid()


class FrontReplica:
    """A Ray Serve replica of the front: embeds each question, fans it out to the shards, answers."""

    def __init__(self, root: str, settings: Settings, cluster: ClusterSettings, *shards):
        os.environ[CORES_ENV] = "1"  # before the model loads: a replica is a part of a CPU
        self.engine = ShardedEngine([RemoteShard(h, cluster.call_attempts) for h in shards],
                                    load_collection(Path(root)), settings, index_dir=Path(root))
        self.engine.warm_up()

    def call(self, method: str, *args, **kwargs):
        return getattr(self.engine, method)(*args, **kwargs)

    def lost_calls(self) -> int:
        """How many shard calls this replica has sent again after meeting a lost replica."""
        return LOST_CALLS[0]


def deploy(root: Path, settings: Settings = SETTINGS, cluster: ClusterSettings = CLUSTER):
    """Start (or replace) the Serve application of the sharded index at `root`: its front's handle."""
    ray_module()
    from ray import serve

    collection = load_collection(root)
    # a line a call in every replica's log would bury what matters (a lost replica, a slow start)
    options = {"ray_actor_options": {"num_cpus": cluster.replica_cpus},
               "logging_config": {"log_level": "WARNING", "enable_access_log": False}}
    shard = serve.deployment(ShardReplica)
    shards = [shard.options(name=f"shard-{s}", num_replicas=cluster.shard_replicas, **options)
              .bind(str(root), s, settings, cluster.gate) for s in range(collection.shards)]
    front = serve.deployment(FrontReplica).options(name="front", num_replicas=cluster.front_replicas, **options)
    serve.start(proxy_location="Disabled")  # the web app is qa's own, in the `qa serve` process
    return serve.run(front.bind(str(root), settings, cluster, *shards), name=APPLICATION, route_prefix=None)


class RayEngine(Engine):
    """The `Engine` the serve layer uses, its work done by the front deployment (`deploy`)."""

    def __init__(self, front, root: Path, settings: Settings = SETTINGS, cluster: ClusterSettings = CLUSTER):
        self.init_answering(root, settings)  # Engine's own (its embedder never loads: the front embeds)
        self.front = front
        self.attempts = cluster.call_attempts

    def remote(self, method: str, *args, **kwargs):
        return call(self.front, method, *args, attempts=self.attempts, **kwargs)

    def ask(self, question: str, k: int | None = None, previous=(), filters=None, k_limit: int = MAX_K_JSON,
            as_typed: bool = False) -> Answer:
        # a bad request is refused here, without a round trip; the front checks it again as Engine.ask does
        self.check_question(question), self.check_k(k, k_limit), self.check_previous(previous)
        return self.remote("ask", question, k, list(previous or ()), filters, k_limit, as_typed)

    def warm_up(self) -> None:
        self.remote("warm_up")

    def document(self, doc_id: str) -> Document:
        return self.remote("document", doc_id)

    def documents(self) -> list[tuple[Document, int]]:
        return self.remote("documents")

    def groups(self) -> list[tuple[str, ...]]:
        return self.remote("groups")

    def also_in(self, doc_id: str) -> tuple[str, ...]:
        return self.remote("also_in", doc_id)

    def generation(self) -> int:
        return self.remote("generation")

    def loaded(self):
        raise ClusterError("the index is loaded in the cluster's replicas, not in this process")

    def build(self, sources: list[Path], rebuild: bool = False, progress=None, warn=None):
        raise ClusterError("a sharded index is updated with `qa build --shards N`; restart the service after it")


def connect(root: Path, address: str | None, settings: Settings = SETTINGS, cluster: ClusterSettings = CLUSTER
            ) -> RayEngine:
    """`qa serve --ray`: join the cluster at `address` (none: a Ray of this machine's own), deploy, and the engine."""
    if not is_sharded(root):
        raise ClusterError(f"{root} is not a sharded index: build it with `qa build --shards N` first")
    ray = ray_module()
    if not ray.is_initialized():
        try:
            ray.init(address=address or None, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClusterError(f"no Ray cluster at {address or 'this machine'}: {str(exc).splitlines()[0]}") from None
    return RayEngine(deploy(Path(root).resolve(), settings, cluster), root, settings, cluster)

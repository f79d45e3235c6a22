"""What the Ray tests share: a two-node cluster started here, SQuAD paragraphs with the seeds, a gate that holds
one shard search inside its replica, and Serve's replicas as Ray lists them."""
from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from pathlib import Path

import pytest

from .support import ROOT, SEEDS

SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad" / "dev-v1.1.rebuilt.json"


def seeds_and_squad(folder: Path, paragraphs: int) -> list[str]:
    """Write the first `paragraphs` SQuAD dev paragraphs (as `qa eval` writes them) and the seed articles into
    `folder`; return the questions about those paragraphs, in the file's order. Skips when SQuAD is not beside us."""
    if not SQUAD.is_file():
        pytest.skip(f"the SQuAD file is not here: {SQUAD}")
    from qa.evaluation.benchmarks import load_squad, write_corpus

    bench = load_squad(SQUAD)
    kept = dict(list(bench.corpus.items())[:paragraphs])
    write_corpus(kept, folder)
    for seed in SEEDS.glob("*.txt"):  # after: write_corpus empties the folder first
        shutil.copy(seed, folder)
    return [q.text for q in bench.questions if set(q.relevant) & set(kept)]


@contextlib.contextmanager
def local_cluster(nodes: int = 2):
    """A head and nodes-1 worker nodes of one CPU each on this machine, this process their driver, Ray's files in a
    temporary folder and usage statistics off; every process stopped (Serve's too) and the environment restored."""
    from qa.cluster.local import quiet_ray_environment, start_local_cluster

    saved = {k: os.environ.get(k) for k in ("RAY_TMPDIR", "RAY_USAGE_STATS_ENABLED")}
    short = quiet_ray_environment()
    made = None
    try:
        made = start_local_cluster(nodes)  # tests/conftest.py set Ray's loopback switch before `ray` was imported
        yield made
    finally:
        import ray

        if ray.is_initialized():
            from ray import serve

            serve.shutdown()
            ray.shutdown()
        if made is not None:
            made.shutdown()
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        shutil.rmtree(short, ignore_errors=True)


class Gate:
    """Lets every shard search through, except the first search of the shard named by `hold`: that one waits
    inside its replica until `release`, and `held` answers (once it is inside) with that replica's actor name."""

    def __init__(self):
        self.shard: int | None = None
        self.inside = asyncio.Event()
        self.opened = asyncio.Event()
        self.holder = ""

    async def hold(self, shard: int) -> None:
        self.shard, self.holder = shard, ""
        self.inside.clear(), self.opened.clear()

    async def enter(self, shard: int, replica: str) -> None:
        if shard != self.shard:
            return
        self.shard, self.holder = None, replica  # only the first: the search sent again passes
        self.inside.set()
        await self.opened.wait()

    async def held(self) -> str:
        await self.inside.wait()
        return self.holder

    async def release(self) -> None:
        self.shard = None
        self.opened.set()


def replicas(deployment: str) -> set[str]:
    """The names of Serve's live replica actors of `deployment` (a new replica gets a new name)."""
    import ray

    named = ray.util.list_named_actors(all_namespaces=True)
    return {a["name"] for a in named
            if a["namespace"] == "serve" and a["name"].startswith("SERVE_REPLICA") and f"#{deployment}#" in a["name"]}


def running(deployment: str) -> int:
    from ray import serve

    return serve.status().applications["qa"].deployments[deployment].replica_states.get("RUNNING", 0)

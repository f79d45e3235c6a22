"""`qa build --ray` on a real two-node Ray cluster started here: the index a local build makes, and a node lost mid-build."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from .support import ROOT, SEED_QUESTION, SEEDS

ray = pytest.importorskip("ray", reason="Ray (the `cluster` extra) is not installed: pip install 'qa[cluster]'")
pytestmark = pytest.mark.model

SQUAD = ROOT.parent / "shared" / "benchmarks" / "squad" / "dev-v1.1.rebuilt.json"
PARAGRAPHS = 200
QUESTIONS = 40  # of the paragraphs' questions, the first ones: a fixed list


@pytest.fixture(scope="module")
def cluster():
    """A head and a worker node of one CPU each on this machine; this process is a driver. All stopped at the end."""
    from qa.cluster.local import quiet_ray_environment, start_local_cluster

    saved = {k: os.environ.get(k) for k in ("RAY_TMPDIR", "RAY_USAGE_STATS_ENABLED")}
    short = quiet_ray_environment()
    try:
        made = start_local_cluster(2)
        yield made
        ray.shutdown()
        made.shutdown()
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        shutil.rmtree(short, ignore_errors=True)


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """The seeds plus the first PARAGRAPHS SQuAD paragraphs as files (as `qa eval` writes them), and questions."""
    if not SQUAD.is_file():
        pytest.skip(f"the SQuAD file is not here: {SQUAD}")
    from qa.evaluation.benchmarks import load_squad, write_corpus

    bench = load_squad(SQUAD)
    kept = dict(list(bench.corpus.items())[:PARAGRAPHS])
    folder = tmp_path_factory.mktemp("cluster") / "articles"
    shutil.copytree(SEEDS, folder)
    write_corpus(kept, folder)
    questions = [q.text for q in bench.questions if set(q.relevant) & set(kept)][:QUESTIONS]
    return folder, [SEED_QUESTION, *questions]


@pytest.fixture(scope="module")
def local_index(collection, tmp_path_factory, embedder):
    from qa.engine import Engine

    index = tmp_path_factory.mktemp("local") / "index"
    Engine(index, embedder=embedder, create=True).build([collection[0]])
    return index


def passages(index: Path) -> list[tuple]:
    with sqlite3.connect(index / "qa.sqlite") as db:
        return db.execute('SELECT doc_id, position, start, "end", text_hash FROM passages ORDER BY id').fetchall()


def vectors(index: Path) -> dict[str, np.ndarray]:
    with sqlite3.connect(index / "qa.sqlite") as db:
        return {h: np.frombuffer(v, dtype=np.float32) for h, v in db.execute("SELECT text_hash, vector FROM vectors")}


def first_excerpts(index: Path, questions: list[str], embedder) -> list[tuple]:
    from qa.engine import Engine

    engine = Engine(index, embedder=embedder)
    found = []
    for q in questions:
        top = engine.ask(q, 3).excerpts[0]
        found.append((q, top.citation.doc_id, top.citation.start, top.citation.end))
    return found


def test_a_ray_build_equals_a_local_build(cluster, collection, local_index, tmp_path, embedder):
    folder, questions = collection
    index = tmp_path / "ray-index"
    run = subprocess.run([sys.executable, "-m", "qa.cli", "build", "--source", str(folder), "--index", str(index),
                          "--ray", cluster.address, "--json"], capture_output=True, text=True, timeout=900,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["passages_embedded"] == len({p[4] for p in passages(local_index)})

    assert passages(index) == passages(local_index)  # same passages, offsets and order
    ours, theirs = vectors(index), vectors(local_index)
    assert ours.keys() == theirs.keys()
    cosines = [float(ours[h] @ theirs[h]) for h in ours]
    assert min(cosines) >= 0.999
    assert first_excerpts(index, questions, embedder) == first_excerpts(local_index, questions, embedder)

    again = subprocess.run(run.args, capture_output=True, text=True, timeout=900, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout.strip().splitlines()[-1])["passages_embedded"] == 0  # incremental


def test_a_worker_node_lost_mid_build_loses_no_passage(cluster, collection, local_index, tmp_path, embedder):
    from qa.cluster.build import build_on_ray
    from qa.cluster.local import node_args
    from qa.config import CLUSTER
    from dataclasses import replace
    from qa.engine import Engine

    doomed = cluster.add_node(**node_args())
    cluster.wait_for_nodes()
    removed_at: list[tuple[int, int]] = []
    batches = 0

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal batches
        if stage == "embedding" and done > 0:
            batches += 1
            if batches == 3:  # three batches handed back: the pipeline is running on every node
                cluster.remove_node(doomed)
                removed_at.append((done, total))

    engine = Engine(tmp_path / "index", embedder=embedder, create=True)
    build_on_ray(engine, [collection[0]], cluster.address, progress=progress,
                 cluster=replace(CLUSTER, model_batches_per_call=1))
    assert removed_at and removed_at[0][0] < removed_at[0][1], "the node was not removed during the build"
    got = passages(tmp_path / "index")
    assert got == passages(local_index)
    assert len(set(got)) == len(got)  # every passage once
    assert {p[4] for p in got} <= vectors(tmp_path / "index").keys()  # and every one with its vector

"""`qa build --ray` on a real two-node Ray cluster started here: the index a local build makes, and a node lost mid-build."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from .ray_cluster import seeds_and_squad
from .support import ROOT, SEED_QUESTION, SEEDS

ray = pytest.importorskip("ray", reason="Ray (the `cluster` extra) is not installed: pip install 'qa[cluster]'")
pytestmark = pytest.mark.model
LOOPBACK = {"127.0.0.1", "::ffff:127.0.0.1"}

PARAGRAPHS = 200
QUESTIONS = 40  # of the paragraphs' questions, the first ones: a fixed list
# seconds a `qa build --ray` may take: a safety net against a hung cluster, never a speed check (under a load of
# 20-30 one build took over 15 minutes here, and CI stops everything at 90)
PATIENCE = 3600


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    """The seeds plus the first PARAGRAPHS SQuAD paragraphs as files (as `qa eval` writes them), and questions."""
    folder = tmp_path_factory.mktemp("cluster") / "articles"
    questions = seeds_and_squad(folder, PARAGRAPHS)[:QUESTIONS]
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


def listening(pids: set[int]) -> set[tuple[str, str, int]]:
    """The TCP sockets these processes listen on: (process name, address, port)."""
    found = set()
    for pid in pids:
        try:
            process = psutil.Process(pid)
            found |= {(process.name(), c.laddr.ip, c.laddr.port) for c in process.net_connections(kind="inet")
                      if c.status == psutil.CONN_LISTEN}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue  # a worker that ended while we looked
    return found


def with_children(pids: set[int]) -> set[int]:
    found = set(pids)
    for pid in pids:
        try:
            found |= {child.pid for child in psutil.Process(pid).children(recursive=True)}
        except psutil.NoSuchProcess:
            continue
    return found


def cluster_pids(cluster) -> set[int]:
    """Every process of the cluster's nodes (GCS, raylets, agents, workers) and this driver."""
    started = {info.process.pid for node in [cluster.head_node, *cluster.worker_nodes]
               for infos in node.all_processes.values() for info in infos}
    return with_children(started | {os.getpid()})


def test_the_cluster_listens_on_loopback_only(cluster):
    @ray.remote(num_cpus=0.5)
    def where() -> str:
        return ray.util.get_node_ip_address()

    assert set(ray.get([where.remote() for _ in range(4)])) == {"127.0.0.1"}  # workers started on the nodes
    sockets = listening(cluster_pids(cluster))
    assert {name for name, _, _ in sockets} >= {"gcs_server", "raylet"}
    assert {(name, ip, port) for name, ip, port in sockets if ip not in LOOPBACK} == set()
    assert cluster.address.startswith("127.0.0.1:")


def run_watching_sockets(args: list[str], timeout: float) -> tuple[subprocess.CompletedProcess, set]:
    """Run a command to its end, noting every socket it or its children listen on while it runs."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seen: set[tuple[str, str, int]] = set()
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as proc:
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            seen |= listening(with_children({proc.pid}))
            time.sleep(0.2)
        if proc.poll() is None:
            proc.kill()
        out, err = proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode, out, err), seen


def test_a_ray_build_equals_a_local_build(cluster, collection, local_index, tmp_path, embedder):
    folder, questions = collection
    index = tmp_path / "ray-index"
    run, sockets = run_watching_sockets([sys.executable, "-m", "qa.cli", "build", "--source", str(folder), "--index",
                                         str(index), "--ray", cluster.address, "--json"], timeout=PATIENCE)
    assert run.returncode == 0, run.stderr[-3000:]
    # the build's driver listened (its core worker) and only on loopback
    assert sockets and {s for s in sockets if s[1] not in LOOPBACK} == set()
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["passages_embedded"] == len({p[4] for p in passages(local_index)})

    assert passages(index) == passages(local_index)  # same passages, offsets and order
    ours, theirs = vectors(index), vectors(local_index)
    assert ours.keys() == theirs.keys()
    cosines = [float(ours[h] @ theirs[h]) for h in ours]
    assert min(cosines) >= 0.999
    assert first_excerpts(index, questions, embedder) == first_excerpts(local_index, questions, embedder)

    again = subprocess.run(run.args, capture_output=True, text=True, timeout=PATIENCE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads(again.stdout.strip().splitlines()[-1])["passages_embedded"] == 0  # incremental


def test_a_worker_node_lost_mid_build_loses_no_passage(cluster, collection, local_index, tmp_path, embedder):
    from qa.cluster.build import build_on_ray
    from qa.cluster.local import add_node
    from qa.config import CLUSTER
    from dataclasses import replace
    from qa.engine import Engine

    doomed = add_node(cluster)
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


def test_qa_eval_over_a_ray_build_equals_a_local_eval(cluster, tmp_path, embedder):
    from qa.evaluation.scoring import evaluate

    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    questions = ROOT / "eval" / "seeds.jsonl"
    run = subprocess.run([sys.executable, "-m", "qa.cli", "eval", str(questions), "--source", str(articles),
                          "--index", str(tmp_path / "ray-index"), "--ray", cluster.address, "--json"],
                         capture_output=True, text=True, timeout=PATIENCE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr[-3000:]
    assert "index: " in run.stderr
    over_ray = json.loads(run.stdout.strip().splitlines()[-1])
    local = evaluate([questions], tmp_path / "local-index", [articles], embedder=embedder)

    def quality(report: dict) -> dict:  # the figures, not the time they took
        return {mode: {k: v for k, v in figures.items() if not k.startswith("took_ms")}
                for mode, figures in report["modes"].items()}

    assert over_ray["questions"] == local["questions"] > 0
    assert quality(over_ray) == quality(local)

"""Build throughput over a Ray cluster on this machine (`make bench-cluster`): 1 and 2 nodes of 1 CPU against the
plain local build, with scaling efficiency and the load average; docs/scale.md.

    .venv/bin/python benchmarks/cluster.py [--paragraphs 800] [--data ../shared/benchmarks]

The collection: the first --paragraphs SQuAD paragraphs as article files (as `qa eval` writes them). Each build
starts from an empty index (nothing cached) and is timed by the build itself (BuildReport.seconds: reading,
splitting, embedding, the commit; the cluster's start is not counted, its actors' model loading is). On a
2-core host the fair comparison is 2 nodes of 1 CPU against 1 node of 1 CPU; the local builds are shown with
all cores and with QA_CORES=1.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from qa.cluster.build import build_on_ray
from qa.cluster.local import quiet_ray_environment, start_local_cluster
from qa.config import SETTINGS
from qa.environment import CORES_ENV
from qa.embed.embedder import Embedder
from qa.engine import Engine
from qa.evaluation.benchmarks import load_squad, write_corpus

ROOT = Path(__file__).resolve().parent.parent


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def timed(name: str, build) -> dict:
    """Run `build(progress)`; its time, and how long reading took (until embedding was announced)."""
    before, started, embedding = load(), time.perf_counter(), []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "embedding" and not embedding:
            embedding.append(time.perf_counter() - started)

    report = build(progress)
    return {"build": name, "passages": report.passages_embedded, "seconds": round(report.seconds, 1),
            "reading_s": round(embedding[0], 1) if embedding else None,
            "passages_per_s": round(report.passages_embedded / report.seconds, 1), "load_before": before,
            "load_after": load()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--paragraphs", type=int, default=800)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-cluster-"))
    corpus = load_squad(args.data / "squad" / "dev-v1.1.rebuilt.json").corpus
    folder = work / "articles"
    write_corpus(dict(list(corpus.items())[:args.paragraphs]), folder)
    rows, ray_files = [], None
    try:
        rows.append(timed("local, all cores", lambda p: Engine(work / "local", create=True).build([folder], progress=p)))
        os.environ[CORES_ENV] = "1"
        rows.append(timed("local, 1 core", lambda p: Engine(work / "local1", embedder=Embedder(SETTINGS),
                                                             create=True).build([folder], progress=p)))
        os.environ.pop(CORES_ENV)
        ray_files = quiet_ray_environment()  # loopback only: before `ray` is imported
        import ray

        for nodes in (1, 2):
            cluster = start_local_cluster(nodes)
            try:
                engine = Engine(work / f"ray{nodes}", create=True)
                rows.append(timed(f"ray, {nodes} node(s) x 1 CPU",
                                  lambda p: build_on_ray(engine, [folder], cluster.address, progress=p)))
            finally:
                ray.shutdown()
                cluster.shutdown()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if ray_files:
            shutil.rmtree(ray_files, ignore_errors=True)
    one, two = rows[2]["passages_per_s"], rows[3]["passages_per_s"]
    print("| build | passages | seconds | of which reading | passages/s | load average before / after |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['build']} | {r['passages']} | {r['seconds']} | {r['reading_s']} | {r['passages_per_s']} | "
              f"{r['load_before']} / {r['load_after']} |")
    print(f"\n2 nodes / 1 node: {two / one:.2f}x (scaling efficiency {two / (2 * one):.0%})")
    print(json.dumps({"rows": rows, "speedup_2_over_1": round(two / one, 2)}))


if __name__ == "__main__":
    main()

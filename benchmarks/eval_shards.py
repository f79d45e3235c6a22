"""`qa eval` over a 3-shard index served by Ray Serve against the single index, with query p50/p95 of both.

    .venv/bin/python -m benchmarks.eval_shards [--data ../shared/benchmarks] [--workdir /tmp/qa-eval-shards] \
        [--only squad] [--limit 500] [--shards 3]

Starts a cluster of 2 one-CPU nodes on loopback in this process, then for each benchmark (SciFact, SQuAD dev)
builds the collection from empty twice, as one index (`Engine.build`) and as `--shards` shards (`build_shards`,
deployed with `qa serve --ray`'s `connect`: 2 replicas a shard, 2 fronts), runs the same `qa eval` questions
(`evaluate`, hybrid mode) against each, and prints every quality figure of both with the largest difference
(issue 21's bound: 0.005). took_ms here is each question's wall-clock time as the caller sees it (for the service:
the hop to the front, the fan-out to the shards and back), so p50/p95 compare the two paths at the same
collection; the load average before and after each run is printed with it.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

from benchmarks.eval_ray import BENCHMARKS, benchmark_arguments, load_average

SHARDS_FOLDER = "shards"  # inside the eval's index folder, beside its corpus


class WallClock:
    """An engine whose answers carry the wall-clock time `ask` took, not the engine's own measure."""

    def __init__(self, engine):
        self.engine = engine

    def __getattr__(self, name: str):
        return getattr(self.engine, name)

    def ask(self, *args, **kwargs):
        started = time.perf_counter()
        answer = self.engine.ask(*args, **kwargs)
        return replace(answer, took_ms=(time.perf_counter() - started) * 1000)


def run(name: str, inputs: list[Path], index: Path, limit: int | None, embedder, shards: int | None) -> dict:
    """One `qa eval` (hybrid) over a single index, or over `shards` shards served by Ray Serve."""
    from qa.cluster.service import connect
    from qa.cluster.shards import build_shards
    from qa.engine import Engine
    from qa.evaluation.scoring import evaluate

    shutil.rmtree(index, ignore_errors=True)
    served = []

    def build(engine, folders, warn):
        return build_shards(index / SHARDS_FOLDER, folders, shards, engine.embedder, warn=warn)

    def answer_with(settings):
        if shards is None:
            return WallClock(Engine(index, settings=settings, embedder=embedder))
        served.append(connect(index / SHARDS_FOLDER, None, settings))
        served[-1].warm_up()
        return WallClock(served[-1])

    before, started = load_average(), time.perf_counter()
    report = evaluate(inputs, index, limit=limit, embedder=embedder, build=build if shards else None,
                      answer_with=answer_with, progress=lambda message: print(f"  {name}: {message}", flush=True))
    return {"figures": report["modes"]["hybrid"], "questions": report["questions"],
            "seconds": round(time.perf_counter() - started), "load": f"{before} / {load_average()}"}


def compare(name: str, single: dict, sharded: dict, shards: int) -> None:
    print(f"\n{name}: {single['questions']} questions; single index {single['seconds']} s (load {single['load']}), "
          f"{shards} shards on Ray Serve {sharded['seconds']} s (load {sharded['load']})")
    print(f"| figure | single index | {shards} shards, Ray Serve | difference |\n|---|---|---|---|")
    worst = 0.0
    for key, value in single["figures"].items():
        other = sharded["figures"].get(key)
        if isinstance(value, (int, float)) and isinstance(other, (int, float)):
            if not key.startswith("took_ms"):
                worst = max(worst, abs(value - other))
            print(f"| {key} | {value} | {other} | {other - value:+.4f} |")
    print(f"largest difference of a quality figure: {worst:.4f} (bound 0.005: {'met' if worst <= 0.005 else 'NOT met'})")
    print(f"query p50/p95, wall clock: single index {single['figures']['took_ms_p50']}/"
          f"{single['figures']['took_ms_p95']} ms, {shards} shards on Ray Serve {sharded['figures']['took_ms_p50']}/"
          f"{sharded['figures']['took_ms_p95']} ms", flush=True)


def main() -> None:
    parser = benchmark_arguments(__doc__.splitlines()[0], Path("/tmp/qa-eval-shards"))
    parser.add_argument("--shards", type=int, default=3)
    args = parser.parse_args()
    from qa.cluster.local import quiet_ray_environment, start_local_cluster

    folder = quiet_ray_environment()  # before `ray` is imported
    made = start_local_cluster(2)
    try:
        from qa.config import SETTINGS
        from qa.embed.embedder import Embedder

        embedder = Embedder(SETTINGS)
        print(f"local cluster of 2 one-CPU nodes at {made.address}", flush=True)
        for name in args.only or sorted(BENCHMARKS):
            inputs = BENCHMARKS[name](args.data)
            sharded = run(name, inputs, args.workdir / f"{name}-shards", args.limit, embedder, args.shards)
            single = run(name, inputs, args.workdir / name, args.limit, embedder, None)
            compare(name, single, sharded, args.shards)
    finally:
        import ray
        from ray import serve

        if ray.is_initialized():
            serve.shutdown()
            ray.shutdown()
        made.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

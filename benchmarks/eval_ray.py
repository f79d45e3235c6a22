"""`qa eval` over a `--ray` build against the local build, on SciFact and SQuAD (`make eval-ray`; docs/scale.md).

    .venv/bin/python -m benchmarks.eval_ray [--data ../shared/benchmarks] [--workdir /tmp/qa-eval-ray] [--only scifact] [--limit 2000]

Starts a cluster of 2 one-CPU nodes on loopback (`python -m qa.cluster.local`), then for each benchmark runs
`qa eval INPUT --index DIR --json` and `qa eval INPUT --index DIR-ray --ray ADDRESS --json` (each index built
from empty), and prints every quality figure of both with the largest difference (the issue's bound: 0.005), the
time each took and the load average before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = {"scifact": lambda data: [data / "scifact"],
              "squad": lambda data: [data / "squad" / "dev-v1.1.rebuilt.json"]}


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def run_eval(inputs: list[Path], index: Path, ray_address: str | None, limit: int | None) -> dict:
    shutil.rmtree(index, ignore_errors=True)
    args = [sys.executable, "-m", "qa.cli", "eval", *map(str, inputs), "--index", str(index), "--json"]
    args += ["--limit", str(limit)] if limit else []
    args += ["--ray", ray_address] if ray_address is not None else []
    before, started = load_average(), time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {"figures": {k: v for k, v in report["modes"]["hybrid"].items() if not k.startswith("took_ms")},
            "questions": report["questions"], "seconds": round(time.perf_counter() - started),
            "load": f"{before} / {load_average()}", "command": " ".join(args[1:])}


def benchmark_arguments(description: str, workdir: Path) -> argparse.ArgumentParser:
    """The options both cluster evaluations take: where the data is, where to build, which benchmarks, how many."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--workdir", type=Path, default=workdir)
    parser.add_argument("--only", choices=sorted(BENCHMARKS), action="append")
    parser.add_argument("--limit", type=int, help="questions per benchmark, spread evenly (qa eval --limit)")
    return parser


def main() -> None:
    args = benchmark_arguments(__doc__.splitlines()[0], Path("/tmp/qa-eval-ray")).parse_args()
    cluster = subprocess.Popen([sys.executable, "-m", "qa.cluster.local", "--nodes", "2"], stdout=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        address = cluster.stdout.readline().strip()
        if not address:
            raise SystemExit("the local cluster did not start")
        print(f"local cluster of 2 one-CPU nodes at {address}", flush=True)
        for name in args.only or sorted(BENCHMARKS):
            inputs = BENCHMARKS[name](args.data)
            local = run_eval(inputs, args.workdir / name, None, args.limit)
            over_ray = run_eval(inputs, args.workdir / f"{name}-ray", address, args.limit)
            print(f"\n{name}: {local['questions']} questions; local {local['seconds']} s (load {local['load']}), "
                  f"--ray {over_ray['seconds']} s (load {over_ray['load']})")
            print(f"  local: qa {local['command']}\n  ray:   qa {over_ray['command']}")
            print("| figure | local | --ray build | difference |\n|---|---|---|---|")
            worst = 0.0
            for key, value in local["figures"].items():
                other = over_ray["figures"].get(key)
                if isinstance(value, (int, float)) and isinstance(other, (int, float)):
                    worst = max(worst, abs(value - other))
                    print(f"| {key} | {value} | {other} | {other - value:+.4f} |")
            print(f"largest difference: {worst:.4f} (bound 0.005: {'met' if worst <= 0.005 else 'NOT met'})",
                  flush=True)
    finally:
        cluster.terminate()
        cluster.wait(timeout=120)


if __name__ == "__main__":
    main()

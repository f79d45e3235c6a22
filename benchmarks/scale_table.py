"""The table to 100M passages in docs/scale.md, computed from measured points (no measuring here).

    .venv/bin/python -m benchmarks.scale_table --point '<the JSON line benchmarks/million.py prints>' \
        [--rate 36] [--cores 16] [--machine-gib 64] [--base-rss-mib 360]

Inputs, each measured by a command in this repository:
- --point: one process serving N passages (benchmarks/million.py): peak RSS, load time, took_ms p50/p95;
- --rate: passages/s one model actor (one CPU) embeds on the Ray cluster (benchmarks/cluster.py: 36 at load 4-6);
- --base-rss-mib: a `qa ask` process over a tiny index (the model and the libraries; benchmarks/million.py with
  --passages 5000 gave 360 MiB).
Assumptions, stated in the output: shards of the measured size (so a shard answers as the measured process did),
memory linear in passages beyond the base, embedding linear in CPUs (Ray's per-passage work shares nothing).
"""
from __future__ import annotations

import argparse
import json
import math

SIZES = (1_000_000, 10_000_000, 100_000_000)
NODES = (1, 10, 100)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--point", required=True, help="the JSON line of benchmarks/million.py")
    parser.add_argument("--rate", type=float, default=36.0, help="passages/s per model actor (one CPU)")
    parser.add_argument("--cores", type=int, default=16, help="CPUs of a cluster node")
    parser.add_argument("--machine-gib", type=float, default=64, help="memory of a serving machine")
    parser.add_argument("--base-rss-mib", type=float, default=360)
    args = parser.parse_args()
    point = json.loads(args.point)
    shard = point["passages"]
    per_passage_kib = (point["peak_rss_mib"] - args.base_rss_mib) * 1024 / shard
    shard_gib = point["peak_rss_mib"] / 1024
    per_machine = max(1, math.floor(0.75 * args.machine_gib / shard_gib))  # a quarter left to the OS and page cache
    print(f"measured: {shard:,} passages in one process, peak RSS {point['peak_rss_mib']:,} MiB "
          f"({per_passage_kib:.2f} KiB a passage beyond {args.base_rss_mib:.0f} MiB), p50/p95 "
          f"{point['p50_ms']}/{point['p95_ms']} ms at load {point['load_before']}")
    print(f"| passages | shards of {shard:,} | memory a shard | {args.machine_gib:.0f} GiB machines (one replica) | "
          + " | ".join(f"build hours, {n} node(s) x {args.cores} CPUs" for n in NODES) + " | expected p50 |")
    print("|---" * (5 + len(NODES)) + "|")
    for size in SIZES:
        shards = math.ceil(size / shard)
        machines = math.ceil(shards / per_machine)
        hours = [size / (n * args.cores * args.rate) / 3600 for n in NODES]
        print(f"| {size:,} | {shards} | {shard_gib:.1f} GiB | {machines} | "
              + " | ".join(f"{h:.2f}" for h in hours)
              + f" | {point['p50_ms']} ms a shard + the fan-out's merge |")


if __name__ == "__main__":
    main()

"""Dense-only SciFact nDCG@10 and cosine to fp32 for each embedding backend: is a faster backend as accurate?

    .venv/bin/python benchmarks/backend_ndcg.py [--data ../shared/benchmarks] [--backends fp32,bf16,onnx-int8]

Each document (title + abstract) is one vector, cut at the model's 256 wordpieces as MTEB does; queries
are embedded with `Embedder.embed_query`, the same path `qa ask` takes.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.evaluation.benchmarks import load_beir  # noqa: E402
from qa.config import SETTINGS
from qa.embed.embedder import Embedder  # noqa: E402


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    gains = sum(relevant.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(relevant.values(), reverse=True)[:10]))
    return gains / ideal if ideal else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--backends", default="fp32,bf16,onnx-int8")
    parser.add_argument("--limit", type=int, default=0, help="only the first N documents (plus every relevant one)")
    args = parser.parse_args()
    bench = load_beir(args.data / "scifact", "test")
    needed = {d for q in bench.questions for d in q.relevant}
    doc_ids = [d for i, d in enumerate(bench.corpus) if not args.limit or i < args.limit or d in needed]
    texts = [bench.corpus[d] for d in doc_ids]
    reference = None
    print(f"SciFact test: {len(bench.questions)} queries over {len(doc_ids)} documents")
    print(f"{'backend':<10} {'resolved':<10} {'nDCG@10':>8} {'docs/s':>7} {'min cos':>8} {'mean cos':>8}")
    for name in args.backends.split(","):
        embedder = Embedder(SETTINGS, backend=name)
        embedder.embed(["warm up"])
        started = time.perf_counter()
        docs = embedder.embed(texts)
        rate = len(texts) / (time.perf_counter() - started)
        queries = np.stack([embedder.embed_query(q.text) for q in bench.questions])
        top = np.argsort(-(queries @ docs.T), axis=1)[:, :10]
        score = float(np.mean([ndcg_at_10([doc_ids[j] for j in row], q.relevant)
                               for row, q in zip(top, bench.questions)]))
        if reference is None and embedder.backend == "fp32":
            reference = docs
        cos = (docs * reference).sum(axis=1) if reference is not None else np.full(1, np.nan)  # nan: no fp32 run
        print(f"{name:<10} {embedder.backend:<10} {score:>8.4f} {rate:>7.1f} {cos.min():>8.4f} {cos.mean():>8.4f}",
              flush=True)


if __name__ == "__main__":
    main()

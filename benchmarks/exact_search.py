"""Exact vector search over float32 and over float16 copies of an index's vectors: ms a question, and agreement.

    .venv/bin/python benchmarks/exact_search.py --index /tmp/qa-scifact [--questions ../shared/benchmarks/scifact]

Both indexes are made from the float32 vectors SQLite keeps; each searches one question at a time for 50
neighbours with one thread, in 3 interleaved rounds. Also prints how many of the float32 search's 10 nearest the
float16 search returns, and the largest score difference.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import SETTINGS  # noqa: E402
from qa.embed.embedder import Embedder  # noqa: E402
from qa.evaluation.benchmarks import load_benchmark  # noqa: E402
from qa.index.store import Store  # noqa: E402


def main() -> None:
    import faiss

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True, help="a built qa index folder")
    ap.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "benchmarks" / "scifact")
    args = ap.parse_args()
    ids, vectors = Store(args.index).vectors_of()
    questions = Embedder(SETTINGS).embed([q.text for q in load_benchmark([args.questions]).questions][:300])
    faiss.omp_set_num_threads(1)
    dim = vectors.shape[1]
    kinds = {"float32 (IndexFlatIP)": faiss.IndexFlatIP(dim),
             "float16 (IndexScalarQuantizer QT_fp16)": faiss.IndexScalarQuantizer(
                 dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)}
    indexes = {}
    for name, inner in kinds.items():
        indexes[name] = faiss.IndexIDMap2(inner)
        indexes[name].add_with_ids(vectors, ids)
    print(f"{len(ids)} vectors, {len(questions)} questions; load average at start {os.getloadavg()[0]:.2f}")
    times: dict[str, list[float]] = {name: [] for name in indexes}
    found = {}
    for _ in range(3):
        for name, index in indexes.items():
            started = time.perf_counter()
            found[name] = [index.search(q.reshape(1, -1), 50) for q in questions]
            times[name].append((time.perf_counter() - started) * 1000 / len(questions))
    for name in indexes:
        print(f"{name}: {' / '.join(f'{t:.2f}' for t in times[name])} ms a question")
    (exact, fp16) = found.values()
    overlap = np.mean([len(set(a[1][0][:10]) & set(b[1][0][:10])) / 10 for a, b in zip(exact, fp16)])
    diff = max(float(np.abs(a[0][0] - b[0][0]).max()) for a, b in zip(exact, fp16))
    print(f"float16's 10 nearest hold {overlap:.4f} of float32's; largest score difference at a rank {diff:.5f}")
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

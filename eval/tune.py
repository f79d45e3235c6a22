"""Grid-search fusion settings on a BEIR split, retrieval only (no excerpts), with query vectors embedded once.

    .venv/bin/python eval/tune.py ../shared/benchmarks/scifact --index /tmp/qa-scifact --split train

Tune on train only; `qa eval` on test is the final, untouched measurement.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from qa.evaluation.benchmarks import load_benchmark  # noqa: E402
from qa.config import SETTINGS  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation.scoring import ndcg  # noqa: E402
from qa.answering.retriever import Retriever  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("input", type=Path)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--split", default="train")
    args = ap.parse_args()
    if args.split == "test":
        sys.exit("tune on train, never on test")
    bench = load_benchmark([args.input], args.split)
    engine = Engine(args.index)
    loaded = engine.loaded()
    doc_of = {p.passage_id: p.doc_id.removesuffix(".txt") for p in engine.store.passages()}
    qvecs = engine.embedder.embed([q.text for q in bench.questions])
    grid = {  # the first grid also tried bm25_k1 1.2 and bm25_b 0.75: within 0.003 of Anserini's 0.9 / 0.4
        "fusion": ["rrf", "zscore", "minmax"],
        "lexical_weight": [0.5, 0.75, 1.0, 1.25],
        "candidates": [50],
    }
    for values in itertools.product(*grid.values()):
        retrieval = replace(SETTINGS.retrieval, **dict(zip(grid, values)))
        retriever = Retriever(loaded.retriever.vectors, loaded.retriever.bm25, retrieval)
        scores = []
        for q, qv in zip(bench.questions, qvecs):
            docs = list(dict.fromkeys(doc_of[c.passage_id] for c in retriever.retrieve(q.text, qv, 100)))[:10]
            scores.append(ndcg([q.relevant.get(d, 0) for d in docs], q.relevant))
        print(f"nDCG@10 {np.mean(scores):.4f}  " + " ".join(f"{k}={v}" for k, v in zip(grid, values)), flush=True)


if __name__ == "__main__":
    main()

"""A question's embedding by the fp32 and by the int8 ONNX model: time per question and cosine between the two.

    .venv/bin/python benchmarks/query_precision.py [--data ../shared/benchmarks]

One-thread sessions as the engine makes them (`OnnxEncoder`), one question a run, over SciFact's 300 claims,
2,000 SQuAD dev questions and the repo's seed and off-topic questions. Times are the best of 3 interleaved rounds.
Whether int8 questions retrieve as well is `qa eval`'s to say (docs/speed.md, "Questions by the int8 model").
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

from qa.embed.embedder import Embedder, model_path  # noqa: E402
from qa.embed.tokens import padded, truncate  # noqa: E402
from qa.config import SETTINGS  # noqa: E402
from qa.evaluation.benchmarks import load_benchmark, load_jsonl  # noqa: E402
from qa.embed.onnx_model import OnnxEncoder, model_files  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    args = ap.parse_args()
    sets = {
        "SciFact claims": [q.text for q in load_benchmark([args.data / "scifact"]).questions],
        "SQuAD questions": [q.text for q in load_benchmark([args.data / "squad" / "dev-v1.1.rebuilt.json"]).questions][:2000],
        "seed + off-topic questions": [q.text for f in ("seeds.jsonl", "offtopic.jsonl")
                                       for q in load_jsonl(ROOT / "eval" / f)],
    }
    embedder = Embedder(SETTINGS)

    def encode(question: str) -> tuple[np.ndarray, np.ndarray]:  # the engine's own tokenising of a question
        return padded([truncate(embedder.tokens.encodings([question])[0][0], embedder.max_wordpieces)])

    fp32_file, int8_file = model_files(model_path())
    models = {"fp32": OnnxEncoder(fp32_file, 1), "int8": OnnxEncoder(int8_file, 1)}
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    for name, questions in sets.items():
        inputs = [encode(q) for q in questions]
        vectors, times = {}, {m: [] for m in models}
        for _ in range(3):
            for m, model in models.items():
                started = time.perf_counter()
                vectors[m] = np.vstack([model.hidden_mean(ids, mask) for ids, mask in inputs])
                times[m].append((time.perf_counter() - started) * 1000 / len(inputs))
        cosine = (vectors["fp32"] * vectors["int8"]).sum(axis=1)
        tokens = np.mean([ids.shape[1] for ids, _ in inputs])
        print(f"{name} ({len(questions)}, {tokens:.1f} wordpieces on average): fp32 {min(times['fp32']):.2f} ms, "
              f"int8 {min(times['int8']):.2f} ms a question; cosine int8 to fp32 min {cosine.min():.4f}, "
              f"5th percentile {np.percentile(cosine, 5):.4f}, mean {cosine.mean():.4f}")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

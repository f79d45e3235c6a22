"""Compare ways of choosing the highlighted sentence on SQuAD: does the chosen sentence hold a gold answer?

    .venv/bin/python eval/highlight_variants.py ../shared/benchmarks/squad/dev-v1.1.rebuilt.json --limit 2000

The highlighter sees the gold paragraph whole. Questions come from outside the evenly spaced subset that
`qa eval --limit 2000` reports, so the choice is not made on the questions it is then measured on.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from qa.evaluation.benchmarks import load_benchmark  # noqa: E402
from qa.text import sentence_spans  # noqa: E402
from qa.config import SETTINGS
from qa.embed.embedder import Embedder  # noqa: E402
from qa.evaluation.scoring import contains_answer, subset  # noqa: E402
from qa.index.lexical import BM25  # noqa: E402
from qa.text import tokenize  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("squad", type=Path)
    ap.add_argument("--limit", type=int, default=2000, help="the size of the subset qa eval reports on")
    ap.add_argument("--sample", type=int, default=1500, help="questions to compare on, from outside that subset")
    args = ap.parse_args()
    bench = load_benchmark([args.squad])
    held_out = {q.qid for q in subset(bench.questions, args.limit)}
    questions = subset([q for q in bench.questions if q.qid not in held_out], args.sample)
    ids = list(bench.corpus)
    idf = BM25.fit(list(range(len(ids))), [bench.corpus[i] for i in ids]).idf_function()
    embedder = Embedder(SETTINGS)
    qvecs = embedder.embed([q.text for q in questions])
    hits: dict[str, list[bool]] = {}
    for q, qv in zip(questions, qvecs):
        text = bench.corpus[next(iter(q.relevant))]
        sentences = [text[s:e] for s, e in sentence_spans(text)]
        terms = set(tokenize(q.text))
        sets = [set(tokenize(s)) for s in sentences]
        overlap = np.array([sum(idf(t) for t in terms & s) for s in sets])
        dense = embedder.embed(sentences) @ qv
        lengths = np.array([max(len(s), 1) for s in sets], dtype=float)
        variants = {
            "first sentence": np.arange(len(sentences))[::-1].astype(float),
            "idf overlap": overlap,
            "idf overlap, ties by dense": overlap + 1e-3 * dense,
            "idf overlap / sqrt(len)": overlap / np.sqrt(lengths),
            "dense cosine": dense,
            "idf overlap + 5 x dense": overlap + 5 * dense,
            "idf overlap + 10 x dense": overlap + 10 * dense,
        }
        for name, scores in variants.items():
            hits.setdefault(name, []).append(contains_answer(sentences[int(np.argmax(scores))], q.answers))
    print(f"{len(questions)} SQuAD dev questions outside the reported subset; gold paragraph given")
    for name, values in sorted(hits.items(), key=lambda item: -np.mean(item[1])):
        print(f"{np.mean(values):.3f}  {name}")


if __name__ == "__main__":
    main()

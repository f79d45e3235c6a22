"""Features of candidate answer sentences on held-out SQuAD questions, for choosing the answer sentence.

    .venv/bin/python eval/answer_features.py --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json \\
        --index /tmp/qa-squad --questions 600 --out /tmp/answer-features.npz

Tune split: SQuAD dev questions outside the evenly spaced 2,000 that `qa eval --limit 2000` reports (the
same split eval/calibrate.py uses). For each question, every sentence of the first 5 excerpts gets its
features and whether it holds a gold answer; a grid over the weights then picks the scorer (printed). The
first run (600 questions) gave 0.743 for terms 1, passage 0.5, kind 0.2 with no sentence embedding, 0.742 at
best with it, and 0.713 for terms alone: qa/config.py AnswerSettings holds the choice.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from qa.answer import answer_type, candidate_sentences, looks_like_heading  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.eval_inputs import load_benchmark  # noqa: E402
from qa.evaluate import contains_answer, subset  # noqa: E402


def features(engine: Engine, questions, depth: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: (feature rows, gold flags) of its candidate sentences."""
    loaded = engine.loaded()
    out = []
    for q in questions:
        answer = engine.ask(q.text, depth)
        qvec = engine.embedder.embed_query(q.text)
        sentences = candidate_sentences(q.text, answer.excerpts, loaded.idf)
        if not sentences:
            continue
        cosines = engine.embedder.embed([s.text for s in sentences]) @ qvec
        kind = answer_type(q.text)
        rows = [[s.rank, s.terms, c, s.passage_cosine, float(kind is not None and s.has(kind)),
                 float(looks_like_heading(s.text))] for s, c in zip(sentences, cosines)]
        gold = [contains_answer(s.text, q.answers) for s in sentences]
        out.append((np.asarray(rows, dtype=np.float32), np.asarray(gold, dtype=bool)))
    return out


def first_hit(data, weights) -> float:
    """Share of questions whose best-scored sentence holds a gold answer."""
    w = np.asarray(weights, dtype=np.float32)
    hits = 0
    for rows, gold in data:
        score = rows[:, 1] * w[0] + rows[:, 2] * w[1] + rows[:, 3] * w[2] - rows[:, 0] * w[3] \
            + rows[:, 4] * w[4] - rows[:, 5] * w[5]
        hits += bool(gold[int(np.argmax(score))])
    return hits / max(len(data), 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--squad", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=int, default=600)
    ap.add_argument("--depth", type=int, default=5)
    args = ap.parse_args()
    squad = load_benchmark([args.squad])
    reported = {q.qid for q in subset(squad.questions, 2000)}
    tune = subset([q for q in squad.questions if q.qid not in reported], args.questions)
    data = features(Engine(args.index), tune, args.depth)
    ceiling = np.mean([gold.any() for _, gold in data])
    print(f"{len(data)} questions; a gold sentence among the candidates: {ceiling:.3f}")
    grid = {"terms": [0.0, 1.0], "cosine": [0.0, 0.5, 1.0, 2.0], "passage": [0.0, 0.5, 1.0],
            "rank": [0.0, 0.05, 0.1, 0.2], "type": [0.0, 0.1, 0.2, 0.4], "heading": [0.0, 0.5]}
    results = sorted(((first_hit(data, w), w) for w in itertools.product(*grid.values())), reverse=True)
    for hit, w in results[:10]:
        print(f"{hit:.3f}  " + " ".join(f"{k}={v}" for k, v in zip(grid, w)))
    baseline = first_hit(data, (1.0, 0.0, 0.0, 1e-3, 0.0, 0.0))
    print(f"terms alone (rank breaks ties): {baseline:.3f}")


if __name__ == "__main__":
    main()

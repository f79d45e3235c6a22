"""Calibrate "no answer": the abstention signal of answerable vs off-topic questions, on two collections.

    .venv/bin/python -m eval.calibrate --seeds-index /tmp/qa-seeds \\
        --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json --squad-index /tmp/qa-squad

Answerable: eval/seeds.jsonl against the seed articles, and 400 SQuAD dev questions from outside the evenly
spaced 2,000 that `qa eval --limit 2000` reports. Unanswerable: eval/offtopic.jsonl against both indexes.
Both indexes must exist (`make eval` builds them). Prints answered / abstained rates per signal and threshold.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.evaluation.benchmarks import load_benchmark, load_jsonl
from qa.engine import Engine
from qa.evaluation.scoring import subset

ROOT = Path(__file__).resolve().parent


def features(index: Path, questions: list[tuple[str, bool]]) -> list[dict]:
    """Best cosine and term coverage over the first 5 excerpts, per question."""
    engine = Engine(index)
    rows = []
    for text, answerable in questions:
        judged = engine.ask(text, engine.settings.retrieval.confidence_depth).confidence_detail
        rows.append({"q": text, "answerable": answerable, "cos": judged.best_cosine, "cov": judged.coverage})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds-index", type=Path, required=True)
    ap.add_argument("--squad", type=Path, required=True)
    ap.add_argument("--squad-index", type=Path, required=True)
    args = ap.parse_args()
    off = [(q.text, False) for q in load_jsonl(ROOT / "offtopic.jsonl")]
    seeds = [(q.text, True) for q in load_jsonl(ROOT / "seeds.jsonl")]
    squad = load_benchmark([args.squad])
    reported = {q.qid for q in subset(squad.questions, 2000)}
    held_out = subset([q for q in squad.questions if q.qid not in reported], 400)
    sets = {"seeds": features(args.seeds_index, seeds + off),
            "squad": features(args.squad_index, [(q.text, True) for q in held_out] + off)}
    print("signal = cosine + w x coverage; cells: answered rate of answerable / abstain rate of off-topic")
    print("w     t      seeds          squad")
    for w in (0.0, 0.3, 0.5):
        for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
            cells = []
            for rows in sets.values():
                pos = [r for r in rows if r["answerable"]]
                neg = [r for r in rows if not r["answerable"]]
                ok = sum(r["cos"] + w * r["cov"] >= t for r in pos) / len(pos)
                no = sum(r["cos"] + w * r["cov"] < t for r in neg) / len(neg)
                cells.append(f"{ok:.3f} / {no:.3f}")
            print(f"{w:<5} {t:<6} " + "   ".join(cells))
    print(json.dumps({"lowest answerable seed": min(sets["seeds"], key=lambda r: r["cos"] if r["answerable"] else 9)}))


if __name__ == "__main__":
    main()

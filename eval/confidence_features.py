"""Gather the confidence signals of answerable and off-topic questions, to calibrate high / low / none.

    .venv/bin/python -m eval.confidence_features --seeds-index /tmp/followup-seeds \\
        --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json --squad-index /tmp/followup-squad \\
        --out /tmp/followup-features.json

The calibration split (docs/quality.md, "Confidence"): answerable = eval/calibration/seeds.jsonl (24 questions
on the seed articles, worded apart from eval/seeds.jsonl) and 1,500 SQuAD dev questions from outside the evenly
spaced 2,000 that `qa eval --limit 2000` reports; unanswerable = eval/calibration/offtopic.jsonl (80 questions,
none of them in eval/offtopic.jsonl) against both indexes. `qa eval` then measures on the held-out sets:
eval/seeds.jsonl, the reported SQuAD 2,000 and eval/offtopic.jsonl. Both indexes must exist (`make eval`).
Writes one row per question (the features the engine judged it by, read from `Answer.confidence_detail`), prints
the none rates of the engine's rule and, on the calibration split, fits it: the logistic regression's weights and the
log-odds an answer needs in each collection (qa/config.py `answer_weights`, `answer_odds`). `--reuse` reads the rows
back. (Rows written before issue 20 also hold `dense`, `lex`, `qidf` and the `scos_*` variants that
The deleted eval/confidence_variants.py and `--variants` compared; the choice they measured is in docs/quality.md.)
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from qa.answering import confidence
from qa.config import SETTINGS, ConfidenceWeights
from qa.engine import Engine
from qa.evaluation.benchmarks import load_benchmark, load_jsonl
from qa.evaluation.scoring import subset

ROOT = Path(__file__).resolve().parent


def features(index: Path, questions: list[tuple[str, bool]], collection: str) -> list[dict]:
    """The features each question was judged by, as its answer records them (`Answer.confidence_detail`)."""
    engine = Engine(index)
    depth = engine.settings.retrieval.confidence_depth
    rows = []
    for text, answerable in questions:
        judged = engine.ask(text, depth).confidence_detail
        named = judged.features()
        rows.append({"collection": collection, "q": text, "answerable": answerable,
                     **{short: named[name] for short, name in zip(FEATURES, confidence.FEATURES)},
                     "score": judged.score, "label": judged.level})
    return rows


# the rows' short names of confidence.FEATURES (best_cosine, coverage, sentence_coverage, sentence_cosine, peak), in
# that order: rows written by earlier runs keep working
FEATURES = ("cos", "cov", "scov", "scos", "peak")
SIZES = {"seeds": 15, "squad": 3873}  # passages in the two collections (small_ and large_collection)
CAPS = {"seeds": 0.09, "squad": 0.08}  # the most answerable "none" a threshold may give on the calibration split


def log_odds(rows: list[dict], weights: tuple[float, ...], features: tuple[str, ...] = FEATURES) -> np.ndarray:
    """The engine's log-odds that the excerpts answer (`confidence.log_odds`) for each row."""
    x = np.array([[r[f] for f in features] for r in rows])
    return x @ np.asarray(weights[:-1]) + weights[-1]


GROUPS = (("seeds", True), ("seeds", False), ("squad", True), ("squad", False))


def is_none(rows: list[dict], weights: tuple[float, ...], odds: dict[str, float],
            features: tuple[str, ...] = FEATURES) -> np.ndarray:
    """Whether the rule says "none" for each row: "high" (signal at high_threshold) first, then "none" below the
    collection's log-odds (qa/confidence.py `judge`)."""
    high = SETTINGS.retrieval.high_threshold
    return np.array([r["score"] < high and z < odds[r["collection"]]
                     for r, z in zip(rows, log_odds(rows, weights, features))], dtype=bool)


def none_rates(rows: list[dict], weights: tuple[float, ...], odds: dict[str, float],
               features: tuple[str, ...] = FEATURES) -> list[float]:
    """Share of "none" for [seed answerable, seed off-topic, SQuAD answerable, SQuAD off-topic] (`is_none`)."""
    return [round(rate, 3) for rate in group_rates(rows, is_none(rows, weights, odds, features))]


def group_rates(rows: list[dict], none: np.ndarray) -> list[float]:
    """The share of `none` in each of GROUPS."""
    return [float(np.mean(none[[(r["collection"], r["answerable"]) == g for r in rows]])) for g in GROUPS]


def read_rows(path: Path) -> list[dict]:
    """Rows written by an earlier run; rows gathered before the peak signal get it from what it is made of."""
    rows = json.loads(path.read_text())
    for row in rows:
        row.setdefault("peak", confidence.peak(row["dense"]))
    return rows


def fit(rows: list[dict], features: tuple[str, ...] = FEATURES) -> tuple[tuple[float, ...], dict[str, float]]:
    """A logistic regression (Newton steps, a little L2; the four groups weigh the same), then per collection
    the log-odds threshold that gives the most off-topic "none" while the answerable "none" stays within CAPS
    (the lowest such threshold, where several catch as many)."""
    x = np.hstack([np.array([[r[f] for f in features] for r in rows]), np.ones((len(rows), 1))])
    y = np.array([r["answerable"] for r in rows], float)
    groups = [(r["collection"], r["answerable"]) for r in rows]
    w = np.array([1 / groups.count(g) for g in groups])
    w *= len(rows) / w.sum()
    b = np.zeros(x.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-x @ b))
        b -= np.linalg.solve((x * (w * p * (1 - p))[:, None]).T @ x + 1e-3 * np.eye(len(b)), x.T @ (w * (p - y)) + 1e-3 * b)
    weights = tuple(round(float(v), 2) for v in b)
    odds = {}
    for coll in SIZES:
        group = [r for r in rows if r["collection"] == coll]
        z, answerable = log_odds(group, weights, features), np.array([r["answerable"] for r in group])
        allowed = [t / 20 for t in range(-80, 60) if np.mean(z[answerable] < t / 20) <= CAPS[coll]]
        caught = {t: np.mean(z[~answerable] < t) for t in allowed}
        # the lowest threshold that catches as many off-topic questions as any the cap allows: where the off-topic
        # rate is flat, a higher threshold would only withhold more answers
        odds[coll] = min(t for t in allowed if caught[t] == max(caught.values()))
    return weights, odds


def weight_tuple(weights: ConfidenceWeights) -> tuple[float, ...]:
    """The named weights in FEATURES order, the intercept last: the form `fit` returns."""
    return (*(getattr(weights, name) for name in confidence.FEATURES), weights.intercept)


def named(weights: tuple[float, ...]) -> ConfidenceWeights:
    """Fitted weights as qa/config.py writes them."""
    return ConfidenceWeights(*weights)


def main() -> None:
    ap = argparse.ArgumentParser()
    for name in ("--seeds-index", "--squad", "--squad-index", "--out"):
        ap.add_argument(name, type=Path, required=True)
    ap.add_argument("--held-out", action="store_true", help="the sets qa eval reports, instead of calibration")
    ap.add_argument("--reuse", action="store_true", help="read --out instead of asking the questions again")
    ap.add_argument("--squad-questions", type=int, default=1500,
                    help="answerable SQuAD questions in the calibration split (outside the reported 2,000)")
    args = ap.parse_args()
    if args.reuse:
        rows = read_rows(args.out)
    else:
        rows = gather(args)
        args.out.write_text(json.dumps(rows))
    r = SETTINGS.retrieval
    engine_odds = dict(zip(SIZES, r.answer_odds))
    print(f"{len(rows)} rows in {args.out}; none rates [seed answerable, seed off-topic, SQuAD answerable, "
          f"SQuAD off-topic] of the engine's rule: {none_rates(rows, weight_tuple(r.answer_weights), engine_odds)}")
    labelled = group_rates(rows, np.array([x["label"] == "none" for x in rows]))
    print("labels the engine gave:", {g: round(rate, 3) for g, rate in zip(GROUPS, labelled)})
    if not args.held_out:
        weights, odds = fit(rows)
        print(f"fitted: answer_weights {named(weights)}, answer_odds {(odds['seeds'], odds['squad'])}: "
              f"none rates {none_rates(rows, weights, odds)}")


def gather(args) -> list[dict]:
    squad = load_benchmark([args.squad])
    reported = subset(squad.questions, 2000)
    if args.held_out:
        off = [(q.text, False) for q in load_jsonl(ROOT / "offtopic.jsonl")]
        seeds = [(q.text, True) for q in load_jsonl(ROOT / "seeds.jsonl")]
        squad_q = [(q.text, True) for q in reported]
    else:
        off = [(q.text, False) for q in load_jsonl(ROOT / "calibration" / "offtopic.jsonl")]
        seeds = [(q.text, True) for q in load_jsonl(ROOT / "calibration" / "seeds.jsonl")]
        ids = {q.qid for q in reported}
        squad_q = [(q.text, True) for q in subset([q for q in squad.questions if q.qid not in ids], args.squad_questions)]
    return features(args.seeds_index, seeds + off, "seeds") + features(args.squad_index, squad_q + off, "squad")


if __name__ == "__main__":
    main()

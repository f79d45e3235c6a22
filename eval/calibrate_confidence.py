"""Fit "high" (qa/answering/confidence.py `trust`) on a calibration split and write its weights to qa/fitted.py.

    heavy .venv/bin/python -m eval.calibrate_confidence --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json \\
        --index /tmp/qa-squad-seeds --out /tmp/qa-high-rows.json --write

The calibration split: 1,500 SQuAD dev questions spread over the questions outside the evenly spaced 2,000 that
`qa eval --limit 2000` reports (so the reported figures are measured on questions the fit never saw), asked against
the index `make eval` builds of SQuAD dev with the seed articles (`--index`), and `--near-domain` more asked with their
own paragraph removed from a copy of it (eval/near_domain.py: unanswerable, on a topic the index holds; their rows
are almost all wrong, and "high" is fitted against them too). Each answered question gives one row:
the features its answer recorded (`Answer.confidence_detail.trust_features()`, read, never recomputed here) and
whether its first answer sentence holds a gold answer. A logistic regression (Newton steps, a little L2, no
randomness: the same rows give the same weights) is fitted on them, and the "high" bar is the lowest log-odds at
which the answers at or above it are right at least `--precision` of the time on the calibration rows. `--write`
rewrites qa/fitted.py; `--reuse` reads the rows of an earlier run from `--out`. Re-run it after any change to how
sentences are chosen: the features describe the chosen sentence.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from eval import near_domain
from qa.engine import Engine
from qa.evaluation.benchmarks import load_benchmark
from qa.evaluation.scoring import contains_answer, subset

ROOT = Path(__file__).resolve().parent.parent
FITTED = ROOT / "qa" / "fitted.py"
NOT_FEATURES = ("q", "label", "answered", "right", "set")  # what a row holds besides the features
REPORTED = 2000  # the questions `qa eval --limit 2000` reports: never in the calibration split


def calibration_split(squad: Path, size: int) -> list:
    """`size` SQuAD dev questions spread evenly over those outside the reported 2,000."""
    questions = load_benchmark([squad]).questions
    reported = {q.qid for q in subset(questions, REPORTED)}
    return subset([q for q in questions if q.qid not in reported], size)


def gather(engine: Engine, questions: list) -> list[dict]:
    """One row per question: its label, whether it was answered, its trust features and whether it is right (its
    first answer sentence holds a gold answer: SQuAD's answers, or a question set's `must` phrase)."""
    rows = []
    for q in questions:
        answer = engine.ask(q.text, engine.settings.retrieval.k)
        detail = answer.confidence_detail
        golds = q.answers or tuple(x for x in (q.must,) if x)
        right = bool(answer.answer) and contains_answer(answer.answer[0].text, golds)
        rows.append({"q": q.text, "label": answer.confidence, "answered": detail.trust_odds is not None,
                     "right": right, **detail.trust_features()})
    return rows


def fit(rows: list[dict], names: list[str], l2: float = 1e-2) -> tuple[np.ndarray, float]:
    """Logistic regression of `right` on the named features (standardised while fitting, then mapped back)."""
    x = np.array([[r[n] for n in names] for r in rows], dtype=np.float64)
    y = np.array([r["right"] for r in rows], dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    b = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ b))
        hessian = (z * (p * (1 - p))[:, None]).T @ z + l2 * np.eye(len(b))
        b -= np.linalg.solve(hessian, z.T @ (p - y) + l2 * b)
    weights = b[:-1] / scale
    return weights, float(b[-1] - weights @ mean)


def odds_of(rows: list[dict], names: list[str], weights: np.ndarray, intercept: float) -> np.ndarray:
    return np.array([[r[n] for n in names] for r in rows], dtype=np.float64) @ weights + intercept


def bar(odds: np.ndarray, right: np.ndarray, precision: float) -> float:
    """The lowest log-odds at which the rows at or above it are right at least `precision` of the time."""
    order = np.argsort(-odds, kind="stable")
    hits = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    ok = np.nonzero(hits >= precision)[0]
    return float(odds[order][ok.max()]) if len(ok) else float(odds.max() + 1)


def cross_validated(rows: list[dict], names: list[str], precision: float, folds: int = 5) -> tuple[float, float]:
    """High precision and coverage (of the answered rows) on held-out folds: every fifth row, fitted on the rest."""
    high, right = np.zeros(len(rows), bool), np.array([r["right"] for r in rows])
    for fold in range(folds):
        held = np.arange(len(rows)) % folds == fold
        train = [r for r, h in zip(rows, held) if not h]
        weights, intercept = fit(train, names)
        t = bar(odds_of(train, names, weights, intercept), right[~held], precision)
        high[held] = odds_of([r for r, h in zip(rows, held) if h], names, weights, intercept) >= t
    return float(right[high].mean()) if high.any() else 0.0, float(high.mean())


def write(names: list[str], weights: np.ndarray, intercept: float, t: float, note: str,
          path: Path = FITTED) -> None:
    pairs = ",\n".join(f'    ("{n}", {w:.4f})' for n, w in zip(names, weights))
    head = ('"""The weights of "high" (confidence.trust), written by `python -m eval.calibrate_confidence`: never '
            'hand-edit."""\n')
    path.write_text(
        head + "".join(f"# {line}\n" for line in note.split("; "))
        + "HIGH_WEIGHTS: tuple[tuple[str, float], ...] = (  # (feature, weight), records.Confidence.trust_features\n"
        f"{pairs},\n)\n"
        f"HIGH_INTERCEPT: float = {intercept:.4f}\n"
        f'HIGH_ODDS: float = {t:.4f}  # "high" at or above these log-odds\n')


def gather_both(args: argparse.Namespace) -> list[dict]:
    """The calibration split's rows, then the near-domain questions' rows (each tagged with its `set`)."""
    calibration = calibration_split(args.squad, args.questions)
    rows = [{**r, "set": "calibration"} for r in gather(Engine(args.index), calibration)]
    if args.near_domain:
        taken = {q.qid for q in calibration} | {q.qid for q in subset(load_benchmark([args.squad]).questions, REPORTED)}
        questions = near_domain.split(args.squad, args.near_domain, taken)
        engine = near_domain.index_without(args.index, questions, args.near_index, args.source)
        rows += [{**r, "set": "near-domain"} for r in gather(engine, questions)]
    return rows


def calibration_arguments(description: str) -> argparse.ArgumentParser:
    """The options every fit on the calibration split takes: the SQuAD file, its index, the rows file, --reuse."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--squad", type=Path, required=True, help="SQuAD dev (dev-v1.1.rebuilt.json)")
    ap.add_argument("--index", type=Path, required=True, help="an index of SQuAD dev with the seed articles")
    ap.add_argument("--out", type=Path, required=True, help="the rows, written (or read back with --reuse)")
    ap.add_argument("--reuse", action="store_true", help="read --out instead of asking the questions again")
    return ap


def main() -> None:
    ap = calibration_arguments(__doc__.split("\n")[0])
    ap.add_argument("--questions", type=int, default=1500, help="the size of the calibration split")
    ap.add_argument("--precision", type=float, default=0.95, help="how often a calibration 'high' must be right")
    ap.add_argument("--write", action="store_true", help="write the fitted weights to qa/fitted.py")
    ap.add_argument("--near-domain", type=int, default=500,
                    help="how many questions to ask with their own paragraph removed (0: none)")
    ap.add_argument("--near-index", type=Path, default=Path("/tmp/qa-near-domain"),
                    help="where the copy of --index without those paragraphs is made (replaced each run)")
    ap.add_argument("--source", type=Path, nargs="*", default=[ROOT / "seeds"],
                    help="the folders --index was built with besides its corpus (`qa eval --source`)")
    args = ap.parse_args()
    if args.reuse:
        rows = json.loads(args.out.read_text())
    else:
        rows = gather_both(args)
        args.out.write_text(json.dumps(rows))
    answered = [r for r in rows if r["answered"]]
    names = [n for n in answered[0] if n not in NOT_FEATURES]
    weights, intercept = fit(answered, names)
    weights, intercept = np.round(weights, 4), round(intercept, 4)
    right = np.array([r["right"] for r in answered])
    t = bar(odds_of(answered, names, weights, intercept), right, args.precision)
    # the figures of the calibration split alone (rows of an older --out file have no "set": they are all of it)
    split_rows = [r for r in rows if r.get("set", "calibration") == "calibration"]
    split_answered = [r for r in split_rows if r["answered"]]
    high = odds_of(split_answered, names, weights, intercept) >= t
    near = [r for r in rows if r.get("set") == "near-domain" and r["answered"]]
    near_high = int((odds_of(near, names, weights, intercept) >= t).sum()) if near else 0
    cv_precision, cv_coverage = cross_validated(answered, names, args.precision)
    split_right = np.array([r["right"] for r in split_answered])
    note = (f"calibration: {len(split_rows)} SQuAD dev questions outside the reported {REPORTED} "
            f"({len(split_answered)} answered, right {split_right.mean():.3f}) and {len(rows) - len(split_rows)} "
            f"asked without their paragraph ({len(near)} answered, {near_high} of them high); "
            f"high right {split_right[high].mean():.3f}, covering {high.sum() / len(split_rows):.3f}")
    print(note)
    print(f"5-fold cross-validated on all the rows: high right {cv_precision:.3f}, covering {cv_coverage:.3f} of the "
          f"answered ones")
    for n, w in zip(names, weights):
        print(f"  {n:<18} {w:+.4f}")
    print(f"  intercept          {intercept:+.4f}; high at log-odds >= {t:.4f}")
    if args.write:
        write(names, weights, intercept, t, note)
        print(f"wrote {FITTED}")


if __name__ == "__main__":
    main()

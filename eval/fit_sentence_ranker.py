"""Fit the answer step's sentence ranker (qa/answering/ranker.py) on SQuAD dev's calibration split; write its weights.

    heavy .venv/bin/python -m eval.fit_sentence_ranker --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json \\
        --index /tmp/qa-squad-seeds --out /tmp/sentence-rows.pkl --write

The split is the 1,500 questions eval/calibrate_confidence.py fits "high" on (outside the 2,000 `qa eval --limit 2000`
reports). Each question is asked as `qa eval` asks it (30 excerpts) and its sentence pool rebuilt with the engine's
own steps: every candidate gets `ranker.features` and whether it holds a gold answer. A conditional logit (softmax
over each question's candidates; the gold ones are the target) is fitted by Newton steps with a little L2, no
randomness: the same rows give the same weights. `--reuse` refits from the rows in `--out`; `--check reported`
prints the first-sentence figure on the reported 2,000 (never used to fit; their rows are kept beside `--out`,
as NAME-reported.pkl). `--write` rewrites
qa/fitted_sentences.py. Then re-run `make calibrate`: "high" judges the sentence this ranker picks.
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from eval.calibrate_confidence import REPORTED, calibration_arguments, calibration_split
from qa.answering import answer, ranker, steps
from qa.answering.question import parse
from qa.engine import Engine
from qa.evaluation.benchmarks import load_benchmark
from qa.evaluation.scoring import contains_answer, subset

FITTED = Path(__file__).resolve().parent.parent / "qa" / "fitted_sentences.py"


def rows_of(engine: Engine, q, k: int) -> dict:
    """One question: whether the engine answered it, and its candidates' features and gold flags."""
    got = engine.ask(q.text, k)
    loaded = engine.loaded()
    meant = loaded.speller.correct(q.text)[0]
    parsed = parse(meant, meant, loaded.idf, engine.embedder.embed_query)
    found = steps.retrieve(parsed, loaded.retriever, loaded.catalog, loaded.store, k, None, engine.settings.retrieval)
    chosen = steps.select(found, loaded.catalog, k, engine.settings)
    pool = steps.sentence_pool(parsed, chosen, loaded.store.sentence_vectors, engine.embedder.embed_sentences,
                               engine.settings.answer.depth)
    sentences = pool.sentences
    rows = ranker.features(parsed, sentences, pool.similarities_once(), answer.answer_type(parsed.text),
                           [answer.looks_like_heading(c.text) for c in sentences]) if sentences else np.zeros((0, 7))
    return {"q": q.text, "answered": got.answered, "rows": rows,
            "gold": np.asarray([contains_answer(c.text, q.answers) for c in sentences], dtype=bool)}


def fit(records: list[dict], l2: float = 1e-2, steps_at_most: int = 100) -> np.ndarray:
    """The conditional logit's weights over FEATURES (standardised while fitting, then mapped back). Questions
    whose candidates are all gold or none gold carry no information and are left out."""
    data = [(r["rows"], r["gold"].astype(np.float64)) for r in records if r["gold"].any() and not r["gold"].all()]
    every = np.vstack([x for x, _ in data])
    mean, scale = every.mean(axis=0), every.std(axis=0)
    scale[scale == 0] = 1.0
    data = [((x - mean) / scale, g) for x, g in data]
    w = np.zeros(every.shape[1])
    for _ in range(steps_at_most):
        grad, hessian = l2 * w, l2 * np.eye(len(w))
        for z, gold in data:
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            target = gold * p / (gold * p).sum()  # the gold candidates, as the model weighs them
            grad -= target @ z - p @ z
            expected = p @ z
            hessian += (z * p[:, None]).T @ z - np.outer(expected, expected)
        step = np.linalg.solve(hessian, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w / scale  # the mean shifts every candidate of a question alike: it does not change a choice


def first_right(records: list[dict], weights: dict[str, float]) -> float:
    """The share of questions whose first answer sentence holds gold when the ranker picks it (as answer.direct:
    headings left out when anything else is there); unanswered questions count as wrong, as in `qa eval`."""
    hits = 0
    for r in records:
        if not r["answered"] or not len(r["rows"]):
            continue
        s = ranker.scores(r["rows"], weights).astype(np.float64)
        headings = r["rows"][:, ranker.FEATURES.index("heading")] > 0
        if (~headings).any():
            s[headings] = -np.inf
        hits += bool(r["gold"][int(np.argmax(s))])
    return hits / max(len(records), 1)


def cross_validated(records: list[dict], folds: int = 5) -> float:
    """`first_right` on every fifth question, fitted on the rest."""
    hits = 0.0
    for fold in range(folds):
        held = [r for i, r in enumerate(records) if i % folds == fold]
        weights = fit([r for i, r in enumerate(records) if i % folds != fold])
        hits += first_right(held, dict(zip(ranker.FEATURES, weights))) * len(held)
    return hits / len(records)


def write(weights: np.ndarray, note: str, path: Path = FITTED) -> None:
    pairs = ",\n".join(f'    ("{n}", {w:.4f})' for n, w in zip(ranker.FEATURES, weights))
    path.write_text('"""The answer step\'s sentence ranker weights (qa/answering/ranker.py), written by `python -m '
                    'eval.fit_sentence_ranker`: never hand-edit."""\n' + f"# {note}\n"
                    "SENTENCE_WEIGHTS: tuple[tuple[str, float], ...] = (  # (feature, weight), ranker.FEATURES\n"
                    f"{pairs},\n)\n")


def main() -> None:
    ap = calibration_arguments(__doc__.split("\n")[0])
    ap.add_argument("--k", type=int, default=30, help="excerpts asked for: `qa eval` asks 3 x its k of 10")
    ap.add_argument("--check", choices=("reported",), help="also measure on the reported 2,000 (never fitted on)")
    ap.add_argument("--write", action="store_true", help="write the weights to qa/fitted_sentences.py")
    args = ap.parse_args()
    engine = Engine(args.index)  # the model loads only when a question is asked
    if args.reuse:
        records = pickle.loads(args.out.read_bytes())
    else:
        records = [rows_of(engine, q, args.k) for q in calibration_split(args.squad, 1500)]
        args.out.write_bytes(pickle.dumps(records))
    weights = np.round(fit(records), 4)
    fitted = dict(zip(ranker.FEATURES, weights))
    note = (f"fitted on {len(records)} SQuAD dev calibration questions: first sentence right {first_right(records, fitted):.3f}"
            f" (5-fold {cross_validated(records):.3f})")
    print(note)
    for n, w in fitted.items():
        print(f"  {n:<22} {w:+.4f}")
    if args.check:
        kept = args.out.with_name(f"{args.out.stem}-reported{args.out.suffix}")
        if args.reuse:
            checked = pickle.loads(kept.read_bytes())
        else:
            checked = [rows_of(engine, q, args.k) for q in subset(load_benchmark([args.squad]).questions, REPORTED)]
            kept.write_bytes(pickle.dumps(checked))
        print(f"reported {len(checked)}: first sentence right {first_right(checked, fitted):.3f}")
    if args.write:
        write(weights, note)
        print(f"wrote {FITTED}")


if __name__ == "__main__":
    main()

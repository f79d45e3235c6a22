"""Gather the confidence signals of answerable and off-topic questions, to calibrate high / low / none.

    .venv/bin/python eval/confidence_features.py --seeds-index /tmp/followup-seeds \\
        --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json --squad-index /tmp/followup-squad \\
        --out /tmp/followup-features.json

The calibration split (docs/quality.md, "Confidence"): answerable = eval/calibration/seeds.jsonl (24 questions
on the seed articles, worded apart from eval/seeds.jsonl) and 400 SQuAD dev questions from outside the evenly
spaced 2,000 that `qa eval --limit 2000` reports; unanswerable = eval/calibration/offtopic.jsonl (40 questions,
none of them in eval/offtopic.jsonl) against both indexes. `qa eval` then measures on the held-out sets:
eval/seeds.jsonl, the reported SQuAD 2,000 and eval/offtopic.jsonl. Both indexes must exist (`make eval`).
Writes one row per question (each signal the engine could judge by), prints the none rates of the engine's
rule and, on the calibration split, the best rules of its family (`--reuse` reads the rows back).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from qa import answer as answer_mod, excerpts  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.eval_inputs import load_benchmark, load_jsonl  # noqa: E402
from qa.evaluate import subset  # noqa: E402

ROOT = Path(__file__).resolve().parent


def features(index: Path, questions: list[tuple[str, bool]], collection: str) -> list[dict]:
    """The signals of each question, as the engine computes them on its first excerpts."""
    engine = Engine(index)
    loaded = engine.loaded()
    depth = engine.settings.retrieval.confidence_depth
    rows = []
    for text, answerable in questions:
        answer = engine.ask(text, depth)
        top = answer.excerpts
        qvec = engine.embedder.embed_query(text)
        found = loaded.retriever.retrieve(text, qvec, engine.settings.retrieval.candidates)
        dense = sorted((c.dense for c in found), reverse=True)
        sentences = answer_mod.candidate_sentences(text, top, loaded.idf)
        best = np.argsort(-answer_mod.score(text, sentences, engine.settings.answer), kind="stable")[:4]
        scos = engine.embedder.embed([sentences[i].text for i in best]) @ qvec if len(best) else np.zeros(1)
        rows.append({"collection": collection, "q": text, "answerable": answerable,
                     "cos": max((e.cosine for e in top), default=0.0),
                     "cov": excerpts.coverage(text, [e.text for e in top], loaded.idf),
                     "scov": excerpts.sentence_coverage(text, [e.text for e in top], loaded.idf),
                     "dense": dense, "lex": max((c.lexical for c in found), default=0.0),
                     "scos": float(scos.max()), "score": answer.confidence_score, "label": answer.confidence})
    return rows


GRID = [(t / 1000, s / 100, c / 100) for t in range(450, 700, 25) for s in range(50, 101, 5) for c in (0, 10, 20, 30)]


def rule(r: dict, t: float, s: float, c: float) -> bool:
    """The engine's rule (qa/engine.py `_judge`): answered when cos + 0.3 cov >= t, or scov >= s with cos >= c."""
    return r["cos"] + 0.3 * r["cov"] >= t or (r["scov"] >= s and r["cos"] >= c)


def rates(rows: list[dict], t: float, s: float, c: float) -> list[float]:
    """Share of "none" for [seed answerable, seed off-topic, SQuAD answerable, SQuAD off-topic]."""
    return [round(float(np.mean([not rule(r, t, s, c) for r in rows
                                 if r["collection"] == coll and r["answerable"] == answerable])), 3)
            for coll in ("seeds", "squad") for answerable in (True, False)]


def choose(rows: list[dict]) -> None:
    """Print the best rules by the calibration objective: the mean off-topic "none" less 1.5 x the summed
    answerable "none" (a wrong "none" hides a right answer; a wrong "low" still shows the closest excerpts)."""
    scored = []
    for t, s, c in GRID:
        seed_ans, seed_off, squad_ans, squad_off = rates(rows, t, s, c)
        scored.append(((seed_off + squad_off) / 2 - 1.5 * (seed_ans + squad_ans), t, s, c))
    for objective, t, s, c in sorted(scored, reverse=True)[:8]:
        print(f"t {t:.3f} s {s:.2f} c {c:.2f}: objective {objective:.3f}, none rates {rates(rows, t, s, c)}")


def main() -> None:
    ap = argparse.ArgumentParser()
    for name in ("--seeds-index", "--squad", "--squad-index", "--out"):
        ap.add_argument(name, type=Path, required=True)
    ap.add_argument("--held-out", action="store_true", help="the sets qa eval reports, instead of calibration")
    ap.add_argument("--reuse", action="store_true", help="read --out instead of asking the questions again")
    args = ap.parse_args()
    if args.reuse:
        rows = json.loads(args.out.read_text())
    else:
        rows = gather(args)
        args.out.write_text(json.dumps(rows))
    print(f"{len(rows)} rows in {args.out}; none rates [seed answerable, seed off-topic, SQuAD answerable, "
          f"SQuAD off-topic] of the engine's rule: {rates(rows, 0.575, 0.5, 0.1)}")
    for coll in ("seeds", "squad"):
        for answerable in (True, False):
            cos = [r["cos"] for r in rows if r["collection"] == coll and r["answerable"] == answerable]
            print(f"{coll} {'answerable' if answerable else 'off-topic'}: median best cosine {np.median(cos):.3f}")
    if not args.held_out:
        choose(rows)
    else:  # for the record only: the best the rule's family could do if it were chosen on these sets
        feasible = [(min(r[1], r[3]), t, s, c, r) for t, s, c in GRID for r in [rates(rows, t, s, c)]
                    if r[0] <= 0.10 and r[2] <= 0.10]
        print("best off-topic none with answerable none <= 0.10 on both:", max(feasible, default=None))


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
        squad_q = [(q.text, True) for q in subset([q for q in squad.questions if q.qid not in ids], 400)]
    return features(args.seeds_index, seeds + off, "seeds") + features(args.squad_index, squad_q + off, "squad")


if __name__ == "__main__":
    main()

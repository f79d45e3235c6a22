"""Gather the confidence signals of answerable and off-topic questions, to calibrate high / low / none.

    .venv/bin/python eval/confidence_features.py --seeds-index /tmp/followup-seeds \\
        --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json --squad-index /tmp/followup-squad \\
        --out /tmp/followup-features.json

The calibration split (docs/quality.md, "Confidence"): answerable = eval/calibration/seeds.jsonl (24 questions
on the seed articles, worded apart from eval/seeds.jsonl) and 1,500 SQuAD dev questions from outside the evenly
spaced 2,000 that `qa eval --limit 2000` reports; unanswerable = eval/calibration/offtopic.jsonl (80 questions,
none of them in eval/offtopic.jsonl) against both indexes. `qa eval` then measures on the held-out sets:
eval/seeds.jsonl, the reported SQuAD 2,000 and eval/offtopic.jsonl. Both indexes must exist (`make eval`).
Writes one row per question (each signal the engine could judge by), prints the none rates of the engine's
rule and, on the calibration split, fits it: the logistic regression's weights and the log-odds an answer needs
in each collection (qa/config.py `answer_weights`, `answer_odds`). `--reuse` reads the rows back.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import numpy as np  # noqa: E402

from qa import answer as answer_mod, excerpts  # noqa: E402
from qa.config import SETTINGS  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.evaluation.benchmarks import load_benchmark, load_jsonl  # noqa: E402
from qa.evaluation.scoring import subset  # noqa: E402
from qa.embed.sentence_vectors import StoredSentences  # noqa: E402
from qa.text import sentence_spans  # noqa: E402

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
        texts = [c.text for c in sentences]
        embed = _sentence_vectors(engine, found, top)
        # the engine's: every candidate sentence, by the vectors stored at build time; then variants compared by
        # `--variants`: the sentences embedded alone (a model run at ask time), and the stored vectors with a
        # share of their passage's vector taken out
        scos = embed(texts) @ qvec if texts else np.zeros(1)
        variants = {"scos_alone": float((engine.embedder.embed(texts) @ qvec).max()) if texts else 0.0}
        variants |= {f"scos_ctx{c}": float((decontext(loaded.store, found, top, texts, embed, c) @ qvec).max())
                     if texts else 0.0 for c in CONTEXTS}
        rows.append({"collection": collection, "q": text, "answerable": answerable,
                     "cos": max((e.cosine for e in top), default=0.0),
                     "cov": excerpts.coverage(text, [e.text for e in top], loaded.idf),
                     "scov": excerpts.sentence_coverage(text, [e.text for e in top], loaded.idf),
                     "dense": dense, "peak": excerpts.peak(dense), "lex": max((c.lexical for c in found), default=0.0),
                     "scos": float(scos.max()), **variants, "qidf": question_idf(text, loaded.idf), "score": answer.confidence_score, "label": answer.confidence})
    return rows


def _sentence_vectors(engine: Engine, found, top) -> StoredSentences:
    """The engine's sentence lookup: the vectors stored with the windows the excerpts `top` were made of."""
    store = engine.loaded().store
    windows = [p for p in store.passages([c.passage_id for c in found])
               if any(p.doc_id == e.citation.doc_id and p.start < e.citation.end and e.citation.start < p.end
                      for e in top)]
    return StoredSentences(store.sentence_vectors, windows, engine.embedder.sentence_embedder())


CONTEXTS = (0.25, 0.5, 0.75)


def decontext(store, found, top, texts: list[str], embed, context: float) -> np.ndarray:
    """The stored sentence vectors of `texts` less `context` times their passage's vector, renormalised."""
    windows = [p for p in store.passages([c.passage_id for c in found]) if any(p.passage_id == e.passage_id for e in top)]
    passage = dict(zip(*store.vectors_of(np.asarray([p.passage_id for p in windows], dtype=np.int64))))
    owner = {p.text[a:b]: p.passage_id for p in windows for a, b in sentence_spans(p.text)}
    vectors = embed(texts) - context * np.stack([passage.get(owner.get(t), np.zeros(SETTINGS.model.dim)) for t in texts])
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def question_idf(text: str, idf) -> float:
    """The largest BM25-like mass the question's terms could have: the sum of their idf."""
    return float(sum(idf(t) or idf.unseen for t in set(excerpts.tokenize(text))))


FEATURES = ("cos", "cov", "scov", "scos", "peak")  # the order of RetrievalSettings.answer_weights
SIZES = {"seeds": 15, "squad": 3873}  # passages in the two collections (small_ and large_collection)
CAPS = {"seeds": 0.09, "squad": 0.08}  # the most answerable "none" a threshold may give on the calibration split


def log_odds(rows: list[dict], weights: tuple[float, ...], features: tuple[str, ...] = FEATURES) -> np.ndarray:
    """The engine's log-odds that the excerpts answer (`excerpts.answer_log_odds`) for each row."""
    x = np.array([[r[f] for f in features] for r in rows])
    return x @ np.asarray(weights[:-1]) + weights[-1]


GROUPS = (("seeds", True), ("seeds", False), ("squad", True), ("squad", False))


def is_none(rows: list[dict], weights: tuple[float, ...], odds: dict[str, float],
            features: tuple[str, ...] = FEATURES) -> np.ndarray:
    """Whether the rule says "none" for each row: "high" (signal at high_threshold) first, then "none" below the
    collection's log-odds (qa/engine.py `_judge`)."""
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
        row.setdefault("peak", excerpts.peak(row["dense"]))
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


def main() -> None:
    ap = argparse.ArgumentParser()
    for name in ("--seeds-index", "--squad", "--squad-index", "--out"):
        ap.add_argument(name, type=Path, required=True)
    ap.add_argument("--held-out", action="store_true", help="the sets qa eval reports, instead of calibration")
    ap.add_argument("--reuse", action="store_true", help="read --out instead of asking the questions again")
    ap.add_argument("--variants", action="store_true", help="also fit with each variant of the sentence signal")
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
          f"SQuAD off-topic] of the engine's rule: {none_rates(rows, r.answer_weights, engine_odds)}")
    labelled = group_rates(rows, np.array([x["label"] == "none" for x in rows]))
    print("labels the engine gave:", {g: round(rate, 3) for g, rate in zip(GROUPS, labelled)})
    if not args.held_out:
        weights, odds = fit(rows)
        print(f"fitted: answer_weights {weights}, answer_odds {(odds['seeds'], odds['squad'])}: "
              f"none rates {none_rates(rows, weights, odds)}")
        for variant in [f for f in rows[0] if f.startswith("scos_")] if args.variants else ():
            features = tuple(variant if f == "scos" else f for f in FEATURES)
            weights, odds = fit(rows, features)
            print(f"with {variant} for scos: answer_weights {weights}, answer_odds {(odds['seeds'], odds['squad'])}: "
                  f"none rates {none_rates(rows, weights, odds, features)}")


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

"""Features of candidate answer sentences on held-out SQuAD questions, for choosing the answer sentence.

    .venv/bin/python -m eval.answer_features --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json \\
        --index /tmp/qa-squad --questions 600 [--contexts 0,0.25,0.5,0.75]

Tune split: SQuAD dev questions outside the evenly spaced 2,000 that `qa eval --limit 2000` reports (the
same split eval/confidence_features.py uses). For each question, every sentence of the first 5 excerpts gets
its features and whether it holds a gold answer; a grid over the weights then picks the scorer (printed), once
per kind of sentence cosine: the sentence embedded alone, and the vectors stored at build time (less a share
of their passage's vector, `--contexts`). The run of issue 14 (600 questions; docs/quality.md) gave 0.745 with
the stored vectors for terms 1, sentence cosine 2, passage 0, kind 0.2, and 0.713 for terms alone:
qa/config.py AnswerSettings holds the choice.
"""
from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np

from qa.config import SETTINGS
from qa.answering.answer import answer_type, candidate_sentences, looks_like_heading
from qa.engine import Engine
from qa.evaluation.benchmarks import load_benchmark
from qa.evaluation.scoring import contains_answer, subset
from qa.answering.question import parse
from qa.answering.sentence_pool import SentencePool
from qa.text import sentence_spans


def features(engine: Engine, questions, depth: int, contexts: tuple[float, ...] = ()
             ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: (feature rows, gold flags) of its candidate sentences.

    Row: rank, terms, cosine of the sentence embedded alone, passage cosine, kind, heading, then one cosine per
    value in `contexts`: the sentence vector stored at build time with that share of its passage's vector taken out.
    """
    loaded = engine.loaded()
    out = []
    for q in questions:
        answer = engine.ask(q.text, depth)
        question = parse(q.text, q.text, loaded.idf, engine.embedder.embed_query)
        qvec = question.vector
        sentences = candidate_sentences(question, answer.excerpts)
        if not sentences:
            continue
        texts = [s.text for s in sentences]
        cosines = engine.embedder.embed(texts) @ qvec
        stored = [_stored(engine, answer.excerpts, c)(texts) @ qvec for c in contexts]
        kind = answer_type(question.text)
        rows = [[s.rank, s.terms, c, s.passage_cosine, float(kind is not None and s.has(kind)),
                 float(looks_like_heading(s.text)), *(col[n] for col in stored)]
                for n, (s, c) in enumerate(zip(sentences, cosines))]
        gold = [contains_answer(s.text, q.answers) for s in sentences]
        out.append((np.asarray(rows, dtype=np.float32), np.asarray(gold, dtype=bool)))
    return out


def _stored(engine: Engine, excerpts, context: float):
    """The engine's sentence lookup for these excerpts (the stored vectors of the windows they were made of),
    with `context` times the passage's vector taken out of each sentence's (`decontext`)."""
    store = engine.loaded().store
    windows = store.passages([e.passage_id for e in excerpts])
    pool = SentencePool([], windows, store.sentence_vectors, engine.embedder.embed, np.zeros(SETTINGS.model.dim))
    return lambda texts: decontext(store, windows, texts, pool.vectors_once(texts), context)


def decontext(store, windows, texts: list[str], vectors: np.ndarray, context: float) -> np.ndarray:
    """The sentence `vectors` of `texts` less `context` times their passage's vector, renormalised."""
    passage = dict(zip(*store.vectors_of(np.asarray([p.passage_id for p in windows], dtype=np.int64))))
    owner = {p.text[a:b]: p.passage_id for p in windows for a, b in sentence_spans(p.text)}
    vectors = vectors - context * np.stack([passage.get(owner.get(t), np.zeros(SETTINGS.model.dim)) for t in texts])
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


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
    ap.add_argument("--contexts", default="0,0.25,0.5,0.75", help="shares of the passage vector taken out of "
                    "the stored sentence vectors, each scored as another cosine column")
    args = ap.parse_args()
    squad = load_benchmark([args.squad])
    reported = {q.qid for q in subset(squad.questions, 2000)}
    tune = subset([q for q in squad.questions if q.qid not in reported], args.questions)
    contexts = tuple(float(c) for c in args.contexts.split(",")) if args.contexts else ()
    data = features(Engine(args.index), tune, args.depth, contexts)
    ceiling = np.mean([gold.any() for _, gold in data])
    print(f"{len(data)} questions; a gold sentence among the candidates: {ceiling:.3f}")
    grid = {"terms": [0.0, 1.0], "cosine": [0.0, 0.5, 1.0, 2.0], "passage": [0.0, 0.5, 1.0],
            "rank": [0.0, 0.05, 0.1, 0.2], "type": [0.0, 0.1, 0.2, 0.4], "heading": [0.0, 0.5]}
    for name, column in [("embedded alone", 2)] + [(f"stored, context {c}", 6 + n) for n, c in enumerate(contexts)]:
        chosen = [(np.concatenate([rows[:, :2], rows[:, column:column + 1], rows[:, 3:6]], axis=1), gold)
                  for rows, gold in data]
        results = sorted(((first_hit(chosen, w), w) for w in itertools.product(*grid.values())), reverse=True)
        a = SETTINGS.answer
        now = (a.terms, a.cosine, a.passage, a.rank, a.kind, a.heading)
        print(f"-- sentence cosine: {name}; the weights before issue 14 (1, 1, 0.5, 0, 0.1, 0.5): "
              f"{first_hit(chosen, (1.0, 1.0, 0.5, 0.0, 0.1, 0.5)):.3f}; the engine's {now}: {first_hit(chosen, now):.3f}")
        for hit, w in results[:5]:
            print(f"{hit:.3f}  " + " ".join(f"{k}={v}" for k, v in zip(grid, w)))
    baseline = first_hit(data, (1.0, 0.0, 0.0, 1e-3, 0.0, 0.0))
    print(f"terms alone (rank breaks ties): {baseline:.3f}")


if __name__ == "__main__":
    main()

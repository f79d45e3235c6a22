"""Measure answer quality: run a question set through Engine.ask and score ranking, highlight and abstention."""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from .answer_quality import Judged, format_kinds, judge, quality, turn_recall
from .benchmarks import Benchmark, Dialogue, Question, load_benchmark, write_corpus
from ..errors import BenchmarkError
from ..config import MAX_K_JSON, SETTINGS, Settings
from ..records import BuildReport

MODES = ("hybrid", "dense", "lexical")
CUTOFFS = (1, 5, 10)
# builds an eval's index: (engine, collection folders, warn) -> the build's report
Build = Callable[..., BuildReport]


@dataclass
class Scored:
    """How one question fared in one mode."""

    answerable: bool
    answered: bool
    took_ms: float
    ranks: list[int]  # 1-based document ranks of the relevant documents found in the top 10
    relevant: dict[str, int]
    grades: list[int]  # grade of each of the top 10 distinct documents (0 = not relevant)
    confidence: float  # the abstention signal the engine judged by
    highlight_hit: bool | None = None  # SQuAD: the top excerpt's highlight holds a gold answer
    # SQuAD, every answerable question: the first answer sentence / the first excerpt's highlight holds a gold answer
    answer_hit: bool | None = None
    first_highlight_hit: bool | None = None
    confidence_label: str = "none"
    judged: Judged | None = None  # the answer a reader sees, against the gold sentence and fact


def evaluate(inputs: list[Path], index: Path, source: list[Path] | None = None, split: str = "test", k: int = 10,
             limit: int | None = None, modes: tuple[str, ...] = ("hybrid",), settings: Settings = SETTINGS,
             embedder=None, progress: Callable[[str], None] | None = None, build: Build | None = None,
             answer_with: Callable[[Settings], object] | None = None) -> dict:
    """Build (or reuse) the index for the benchmark in `inputs`, ask every question in each mode, score it.

    `build(engine, folders, warn)` builds the index (default `engine.build`; `qa eval --ray` builds on a cluster).
    `answer_with(settings)` is the engine that answers in a mode (default: an Engine over `index`; the sharded
    service's in `benchmarks/eval_shards.py`).
    """
    from ..engine import Engine

    bench = load_benchmark(inputs, split)
    if not 1 <= k <= MAX_K_JSON:
        raise BenchmarkError(f"-k must be from 1 to {MAX_K_JSON}")
    questions = subset(bench.questions, limit) + bench.extra
    if not questions and not bench.dialogues:
        raise BenchmarkError("the evaluation input has no questions")
    engine = Engine(index, settings=settings, embedder=embedder, create=True)
    names, texts = _collection(bench, Path(index), source)
    # a benchmark's own corpus, plus any --source folders (e.g. SQuAD with the seed articles mixed in)
    folders = ([Path(index) / "corpus"] if names else []) + list(source or [])
    report = (build or default_build)(engine, folders, progress)
    if progress:
        progress(f"index: {report.summary()}")
    ids = {engine.doc_id(Path(index) / "corpus" / name, folders): doc for name, doc in names.items()}
    results = {}
    for mode in modes:
        tuned = replace(settings, retrieval=replace(settings.retrieval, mode=mode))
        run_engine = answer_with(tuned) if answer_with else Engine(index, settings=tuned, embedder=engine.embedder)
        scored = [score_question(run_engine, q, k, ids, texts, bench.kind) for q in questions]
        results[mode] = summarise(scored) if scored else {}
        if bench.dialogues:
            results[mode].update(followups(run_engine, bench.dialogues, k, ids, texts, bench.kind))
        if progress:
            progress(f"{mode}: " + ", ".join(f"{key} {value}" for key, value in results[mode].items()
                                             if key in ("nDCG@10", "recall@1")))
    return {"benchmark": bench.name, "kind": bench.kind, "questions": len(questions),
            "answerable": sum(q.answerable for q in questions), "k": k, "modes": results}


def default_build(engine, folders: list[Path], warn: Callable[[str], None] | None) -> BuildReport:
    return engine.build(folders, warn=warn)


def subset(questions: list[Question], limit: int | None) -> list[Question]:
    """`limit` questions spread evenly over the set (every article of SQuAD, not only the first)."""
    if not limit or limit >= len(questions):
        return list(questions)
    step = len(questions) / limit
    return [questions[int(i * step)] for i in range(limit)]


def _collection(bench: Benchmark, index: Path, source: list[Path] | None) -> tuple[dict, dict]:
    """Index file names -> benchmark ids, and benchmark ids -> text, for corpora that come with the input."""
    if bench.corpus is None:
        if not source:
            raise BenchmarkError("a JSONL question set needs --source DIR: the collection it asks about")
        return {}, {}
    return write_corpus(bench.corpus, index / "corpus"), bench.corpus


def followups(engine, dialogues: list[Dialogue], k: int, ids: dict[str, str], texts: dict[str, str],
              kind: str) -> dict:
    """recall@1 of every turn after the first, asked with the earlier questions of its dialogue and alone."""
    later = [(d.turns[:i], q) for d in dialogues for i, q in enumerate(d.turns) if i > 0]
    with_conv = [score_question(engine, q, k, ids, texts, kind, [p.text for p in before]) for before, q in later]
    alone = [score_question(engine, q, k, ids, texts, kind) for _, q in later]
    first = [score_question(engine, d.turns[0], k, ids, texts, kind) for d in dialogues]
    roles = turn_recall([q.kind for _, q in later], [1 in s.ranks for s in with_conv])
    return {**roles,"followup_turns": len(later),
            "followup_recall@1_with": _mean([1 in s.ranks for s in with_conv]),
            "followup_recall@1_without": _mean([1 in s.ranks for s in alone]),
            "dialogue_first_turn_recall@1": _mean([1 in s.ranks for s in first])}


def score_question(engine, q: Question, k: int, ids: dict[str, str], texts: dict[str, str], kind: str,
                   previous: list[str] | None = None) -> Scored:
    """Ask `q` (after the `previous` questions of its conversation) for enough excerpts to fill k distinct
    documents and score the document ranking."""
    answer = engine.ask(q.text, min(MAX_K_JSON, 3 * k), previous=previous or ())
    docs: list[str] = []
    for e in answer.excerpts:
        doc = _bench_id(e.citation.doc_id, ids, q.relevant)
        if q.must and doc in q.relevant and q.must not in e.text:
            doc = f"{doc}#without-phrase"  # the right article, but not the passage that says it
        if doc not in docs:
            docs.append(doc)
    grades = [q.relevant.get(d, 0) for d in docs[:k]]
    ranks = [r for r, g in enumerate(grades, start=1) if g > 0]
    hit = answer_hit = first_hit = None
    if kind == "squad" and docs and q.relevant.get(docs[0]) and docs[0] in texts:
        top = answer.excerpts[0]
        text = texts[docs[0]]
        hit = any(contains_answer(text[s:e], q.answers) for s, e in top.highlight)
    if kind == "squad" and q.answerable:
        answer_hit = bool(answer.answer) and contains_answer(answer.answer[0].text, q.answers)
        first_hit = bool(answer.excerpts) and _highlight_holds(answer.excerpts[0], q.answers)
    return Scored(q.answerable, answer.answered, answer.took_ms, ranks, q.relevant, grades,
                  answer.confidence_score, hit, answer_hit, first_hit, answer.confidence,
                  judge(answer, q, kind == "squad", 1 in ranks))


def _bench_id(doc_id: str, ids: dict[str, str], relevant: dict[str, int]) -> str:
    """The benchmark's id of an indexed document: a corpus file's, or a gold id that the index prefixes
    with its folder's name when there are several folders ("seeds/x.txt" for "x.txt")."""
    if doc_id in ids:
        return ids[doc_id]
    return next((gold for gold in relevant if doc_id.endswith("/" + gold)), doc_id)


def _highlight_holds(excerpt, answers: tuple[str, ...]) -> bool:
    base = excerpt.citation.start
    return any(contains_answer(excerpt.text[s - base:e - base], answers) for s, e in excerpt.highlight)


def contains_answer(sentence: str, answers: tuple[str, ...]) -> bool:
    flat = " ".join(sentence.split()).lower()
    return any(" ".join(a.split()).lower() in flat for a in answers if a.strip())


def ndcg(grades: list[int], relevant: dict[str, int], k: int = 10) -> float:
    """Normalised discounted cumulative gain of one ranking (grades of the ranked documents, best first)."""
    dcg = sum(g / math.log2(r + 1) for r, g in enumerate(grades[:k], start=1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(r + 1) for r, g in enumerate(ideal, start=1) if g > 0)
    return dcg / idcg if idcg else 0.0


def summarise(scored: list[Scored]) -> dict:
    """Averages over answerable questions; abstention rates over all; latency over all."""
    answerable = [s for s in scored if s.answerable]
    out: dict = {}
    for c in CUTOFFS:  # recall@c: the share of a question's relevant documents in its top c
        out[f"recall@{c}"] = _mean([sum(r <= c for r in s.ranks) / len(s.relevant) for s in answerable])
    out["MRR@10"] = _mean([1 / s.ranks[0] if s.ranks else 0.0 for s in answerable])
    out["nDCG@10"] = _mean([ndcg(s.grades, s.relevant) for s in answerable])
    hits = [s.highlight_hit for s in answerable if s.highlight_hit is not None]
    if hits:
        out["highlight_has_answer"] = _mean(hits)
        out["highlight_questions"] = len(hits)
    for name, field in (("answer_sentence_has_answer", "answer_hit"), ("first_highlight_has_answer", "first_highlight_hit")):
        flags = [getattr(s, field) for s in answerable if getattr(s, field) is not None]
        if flags:
            out[name] = _mean(flags)
    for label in ("high", "low", "none"):  # the confidence a reader sees, over answerable questions
        out[f"answerable_{label}"] = _mean([s.confidence_label == label for s in answerable])
    out.update(abstention(scored))
    out.update(quality([s.judged for s in scored], [s.confidence_label for s in scored],
                       [s.answerable for s in scored]))
    took = np.asarray([s.took_ms for s in scored])
    out["took_ms_p50"] = round(float(np.median(took)), 1)
    out["took_ms_p95"] = round(float(np.percentile(took, 95)), 1)
    return out


def abstention(scored: list[Scored]) -> dict:
    """Precision and recall of "no answer" (unanswerable is the positive class), and answered rate of the rest."""
    unanswerable = [s for s in scored if not s.answerable]
    if not unanswerable:
        return {}
    abstained = [s for s in scored if not s.answered]
    right = sum(not s.answerable for s in abstained)
    answerable = [s for s in scored if s.answerable]
    sweep = {f"{t:.3f}": [_mean([s.confidence < t for s in unanswerable]),
                          _mean([s.confidence >= t for s in answerable])] for t in np.arange(0.3, 0.75, 0.025)}
    return {
        "threshold_sweep": sweep,  # threshold -> [abstain recall, answered rate of answerable]
        "abstain_precision": round(right / len(abstained), 3) if abstained else 0.0,
        "abstain_recall": round(right / len(unanswerable), 3),
        "answered_rate_answerable": _mean([s.answered for s in answerable]) if answerable else None,
        "offtopic_none": _mean([s.confidence_label == "none" for s in unanswerable]),
    }


def _mean(values) -> float:
    values = list(values)
    return round(float(np.mean(values)), 3) if values else 0.0


def format_table(report: dict) -> str:
    """The results as a plain-text table, one column per mode."""
    modes = list(report["modes"])
    metrics = list(dict.fromkeys(m for mode in modes for m, v in report["modes"][mode].items()
                                 if not isinstance(v, dict)))
    width = max(len(m) for m in metrics) + 2
    lines = [f"{report['benchmark']}: {report['questions']} questions ({report['answerable']} answerable)",
             "metric".ljust(width) + "".join(m.rjust(10) for m in modes)]
    for metric in metrics:
        cells = [report["modes"][mode].get(metric) for mode in modes]
        lines.append(metric.ljust(width) + "".join(_cell(c).rjust(10) for c in cells))
    kinds = report["modes"][modes[0]].get("by_kind") if modes else None
    if kinds:  # what the reader sees, per kind of question, in the first mode
        lines += ["", f"per kind ({modes[0]}; answer = first answer sentence holds the gold):", format_kinds(kinds)]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)

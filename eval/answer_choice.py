"""The answer step's levers on the SQuAD tuning split: first answer sentence holds gold, and marked fact exact-match.

    heavy .venv/bin/python -m eval.answer_choice --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json \\
        --index /tmp/qa-squad --questions 600 [--relations] "relation=0.0" "phrase=0.5" ...

Tune split: SQuAD dev questions outside the evenly spaced 2,000 that `qa eval --limit 2000` reports (the same split
eval/answer_features.py and eval/confidence_features.py use). Each argument is a variant of config.AnswerSettings
("name=value,name=value"); the engine's own settings are always the first row. The index must be of SQuAD dev
(`qa eval` builds it).
"""
from __future__ import annotations

import argparse
import ast
from dataclasses import replace
from pathlib import Path

from qa.answering.relation import asked_relations
from qa.config import SETTINGS, AnswerSettings
from qa.engine import Engine
from qa.evaluation.answer_quality import judge, quality
from qa.evaluation.benchmarks import load_benchmark
from qa.evaluation.scoring import subset


def variant(spec: str) -> AnswerSettings:
    """config.AnswerSettings with the "name=value,..." of `spec` changed ("" is the engine's own)."""
    changes = {}
    for part in filter(None, spec.split(",")):
        name, value = part.split("=", 1)
        changes[name.strip()] = ast.literal_eval(value.strip())
    return replace(SETTINGS.answer, **changes)


def measure(engine: Engine, questions) -> dict:
    """first_sentence_right and fact_em (with how many questions asked for a fact) over `questions`."""
    judged, labels = [], []
    for q in questions:
        answer = engine.ask(q.text, 5)
        judged.append(judge(answer, q, squad=True, top1=False))
        labels.append(answer.confidence)
    out = quality(judged, labels, [True] * len(judged))
    return {key: out.get(key) for key in ("first_sentence_right", "fact_em", "fact_questions")}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--squad", type=Path, required=True)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--questions", type=int, default=600)
    ap.add_argument("--relations", action="store_true", help="only questions holding a negation or contrast")
    ap.add_argument("variants", nargs="*", help='config.AnswerSettings changes, e.g. "phrase=0.5,relation=0.2"')
    args = ap.parse_args()
    squad = load_benchmark([args.squad])
    reported = {q.qid for q in subset(squad.questions, 2000)}
    tune = subset([q for q in squad.questions if q.qid not in reported
                   and (not args.relations or asked_relations(q.text))], args.questions)
    engine = Engine(args.index)
    print(f"{len(tune)} tuning questions")
    for spec in ["", *args.variants]:
        engine.settings = replace(SETTINGS, answer=variant(spec))
        print(f"{spec or 'engine settings':45s} {measure(engine, tune)}", flush=True)


if __name__ == "__main__":
    main()

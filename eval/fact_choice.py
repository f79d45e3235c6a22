"""The marked fact on SQuAD dev's calibration split, rescored from a dump of the engine's answer sentences.

    heavy .venv/bin/python -m eval.fact_choice --squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json \\
        --index /tmp/qa-squad-seeds --dump /tmp/fact2-calibration.json          # ask once, dump, score
    .venv/bin/python -m eval.fact_choice --dump /tmp/fact2-calibration.json --misses 40   # rescore the dump

The split is the 1,500 questions eval/calibrate_confidence.py fits "high" on (outside the 2,000 `qa eval --limit
2000` reports). Each question is asked once as `qa eval` asks it (30 excerpts); its answer sentences, the question
as searched and the gold answers are dumped. Scoring runs `fact.mark` (the code as it is now) over the dumped
sentences, so a change to the fact chooser is measured without retrieval: fact exact-match over the questions
`qa eval` counts (those asking for a person, date or number by `answer.answer_type`), in all and per kind.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from eval.calibrate_confidence import calibration_split
from qa.answering import fact
from qa.config import SETTINGS
from qa.engine import Engine
from qa.evaluation.answer_quality import FACT_KINDS, normalise
from qa.evaluation.scoring import contains_answer
from qa.records import AnswerSentence

EXCERPTS = 30  # as `qa eval` asks each question (3 × its k of 10)
COUNTED = ("who", "when", "how-much")  # the kinds `qa eval`'s fact EM counts


def dump(index: Path, squad: Path, size: int) -> list[dict]:
    """One record per calibration question: the question, as searched, its gold answers and answer sentences."""
    engine = Engine(index)
    records = []
    for q in calibration_split(squad, size):
        got = engine.ask(q.text, EXCERPTS)
        records.append({"q": q.text, "searched": got.searched_for, "golds": list(q.answers),
                        "answered": got.answered, "kind": FACT_KINDS.get(Engine.asked_fact(q.text) or "", "other"),
                        "sentences": [[s.doc_id, s.start, s.end, s.text, s.metadata] for s in got.answer],
                        "fact": got.fact.text if got.fact else None})
    return records


def outcome(record: dict, marked: AnswerSentence | None) -> str:
    """Why the marked fact is or is not a gold answer: hit, no sentence, wrong sentence, no fact, other span."""
    golds = {normalise(g) for g in record["golds"]}
    if marked is not None and normalise(marked.text) in golds:
        return "hit"
    if not record["sentences"]:
        return "unanswered"
    if not contains_answer(record["sentences"][0][3], tuple(record["golds"])):
        return "wrong first sentence"
    if marked is None:
        return "no fact"
    text = normalise(marked.text)
    if any(text in g or g in text for g in golds):
        return "longer or shorter"
    return "another span"


def score(records: list[dict], tagger: fact.EntityTagger, misses: int = 0) -> dict:
    """Fact EM over the counted questions, in all and per kind, with the misses' causes and the ms `fact.mark`
    took a question (p50, p95; its model loaded first; on a shared machine these move with the load)."""
    by_kind, causes, shown, took = defaultdict(list), Counter(), 0, defaultdict(list)
    tagger.load()  # loading the model is not marking a fact
    for r in records:
        if r["kind"] not in COUNTED:
            continue
        sentences = [AnswerSentence(*s) for s in r["sentences"]]
        started = time.perf_counter()
        marked = fact.mark(r["q"], sentences, tagger, known=r["searched"]) if sentences else None
        took[r["kind"]].append((time.perf_counter() - started) * 1000)
        why = outcome(r, marked)
        by_kind[r["kind"]].append(why == "hit")
        causes[why] += 1
        if why in ("no fact", "longer or shorter", "another span") and shown < misses:
            shown += 1
            print(f"[{why}] {r['q']}\n    gold {r['golds'][:3]} marked {marked.text if marked else None!r}\n"
                  f"    {r['sentences'][0][3]}")
    every = [hit for hits in by_kind.values() for hit in hits]
    return {"fact_em": round(sum(every) / len(every), 3), "questions": len(every),
            **{k: round(sum(v) / len(v), 3) for k, v in sorted(by_kind.items())}, "causes": dict(causes),
            "mark_ms_p50_p95": {k: [round(float(np.percentile(v, q)), 2) for q in (50, 95)] for k, v in took.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--squad", type=Path, help="SQuAD dev; with --index, ask the split and (re)write --dump")
    ap.add_argument("--index", type=Path, help="the index `make eval` builds of SQuAD dev with the seed articles")
    ap.add_argument("--dump", type=Path, required=True)
    ap.add_argument("--questions", type=int, default=1500, help="the size of the calibration split")
    ap.add_argument("--misses", type=int, default=0, help="print this many misses in a right first sentence")
    args = ap.parse_args()
    if args.squad and args.index:
        args.dump.write_text(json.dumps(dump(args.index, args.squad, args.questions)))
    records = json.loads(args.dump.read_text())
    print(json.dumps(score(records, fact.EntityTagger(SETTINGS.answer), args.misses)))


if __name__ == "__main__":
    main()

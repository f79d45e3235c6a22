"""Two levers of the marked fact tried and dropped, rescored over eval/fact_choice.py's dump (docs/quality.md).

    .venv/bin/python -m eval.fact_levers --dump /tmp/fact2-calibration.json --lever between
    .venv/bin/python -m eval.fact_levers --dump /tmp/fact2-calibration.json --lever verb

between: a question word counts for a candidate only when no other candidate sits between them.
verb: a figure or date governed (within --hops parse hops) by a verb the question names ranks as the subject of
the verb asked about does for "who" (FactSpan.acts). Each patches `qa.answering.fact` in this process only.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from eval.fact_choice import score
from qa.answering import fact
from qa.answering.fact import FactSpan, candidates
from qa.answering.fact_context import names, question_stems
from qa.config import SETTINGS
from qa.records import AnswerSentence
from qa.text import STOPWORDS, stems

WORD = re.compile(r"\w+")  # as fact_context counts words


def closeness_unblocked(asked: set[str], sentence: AnswerSentence, start: int, end: int,
                        others: list[tuple[int, int]]) -> float:
    """fact_context.closeness, skipping a question word with another candidate between it and the span."""
    words = [(m.start() + sentence.start, m.end() + sentence.start, set(stems(m.group())) & asked)
             for m in WORD.finditer(sentence.text) if m.group().lower() not in STOPWORDS]
    nearest: dict[str, float] = {}
    for w_start, w_end, matched in words:
        if not matched or (w_start < end and w_end > start):
            continue
        low, high = (end, w_start) if w_start >= end else (w_end, start)
        if any(low <= o_start and o_end <= high for o_start, o_end in others):
            continue
        between = sum(1 for s, e, _ in words if (end <= s and e <= w_start) or (w_end <= s and e <= start))
        for stem in matched:
            nearest[stem] = max(nearest.get(stem, 0.0), 1 / (1 + between))
    return sum(nearest.values())


def lever_between() -> None:
    plain_best, plain_closeness = fact.best, fact.closeness

    def best(question, kind, sentence, found):
        spans = [(f.start, f.end) for f in found if f.text]
        fact.closeness = lambda asked, s, start, end: closeness_unblocked(
            asked, s, start, end, [(a, b) for a, b in spans if not (a < end and b > start)])
        try:
            return plain_best(question, kind, sentence, found)
        finally:
            fact.closeness = plain_closeness

    fact.best = best


def lever_verb(hops: int) -> None:
    plain_found_in = fact.found_in

    def governed(asked, doc, sentence, start, end) -> bool:
        span = doc.char_span(start - sentence.start, end - sentence.start, alignment_mode="expand")
        token = span.root if span is not None else None
        for _ in range(hops if token is not None else 0):
            if token.head is token:
                return False
            token = token.head
            if token.pos_ in ("VERB", "AUX") or token.dep_ == "ROOT":
                return names(asked, token)
        return False

    def found_in(question, known, kind, sentence, tagger):
        if kind in ("person", "organisation"):
            return plain_found_in(question, known, kind, sentence, tagger)
        doc, asked = tagger.parsed(sentence.text), question_stems(question)
        entities = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        return [FactSpan(f.start, f.end, f.text, f.preference, governed(asked, doc, sentence, f.start, f.end))
                for f in candidates(kind, sentence, entities)]

    fact.found_in = found_in


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dump", type=Path, required=True, help="eval/fact_choice.py's dump of the calibration split")
    ap.add_argument("--lever", choices=("none", "between", "verb"), default="none")
    ap.add_argument("--hops", type=int, default=3)
    args = ap.parse_args()
    if args.lever == "between":
        lever_between()
    elif args.lever == "verb":
        lever_verb(args.hops)
    records = json.loads(args.dump.read_text())
    print(args.lever, json.dumps(score(records, fact.EntityTagger(SETTINGS.answer))))


if __name__ == "__main__":
    main()

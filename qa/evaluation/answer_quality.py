"""Score what a reader sees (issue 23): the first answer sentence, the marked fact, the label, per question kind."""
from __future__ import annotations

import re
import string
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from ..engine import Engine

# SQuAD kinds whose answer is a fact a span can mark (a person or organisation, a date, a number or amount)
FACT_KINDS = {"name": "who", "date": "when", "number": "how-much", "place": "where"}
_ARTICLES = re.compile(r"\b(a|an|the)\b")


@dataclass(frozen=True)
class Judged:
    """How the answer a reader sees fared on one question."""

    kind: str  # the question's kind (held-out label, or for SQuAD the fact it asks for, else "other")
    right: bool | None  # the first answer sentence holds the gold (`must`, or a SQuAD answer); None: no gold
    fact_hit: bool | None  # the marked fact equals the gold fact (SQuAD normalisation); None: no fact asked
    top1: bool  # the right document came first
    text: str = ""
    same_as: str | None = None


def normalise(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(c for c in text.lower() if c not in set(string.punctuation))
    return " ".join(_ARTICLES.sub(" ", text).split())


def holds(sentence: str, phrases: tuple[str, ...]) -> bool:
    """Whether `sentence` contains one of `phrases` (case and runs of whitespace ignored)."""
    flat = " ".join(sentence.split()).lower()
    return any(" ".join(p.split()).lower() in flat for p in phrases if p.strip())


def judge(answer, q, squad: bool, top1: bool) -> Judged:
    """Score one answer: its first sentence against the gold, and its marked fact (if any) against the fact."""
    first = answer.answer[0].text if answer.answer else ""
    fact = getattr(answer, "fact", None)  # the marked fact, once the engine marks one (issue 23 item 1)
    fact_text = getattr(fact, "text", None) if fact is not None else None
    if squad:
        kind = FACT_KINDS.get(Engine.asked_fact(q.text) or "", "other")
        golds, gold_facts = q.answers, (q.answers if kind != "other" and kind != "where" else ())
    else:
        kind = q.kind or "other"
        golds, gold_facts = tuple(x for x in (q.must,) if x), tuple(x for x in (q.fact,) if x)
    right = holds(first, golds) if golds and q.answerable else None
    fact_hit = None
    if gold_facts and q.answerable:
        fact_hit = fact_text is not None and normalise(fact_text) in {normalise(g) for g in gold_facts}
    return Judged(kind, right, fact_hit, top1, q.text, q.same_as)


def quality(judged: list[Judged], labels: list[str], answerable: list[bool]) -> dict:
    """The reader-facing figures over a question set: first sentence right, fact EM, "high" precision and
    coverage, "low" precision, misspelled vs spelled-right recall@1, and the same figures per kind."""
    pairs = [(j, label) for j, label, ok in zip(judged, labels, answerable) if ok and j.right is not None]
    out: dict = {}
    if pairs:
        out["first_sentence_right"] = _mean([j.right for j, _ in pairs])
        high = [j.right for j, label in pairs if label == "high"]
        low = [j.right for j, label in pairs if label == "low"]
        out["high_precision"] = _mean(high) if high else None
        out["high_coverage"] = _mean([label == "high" for _, label in pairs])
        out["low_precision"] = _mean(low) if low else None
        out["low_coverage"] = _mean([label == "low" for _, label in pairs])
    facts = [j.fact_hit for j in judged if j.fact_hit is not None]
    if facts:
        out["fact_em"] = _mean(facts)
        out["fact_questions"] = len(facts)
    bylines = [j.right for j in judged if j.kind == "byline" and j.right is not None]
    if bylines:
        out["byline_answered"] = _mean(bylines)
    misspelled = [j for j in judged if j.same_as]
    if misspelled:
        by_text = {j.text: j for j in judged if not j.same_as}
        spelled = [by_text[j.same_as] for j in misspelled if j.same_as in by_text]
        out["misspelled_recall@1"] = _mean([j.top1 for j in misspelled])
        out["spelled_right_recall@1"] = _mean([j.top1 for j in spelled]) if spelled else None
    out["by_kind"] = by_kind(judged, labels, answerable)
    return out


def by_kind(judged: list[Judged], labels: list[str], answerable: list[bool]) -> dict:
    """Per question kind: count, recall@1, first sentence right, fact EM, share at "high", share at "none"."""
    groups: dict[str, list[tuple[Judged, str]]] = defaultdict(list)
    for j, label, ok in zip(judged, labels, answerable):
        if ok:
            groups[j.kind].append((j, label))
    table = {}
    for kind, rows in sorted(groups.items()):
        rights = [j.right for j, _ in rows if j.right is not None]
        facts = [j.fact_hit for j, _ in rows if j.fact_hit is not None]
        table[kind] = {"n": len(rows), "recall@1": _mean([j.top1 for j, _ in rows]),
                       "answer": _mean(rights) if rights else None, "fact": _mean(facts) if facts else None,
                       "high": _mean([label == "high" for _, label in rows]),
                       "none": _mean([label == "none" for _, label in rows])}
    return table


def turn_recall(kinds: list[str | None], top1: list[bool]) -> dict:
    """recall@1 of dialogue turns (asked with their conversation) by role: follow-up and topic-shift."""
    out = {}
    for role, name in (("follow-up", "followup_recall@1"), ("topic-shift", "topic_shift_recall@1")):
        flags = [hit for kind, hit in zip(kinds, top1) if kind == role]
        if flags:
            out[name] = _mean(flags)
            out[f"{name}_turns"] = len(flags)
    return out


def format_kinds(table: dict) -> str:
    """The per-kind figures as a plain-text table."""
    columns = ("n", "recall@1", "answer", "fact", "high", "none")
    width = max([len(k) for k in table] + [4]) + 2
    lines = ["kind".ljust(width) + "".join(c.rjust(10) for c in columns)]
    for kind, row in table.items():
        cells = ["-" if row[c] is None else (str(row[c]) if c == "n" else f"{row[c]:.3f}") for c in columns]
        lines.append(kind.ljust(width) + "".join(cell.rjust(10) for cell in cells))
    return "\n".join(lines)


def _mean(values) -> float:
    values = list(values)
    return round(float(np.mean(values)), 3) if values else 0.0

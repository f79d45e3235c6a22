"""Near-domain unanswerable questions for the "high" fit: SQuAD questions asked with their own paragraph removed.

A question about an article the collection holds, but whose answer it does not hold ("How much is the museum's
director paid?" over a story that names him), finds the right article, often a sentence naming what it asks
about, and looked sure to a fit on answerable questions alone: on the development news set 9 of 25 unanswerable
questions were "high". SQuAD gives such questions for free: remove a question's paragraph from the index and ask
it; its article's other paragraphs stay, on the same topic and with the same names. Their rows join the
calibration rows (eval/calibrate_confidence.py), so "high" is fitted against answers that only look right.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from qa.engine import Engine
from qa.evaluation.benchmarks import Question, file_name, load_benchmark
from qa.evaluation.scoring import subset


def split(squad: Path, size: int, taken: set[str]) -> list[Question]:
    """`size` SQuAD dev questions outside `taken` (the reported and the calibration questions), spread evenly over
    the set, one a paragraph (so each removed paragraph costs the index one question's answer only)."""
    chosen: list[Question] = []
    paragraphs: set[str] = set()
    rest = [q for q in load_benchmark([squad]).questions if q.qid not in taken]
    for q in subset(rest, min(len(rest), size * 3)):
        paragraph = next(iter(q.relevant))
        if paragraph not in paragraphs:
            paragraphs.add(paragraph)
            chosen.append(q)
        if len(chosen) == size:
            break
    return chosen


def index_without(index: Path, questions: list[Question], workdir: Path, sources: list[Path]) -> Engine:
    """A copy of `index` (an index `qa eval` built of SQuAD dev, its corpus in `index/corpus`, plus `sources`)
    in `workdir`, with the questions' paragraphs removed and the copy rebuilt (no passage is embedded again).
    `index` itself is only read."""
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(index, workdir, ignore=shutil.ignore_patterns(".build.lock", "*.tmp*"))
    for q in questions:
        (workdir / "corpus" / file_name(next(iter(q.relevant)))).unlink(missing_ok=True)
    engine = Engine(workdir)
    engine.build([workdir / "corpus", *sources])
    return engine

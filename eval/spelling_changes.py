"""Which questions of a benchmark the spelling step changes, and what it costs, without the model.

    .venv/bin/python -m eval.spelling_changes scifact ../shared/benchmarks/scifact
    .venv/bin/python -m eval.spelling_changes squad ../shared/benchmarks/squad/dev-v1.1.rebuilt.json

Fits the words and the BM25 stems of the collection as a build would (SciFact: title and abstract; SQuAD: the
paragraphs plus seeds/), corrects every question (SciFact: the test claims) and prints how many change with a
sample of the corrections, the mean time of `Speller.correct` and the time to make the symspellpy dictionary.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from qa.answering.spelling import Speller
from qa.config import SETTINGS
from qa.index.lexical import BM25
from qa.index.vocabulary import Vocabulary


def scifact(folder: Path) -> tuple[list[str], list[str]]:
    texts = [(d.get("title", "") + "\n" + d["text"]) for d in map(json.loads, open(folder / "corpus.jsonl"))]
    tested = {line.split("\t")[0] for line in (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]}
    claims = [q["text"] for q in map(json.loads, open(folder / "queries.jsonl")) if q["_id"] in tested]
    return texts, claims


def squad(path: Path) -> tuple[list[str], list[str]]:
    data = json.loads(path.read_text())["data"]
    texts = [p["context"] for a in data for p in a["paragraphs"]]
    texts += [f.read_text(encoding="utf-8") for f in sorted(Path("seeds").iterdir())]
    return texts, [q["question"] for a in data for p in a["paragraphs"] for q in p["qas"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("scifact", "squad"))
    parser.add_argument("path", type=Path)
    args = parser.parse_args()
    texts, questions = (scifact if args.kind == "scifact" else squad)(args.path)
    ids = list(range(len(texts)))
    words = Vocabulary.fit(ids, texts)
    speller = Speller(words, SETTINGS.retrieval.spelling_edits_from, BM25.fit(ids, texts).idf_function())
    started = time.perf_counter()
    speller.prepare()
    made = time.perf_counter() - started
    started = time.perf_counter()
    changed = [(q, c) for q in questions for _, c in [speller.correct(q)] if c]
    per_question = (time.perf_counter() - started) / len(questions) * 1000
    print(f"{len(changed)} of {len(questions)} questions changed")
    for _, corrections in changed[::max(1, len(changed) // 25)]:
        print("  " + ", ".join(f"{c.typed} -> {c.searched}" for c in corrections))
    print(f"correct(): {per_question:.3f} ms a question; dictionary of {len(words.counts):,} words made in {made:.1f} s")


if __name__ == "__main__":
    main()

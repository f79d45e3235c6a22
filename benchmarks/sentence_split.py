"""Milliseconds a line for blingfire's own sentence wrapper and for qa.text.blingfire_sentences, on SciFact lines.

Run: .venv/bin/python benchmarks/sentence_split.py [CORPUS.jsonl]   (default ../shared/benchmarks/scifact/corpus.jsonl)
Also counts the lines whose offsets differ (tests/test_chunker.py checks the same on the seeds).
"""
import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
import blingfire  # noqa: E402

from qa.text import blingfire_sentences  # noqa: E402

CORPUS = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared", "benchmarks", "scifact", "corpus.jsonl")
lines = []
with open(CORPUS, encoding="utf-8") as fh:
    for row in fh:
        doc = json.loads(row)
        lines += [line for line in (doc["title"] + "\n" + doc["text"]).split("\n") if line.strip()]
differ = sum(blingfire_sentences(line) != [tuple(o) for o in blingfire.text_to_sentences_and_offsets(line)[1]]
             for line in lines)
print(f"{len(lines)} lines, {sum(len(line.encode()) != len(line) for line in lines)} not ASCII, {differ} differ")
for name, split in (("blingfire.text_to_sentences_and_offsets", blingfire.text_to_sentences_and_offsets),
                    ("qa.text.blingfire_sentences", blingfire_sentences)):
    started = time.perf_counter()
    for line in lines[:3000]:
        split(line)
    print(f"{name}: {(time.perf_counter() - started) * 1000 / min(3000, len(lines)):.3f} ms a line")
print("load", os.getloadavg()[0])

"""Where `Engine.ask` spends its time: each stage's share from the code's timing points, over real questions.

    .venv/bin/python -m benchmarks.ask_profile --index /tmp/qa-speed/full/index-100000 [--questions 300]

Needs an index (make bench leaves one of 100k passages in /tmp/qa-speed/full/index-100000). Prints ms per ask
and stage (exclusive: a stage's time less that of the stages inside it; qa/timing.py), took_ms p50 / p95, and
p50 / p95 with the highlight's tie-break embedding off.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

from qa import timing
from qa.config import SETTINGS
from qa.engine import Engine


def p50_p95(engine: Engine, questions: list[str]) -> tuple[float, float]:
    took = sorted(engine.ask(q).took_ms for q in questions)
    return statistics.median(took), took[int(0.95 * (len(took) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/qa-speed/full/index-100000"))
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared/benchmarks")
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    lines = (args.data / "scifact/queries.jsonl").read_text().splitlines()
    questions = [json.loads(line)["text"] for line in lines[: args.questions]]
    engine = Engine(args.index)
    engine.warm_up()
    for q in questions[:20]:
        engine.ask(q)
    with timing.recording() as times:
        started = time.perf_counter()
        for q in questions:
            engine.ask(q)
        total = time.perf_counter() - started
    print(f"{engine.store.passage_count()} passages, {len(questions)} SciFact claims; ms per ask and stage:")
    for name, seconds in sorted(times.seconds.items(), key=lambda kv: -kv[1]):
        print(f"  {name:45s} {seconds * 1000 / len(questions):6.2f}  ({times.calls[name]} calls)")
    other = (total - sum(times.seconds.values())) * 1000 / len(questions)
    print(f"  {'other (checks, follow-ups, records)':45s} {other:6.2f}")
    print("took_ms p50 / p95: %.1f / %.1f" % p50_p95(engine, questions))
    untied = replace(SETTINGS, retrieval=replace(SETTINGS.retrieval, highlight_embed_depth=0))
    plain = Engine(args.index, settings=untied, embedder=engine.embedder)
    print("took_ms p50 / p95 without the highlight's tie-break embedding: %.1f / %.1f" % p50_p95(plain, questions))


if __name__ == "__main__":
    main()

"""Where `Engine.ask` spends its time: cProfile over real questions, and p50 with the highlight tie-break off.

    .venv/bin/python benchmarks/ask_profile.py --index /tmp/qa-speed/full/index-100000 [--questions 300]

Needs an index (make bench leaves one of 100k passages in /tmp/qa-speed/full/index-100000).
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
from pathlib import Path

from qa.answering import excerpts
from qa.engine import Engine

PHASES = {  # function name in the profile -> what it is
    "embed_query": "question embedding",
    "highlight_all": "highlight (with tie-break embedding)",
    "_dense": "vector search",
    "search": "BM25 search (lexical.py)",
    "confidence": "confidence",
    "passages": "passage fetch (SQLite)",
    "select": "near-duplicate selection",
}


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
    profile = cProfile.Profile()
    profile.enable()
    for q in questions:
        engine.ask(q)
    profile.disable()
    stats = pstats.Stats(profile).stats
    print(f"{engine.store.passage_count()} passages, {len(questions)} SciFact claims; ms per ask (cumulative, profiled):")
    for (path, _, name), (calls, _, _, cumulative, _) in sorted(stats.items(), key=lambda kv: -kv[1][3]):
        if name in PHASES and "qa/" in path:
            print(f"  {PHASES[name]:40s} {cumulative * 1000 / len(questions):6.2f}  ({calls} calls)")
    print("took_ms p50 / p95: %.1f / %.1f" % p50_p95(engine, questions))
    full = excerpts.highlight_all
    excerpts.highlight_all = lambda q, chosen, idf, embed, qv, depth: full(q, chosen, idf, None, qv, depth)
    print("took_ms p50 / p95 without the highlight's tie-break embedding: %.1f / %.1f" % p50_p95(engine, questions))


if __name__ == "__main__":
    main()

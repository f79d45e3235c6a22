"""took_ms with and without the spelling step, interleaved on one index: the difference is the step's cost.

    .venv/bin/python -m benchmarks.spelling_cost --index /tmp/spell-heldout --questions eval/heldout/questions.jsonl
"""
from __future__ import annotations

import argparse
import json
import statistics

from qa.engine import Engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--questions", required=True, help="a JSONL question set")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    engine = Engine(args.index)
    questions = [json.loads(line)["question"] for line in open(args.questions) if line.strip()]
    engine.warm_up()
    took: dict[str, list[float]] = {"spelling on": [], "as typed": []}
    for _ in range(args.rounds):
        for q in questions:
            took["spelling on"].append(engine.ask(q, args.k).took_ms)
            took["as typed"].append(engine.ask(q, args.k, as_typed=True).took_ms)
    for name, values in took.items():
        values.sort()
        print(f"{name}: took_ms p50 {statistics.median(values):.2f}, p95 {values[int(0.95 * len(values))]:.2f} "
              f"over {len(values)} asks")


if __name__ == "__main__":
    main()

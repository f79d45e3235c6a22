"""Questions asked within a one-article filter: answered when the article answers them, "none" when off-topic.

    .venv/bin/python -m eval.filtered --index /tmp/dialog-filt

Indexes seeds/, tests/data/trust/ and eval/dev/articles/ (the first run, into --index/articles and --index/index),
asks each question of eval/filtered_dev.jsonl with only its article allowed, and every question of
eval/offtopic.jsonl with each of those articles allowed in turn. Prints how many are answered, and how many
answers' first sentence holds the row's `must`.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from qa.engine import Engine
from qa.records import Filters

FOLDERS = (Path("seeds"), Path("tests/data/trust"), Path("eval/dev/articles"))


def engine_over(base: Path) -> Engine:
    """An engine over a copy of FOLDERS' articles in one folder (built on the first run)."""
    articles, index = base / "articles", base / "index"
    if not index.exists():
        articles.mkdir(parents=True, exist_ok=True)
        for folder in FOLDERS:
            for article in folder.iterdir():
                shutil.copy(article, articles / article.name)
        Engine(index, create=True).build([articles])
    return Engine(index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="a folder for the articles and their index")
    parser.add_argument("--questions", type=Path, default=Path("eval/filtered_dev.jsonl"))
    parser.add_argument("--offtopic", type=Path, default=Path("eval/offtopic.jsonl"))
    args = parser.parse_args()
    engine = engine_over(args.index)
    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    off = [json.loads(line)["question"] for line in args.offtopic.read_text().splitlines() if line.strip()]
    answered = right = 0
    for row in rows:
        got = engine.ask(row["question"], 5, filters=Filters(doc_ids=(row["doc_id"],)))
        answered += got.answered
        right += bool(got.answer) and row["must"] in got.answer[0].text
        print(f"{got.confidence:5} {'right' if got.answer and row['must'] in got.answer[0].text else '-':5} "
              f"{row['doc_id']}: {row['question']}")
    docs = sorted({row["doc_id"] for row in rows})
    escaped = sum(engine.ask(q, 5, filters=Filters(doc_ids=(d,))).answered for d in docs for q in off)
    print(f"in-filter questions answered {answered}/{len(rows)}, first sentence holds `must` {right}/{len(rows)}")
    print(f"off-topic questions answered within one article {escaped}/{len(off) * len(docs)}")


if __name__ == "__main__":
    main()

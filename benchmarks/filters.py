"""Filter benchmark: `ask` latency at ~100k passages without a filter, within ~10% and ~1% of the dates, in one article.

    .venv/bin/python -m benchmarks.filters [--data ../shared/benchmarks] [--workdir /tmp/filters-100k] [--size 100000]

The collection is benchmarks/speed.py's (SciFact abstracts and SQuAD paragraphs as article files, copied
under new names up to the size; the index is kept in --workdir and reused). Those articles carry no date,
so each is given one here, spread evenly over ten years by a hash of its id, straight into the index's
documents table (dates enter only the filter: passages, vectors and search files are untouched). Also
timed: grouping (syndication) of every article, as a build that changes anything does it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import sqlite3
import time
from pathlib import Path

import numpy as np

from benchmarks import speedlib as lib
from benchmarks.speed import print_table  # the same table as `make bench`
from qa.index import story_groups, syndication
from qa.config import SETTINGS
from qa.embed.embedder import Embedder
from qa.engine import Engine
from qa.records import Filters

FIRST_DAY = dt.date(2015, 1, 1)
DAYS = 3650


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=lib.ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/filters-100k"))
    parser.add_argument("--size", type=int, default=100_000, help="passages in the index (default 100000)")
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores: above ~1 means shared CPU)", flush=True)
    corpus = lib.load_corpus(args.data, args.questions)
    embedder = Embedder(SETTINGS)
    index_dir = build(corpus, args.size, args.workdir, embedder)
    date_articles(index_dir)
    engine = Engine(index_dir, embedder=embedder)
    engine.warm_up()
    rows = [("passages / articles", f"{engine.store.passage_count()} / {len(engine.documents())}", "")]
    rows += latencies(engine, corpus.questions)
    rows += grouping(engine)
    rows.append(("load average at end", f"{os.getloadavg()[0]:.2f}", ""))
    print_table(rows)


def build(corpus: lib.Corpus, size: int, work: Path, embedder: Embedder) -> Path:
    source, index_dir = work / "src", work / "index"
    work.mkdir(parents=True, exist_ok=True)  # the passage-count cache is written there first
    counts = lib.passage_counts(corpus, work / "counts.json", embedder.wordpieces)
    lib.write_sources(corpus, lib.plan(counts, size), source)
    started = time.perf_counter()
    report = Engine(index_dir, embedder=embedder, create=True).build([source])
    print(f"build: {report.summary()} ({time.perf_counter() - started:.1f} s)", flush=True)
    return index_dir


def date_of(doc_id: str) -> str:
    """A date spread evenly over DAYS days, fixed by the article's id."""
    day = int.from_bytes(hashlib.sha256(doc_id.encode()).digest()[:4], "big") % DAYS
    return (FIRST_DAY + dt.timedelta(days=day)).isoformat()


def date_articles(index_dir: Path) -> None:
    with sqlite3.connect(index_dir / "qa.sqlite") as db:
        ids = [r[0] for r in db.execute("SELECT doc_id FROM documents")]
        db.executemany("UPDATE documents SET date = ? WHERE doc_id = ?", [(date_of(d), d) for d in ids])


def latencies(engine: Engine, questions: list[str]) -> list[tuple]:
    docs = engine.documents()
    one = max(docs, key=lambda d: d[1])[0].doc_id  # the article with the most passages
    year = FIRST_DAY.replace(year=FIRST_DAY.year + 4)
    cases = [("no filter", None),
             ("dates, 1 year of 10 (~10%)", Filters(since=year.isoformat(),
                                                    until=(year + dt.timedelta(days=364)).isoformat())),
             ("dates, 5 weeks of 10 years (~1%)", Filters(since=year.isoformat(),
                                                          until=(year + dt.timedelta(days=36)).isoformat())),
             (f"one article ({max(d[1] for d in docs)} passages)", Filters(doc_ids=(one,)))]
    rows = []
    loaded = engine.loaded()
    for name, filters in cases:
        allowed = loaded.catalog.allowed(filters)
        share = "all" if allowed is None else f"{len(allowed)} passages"
        took, short = [], 0
        for q in questions:
            answer = engine.ask(q, filters=filters)
            took.append(answer.took_ms)
            short += len(answer.excerpts) < SETTINGS.retrieval.k
        p50, p95 = lib.percentiles(took)
        print(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
        rows.append((f"ask took_ms p50 / p95, {name}: {share}", f"{p50:.1f} / {p95:.1f} ms",
                     f"answers with < {SETTINGS.retrieval.k} excerpts: {short}/{len(questions)}"))
    started = time.perf_counter()
    for _ in range(20):
        loaded.catalog.allowed(cases[1][1])
    rows.append(("resolving the ~10% date filter to passage ids", f"{(time.perf_counter() - started) * 50:.2f} ms",
                 ""))
    return rows


def grouping(engine: Engine) -> list[tuple]:
    """Hashing articles and grouping them all, as a build does (every copy of an article groups with it)."""
    docs = [d.doc_id for d, _ in engine.documents()][:2000]
    started = time.perf_counter()
    for doc_id in docs:
        syndication.signature(engine.document(doc_id).text, SETTINGS.groups)
    per_article = (time.perf_counter() - started) * 1000 / len(docs)
    signatures = {d: s for d, (_, s) in story_groups.signatures(engine.store).items()}
    started = time.perf_counter()
    groups = syndication.group(signatures, SETTINGS.groups)
    took = time.perf_counter() - started
    started = time.perf_counter()
    try:
        with engine.store.transaction():  # what every build that changes something adds; rolled back
            syndication.update(engine.store, [], SETTINGS.groups)
            step = time.perf_counter() - started
            raise _RollBack
    except _RollBack:
        pass
    return [("MinHash signature of one article (read + hash)", f"{per_article:.2f} ms", ""),
            (f"grouping all {len(signatures)} articles (LSH)", f"{took:.2f} s, {len(groups)} groups", ""),
            ("the grouping step of a build (read signatures, group, write groups)", f"{step:.2f} s", "")]


class _RollBack(Exception):
    """Leaves the benchmark's index as it was."""


if __name__ == "__main__":
    np.random.seed(0)
    main()

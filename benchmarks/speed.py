"""Speed benchmark (`make bench`): real text first (benchmarks/realtext.py: SciFact build against raw fp32, SciFact
and SQuAD ask latency per stage), then build throughput, query latency at 1k/10k/100k passages (mixed questions and
SciFact claims), updates, memory, start-up.

    .venv/bin/python -m benchmarks.speed [--data ../shared/benchmarks] [--workdir /tmp/qa-speed] [--quick]
                                         [--docs 1500] [--real-only]

Real text: SciFact abstracts and SQuAD paragraphs as article files, copied under new names to reach the
larger sizes (the embedding cache makes copies free, so only the ~14k unique passages are ever embedded,
once: indexes are kept in --workdir and reused by the next run). Real questions: SciFact claims and
SQuAD questions. Timings depend on machine load: the load average is printed with the results.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks import realtext
from benchmarks import speedlib as lib
from qa.ingest.chunker import Chunker, count_tokens
from qa.config import SETTINGS
from qa.embed.embedder import Embedder
from qa.engine import Engine
from qa.records import Document
from qa.index.vector_index import is_ivf, set_probes

QA = str(Path(sys.executable).parent / "qa")
ADDED = lib.ROOT / "seeds" / "002_b36ef5ac26814476.txt"  # a real news article none of the corpora contain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=lib.ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qa-speed"))
    parser.add_argument("--quick", action="store_true", help="small sizes and few questions: a smoke run")
    parser.add_argument("--throughput-docs", type=int, default=0, help="articles in the build-throughput run "
                        "(default 1200, ~3k passages; 100 with --quick)")
    parser.add_argument("--docs", type=int, help="SciFact abstracts in the real-text build run (default 1500)")
    parser.add_argument("--real-only", action="store_true", help="only the real-text part (benchmarks/realtext.py)")
    args = parser.parse_args()
    real = realtext.real_text(args.data, args.workdir / "realtext", args.docs or (150 if args.quick else 1500),
                              40 if args.quick else 300, args.quick)
    if args.real_only:
        return print_table(real)
    claims = [q for q in realtext.scifact_claims(args.data)][: 40 if args.quick else 300]
    sizes = [300, 1000, 3000] if args.quick else [1000, 10_000, 100_000]
    throughput_docs = args.throughput_docs or (100 if args.quick else 1200)
    corpus = lib.load_corpus(args.data, 60 if args.quick else 400)
    work = args.workdir / ("quick" if args.quick else "full")
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores: above ~1 means shared CPU)", flush=True)
    embedder = Embedder(SETTINGS)
    embedder.embed(["warm up"])
    rows: list[tuple[str, str, str]] = [*real, ("embedding backend", embedder.backend, "")]
    rows += throughput(embedder, corpus, throughput_docs, work / "throughput")
    counts = lib.passage_counts(corpus, work / "counts.json", embedder.wordpieces)
    indexes = {}
    for size in sorted(sizes, reverse=True):  # the largest first: it embeds every unique text once
        donors = [indexes[max(sizes)][0]] if max(sizes) in indexes else realtext.full_indexes(args.workdir / "realtext")
        indexes[size] = prepare(corpus, counts, size, work, embedder, donors)
    for size in sizes:
        rows += latency(indexes[size][0], size, corpus.questions, embedder)
        rows += latency(indexes[size][0], size, claims, embedder, "SciFact claims, k=10", k=10)
    big_index, big_source = indexes[max(sizes)]
    rows += ann_recall(big_index, corpus.questions, embedder)
    rows += updates(big_index, big_source, embedder)
    rows += processes(big_index, big_source, indexes[min(sizes)][0], corpus.questions[0])
    rows.append(("load average at end", f"{os.getloadavg()[0]:.2f}", ""))
    print_table(rows)


def throughput(embedder: Embedder, corpus: lib.Corpus, n_docs: int, index_dir: Path, groups: int = 6) -> list[tuple]:
    """Raw encoding and building of the same passages, interleaved group by group so that a change in
    machine load during the run hits both alike: for each group, encode its passages, then build them in."""
    source = index_dir.parent / "throughput-src"
    shutil.rmtree(index_dir, ignore_errors=True)
    shutil.rmtree(source, ignore_errors=True)
    chunker = Chunker(SETTINGS.chunk, embedder.wordpieces)
    engine = Engine(index_dir, embedder=embedder, create=True)
    seen: set[str] = set()
    raw_s = build_s = 0.0
    embedded = tokens = 0
    for g in range(groups):
        chosen = range(g * n_docs // groups, (g + 1) * n_docs // groups)
        texts = [p.text for i in chosen for p in chunker.split(Document(*corpus.docs[i], ""))]
        texts = [t for t in dict.fromkeys(texts) if t not in seen]
        seen.update(texts)
        tokens += sum(count_tokens(t) for t in texts)
        embedder.tokens.forget()  # the raw run tokenises for itself, as a plain encode would
        started = time.perf_counter()
        for i in range(0, len(texts), SETTINGS.build.embed_batch):
            embedder.embed(texts[i:i + SETTINGS.build.embed_batch])
        raw_s += time.perf_counter() - started
        lib.write_sources(corpus, [(0, i) for i in chosen], source)
        started = time.perf_counter()
        embedded += engine.build([source]).passages_embedded
        build_s += time.perf_counter() - started
    raw, built = len(seen) / raw_s, embedded / build_s
    print(f"throughput: {len(seen)} passages, raw {raw:.1f}/s, build {built:.1f}/s", flush=True)
    return [
        (f"raw encode, {len(seen)} passages of {tokens / len(seen):.0f} tokens", f"{raw:.1f} passages/s", ">= 100"),
        ("build (chunk, embed, SQLite, FAISS), same passages", f"{built:.1f} passages/s", ">= 100"),
        ("build / raw encode (interleaved in 6 groups)", f"{built / raw:.2f}", ">= 0.9"),
    ]


def prepare(corpus, counts, size: int, work: Path, embedder, donors: list[Path]) -> tuple[Path, Path]:
    """An index of about `size` passages, kept in `work` between runs; vectors come from `donors` where they can."""
    source, index_dir = work / f"src-{size}", work / f"index-{size}"
    lib.write_sources(corpus, lib.plan(counts, size), source)
    if not (index_dir / "qa.sqlite").exists():
        for donor in donors:
            lib.seed_vectors(index_dir, donor)
    started = time.perf_counter()
    report = Engine(index_dir, embedder=embedder, create=True).build([source])
    print(f"index of {size}: {len(report.added) + len(report.updated)} articles indexed, "
          f"{report.passages_embedded} passages embedded in {time.perf_counter() - started:.1f} s", flush=True)
    return index_dir, source


def latency(index_dir: Path, size: int, questions: list[str], embedder, kind: str = "mixed questions",
            k: int | None = None) -> list[tuple]:
    engine = Engine(index_dir, embedder=embedder)
    engine.warm_up()
    took = [engine.ask(q, k).took_ms for q in questions]
    p50, p95 = lib.percentiles(took)
    n = engine.store.passage_count()
    target = "p50 <= 15, p95 <= 40" if size >= 100_000 else ""
    print(f"latency at {n}, {kind}: p50 {p50:.1f} ms, p95 {p95:.1f} ms", flush=True)
    return [(f"ask took_ms p50 / p95 at {n} passages ({len(questions)} {kind})",
             f"{p50:.1f} / {p95:.1f} ms (load {os.getloadavg()[0]:.2f})", target)]


def ann_recall(index_dir: Path, questions: list[str], embedder) -> list[tuple]:
    """recall@10 of the index in use against exact search, tie-aware (replicas have equal scores)."""
    import faiss

    engine = Engine(index_dir, embedder=embedder)
    index = engine.loaded().retriever.vectors
    if not is_ivf(index):
        return [("vector index at the largest size", "exact (IndexFlatIP)", "")]
    ids, vectors = engine.store.vectors_of()
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    queries = np.stack([embedder.embed_query(q) for q in questions])
    truth, _, exact_ms = _one_by_one(exact, queries)
    ivf = faiss.downcast_index(index)
    order = np.argsort(ids)
    chosen, rows = ivf.nprobe, []
    for nprobe in sorted({max(1, chosen // 2), chosen, chosen * 3 // 2}):
        set_probes(ivf, nprobe)
        _, found, ms = _one_by_one(ivf, queries)
        # judged by each found passage's float32 score: the index keeps float16 vectors, whose scores differ
        # by up to ~1e-3, and a replica tied with the 10th must count as found
        true = [np.where(f >= 0, vectors[order[np.searchsorted(ids, f, sorter=order) % len(ids)]] @ q, -np.inf)
                for f, q in zip(found, queries)]  # -1: fewer than 10 found, a miss
        recall = np.mean([(s >= t[9] - 1e-5).sum() / 10 for s, t in zip(true, truth)])
        mark = " (in use)" if nprobe == chosen else ""
        rows.append((f"IVF nlist {ivf.nlist} nprobe {nprobe}{mark}: recall@10 vs exact, ms/query",
                     f"{recall:.4f}, {ms:.2f} ms (exact {exact_ms:.2f} ms)", ">= 0.99" if mark else ""))
    set_probes(ivf, chosen)
    return rows


def _one_by_one(index, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Top-10 scores and ids of each query searched alone, as `qa ask` does, and the mean ms a search."""
    started = time.perf_counter()
    found = [index.search(q.reshape(1, -1), 10) for q in queries]
    ms = (time.perf_counter() - started) * 1000 / len(queries)
    return np.vstack([s for s, _ in found]), np.vstack([i for _, i in found]), ms


def updates(index_dir: Path, source: Path, embedder) -> list[tuple]:
    """Add one new article to the largest index and take it out again, end to end (Engine.build)."""
    engine = Engine(index_dir, embedder=embedder)
    engine.warm_up()
    added = source / "added" / ADDED.name
    added.parent.mkdir(exist_ok=True)
    shutil.copy(ADDED, added)
    started = time.perf_counter()
    report = engine.build([source])
    add_s = time.perf_counter() - started
    started = time.perf_counter()
    engine.ask("What did the article say?")
    reload_s = time.perf_counter() - started
    added.unlink()
    started = time.perf_counter()
    engine.build([source])
    remove_s = time.perf_counter() - started
    n = engine.store.passage_count()
    return [
        (f"add one article ({report.passages_embedded} passages) to {n}", f"{add_s:.2f} s", "<= 2 s"),
        ("first ask after it (reloads FAISS + BM25)", f"{reload_s:.2f} s", ""),
        ("remove that article again", f"{remove_s:.2f} s", ""),
    ]


def processes(big: Path, source: Path, small: Path, question: str) -> list[tuple]:
    """Start-up and memory, each in a fresh process."""
    n = Engine(big).store.passage_count()
    startup, _, _ = lib.timed_run([sys.executable, "-c", "import qa.cli, qa.engine"])  # start-up: the imports
    nothing, _, _ = lib.timed_run([QA, "build", "--source", str(source), "--index", str(big)])
    ask_big, rss_big, _ = lib.timed_run([QA, "ask", question, "--index", str(big)])
    ask_small, rss_small, _ = lib.timed_run([QA, "ask", question, "--index", str(small)])
    shutil.copy(ADDED, source / ADDED.name)
    _, rss_build, _ = lib.timed_run([QA, "build", "--source", str(source), "--index", str(big)])
    (source / ADDED.name).unlink()
    lib.timed_run([QA, "build", "--source", str(source), "--index", str(big)])
    data_mib = (n * SETTINGS.model.dim * 4 + lib.text_bytes(big)) / 2**20
    app = lib.app_ready_seconds(big, source)
    disk = lib.folder_bytes(big)
    return [
        ("`qa build`, nothing changed (process wall time)", f"{nothing:.2f} s", f"<= 1 s + start-up ({startup:.2f} s)"),
        ("`qa ask` cold, process start to answer, 1k / largest", f"{ask_small:.2f} / {ask_big:.2f} s", ""),
        ("app.py start to HTTP 200 on / (largest index)",
         "app.py not runnable" if app is None else f"{app:.2f} s", ""),
        ("vectors + text of the largest index", f"{data_mib:.0f} MiB", ""),
        ("peak RSS `qa ask`: largest / 1k (model + libraries)", f"{rss_big} / {rss_small} MiB",
         f"growth <= {1.5 * data_mib:.0f} MiB"),
        ("peak RSS `qa build` adding one article to largest", f"{rss_build} MiB", ""),
        ("index size on disk", f"{disk / 2**20:.0f} MiB, {disk / n:.0f} bytes/passage", ""),
    ]


def print_table(rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n| {'measure':<{width}} | result | target |\n|{'-' * (width + 2)}|---|---|")
    for name, value, target in rows:
        print(f"| {name:<{width}} | {value} | {target} |")


if __name__ == "__main__":
    main()

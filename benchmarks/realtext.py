"""Speed on real text (issue 14): SciFact build against raw fp32 encoding, ask latency per stage, SQuAD.

    .venv/bin/python -m benchmarks.realtext [--data ../shared/benchmarks] [--workdir /tmp/qa-realtext]
                                            [--docs 1500] [--questions 300] [--quick]

1. Build: a fixed subset of SciFact (the first --docs abstracts of corpus.jsonl, title + abstract as .txt files)
   indexed from scratch by `Engine.build` (the code path of `qa build`, model load included), against plain
   sentence-transformers fp32 encoding (batch 32) of the same text cut into 126-wordpiece windows, in the same
   run: the ratio, and where the build's time goes.
2. Ask: `took_ms` p50/p95 over the SciFact test claims at k=10 on the full SciFact index, then where the time
   goes (a second pass with every stage timed).
3. The same for SQuAD dev paragraphs and questions.
Indexes of the full corpora are kept in --workdir and reused; the build subset is rebuilt every run.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path


from benchmarks import speedlib as lib
from qa import timing
from qa.config import SETTINGS
from qa.environment import available_cores
from qa.embed.embedder import Embedder, model_path
from qa.engine import Engine
from qa.evaluation.benchmarks import load_beir, load_squad
from qa.text import forget_cached

WINDOW = 126  # wordpieces per window of the raw run: 128 with [CLS] and [SEP]
Row = tuple[str, str, str]


def load() -> str:
    return f"load {os.getloadavg()[0]:.2f}"


def scifact_docs(data: Path, n: int | None) -> list[tuple[str, str]]:
    """(file name, title + newline + abstract) for the first `n` abstracts of corpus.jsonl, in file order."""
    rows = []
    with (data / "scifact" / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            if n is not None and len(rows) >= n:
                break
            row = json.loads(line)
            rows.append((f"{row['_id']}.txt", f"{(row.get('title') or '').strip()}\n{row.get('text') or ''}".strip()))
    return rows


def write_files(docs: list[tuple[str, str]], folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, text in docs:
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def raw_windows(texts: list[str]) -> list[str]:
    """Each text cut into consecutive windows of WINDOW wordpieces (by the tokenizer's character offsets)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    tok.no_truncation()
    windows = []
    for text in texts:
        offsets = tok.encode(text, add_special_tokens=False).offsets
        for lo in range(0, len(offsets), WINDOW):
            piece = offsets[lo:lo + WINDOW]
            windows.append(text[piece[0][0]:piece[-1][1]])
    return windows


def raw_fp32_seconds(windows: list[str]) -> float:
    """Seconds sentence-transformers fp32 takes to encode `windows` at batch 32 (model loaded beforehand)."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(available_cores())
    model = SentenceTransformer(model_path(), device="cpu", local_files_only=True)
    model.encode(["warm up"])
    started = time.perf_counter()
    model.encode(windows, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    return time.perf_counter() - started


def build_timed(source: Path, index_dir: Path) -> tuple[float, dict[str, float], dict[str, float], int, int]:
    """(seconds, seconds per stage on the main thread, thread-seconds per stage in other threads, passages
    embedded, wordpieces embedded) of a fresh index of `source`."""
    shutil.rmtree(index_dir, ignore_errors=True)
    embedder = Embedder(SETTINGS)  # fresh: the model load is part of the build, as in `qa build`
    wordpieces = [0]
    counting = embedder.wordpieces_kept_for_embedding

    def counted(text: str) -> int:
        n = counting(text)
        wordpieces[0] += n
        return n

    embedder.wordpieces_kept_for_embedding = counted
    with timing.recording() as stages:
        started = time.perf_counter()
        report = Engine(index_dir, embedder=embedder, create=True).build([source])
        seconds = time.perf_counter() - started
    return seconds, dict(stages.seconds), dict(stages.thread_seconds), report.passages_embedded, wordpieces[0]


def stage_rows(title: str, total: float, seconds: dict[str, float], per: int = 1, unit: str = "s") -> list[Row]:
    scale = 1000 / per if unit == "ms" else 1.0
    rows = [(f"{title}: {name}", f"{s * scale:.2f} {unit}", "") for name, s in
            sorted(seconds.items(), key=lambda kv: -kv[1])]
    rows.append((f"{title}: not in a timed stage", f"{(total - sum(seconds.values())) * scale:.2f} {unit}", ""))
    return rows


def build_rows(data: Path, n_docs: int, work: Path) -> list[Row]:
    docs = scifact_docs(data, n_docs)
    source = write_files(docs, work / f"scifact-{n_docs}-src")
    windows = raw_windows([text for _, text in docs])
    print(f"SciFact build subset: {len(docs)} abstracts, {len(windows)} raw windows ({load()})", flush=True)
    raw = raw_fp32_seconds(windows)
    print(f"raw fp32: {raw:.1f} s ({load()})", flush=True)
    built, stages, in_threads, embedded, wordpieces = build_timed(source, work / f"scifact-{n_docs}-index")
    print(f"build: {built:.1f} s, {embedded} passages ({load()})", flush=True)
    raw_pieces = sum(min(WINDOW, n) for n in _window_lengths(windows))
    return [
        (f"SciFact {len(docs)} abstracts: raw fp32 sentence-transformers, {len(windows)} windows of <= {WINDOW} "
         f"wordpieces ({raw_pieces} wordpieces)", f"{raw:.1f} s ({load()})", ""),
        (f"SciFact {len(docs)} abstracts: `qa build` path, {embedded} passages ({wordpieces} wordpieces)",
         f"{built:.1f} s ({load()})", ""),
        ("SciFact build speed / raw fp32", f"{raw / built:.2f}x", ">= 2.5"),
        *stage_rows("SciFact build stage", built, stages),
        *[(f"SciFact build, in the embedding pool's threads (summed): {name}", f"{t:.2f} s", "")
          for name, t in sorted(in_threads.items(), key=lambda kv: -kv[1])],
    ]


def _window_lengths(windows: list[str]) -> list[int]:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(Path(model_path()) / "tokenizer.json"))
    return [len(e.ids) for e in tok.encode_batch(windows, add_special_tokens=False)]


def full_index(name: str, corpus: dict[str, str], work: Path, embedder: Embedder, donors: list[Path] = ()) -> Path:
    """An index of the whole corpus, kept in `work` (only what changed is rebuilt on the next run); a new one
    takes the vectors of the same texts from `donors` (indexes built with the same model)."""
    source, index_dir = work / f"{name}-src", work / f"{name}-index"
    if not (index_dir / "qa.sqlite").exists():
        for donor in donors:
            print(f"{name} index: {lib.seed_vectors(index_dir, donor)} vectors taken from {donor}", flush=True)
    if not source.exists() or len(list(source.iterdir())) != len(corpus):
        write_files([(f"{doc_id}.txt", text) for doc_id, text in corpus.items()], source)
    started = time.perf_counter()
    report = Engine(index_dir, embedder=embedder, create=True).build([source])
    print(f"{name} index: {report.passages_embedded} passages embedded in {time.perf_counter() - started:.1f} s "
          f"({load()})", flush=True)
    return index_dir


def ask_rows(title: str, index_dir: Path, questions: list[str], embedder: Embedder, k: int = 10) -> list[Row]:
    """took_ms p50/p95 (an untimed pass), then ms per ask and stage (a second, timed pass)."""
    engine = Engine(index_dir, embedder=embedder)
    engine.warm_up()
    for q in questions[:10]:
        engine.ask(q, k=k)
    forget_cached()
    took = [engine.ask(q, k=k).took_ms for q in questions]
    p50, p95 = lib.percentiles(took)
    n = engine.store.passage_count()
    print(f"{title}: p50 {p50:.1f} ms, p95 {p95:.1f} ms at {n} passages ({load()})", flush=True)
    forget_cached()  # the timed pass asks the same questions: it must not find their texts tokenised already
    with timing.recording() as stages:
        started = time.perf_counter()
        for q in questions:
            engine.ask(q, k=k)
        total = time.perf_counter() - started
    return [(f"{title}: ask took_ms p50 / p95, k={k}, {len(questions)} questions, {n} passages",
             f"{p50:.1f} / {p95:.1f} ms ({load()})", "p50 <= 15, p95 <= 40"),
            (f"{title}: index database (qa.sqlite), of it sentence vectors", footprint(index_dir), ""),
            *stage_rows(f"{title} ask stage (mean, timed pass)", total, stages.seconds, len(questions), "ms")]


def footprint(index_dir: Path) -> str:
    """The SQLite file's size, and how many sentence vectors it stores in how many bytes."""
    import sqlite3

    with sqlite3.connect(index_dir / "qa.sqlite") as db:
        count, size = db.execute("SELECT count(*), coalesce(sum(length(sentences)), 0) FROM vectors").fetchone()
        sentences = db.execute("SELECT coalesce(sum(length(sentences)) / (2 * length(vector) / 4), 0) FROM vectors "
                               "WHERE sentences IS NOT NULL GROUP BY length(vector)").fetchone()
    total = (index_dir / "qa.sqlite").stat().st_size
    return (f"{total / 1e6:.1f} MB; {sentences[0] if sentences else 0} sentence vectors of {count} passage texts: "
            f"{size / 1e6:.1f} MB")


def scifact_claims(data: Path) -> list[str]:
    """The SciFact test claims, in file order."""
    return [q.text for q in load_beir(data / "scifact", "test").questions]


def full_indexes(work: Path) -> list[Path]:
    """The SciFact and SQuAD indexes a run left in `work` (donors of vectors for larger indexes)."""
    return sorted(p for p in work.glob("*-index") if (p / "qa.sqlite").exists())


def real_text(data: Path, work: Path, n_docs: int, n_questions: int, quick: bool, donors: list[Path] = ()) -> list[Row]:
    """Every row of this benchmark (also called by benchmarks/speed.py)."""
    work.mkdir(parents=True, exist_ok=True)
    rows: list[Row] = [("load average at the start (2 cores)", f"{os.getloadavg()[0]:.2f}", "")]
    rows += build_rows(data, n_docs, work)
    embedder = Embedder(SETTINGS)
    scifact = load_beir(data / "scifact", "test")
    corpus = scifact.corpus if not quick else dict(list(scifact.corpus.items())[:n_docs])
    claims = [q.text for q in scifact.questions][:n_questions]
    rows += ask_rows("SciFact", full_index("scifact" + ("-quick" if quick else ""), corpus, work, embedder, donors),
                     claims, embedder)
    squad = load_squad(data / "squad" / "dev-v1.1.rebuilt.json")
    paragraphs = squad.corpus if not quick else dict(list(squad.corpus.items())[:n_docs])
    squad_questions = [q.text for q in squad.questions if next(iter(q.relevant)) in paragraphs]
    picked = squad_questions[:: max(1, len(squad_questions) // n_questions)][:n_questions]
    rows += ask_rows("SQuAD", full_index("squad" + ("-quick" if quick else ""), paragraphs, work, embedder, donors),
                     picked, embedder)
    rows.append(("load average at the end", f"{os.getloadavg()[0]:.2f}", ""))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=lib.ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qa-realtext"))
    parser.add_argument("--docs", type=int, help="SciFact abstracts in the build run (default 1500; 150 --quick)")
    parser.add_argument("--questions", type=int, help="questions per collection (default 300; 40 --quick)")
    parser.add_argument("--quick", action="store_true", help="small subsets: a smoke run in a few minutes")
    parser.add_argument("--vectors-from", type=Path, action="append", default=[], metavar="INDEX",
                        help="take vectors for new full indexes from this index (e.g. a `qa eval` index)")
    args = parser.parse_args()
    n_docs = args.docs or (150 if args.quick else 1500)
    n_questions = args.questions or (40 if args.quick else 300)
    from speed import print_table

    print_table(real_text(args.data, args.workdir, n_docs, n_questions, args.quick, args.vectors_from))


if __name__ == "__main__":
    sys.exit(main())

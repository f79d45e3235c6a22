"""The search path at 1,000,000 passages on this machine (`make bench-million`): RSS, load time, `qa ask` p50/p95.

    .venv/bin/python -m benchmarks.million [--passages 1000000] [--workdir /tmp/qa-million] [--questions 200]

SYNTHETIC VECTORS, clearly: embedding a million passages here takes hours, so only a base collection is embedded
by the real model, and the million passages are copies of it with variation:

- base: --base-articles articles, each --docs-per-article SciFact abstracts or SQuAD paragraphs (interleaved),
  built by the real model into `<workdir>/base` (cached);
- copies: copy r of an article is its text with about one word in five (seeded by r and the article) changed in
  case only ("blood" -> "Blood" or "BLOOD"). The tokenizer is uncased, so each copy splits into the same passages
  as its base article, but every passage text, and so its text hash and its row in the vector cache, is new;
- vectors: a copy's passage vector is the base passage's model vector plus Gaussian noise (seeded by the text
  hash, norm --noise, about cosine 0.9 to the base), normalised; its sentence vectors are the base passage's.

The copies are then built by the real build (indexer.build: SQLite, FAISS, BM25, story groups), with these
vectors handed in by a Workers object in place of the model (`NoisyCopies`), once into `<workdir>/index-<N>` and
reused. Then `qa ask -` answers --questions real questions about the base articles (SQuAD questions and SciFact
claims) in one process, under /usr/bin/time: peak RSS, load time (process start to the first answer, less
that answer's time) and took_ms p50/p95. The load average is printed before and after.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from qa.config import SETTINGS
from qa.engine import Engine
from qa.index import indexer
from qa.index.store import text_hash
from qa.ingest.chunker import Chunker
from qa.ingest.loader import SourceFile, load
from qa.errors import LoadError
from qa.evaluation.benchmarks import load_beir, load_squad
from qa.text import sentence_spans

ROOT = Path(__file__).resolve().parent.parent
WORD = re.compile(r"(?<=\s)([a-z]{3,})(?=[\s,;:])")  # a lower-case word inside a sentence, not after its full stop


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def base_articles(data: Path, articles: int, per_article: int) -> tuple[list[str], list[str]]:
    """The base articles' texts (a title line, then the documents as paragraphs) and questions about them."""
    scifact = load_beir(data / "scifact", "test")
    squad = load_squad(data / "squad" / "dev-v1.1.rebuilt.json")
    sf, sq = list(scifact.corpus.items()), list(squad.corpus.items())
    docs = [d for pair in zip(sf, sq) for d in pair][:articles * per_article]
    texts = [f"Collected article {a}\n\n" + "\n\n".join(t for _, t in docs[a * per_article:(a + 1) * per_article])
             for a in range(articles)]
    kept = {d for d, _ in docs}
    asked = [q.text for q in squad.questions if set(q.relevant) & kept]
    claims = [q.text for q in scifact.questions if set(q.relevant) & kept]
    return texts, asked[::2] + claims


def vary(text: str, seed: str) -> str:
    """About one word in five of `text` changed in case only (seeded): the same wordpieces, a new text."""
    rng = random.Random(seed)

    def change(m: re.Match) -> str:
        word = m.group(1)
        roll = rng.random()
        return word.capitalize() if roll < 0.12 else word.upper() if roll < 0.2 else word

    return WORD.sub(change, text)


def write_copies(texts: list[str], copies: int, folder: Path) -> None:
    for r in range(copies):
        sub = folder / f"c{r:04d}"
        if sub.is_dir() and len(list(sub.iterdir())) == len(texts):
            continue
        sub.mkdir(parents=True, exist_ok=True)
        for a, text in enumerate(texts):
            (sub / f"a{a:04d}.txt").write_text(vary(text, f"{r}/{a}"), encoding="utf-8")


class NoisyCopies:
    """indexer.Workers for the copies: reading and splitting as a local build does; "embedding" is the base
    passage's model vector plus seeded noise, normalised (no model runs)."""

    def __init__(self, base: Path, embedder, noise: float):
        self.chunker = Chunker(SETTINGS.chunk, embedder.wordpieces)
        self.noise = noise
        self.source: dict[str, tuple[str, int]] = {}  # a copy's passage text hash -> (base article, position)
        with sqlite3.connect(base / "qa.sqlite") as db:
            rows = db.execute("SELECT p.doc_id, p.position, v.vector, v.sentences FROM passages p "
                              "JOIN vectors v ON v.text_hash = p.text_hash").fetchall()
        self.base = {(d, pos): (np.frombuffer(v, dtype=np.float32),
                                np.frombuffer(s, dtype=np.float16).reshape(-1, SETTINGS.model.dim))
                     for d, pos, v, s in rows}

    def read(self, files: list[SourceFile], progress) -> Iterator[indexer.Read]:
        for n, f in enumerate(files):
            if n % 5000 == 0:
                progress("reading", n, len(files))
            try:
                doc = load(f, SETTINGS.load)
            except LoadError as exc:
                yield f, str(exc), []
                continue
            passages = self.chunker.split(doc)
            article = f.doc_id.rsplit("/", 1)[-1]
            for p in passages:
                self.source.setdefault(text_hash(p.text), (article, p.position))
            yield f, doc, passages

    def embed(self, missing: list[tuple[str, str]], progress) -> Iterator[indexer.Embedded]:
        dim = SETTINGS.model.dim
        for lo in range(0, len(missing), 10_000):
            batch = missing[lo:lo + 10_000]
            vectors, sentences = np.zeros((len(batch), dim), dtype=np.float32), []
            for i, (h, text) in enumerate(batch):
                article, position = self.source[h]
                base, base_sentences = self.base.get((article, position)) or self.base[(article, 0)]
                rng = np.random.default_rng(int(h[:15], 16))
                v = base + rng.standard_normal(dim).astype(np.float32) * (self.noise / np.sqrt(dim))
                vectors[i] = v / np.linalg.norm(v)
                count = len(sentence_spans(text))  # as many sentence vectors as the answer will split
                sentences.append(np.resize(base_sentences, (count, dim)) if count != len(base_sentences)
                                 else base_sentences)
            progress("embedding", lo + len(batch), len(missing))
            yield [h for h, _ in batch], vectors, sentences


def build(args, texts: list[str]) -> tuple[Path, dict]:
    base_src, base = args.workdir / "base-src", args.workdir / "base"
    base_src.mkdir(parents=True, exist_ok=True)
    for a, text in enumerate(texts):
        (base_src / f"a{a:04d}.txt").write_text(text, encoding="utf-8")
    engine = Engine(base, create=True)
    engine.build([base_src])  # the real model, once (cached in the work folder)
    per_copy = engine.store.passage_count()
    copies = -(-args.passages // per_copy)
    index, source = args.workdir / f"index-{args.passages}", args.workdir / f"src-{args.passages}"
    write_copies(texts, copies, source)
    target = Engine(index, embedder=engine.embedder, create=True)
    started, before = time.perf_counter(), load_average()
    report = indexer.build(target.store, [source], engine.embedder, SETTINGS,
                           progress=lambda stage, done, total: print(f"  {stage} {done}/{total}", flush=True),
                           workers=NoisyCopies(base, engine.embedder, args.noise))
    facts = {"base_passages": per_copy, "copies": copies, "passages": target.store.passage_count(),
             "build_s": round(time.perf_counter() - started, 1), "build_load_before": before,
             "build_load_after": load_average(), "newly_built": bool(report.added)}
    return index, facts


def ask_timings(index: Path, questions: list[str]) -> dict:
    """One `qa ask - --json` process answering every question: peak RSS, load time and took_ms p50/p95."""
    rss_file = Path(tempfile.mkstemp(suffix=".rss")[1])
    started, before = time.perf_counter(), load_average()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(rss_file), sys.executable, "-m", "qa.cli",
                             "ask", "-", "--json", "-k", "5", "--index", str(index)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdin.write(questions[0] + "\n")
    proc.stdin.flush()
    first = json.loads(proc.stdout.readline())
    loaded = time.perf_counter() - started - first["took_ms"] / 1000
    out, _ = proc.communicate("\n".join(questions[1:]) + "\n")
    took = [first["took_ms"]] + [json.loads(line)["took_ms"] for line in out.splitlines() if line.strip()]
    rss = int(rss_file.read_text().split()[-1]) // 1024
    rss_file.unlink()
    return {"questions": len(took), "load_s": round(loaded, 1), "peak_rss_mib": rss,
            "p50_ms": round(float(np.percentile(took, 50)), 1), "p95_ms": round(float(np.percentile(took, 95)), 1),
            "load_before": before, "load_after": load_average()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "benchmarks")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/qa-million"))
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--base-articles", type=int, default=250)
    parser.add_argument("--docs-per-article", type=int, default=8)
    parser.add_argument("--noise", type=float, default=0.5, help="norm of the noise added to a unit vector")
    parser.add_argument("--questions", type=int, default=200)
    args = parser.parse_args()
    texts, questions = base_articles(args.data, args.base_articles, args.docs_per_article)
    questions = random.Random(0).sample(questions, min(args.questions, len(questions)))
    print(f"load average at start: {load_average()}", flush=True)
    index, facts = build(args, texts)
    timings = ask_timings(index, questions)
    print("| passages (synthetic vectors) | peak RSS | load time | qa ask p50 / p95 | load average before / after |")
    print("|---|---|---|---|---|")
    print(f"| {facts['passages']:,} ({facts['copies']} copies of {facts['base_passages']:,}) | "
          f"{timings['peak_rss_mib']:,} MiB | {timings['load_s']} s | {timings['p50_ms']} / {timings['p95_ms']} ms "
          f"({timings['questions']} questions) | {timings['load_before']} / {timings['load_after']} |")
    print(json.dumps({**facts, **timings}))


if __name__ == "__main__":
    main()

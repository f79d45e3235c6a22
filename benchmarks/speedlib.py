"""Helpers of benchmarks/speed.py: real corpora written as article files, replicas, subprocess timing."""
from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

from qa.evaluation.benchmarks import load_beir, load_squad
from qa.ingest.chunker import Chunker
from qa.config import SETTINGS
from qa.records import Document


@dataclass
class Corpus:
    """Unique articles (name, text) interleaving SciFact and SQuAD, and real questions about them."""

    docs: list[tuple[str, str]]
    questions: list[str]


def load_corpus(data: Path, n_questions: int) -> Corpus:
    scifact = load_beir(data / "scifact", "test")
    squad = load_squad(data / "squad" / "dev-v1.1.rebuilt.json")
    sf = [(f"sf-{d}.txt", t) for d, t in scifact.corpus.items()]
    sq = [(f"sq-{d}.txt", f"{squad.titles[d]}\n{t}") for d, t in squad.corpus.items()]
    docs = [d for pair in zip(sf, sq) for d in pair] + sf[len(sq):] + sq[len(sf):]
    rng = random.Random(0)
    wanted = rng.sample([q.text for q in squad.questions], n_questions // 2)
    questions = [q.text for q in scifact.questions][: n_questions - len(wanted)] + wanted
    rng.shuffle(questions)
    return Corpus(docs, questions)


def passage_counts(corpus: Corpus, cache: Path, wordpieces) -> list[int]:
    """Passages per document with the current chunking (cached in `cache`, keyed by the chunk settings)."""
    key = json.dumps(SETTINGS.index_key(), sort_keys=True)
    if cache.exists():
        saved = json.loads(cache.read_text())
        if saved.get("key") == key and len(saved["counts"]) == len(corpus.docs):
            return saved["counts"]
    chunker = Chunker(SETTINGS.chunk, wordpieces)
    counts = [len(chunker.split(Document(name, text, ""))) for name, text in corpus.docs]
    cache.write_text(json.dumps({"key": key, "counts": counts}))
    return counts


def plan(counts: list[int], target: int) -> list[tuple[int, int]]:
    """(replica, doc index) pairs whose passages add up to `target`: the unique docs, then copies of them."""
    chosen, total, replica = [], 0, 0
    while total < target:
        for i, n in enumerate(counts):
            if total >= target:
                break
            chosen.append((replica, i))
            total += n
        replica += 1
    return chosen


def write_sources(corpus: Corpus, chosen: list[tuple[int, int]], folder: Path) -> None:
    """One file per chosen (replica, doc); replicas have their own names and the same text."""
    for replica, i in chosen:
        name, text = corpus.docs[i]
        path = folder / f"r{replica:03d}" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def seed_vectors(index_dir: Path, donor: Path) -> int:
    """Copy the embedding cache of another index (same model and chunking) so its texts need no embedding."""
    donor_db = donor / "qa.sqlite"
    if not donor_db.exists():
        return 0
    from qa.index.store import Store

    with sqlite3.connect(donor_db) as src:
        columns = {r[1] for r in src.execute("PRAGMA table_info(vectors)")}
        sentences = "sentences" if "sentences" in columns else "NULL"
        rows = src.execute(f"SELECT text_hash, vector, {sentences} FROM vectors").fetchall()
    store = Store(index_dir, create=True)
    # the sentence vectors travel with their passage's (float16 as stored); a donor without them gives none
    store.cache_vectors({h: np.frombuffer(v, dtype=np.float32) for h, v, _ in rows},
                        {h: np.frombuffer(s, dtype=np.float16) for h, _, s in rows if s is not None})
    store.close()
    return len(rows)


def timed_run(args: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MiB, output tail) of a subprocess.

    The peak comes from GNU time: a child forked straight from this (large) process would report this
    process's pages, shared until exec, as its own peak.
    """
    report = Path(tempfile.mkstemp(suffix=".rss")[1])
    wrapper = ["/usr/bin/time", "-f", "%M", "-o", str(report)] if Path("/usr/bin/time").exists() else []
    started = time.perf_counter()
    proc = subprocess.run(wrapper + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - started
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}): {out[-1500:]}")
    text = report.read_text().strip().splitlines() if wrapper else []
    report.unlink(missing_ok=True)
    return wall, int(text[-1]) // 1024 if text else -1, out[-400:]


def app_ready_seconds(index_dir: Path, source: Path, timeout: float = 300) -> float | None:
    """Seconds from starting `python app.py` to HTTP 200 on /, or None when app.py is absent."""
    from tests import apprunner

    if not (ROOT / "app.py").exists():
        return None
    started = time.perf_counter()
    proc, url, _ = apprunner.launch(["--index", str(index_dir), "--source", str(source)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        up = apprunner.wait_until_up(proc, url, timeout, poll=0.05)
        return time.perf_counter() - started if up else None
    finally:
        apprunner.stop(proc)


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.is_file() and not p.name.endswith(".lock"))


def text_bytes(index_dir: Path) -> int:
    with sqlite3.connect(index_dir / "qa.sqlite") as db:
        return int(db.execute("SELECT coalesce(sum(length(CAST(text AS BLOB))), 0) FROM documents").fetchone()[0])


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))

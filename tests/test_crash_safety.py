"""Kill `qa build` with SIGKILL at random moments (and at chosen ones): the index must stay whole and usable."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .support import (SEEDS, SEED_QUESTION, article, article_numbers, check_answerable, check_consistent,
                      collection_hashes, kill_after, kill_at, run_build, start_build, write_collection)

KILLS_WANTED = 22
VOLATILE = 24  # articles rewritten every round, so every build has the same amount of fresh embedding work
STABLE = 8  # articles that never change: they must answer after every kill
SAFETY_NET_SECONDS = 1500


@pytest.fixture(scope="module")
def collection(tmp_path_factory, embedder):
    """Seeds plus generated articles, indexed once (the 'before' state), and a reference build's duration."""
    base = tmp_path_factory.mktemp("crash")
    source, index = base / "articles", base / "index"
    shutil.copytree(SEEDS, source)
    write_collection(source, 0, range(VOLATILE), range(VOLATILE, VOLATILE + STABLE))
    run_build(source, index)
    write_collection(source, 1, range(VOLATILE), range(VOLATILE, VOLATILE + STABLE))
    reference = run_build(source, index)  # a kill-free build of one round's work: how long a build lasts
    return base, source, index, reference


def test_kills_at_random_moments_lose_nothing(collection, embedder):
    base, source, index, reference = collection
    rng = random.Random(int(os.environ.get("QA_CRASH_SEED", "6")))
    stable = range(VOLATILE, VOLATILE + STABLE)
    # the test counts kills, not seconds: it ends at KILLS_WANTED however slow the machine is; the safety
    # net only stops a machine so loaded that the run would not end in CI's time, and skips rather than fails
    kills, after_commit, version, safety_net = 0, 0, 1, time.monotonic() + SAFETY_NET_SECONDS
    print(f"reference build: {reference:.1f} s")
    _, indexed = check_consistent(index, embedder)
    while kills < KILLS_WANTED:
        if time.monotonic() > safety_net:
            pytest.skip(f"the machine is too loaded: {kills} of {KILLS_WANTED} kills in {SAFETY_NET_SECONDS} s, "
                        "each survived; rerun on a quieter machine")
        before = indexed  # what the index held when this update started
        version += 1
        # every volatile article is rewritten, and one to three of them are deleted (and come back later)
        write_collection(source, version, range(version % 2, VOLATILE - (version % 3)), stable)
        target = collection_hashes(source)
        for _ in range(3):  # the same update killed up to three times, then left to finish
            # a delay within a kill-free build's duration: nearly every try kills (one that finishes counts none)
            killed = kill_after(start_build(source, index), rng.uniform(0.2, reference * 0.9))
            kills += killed
            engine, indexed = check_consistent(index, embedder)
            assert indexed in (before, target), "the index holds neither the old nor the new collection"
            after_commit += killed and indexed == target != before
            check_answerable(engine, list(stable) + rng.sample(article_numbers(indexed), 6))
            engine.store.close()
            if not killed:
                break
    print(f"kills survived: {kills} ({after_commit} of them after the update's commit)")
    assert kills >= KILLS_WANTED  # the last update may be killed up to three times
    run_build(source, index)  # the next build completes the work
    engine, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(source)
    check_answerable(engine, article_numbers(indexed))


@pytest.mark.parametrize("point", ["vectors_written", "bm25_written", "before_commit", "after_commit"])
def test_kill_at_the_derived_files_and_the_commit(collection, embedder, point):
    base, source, index, _ = collection
    run_build(source, index)
    before = collection_hashes(source)
    write_collection(source, 100 + len(point), range(4), range(VOLATILE, VOLATILE + STABLE))
    target = collection_hashes(source)
    kill_at(start_build(source, index, pause=point), point)
    engine, indexed = check_consistent(index, embedder)
    # every derived file is written before the commit: a kill before it leaves the old collection whole
    assert indexed == (target if point == "after_commit" else before)
    check_answerable(engine, article_numbers(indexed))
    run_build(source, index)
    _, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(source)
    assert not list(index.glob("*.tmp*")), "a killed write's temporary file was left behind"


# ---- damaged index files -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed_index(tmp_path_factory, embedder):
    from qa.engine import Engine

    base = tmp_path_factory.mktemp("damaged")
    engine = Engine(base / "index", embedder=embedder, create=True)
    engine.build([SEEDS])
    engine.store.close()  # as when `qa build` exits: the WAL is checkpointed into qa.sqlite
    return base / "index"


def damage(path: Path, how: str) -> None:
    size = path.stat().st_size
    if how == "truncated":
        os.truncate(path, size // 3)
    elif how == "empty":
        os.truncate(path, 0)
    elif how == "garbage":
        path.write_bytes(random.Random(1).randbytes(size))
    elif how == "header":  # the first page, schema included, overwritten with zeros
        with open(path, "r+b") as fh:
            fh.seek(100)
            fh.write(bytes(4000))


@pytest.mark.parametrize("how", ["truncated", "empty", "garbage"])
def test_damaged_vector_files_are_rebuilt_from_sqlite(seed_index, tmp_path, embedder, how):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    for path in [*index.glob("vectors-*.faiss"), *index.glob("bm25-*.npz")]:
        damage(path, how)
    engine, _ = check_consistent(index, embedder)  # loads, rebuilds and rewrites the FAISS file
    check_answerable(engine, [])


@pytest.mark.parametrize("how", ["truncated", "garbage", "header"])
def test_damaged_database_names_the_fix_and_rebuild_recovers(seed_index, tmp_path, embedder, how):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    damage(index / "qa.sqlite", how)
    qa = [sys.executable, "-m", "qa.cli"]
    for command in (["ask", SEED_QUESTION], ["build", "--source", str(SEEDS)]):
        proc = subprocess.run(qa + command + ["--index", str(index)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "damaged" in proc.stderr
        assert proc.stderr.rstrip().endswith("run `qa build --rebuild`")
    proc = subprocess.run(qa + ["build", "--rebuild", "--source", str(SEEDS), "--index", str(index)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert "moved it to" in proc.stderr
    assert len(list(index.glob("damaged-*/qa.sqlite"))) == 1  # kept for inspection, not deleted
    engine, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(SEEDS)
    check_answerable(engine, [])


def test_a_full_disk_rolls_back_and_says_so(seed_index, tmp_path, embedder):
    from qa.engine import Engine
    from qa.errors import IndexUnavailable

    index, source = tmp_path / "index", tmp_path / "articles"
    shutil.copytree(seed_index, index)
    shutil.copytree(SEEDS, source)
    for i in range(3):
        (source / f"a{i:03d}.txt").write_text(article(i), encoding="utf-8")
    engine = Engine(index, embedder=embedder)
    generation = engine.store.generation()
    pages = engine.store.db.execute("PRAGMA page_count").fetchone()[0]
    engine.store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full" at the current size
    with pytest.raises(IndexUnavailable, match="the disk is full; free some space and retry$"):
        engine.build([source])
    assert engine.store.generation() == generation
    engine.store.close()
    engine, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(SEEDS)
    check_answerable(engine, [])


@pytest.mark.parametrize("at", ["start", "first batch"])
def test_an_interrupted_rebuild_keeps_every_passage_its_vector(seed_index, tmp_path, embedder, at):
    """`--rebuild` once emptied the vector cache before re-embedding: stopping it there lost every vector."""
    from qa.engine import Engine

    index = tmp_path / "index"
    shutil.copytree(seed_index, index)

    def interrupt(stage: str, done: int, total: int) -> None:
        if stage == "embedding" and (at == "start" or done > 0):
            raise KeyboardInterrupt  # what Ctrl-C does at this point of the build

    engine = Engine(index, embedder=embedder)
    with pytest.raises(KeyboardInterrupt):
        engine.build([SEEDS], rebuild=True, progress=interrupt)
    engine.store.close()
    engine, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(SEEDS)
    check_answerable(engine, [])

"""Kill `qa build` with SIGKILL at random moments (and at chosen ones): the index must stay whole and usable."""
from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SEEDS

SEED_QUESTION = "When did China ban the sale of fentanyl?"
KILLS_WANTED = 22
VOLATILE = 24  # articles rewritten every round, so every build has the same amount of fresh embedding work
STABLE = 8  # articles that never change: they must answer after every kill
_SYLLABLES = ["ka", "lo", "mir", "zen", "tha", "vor", "qui", "bel", "dra", "nus", "pex", "ro", "sil", "gu", "fen", "yar"]
_NOUNS = ["harbour", "council", "orchard", "railway", "library", "bridge", "festival", "mill", "observatory", "market"]
_VERBS = ["reported", "noted", "confirmed", "described", "recorded", "announced"]


# ---- a generated collection: every article has a made-up name that only it contains --------------
def keyword(i: int) -> str:
    rng = random.Random(f"kw{i}")
    return "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize() + "ia"


def article(i: int, version: int = 0) -> str:
    """About two passages of text; a new `version` rewrites every sentence, so nothing is in the embedding cache."""
    rng = random.Random(f"art{i}v{version}")
    name = keyword(i)
    lines = [f"The {name} {_NOUNS[i % len(_NOUNS)]} story (edition {version})", "By Test Writer", "2024-03-0" + str(1 + i % 9), ""]
    for _ in range(14):
        noun, verb = rng.choice(_NOUNS), rng.choice(_VERBS)
        lines.append(f"Officials in {name} {verb} that the {noun} saw {rng.randint(2, 9000)} visitors "
                     f"during week {rng.randint(1, 52)} of edition {version}, more than the {rng.choice(_NOUNS)} nearby.")
    lines.insert(5, f"The {name} {_NOUNS[i % len(_NOUNS)]} was rebuilt after the great flood.")
    return "\n".join(lines) + "\n"


def question(i: int) -> str:
    return f"What happened to the {keyword(i)} {_NOUNS[i % len(_NOUNS)]}?"


def write_collection(folder: Path, version: int, volatile: range, stable: range) -> None:
    """The collection at `version`: volatile articles rewritten, stable ones as always, nothing else."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {f"a{i:03d}.txt": article(i, version) for i in volatile} | {f"a{i:03d}.txt": article(i) for i in stable}
    for path in folder.glob("a*.txt"):
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        (folder / name).write_text(text, encoding="utf-8")


# ---- what every state of the index must satisfy ------------------------------------------------------
def faiss_ids(index) -> list[int]:
    import faiss

    return sorted(faiss.vector_to_array(index.id_map).tolist())


def check_consistent(index_dir: Path, embedder):
    """Open a fresh Engine and check FAISS ids == SQLite passage ids, every passage has a vector, counts match."""
    import faiss

    from qa.engine import Engine

    engine = Engine(index_dir, embedder=embedder)
    snap = engine._current()
    db = sqlite3.connect(f"file:{index_dir / 'qa.sqlite'}?mode=ro", uri=True)
    try:
        passage_ids = [r[0] for r in db.execute("SELECT id FROM passages ORDER BY id")]
        without_vector = db.execute(
            "SELECT count(*) FROM passages p LEFT JOIN vectors v USING (text_hash) WHERE v.vector IS NULL").fetchone()[0]
        bad_counts = db.execute(
            "SELECT d.doc_id FROM documents d LEFT JOIN passages p USING (doc_id) GROUP BY d.doc_id "
            "HAVING count(p.id) != d.n_passages").fetchall()
        hashes = dict(db.execute("SELECT doc_id, sha256 FROM documents"))
        generation = int(db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
    finally:
        db.close()
    assert without_vector == 0, "passages without a vector"
    assert not bad_counts, f"n_passages disagrees with the passages of {bad_counts}"
    assert faiss_ids(snap.retriever.vectors) == passage_ids, "FAISS ids differ from SQLite passage ids"
    on_disk = engine.store.faiss_path(generation)
    assert on_disk.exists() and faiss_ids(faiss.read_index(str(on_disk))) == passage_ids
    return engine, hashes


def check_answerable(engine, numbers) -> None:
    """Each article's own question still cites it, and so does a question only a seed article answers."""
    assert any("banned the sale of fentanyl in 2019" in e.text for e in engine.ask(SEED_QUESTION, 3).excerpts)
    for i in numbers:
        cited = {e.citation.doc_id for e in engine.ask(question(i), 3).excerpts}
        assert f"a{i:03d}.txt" in cited, f"{question(i)!r} no longer cites a{i:03d}.txt (got {cited})"


def article_numbers(indexed: dict[str, str]) -> list[int]:
    return sorted(int(name[1:4]) for name in indexed if name.startswith("a"))


def collection_hashes(folder: Path) -> dict[str, str]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


# ---- driving `qa build` --------------------------------------------------------------------------------
def start_build(source: Path, index: Path, pause: str | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("QA_TEST_PAUSE", None)
    if pause:
        env["QA_TEST_PAUSE"] = f"{pause}:60"
    return subprocess.Popen([sys.executable, "-m", "qa.cli", "build", "--source", str(source), "--index", str(index)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)


def run_build(source: Path, index: Path) -> float:
    started = time.monotonic()
    proc = start_build(source, index)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-2000:]
    assert "Traceback" not in err
    return time.monotonic() - started


def kill_after(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL `proc` after `delay` seconds; False when it had already finished by itself."""
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    return False


def kill_at(proc: subprocess.Popen, point: str) -> None:
    """Wait until the build announces it has reached `point` (see store.pause_for_crash_test), then SIGKILL it."""
    for line in proc.stderr:
        if f"qa-test: paused at {point}" in line:
            break
    else:
        pytest.fail(f"the build ended without reaching {point} (exit {proc.wait()})")
    proc.send_signal(signal.SIGKILL)
    proc.wait()


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
    # the loop ends at KILLS_WANTED; the ceiling only bounds a very slow (heavily loaded) machine
    kills, after_commit, version, budget_end = 0, 0, 1, time.monotonic() + 480
    print(f"reference build: {reference:.1f} s")
    _, indexed = check_consistent(index, embedder)
    while kills < KILLS_WANTED and time.monotonic() < budget_end:
        before = indexed  # what the index held when this update started
        version += 1
        # every volatile article is rewritten, and one to three of them are deleted (and come back later)
        write_collection(source, version, range(version % 2, VOLATILE - (version % 3)), stable)
        target = collection_hashes(source)
        for _ in range(3):  # the same update killed up to three times, then left to finish
            killed = kill_after(start_build(source, index), rng.uniform(0.2, reference * 1.1))
            kills += killed
            engine, indexed = check_consistent(index, embedder)
            assert indexed in (before, target), "the index holds neither the old nor the new collection"
            after_commit += killed and indexed == target != before
            check_answerable(engine, list(stable) + rng.sample(article_numbers(indexed), 6))
            engine.store.close()
            if not killed:
                break
    print(f"kills survived: {kills} ({after_commit} of them after the update's commit)")
    assert kills >= 20, f"only {kills} builds were killed in the time budget"
    run_build(source, index)  # the next build completes the work
    engine, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(source)
    check_answerable(engine, article_numbers(indexed))


@pytest.mark.parametrize("point", ["before_commit", "after_commit", "faiss_written"])
def test_kill_at_the_commit_and_the_faiss_write(collection, embedder, point):
    base, source, index, _ = collection
    run_build(source, index)
    before = collection_hashes(source)
    write_collection(source, 100 + len(point), range(4), range(VOLATILE, VOLATILE + STABLE))
    target = collection_hashes(source)
    kill_at(start_build(source, index, pause=point), point)
    engine, indexed = check_consistent(index, embedder)
    assert indexed == (before if point == "before_commit" else target)
    check_answerable(engine, article_numbers(indexed))
    run_build(source, index)
    _, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(source)
    assert not list(index.glob("vectors-*.tmp*")), "a killed write's temporary file was left behind"


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

    def interrupt(done: int, total: int) -> None:
        if at == "start" or done > 0:
            raise KeyboardInterrupt  # what Ctrl-C does at this point of the build

    engine = Engine(index, embedder=embedder)
    with pytest.raises(KeyboardInterrupt):
        engine.build([SEEDS], rebuild=True, progress=interrupt)
    engine.store.close()
    engine, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(SEEDS)
    check_answerable(engine, [])

"""The index stays whole and answers: rebuilds committed mid-answer, stray or damaged derived files, bad text, a full disk."""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from .support import SEED_ANSWER, SEED_QUESTION, SEEDS, article, question, write_collection

QA = [sys.executable, "-m", "qa.cli"]
pytestmark = pytest.mark.model  # every test here runs `qa build`, which loads the model


def qa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(QA + list(args), capture_output=True, text=True, timeout=600)


def answers(index: Path, questions: list[str], k: int = 3) -> list[list[tuple[str, int, float]]]:
    """(doc, start, score) of each question's excerpts, through `qa ask -` as a user would get them."""
    proc = subprocess.run(QA + ["ask", "-", "--json", "-k", str(k), "--index", str(index)],
                          input="\n".join(questions) + "\n", capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return [[(e["doc_id"], e["start"], round(e["score"], 4)) for e in json.loads(line)["excerpts"]]
            for line in proc.stdout.splitlines()]


@pytest.fixture
def collection(tmp_path):
    source = tmp_path / "articles"
    shutil.copytree(SEEDS, source)
    write_collection(source, 0, range(0), range(6))
    return source


# ---- 1: an answer comes from one generation, even when a rebuild renumbers passages meanwhile -------------
def test_a_rebuild_committed_while_answering_does_not_empty_the_answer(collection, tmp_path, embedder):
    from qa.engine import Engine

    index = tmp_path / "index"
    assert qa("build", "--source", str(collection), "--index", str(index)).returncode == 0

    class RebuildDuringAsk:
        """The real embedder; the first question triggers a real `qa build --rebuild` before it is embedded,
        i.e. after the engine chose the generation it answers from (the race seen under load, made certain)."""

        def __init__(self, inner):
            self.inner, self.rebuilt = inner, False

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def embed_query(self, text):
            if not self.rebuilt:
                self.rebuilt = True
                proc = qa("build", "--rebuild", "--source", str(collection), "--index", str(index))
                assert proc.returncode == 0, proc.stderr[-2000:]
            return self.inner.embed_query(text)

    racing = RebuildDuringAsk(embedder)
    engine = Engine(index, embedder=racing)
    engine.loaded()
    before = engine.generation()
    answer = engine.ask(SEED_QUESTION, 3)
    assert racing.rebuilt and engine.generation() > before  # the rebuild did commit in the middle
    assert len(answer.excerpts) == 3 and SEED_ANSWER in answer.excerpts[0].text


# ---- 2: a derived file of another index is never reused -----------------------------------------------------
def test_a_bm25_or_faiss_file_left_by_another_index_is_not_reused(collection, tmp_path):
    index = tmp_path / "index"
    assert qa("build", "--source", str(collection), "--index", str(index)).returncode == 0
    answers(index, [SEED_QUESTION])  # used once, as an index is: every derived file exists
    for path in index.glob("qa.sqlite*"):
        path.unlink()  # the database is gone, its generation-1 files stay
    # renamed so that the sort order (and so every passage id) changes
    (collection / "a000.txt").rename(collection / "z900.txt")
    (collection / "a001.txt").rename(collection / "z901.txt")
    assert qa("build", "--rebuild", "--source", str(collection), "--index", str(index)).returncode == 0
    clean = tmp_path / "clean"
    assert qa("build", "--source", str(collection), "--index", str(clean)).returncode == 0
    asked = [SEED_QUESTION] + [question(i) for i in range(6)]
    assert answers(index, asked) == answers(clean, asked)


# ---- 3: a damaged vectors file that still loads is detected and rebuilt ----------------------------------
def test_a_damaged_vector_file_that_still_loads_is_rebuilt(collection, tmp_path):
    index = tmp_path / "index"
    assert qa("build", "--source", str(collection), "--index", str(index)).returncode == 0
    asked = [SEED_QUESTION] + [question(i) for i in range(6)]
    expected = answers(index, asked, k=40)  # every passage, so any changed vector shows in a score
    faiss_file = next(index.glob("vectors-*.faiss"))
    with open(faiss_file, "r+b") as fh:
        fh.seek(faiss_file.stat().st_size // 2)
        fh.write(bytes([0x7F]) * 64)  # 16 floats of some vector: the file still loads
    assert answers(index, asked, k=40) == expected
    with open(faiss_file, "r+b") as fh:
        fh.seek(faiss_file.stat().st_size // 3)
        fh.write(bytes(64))  # damaged again, for the build to find
    build = qa("build", "--source", str(collection), "--index", str(index))
    assert build.returncode == 0 and "rebuilt damaged" in build.stdout  # `qa build` notices and says so
    assert answers(index, asked, k=40) == expected


# ---- 5: damaged text inside the database is a one-line error naming the fix, and the rebuild recovers ------
def test_undecodable_text_in_the_database_names_the_fix(collection, tmp_path):
    index = tmp_path / "index"
    assert qa("build", "--source", str(collection), "--index", str(index)).returncode == 0
    db = sqlite3.connect(index / "qa.sqlite")
    db.execute("UPDATE documents SET text = CAST(x'FFFFFFFFFFFFFFFF' || CAST(text AS BLOB) AS TEXT) "
               "WHERE doc_id = '002_b36ef5ac26814476.txt'")
    db.commit()
    db.close()
    for command in (["ask", SEED_QUESTION], ["show", "002_b36ef5ac26814476.txt"], ["build", "--source", str(collection)]):
        proc = qa(*command, "--index", str(index))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
        assert len(proc.stderr.strip().splitlines()) == 1 and "damaged" in proc.stderr
        assert proc.stderr.rstrip().endswith("run `qa build --rebuild`")
    proc = qa("build", "--rebuild", "--source", str(collection), "--index", str(index))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert SEED_ANSWER in qa("ask", SEED_QUESTION, "--index", str(index)).stdout


# ---- 6: a full disk while the derived files are written --------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """An 8 MB tmpfs (root only), unmounted afterwards: room for the first build (sentence vectors included)."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small tmpfs needs root: the disk-full test runs only as root")
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_while_derived_files_are_written_keeps_the_previous_index(collection, small_disk):
    index = small_disk / "index"
    assert qa("build", "--source", str(collection), "--index", str(index)).returncode == 0
    for i in range(6, 30):
        (collection / f"a{i:03d}.txt").write_text(article(i), encoding="utf-8")
    env = dict(os.environ, QA_TEST_PAUSE="before_derive:600")
    build = subprocess.Popen(QA + ["build", "--source", str(collection), "--index", str(index)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    for line in build.stderr:  # the change is in SQLite, the derived files are next
        if "qa-test: paused at before_derive" in line:
            break
    filler = small_disk / "filler"
    try:  # take every free byte (the disk may be full already: then opening the filler fails)
        with open(filler, "wb") as fh:
            while True:
                fh.write(bytes(64 * 1024))
                fh.flush()
    except OSError:
        pass
    build.send_signal(signal.SIGUSR1)  # resume the build
    out, err = build.communicate(timeout=900)
    err = err.strip()
    assert build.returncode == 2 and "Traceback" not in err, err[-2000:]
    errors = [line for line in err.splitlines() if not line.startswith(("embedding ", "reading "))]  # the progress bar is stderr too
    assert len(errors) == 1 and errors[0].startswith("qa: error:") and "disk is full" in errors[0]
    assert not list(index.glob("*.tmp*")), "temporary files were left behind"
    filler.unlink(missing_ok=True)
    asked = qa("ask", SEED_QUESTION, "--json", "--index", str(index))  # the previous generation still answers
    assert asked.returncode == 0 and SEED_ANSWER in asked.stdout
    assert qa("build", "--source", str(collection), "--index", str(index)).returncode == 0
    assert "a029.txt" in qa("ask", question(29), "--json", "--index", str(index)).stdout

"""Questions during an update are answered from the last complete index; two updates at once are serialised."""
from __future__ import annotations

import shutil
import subprocess
import sys
import threading

import pytest

from .support import (SEED_QUESTION, SEEDS, article, check_answerable, check_consistent, collection_hashes,
                      gradio_client, question)


def test_questions_during_an_update_see_a_complete_index(tmp_path, embedder):
    from qa.engine import Engine

    source, index = tmp_path / "articles", tmp_path / "index"
    shutil.copytree(SEEDS, source)
    for i in range(6):
        (source / f"a{i:03d}.txt").write_text(article(i), encoding="utf-8")
    writer = Engine(index, embedder=embedder, create=True)
    writer.build([source])
    reader = Engine(index, embedder=embedder)
    versions = {p.name: {p.read_text(encoding="utf-8")} for p in source.iterdir()}
    # the update: rewrite the six articles, add 30 more, delete a seed
    for i in range(36):
        text = article(i, version=1)
        (source / f"a{i:03d}.txt").write_text(text, encoding="utf-8")
        versions.setdefault(f"a{i:03d}.txt", set()).add(text)
    (source / next(p.name for p in SEEDS.iterdir())).unlink()

    answers, problems, done = [], [], threading.Event()
    asked, attempts = threading.Condition(), [0]  # questions asked so far, for the build to wait on

    def ask_until_done() -> None:
        questions = [SEED_QUESTION] + [question(i) for i in range(36)]
        n = 0
        while not done.is_set() or n < len(questions):
            try:
                answer = reader.ask(questions[n % len(questions)], 3)
                for e in answer.excerpts:
                    texts = versions[e.citation.doc_id]  # the text of the old or of the new version
                    if not any(t[e.citation.start:e.citation.end] == e.text for t in texts):
                        problems.append(f"excerpt of {e.citation.doc_id} is not a slice of its document")
                answers.append((done.is_set(), answer))
            except Exception as exc:  # noqa: BLE001 - any error at all is a failure here
                problems.append(f"{type(exc).__name__}: {exc}")
            n += 1
            with asked:
                attempts[0] = n
                asked.notify_all()

    def one_more_question(stage: str, n: int, total: int) -> None:
        """The test, not the machine, decides that questions come while the update runs: each of the build's
        progress reports (reading each file, embedding each batch) waits until one more has been asked."""
        with asked:
            seen = attempts[0]
            assert asked.wait_for(lambda: attempts[0] > seen, timeout=300), "the asking thread stopped"

    asker = threading.Thread(target=ask_until_done)
    asker.start()
    try:
        writer.build([source], progress=one_more_question)
    finally:
        done.set()
        asker.join(timeout=300)
    assert problems == []
    during = [a for finished, a in answers if not finished]
    assert len(during) >= 36, "at least one question for each of the 36 files read"
    assert all(a.excerpts for a in during)
    check_answerable(reader, range(30, 36))  # the reader has moved on to the new generation
    engine, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(source)
    check_answerable(engine, range(36))


def test_two_builds_at_once_are_serialised(tmp_path, embedder):
    from qa.engine import Engine
    from qa.index.store import Store

    source, index = tmp_path / "articles", tmp_path / "index"
    shutil.copytree(SEEDS, source)
    for i in range(12):
        (source / f"a{i:03d}.txt").write_text(article(i), encoding="utf-8")
    Engine(index, embedder=embedder, create=True).build([SEEDS])
    generation = Store(index).generation()
    command = [sys.executable, "-m", "qa.cli", "build", "--source", str(source), "--index", str(index)]
    builds = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(b.wait(timeout=600), *b.communicate()) for b in builds]
    for code, out, err in results:
        assert "Traceback" not in err
        assert code == 0 or "another build" in err, err[-1000:]
    assert any(code == 0 for code, _, _ in results)
    # one build did the work, the other (which waited for the lock) found nothing left to do
    summaries = sorted(out.strip().splitlines()[-1] for code, out, _ in results if code == 0)
    assert summaries[0].startswith("0 added") or len(summaries) == 1
    assert Store(index).generation() == generation + 1, "the two builds were not serialised"
    _, indexed = check_consistent(index, embedder)
    assert indexed == collection_hashes(source)


def test_a_build_that_cannot_wait_says_another_is_running(tmp_path, fresh_engine):
    from qa.errors import BuildLocked
    from qa.index.indexer import build, build_lock

    engine = fresh_engine()
    with build_lock(engine.index_dir):
        with pytest.raises(BuildLocked, match=r"^another build of .* is running; try again when it ends$"):
            build(engine.store, [SEEDS], engine.embedder, engine.settings, wait=0.5)
    assert engine.store.generation() == 0  # nothing was written


def test_twenty_concurrent_clients_of_the_ask_endpoint(app_server):
    """A small version of benchmarks/load.py: 20 clients x 5 questions at once, every answer whole and verbatim."""
    pytest.importorskip("gradio_client")
    questions = [SEED_QUESTION, "What is the Counternarcotics Working Group?", "Who wrote the article?",
                 "中国什么时候禁止销售芬太尼？", '"fentanyl" AND (China OR NEAR:x*)']
    problems: list[str] = []
    answered = []

    def client(n: int) -> None:
        c = gradio_client(app_server.url)
        for i in range(5):
            try:
                got = c.predict(questions[(n + i) % len(questions)], 3, api_name="/ask")
                for e in got["excerpts"]:
                    text = (app_server.collection / e["doc_id"]).read_text(encoding="utf-8")
                    if text[e["start"]:e["end"]] != e["text"]:
                        problems.append(f"{e['doc_id']}: excerpt is not a slice of the file")
                answered.append(len(got["excerpts"]))
            except Exception as exc:  # noqa: BLE001 - any error is a failure
                problems.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()  # no deadline of ours: each request has its own (HTTP_PATIENCE), so every thread ends
    assert problems == []
    assert len(answered) == 100 and all(n == 3 for n in answered)

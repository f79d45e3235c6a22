"""Stage timing points (qa/timing.py): nothing recorded unless a recording is open; an ask and a build pass each step's."""
from __future__ import annotations

import threading

import pytest

from qa import timing

from .support import SEED_QUESTION

ASK_STAGES = {"question (parse)", "question embedding", "retrieve (passage reads)", "vector search (FAISS)", "BM25",
              "fusion", "select (near copies, merges)", "sentence pool", "judge (confidence)", "highlight",
              "answer sentences", "trust (high or low)", "cite"}


def test_timing_points_are_no_ops_until_a_recording_is_open():
    with timing.stage("anything"):
        pass
    assert timing.stage("anything") is timing.NO_TIMING
    with timing.recording() as times:
        with timing.stage("outer"):
            with timing.stage("inner"):
                pass
            with timing.stage("inner"):
                pass
        with pytest.raises(RuntimeError, match="already open"):
            with timing.recording():
                pass
    with timing.stage("after"):
        pass
    assert dict(times.calls) == {"outer": 1, "inner": 2}
    assert all(seconds >= 0 for seconds in times.seconds.values())  # exclusive: inner time is not outer's too


def test_other_threads_are_recorded_apart():
    with timing.recording() as times:
        with timing.stage("main"):
            pass

        def run() -> None:
            with timing.stage("in a thread"):
                pass

        worker = threading.Thread(target=run)
        worker.start()
        worker.join()
    assert set(times.seconds) == {"main"} and set(times.thread_seconds) == {"in a thread"}


def test_an_ask_passes_every_step_of_the_pipeline_once(seed_engine):
    seed_engine.ask(SEED_QUESTION)  # the model and the index are loaded outside the recording
    with timing.recording() as times:
        answered = seed_engine.ask(SEED_QUESTION)
    assert answered.answered and set(times.calls) >= ASK_STAGES
    assert {name: times.calls[name] for name in ASK_STAGES - {"vector search (FAISS)"}} == dict.fromkeys(
        ASK_STAGES - {"vector search (FAISS)"}, 1)


def test_a_build_passes_its_stages(tmp_path, embedder):
    from qa.engine import Engine

    from .support import SEEDS

    with timing.recording() as times:
        Engine(tmp_path / "index", embedder=embedder, create=True).build([SEEDS])
    assert set(times.calls) >= {"read files", "split into passages (sentences, tiktoken)", "tokenise (model wordpieces)",
                                "embed (wall time; model sessions in a pool)", "SQLite reads and writes",
                                "story groups", "FAISS", "BM25", "write files (fsync)"}
    if embedder.backend == "onnx-int8":  # in the pool's threads, or the caller's when one batch is run there
        assert {"embed (model run)", "sentence vectors (pooling)"} <= set(times.calls)

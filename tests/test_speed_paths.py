"""The fast paths give the same answers as the slow ones: embedding cache, saved BM25, IVF, idle rebuilds."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from qa.chunker import Chunker
from qa.config import SETTINGS, ChunkSettings, VectorIndexSettings
from qa.embedder import Embedder
from qa.engine import Engine
from qa.lexical import BM25
from qa.loader import load, scan
from qa.generations import GenerationFiles
from qa.vector_index import is_ivf

from .support import ROOT, SEEDS

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "eval" / "seeds.jsonl").read_text().splitlines()
             if line.strip()][:8] + ["fentanyl precursor chemicals", "lighthouse"]


def _vector_rows(engine) -> int:
    return engine.store.cached_vector_count()


def test_identical_text_is_embedded_once(tmp_path, fresh_engine):
    src = tmp_path / "articles"
    src.mkdir()
    shared = "The harbour master counted 4,211 ships in 2023, a record for the port."
    (src / "a.txt").write_text(shared + "\n", encoding="utf-8")
    (src / "b.txt").write_text(shared + "\n", encoding="utf-8")  # another document, the same sentence
    engine = fresh_engine()
    report = engine.build([src])
    assert sorted(report.added) == ["a.txt", "b.txt"]
    assert report.passages_embedded == 1 and _vector_rows(engine) == 1
    assert engine.store.passage_count() == 2
    (src / "c.txt").write_text(shared + "\n", encoding="utf-8")
    assert engine.build([src]).passages_embedded == 0


def test_chunking_change_embeds_only_new_passage_texts(tmp_path, fresh_engine, embedder):
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    (src / "short.md").write_text("Customs seized 300 kilograms of a fentanyl precursor in Rotterdam.\n")
    first = fresh_engine()
    first.build([src])
    relabelled = replace(SETTINGS.chunk, splitter="relabelled")  # a settings change that cuts the same passages
    assert fresh_engine(replace(SETTINGS, chunk=relabelled)).build([src]).passages_embedded == 0
    docs = [load(f) for f in scan([src])[0]]
    smaller = ChunkSettings(max_tokens=96, overlap_tokens=32)
    old = {p.text for d in docs for p in Chunker(SETTINGS.chunk, embedder.wordpieces).split(d)}
    new = {p.text for d in docs for p in Chunker(smaller, embedder.wordpieces).split(d)}
    assert new - old and new & old  # some passages change, some stay
    report = fresh_engine(replace(SETTINGS, chunk=smaller)).build([src])
    assert report.updated and not report.added
    assert report.passages_embedded == len(new - old)
    assert _vector_rows(first) == len(new)  # vectors of texts no longer used are dropped


def test_saved_bm25_gives_identical_results(tmp_path, seed_engine):
    passages = seed_engine.store.passages()
    bm25 = BM25.fit([p.passage_id for p in passages], [p.text for p in passages])
    bm25.remove([passages[0].passage_id])
    loaded = BM25.from_bytes(bm25.to_bytes())
    assert loaded.vocab == bm25.vocab and len(loaded) == len(bm25)
    for q in QUESTIONS:
        ids, scores = bm25.search(q, 20, 0.9, 0.4)
        loaded_ids, loaded_scores = loaded.search(q, 20, 0.9, 0.4)
        assert ids.tolist() == loaded_ids.tolist() and np.allclose(scores, loaded_scores)


def test_reload_after_an_update_matches_a_fresh_fit(tmp_path, fresh_engine):
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    engine = fresh_engine()
    engine.build([src])
    before = engine.loaded()
    files = GenerationFiles(engine.index_dir)
    assert files.path("bm25", before.generation).exists()
    (src / "new.md").write_text("# Seizure\n\nCustoms seized 300 kilograms of a fentanyl precursor.\n")
    (src / "002_b36ef5ac26814476.txt").unlink()
    engine.build([src])
    after = engine.loaded()  # the build updated the previous generation's BM25 file and saved it
    assert after.generation == before.generation + 1 and not after.retriever.bm25 is before.retriever.bm25
    passages = engine.store.passages()
    fresh = BM25.fit([p.passage_id for p in passages], [p.text for p in passages])
    for q in QUESTIONS:
        assert after.retriever.bm25.search(q, 10, 0.9, 0.4)[0].tolist() == fresh.search(q, 10, 0.9, 0.4)[0].tolist()
    saved = BM25.from_bytes(files.path("bm25", after.generation).read_bytes())
    assert saved.live_ids().tolist() == fresh.live_ids().tolist()
    assert len(list(engine.index_dir.glob("bm25-*.npz"))) == 1  # older generations' files are dropped


def test_ivf_above_the_threshold_matches_exact_search(tmp_path, embedder):
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    exact = Engine(tmp_path / "exact", embedder=embedder, create=True)
    exact.build([src])
    forced = replace(SETTINGS, vectors=VectorIndexSettings(exact_max=10, ivf_probe_share=1.0))
    approx = Engine(tmp_path / "ivf", settings=forced, embedder=embedder, create=True)
    approx.build([src])
    assert is_ivf(approx.loaded().retriever.vectors)
    assert not is_ivf(exact.loaded().retriever.vectors)
    for q in QUESTIONS:
        a, b = exact.ask(q), approx.ask(q)
        assert [(e.citation.doc_id, e.citation.start) for e in a.excerpts] == \
               [(e.citation.doc_id, e.citation.start) for e in b.excerpts]
    # updates go into the IVF index in place and keep it consistent with SQLite
    (src / "new.md").write_text("# Seizure\n\nCustoms seized 300 kilograms of a fentanyl precursor.\n")
    approx.build([src])
    vectors = approx.loaded().retriever.vectors
    assert is_ivf(vectors) and vectors.ntotal == approx.store.passage_count()
    assert approx.ask("How much fentanyl precursor did customs seize?").excerpts[0].citation.doc_id == "new.md"


def test_nothing_changed_build_loads_no_model(seed_engine):
    idle = Embedder(SETTINGS)
    engine = Engine(seed_engine.index_dir, embedder=idle)
    copy = seed_engine.index_dir.parent / "articles"  # what the session index was built from
    report = engine.build([copy])
    assert report.passages_embedded == 0 and not (report.added or report.updated or report.removed)
    assert not idle.loaded_anything()


def test_an_answer_embeds_each_sentence_once_on_one_thread(seed_engine):
    """The highlight's tie-break and the answer step share their sentence vectors: within one question no
    text goes through the model twice, and sentences use the one-thread session, not the build's."""
    from .support import seed_questions

    embedder = seed_engine.embedder
    seed_engine.warm_up()
    if embedder.backend != "onnx-int8":
        pytest.skip("the one-thread sentence session belongs to the int8 backend")
    runs: list[tuple[str, tuple]] = []
    sessions = {"sentence": embedder._sentence_model} | {f"build {n}": w for n, w in enumerate(embedder.model[1:])}
    for name, session in sessions.items():
        def run(ids, mask, name=name, original=session.hidden_mean):
            runs.extend((name, tuple(row[m > 0].tolist())) for row, m in zip(ids, mask))
            return original(ids, mask)
        session.hidden_mean = run
    try:
        embedded = 0
        for q in seed_questions():
            runs.clear()
            got = seed_engine.ask(q["question"])
            texts = [text for _, text in runs]
            assert len(texts) == len(set(texts)), q["question"]
            assert {name for name, _ in runs} <= {"sentence"}
            embedded += len(texts) if got.answered and got.answer else 0
    finally:
        for session in sessions.values():
            del session.hidden_mean
    assert embedded > 0  # answers were chosen with the model's help, so the check above saw sentences

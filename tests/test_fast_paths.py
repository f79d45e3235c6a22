"""The fast paths give the same answers as the slow ones: embedding cache, saved BM25, IVF, idle rebuilds."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from qa.ingest.chunker import Chunker
from qa.config import SETTINGS, ChunkSettings, VectorIndexSettings
from qa.embed.embedder import Embedder
from qa.engine import Engine
from qa.index.lexical import BM25
from qa.ingest.loader import load, scan
from qa.index.generations import GenerationFiles
from qa.index import vector_index
from qa.index.vector_index import is_ivf
from qa.text import tokenize

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


@pytest.mark.parametrize("compact_share", [SETTINGS.build.bm25_compact_share, 1.0], ids=["compacted", "rows-kept"])
def test_reload_after_an_update_matches_a_fresh_fit(tmp_path, fresh_engine, compact_share):
    """With the removed article's rows dropped or kept in the updated BM25, search and idf are a fresh fit's."""
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    engine = fresh_engine(replace(SETTINGS, build=replace(SETTINGS.build, bm25_compact_share=compact_share)))
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
    fresh_idf = fresh.idf_function()  # the highlighter's and the judge's idf: live passages only, like search's
    for term in {t for p in passages for t in tokenize(p.text)} | {"precursor", "b36ef5ac26814476"}:
        assert after.idf(term) == pytest.approx(fresh_idf(term)) and after.idf(term) >= 0, term
    assert len(list(engine.index_dir.glob("bm25-*.npz"))) == 1  # older generations' files are dropped


# the seeds' few passages in an IVF index searching every list: answers must match exact search
IVF_FORCED = replace(SETTINGS, vectors=VectorIndexSettings(exact_max=10, ivf_probe_share=1.0))


def test_ivf_above_the_threshold_matches_exact_search(tmp_path, embedder):
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    exact = Engine(tmp_path / "exact", embedder=embedder, create=True)
    exact.build([src])
    approx = Engine(tmp_path / "ivf", settings=IVF_FORCED, embedder=embedder, create=True)
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


def test_exact_search_keeps_float16_vectors(seed_engine):
    """Half the memory to read a search; a cosine moves by less than 0.001."""
    vectors = seed_engine.loaded().retriever.vectors
    ids, stored = seed_engine.store.vectors_of()
    assert not is_ivf(vectors) and not vector_index.stores_float32(vectors)
    kept = np.vstack([vectors.reconstruct(int(i)) for i in ids])
    assert 0 < np.abs(kept - stored).max() < 1e-3, "float16, not float32, and close to it"
    query = seed_engine.embedder.embed_query(QUESTIONS[0])
    found, scores = vector_index.search_allowed(vectors, query, 5, np.sort(ids), exact_max=0)
    assert np.allclose(scores, stored[np.searchsorted(ids, found)] @ query, atol=1e-3)


def test_an_index_of_float32_vectors_is_remade_when_loaded(seed_engine, tmp_path):
    """An index from before float16 answers the same, remade once from SQLite, and is not called damaged."""
    import faiss

    copy = tmp_path / "index"
    shutil.copytree(seed_engine.index_dir, copy)
    store, files = Engine(copy, embedder=seed_engine.embedder).store, GenerationFiles(copy)
    ids, stored = store.vectors_of()
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(stored.shape[1]))
    old.add_with_ids(stored, ids)
    generation = store.generation()
    store.record_digests(generation, {"vectors": files.write("vectors", generation, vector_index.to_bytes(old))})
    engine = Engine(copy, embedder=seed_engine.embedder)
    assert not vector_index.stores_float32(engine.loaded().retriever.vectors)
    assert not vector_index.stores_float32(vector_index.from_bytes(files.path("vectors", generation).read_bytes()))
    for q in QUESTIONS[:4]:
        assert [e.citation for e in engine.ask(q).excerpts] == [e.citation for e in seed_engine.ask(q).excerpts]
    assert not engine.build([seed_engine.index_dir.parent / "articles"]).repaired


def test_an_ivf_index_of_float32_vectors_is_remade_as_float16_on_its_own_centroids(tmp_path, embedder):
    """An IVF index from before float16: remade when loaded without k-means again, answering as before."""
    import faiss

    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    engine = Engine(tmp_path / "ivf", settings=IVF_FORCED, embedder=embedder, create=True)
    engine.build([src])
    answers = {q: [e.citation for e in engine.ask(q).excerpts] for q in QUESTIONS[:4]}
    current = engine.loaded().retriever.vectors
    assert is_ivf(current) and not vector_index.stores_float32(current)
    kept = vector_index.centroids(current)
    # what the previous code wrote: the same lists, float32 vectors
    store, files = engine.store, GenerationFiles(engine.index_dir)
    ids, stored = store.vectors_of()
    quantizer = faiss.IndexFlatIP(stored.shape[1])
    quantizer.add(kept)
    old = faiss.IndexIVFFlat(quantizer, stored.shape[1], len(kept), faiss.METRIC_INNER_PRODUCT)
    old.set_direct_map_type(faiss.DirectMap.Hashtable)
    old.add_with_ids(stored, ids)
    generation = store.generation()
    store.record_digests(generation, {"vectors": files.write("vectors", generation, vector_index.to_bytes(old))})
    assert vector_index.stores_float32(vector_index.from_bytes(files.path("vectors", generation).read_bytes()))
    again = Engine(engine.index_dir, settings=IVF_FORCED, embedder=embedder)
    remade = again.loaded().retriever.vectors
    assert is_ivf(remade) and not vector_index.stores_float32(remade)
    assert np.array_equal(vector_index.centroids(remade), kept)
    assert not vector_index.stores_float32(vector_index.from_bytes(files.path("vectors", generation).read_bytes()))
    assert {q: [e.citation for e in again.ask(q).excerpts] for q in answers} == answers


def test_nothing_changed_build_loads_no_model(seed_engine):
    idle = Embedder(SETTINGS)
    engine = Engine(seed_engine.index_dir, embedder=idle)
    copy = seed_engine.index_dir.parent / "articles"  # what the session index was built from
    report = engine.build([copy])
    assert report.passages_embedded == 0 and not (report.added or report.updated or report.removed)
    assert not idle.loaded_anything()


def test_an_answer_runs_the_model_on_the_question_only(seed_engine):
    """The highlight's tie-break, the confidence and the answer step compare sentences with the question using
    the sentence vectors stored at build time: asking embeds no sentence."""
    from .support import seed_questions

    embedded: list[str] = []
    original = seed_engine.embedder.embed_sentences
    seed_engine.embedder.embed_sentences = lambda texts: embedded.extend(texts) or original(texts)
    try:
        answered = [seed_engine.ask(q["question"]) for q in seed_questions()]
    finally:
        del seed_engine.embedder.embed_sentences
    assert sum(len(a.answer) for a in answered) > 0  # answers were chosen, so sentence vectors were compared
    assert embedded == []


def test_an_index_without_sentence_vectors_embeds_each_sentence_once(seed_engine, tmp_path):
    """An index built before sentence vectors were stored still answers: the model embeds the few sentences
    an answer compares, each once a question."""
    from .support import seed_questions

    index = tmp_path / "old"
    shutil.copytree(seed_engine.index_dir, index)
    engine = Engine(index, embedder=seed_engine.embedder)
    with engine.store.transaction():
        engine.store.db.execute("UPDATE vectors SET sentences = NULL")
    runs: list[list[str]] = []
    original = engine.embedder.embed_sentences
    engine.embedder.embed_sentences = lambda texts: runs.append(list(texts)) or original(texts)
    try:
        for q in seed_questions():
            runs.clear()
            got = engine.ask(q["question"])
            texts = [t for run in runs for t in run]
            assert len(texts) == len(set(texts)), q["question"]
            if got.answer:
                assert texts, q["question"]
    finally:
        del engine.embedder.embed_sentences

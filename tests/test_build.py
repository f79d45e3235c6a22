"""Builds are incremental by content hash; setting changes and bad files are handled."""
import shutil
from dataclasses import replace

import faiss

from qa.config import SETTINGS, ChunkSettings

from .support import PLAIN, SEEDS, SPUN


def _consistent(engine):
    ids = faiss.vector_to_array(engine.loaded().retriever.vectors.id_map)
    return sorted(ids.tolist()) == engine.store.passage_ids().tolist()


def test_incremental_add_modify_delete(tmp_path, fresh_engine):
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    engine = fresh_engine()
    first = engine.build([src])
    assert sorted(first.added) == [SPUN, PLAIN] and first.passages_embedded > 10

    again = engine.build([src])
    assert again.passages_embedded == 0 and sorted(again.unchanged) == [SPUN, PLAIN]
    assert not (again.added or again.updated or again.removed)

    (src / "new.md").write_text("# Harbour seizure\n\nCustoms agents in Rotterdam seized 300 kilograms "
                                "of 4-piperidone, a fentanyl precursor, hidden in a shipment of furniture.\n")
    added = engine.build([src])
    assert added.added == ["new.md"] and added.passages_embedded == 1

    text = (src / PLAIN).read_text(encoding="utf-8")
    (src / PLAIN).write_text(text + "\nA final paragraph about nitazene scheduling in Europe.\n", encoding="utf-8")
    changed = engine.build([src])
    assert changed.updated == [PLAIN]
    # only the changed window(s) need new vectors: the unchanged passage texts come from the cache
    assert 1 <= changed.passages_embedded <= 2

    (src / SPUN).unlink()
    removed = engine.build([src])
    assert removed.removed == [SPUN] and removed.passages_embedded == 0
    assert {d.doc_id for d, _ in engine.documents()} == {PLAIN, "new.md"}
    assert all(e.citation.doc_id != SPUN for e in engine.ask("Worldwide Narcotics Management Board", 5).excerpts)
    assert engine.ask("Where was 4-piperidone seized?", 1).excerpts[0].citation.doc_id == "new.md"
    assert _consistent(engine)


def test_settings_change_re_embeds(tmp_path, fresh_engine):
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    engine = fresh_engine()
    engine.build([src])
    before = engine.store.passage_count()
    smaller = replace(SETTINGS, chunk=ChunkSettings(max_tokens=64, overlap_tokens=16))
    engine2 = fresh_engine(smaller)
    report = engine2.build([src])
    assert sorted(report.updated) == [SPUN, PLAIN]
    assert report.passages_embedded > 0
    assert engine2.store.passage_count() > before
    assert engine2.build([src]).passages_embedded == 0
    assert _consistent(engine2)


def test_bad_files_are_skipped_with_warnings(tmp_path, fresh_engine):
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    (src / "empty.txt").write_text("")
    (src / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (src / "broken.pdf").write_bytes(b"%PDF-1.7\n garbage")
    (src / "notes.docx").write_bytes(b"PK\x03\x04")
    warnings: list[str] = []
    report = fresh_engine().build([src], warn=warnings.append)
    assert sorted(report.added) == [SPUN, PLAIN]
    assert sorted(name for name, _ in report.skipped) == ["binary.txt", "broken.pdf", "empty.txt", "notes.docx"]
    assert len(warnings) == 4 and all("\n" not in w and w.startswith("skipped ") for w in warnings)

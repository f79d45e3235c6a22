"""Deleting an article removes its file and its passages in one update, and only ever a file
inside the collection folders."""
from __future__ import annotations

import pytest

from qa.collection import delete, locate
from qa.errors import CollectionError, UnknownDocument

from .support import check_consistent


@pytest.fixture
def two_folders(tmp_path, fresh_engine):
    seeds, mine = tmp_path / "seeds", tmp_path / "articles"
    (mine / "sub").mkdir(parents=True)
    seeds.mkdir()
    (seeds / "kept.txt").write_text("Harbour report\nThe harbour handled 1,204 ships in March.\n")
    (mine / "sub" / "gone.txt").write_text("Mill report\nThe old mill ground 37 tonnes of rye in May.\n")
    engine = fresh_engine()
    engine.build([seeds, mine])
    return engine, [seeds, mine]


def test_delete_removes_the_file_and_its_passages_in_one_update(two_folders, embedder):
    engine, sources = two_folders
    generation = engine.generation()
    path = locate(engine, "articles/sub/gone.txt", sources)
    assert path == sources[1] / "sub" / "gone.txt"
    report = delete(engine, "articles/sub/gone.txt", sources)
    assert report.removed == ["articles/sub/gone.txt"] and not path.exists()
    assert engine.generation() == generation + 1
    assert [d.doc_id for d, _ in engine.documents()] == ["seeds/kept.txt"]
    assert sorted(p.name for p in sources[1].rglob("*")) == ["sub"], "no file set aside is left behind"
    assert all(e.citation.doc_id == "seeds/kept.txt" for e in engine.ask("How much rye did the mill grind?").excerpts)
    check_consistent(engine.index_dir, embedder)


def test_only_files_inside_the_collection_folders_are_deleted(two_folders, tmp_path):
    engine, sources = two_folders
    with pytest.raises(UnknownDocument):
        delete(engine, "../outside.txt", sources)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # the index names a file the folders given do not hold: refused, nothing touched
    with pytest.raises(CollectionError, match="no such file in the collection folders"):
        delete(engine, "articles/sub/gone.txt", [sources[0], elsewhere])
    assert (sources[1] / "sub" / "gone.txt").exists()
    assert len(engine.documents()) == 2

"""The Collection tab's download folder: made only when an article is first opened, and removed with the tab, so
building UIs (every test that does, every start of the app) leaves no empty folder in the temp folder."""
from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import pytest

from qa.engine import Engine
from qa.ui.collection_tab import CollectionTab


@pytest.fixture
def temp_folder(tmp_path, monkeypatch) -> Path:
    """The process's temp folder, pointed into this test's own folder: other work on the machine cannot add to it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def downloads(folder: Path) -> list[Path]:
    return sorted(folder.glob("qa-downloads-*"))


def test_building_the_tab_makes_no_folder(tmp_path, temp_folder):
    (tmp_path / "articles").mkdir()
    for _ in range(3):
        CollectionTab(Engine(tmp_path / "index", create=True), [tmp_path / "articles"])
    assert downloads(temp_folder) == []


@pytest.mark.model
def test_the_folder_is_made_on_the_first_download_and_removed_with_the_tab(tmp_path, temp_folder, fresh_engine):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "bridge.txt").write_text("The bridge report\nThe Kesling Street bridge opened in 1911.\n")
    engine = fresh_engine()
    engine.build([folder])
    tab = CollectionTab(engine, [folder])
    assert downloads(temp_folder) == []
    doc_id, _, button, _ = tab.open_article("bridge.txt")
    made = downloads(temp_folder)
    assert doc_id == "bridge.txt" and len(made) == 1
    kept = list(made[0].rglob("bridge.txt"))  # the copy Gradio serves the download from
    assert len(kept) == 1 and kept[0].read_bytes() == (folder / "bridge.txt").read_bytes() and button.visible
    tab.open_article("bridge.txt")  # opened again: the same folder
    assert downloads(temp_folder) == made
    del tab
    gc.collect()
    assert downloads(temp_folder) == []

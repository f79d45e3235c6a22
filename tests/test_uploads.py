"""Saving uploads into a collection folder: unsafe names refused, types and sizes limited, nothing overwritten."""
from __future__ import annotations

import pytest

from qa.config import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES
from qa.errors import UploadError
from qa.ingest.uploads import safe_name, save_one, save_uploads


@pytest.mark.parametrize("name, reason", [
    ("../evil.txt", "'..'"),
    ("a/../../evil.txt", "'..'"),
    ("..\\..\\evil.txt", "'..'"),
    ("/etc/passwd.txt", "absolute"),
    ("C:\\Windows\\evil.txt", "absolute"),
    ("\\\\server\\share\\evil.txt", "absolute"),
    (".bashrc.txt", "hidden"),
    ("sub/.hidden.md", "hidden"),
    ("payload.exe", "not allowed"),
    ("archive.tar.gz", "not allowed"),
    ("noextension", "not allowed"),
    ("", "empty"),
    ("nul\x00.txt", "NUL"),
])
def test_unsafe_or_unsupported_names_are_refused(name, reason):
    with pytest.raises(UploadError, match=reason) as info:
        safe_name(name)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("name, clean", [
    ("report.TXT", "report.txt"),
    ("folder/inner/story.md", "story.md"),
    ("my <story> & \"notes\".html", "my _story_ _ _notes_.html"),
    ("my <b>story</b>.html", "b_.html"),  # "/" separates folders: only the last part is kept
    ("naïve café.pdf", "naïve café.pdf"),
    ("tab\tand\nnewline.txt", "tab_and_newline.txt"),
    ("x" * 300 + ".htm", "x" * 116 + ".htm"),
])
def test_ordinary_names_are_cleaned(name, clean):
    assert safe_name(name) == clean


def test_saved_into_the_folder_only(tmp_path):
    src = tmp_path / "upload.bin"
    src.write_text("An article.\n")
    folder = tmp_path / "collection"
    report = save_uploads([("../../outside.txt", src), ("inside/ok.txt", src)], folder)
    assert [p.name for p in report.saved] == ["ok.txt"] and len(report.errors) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["ok.txt"]
    assert not (tmp_path / "outside.txt").exists()


def test_duplicate_name_gets_a_suffix_and_same_bytes_are_not_copied_twice(tmp_path):
    folder = tmp_path / "collection"
    folder.mkdir()
    (folder / "story.txt").write_text("the original")
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_text("a different story")
    second.write_text("yet another story")
    assert save_one("story.txt", first, folder).name == "story-2.txt"
    assert save_one("story.txt", second, folder).name == "story-3.txt"
    assert save_one("story.txt", first, folder) is None  # identical to story-2.txt: already there
    assert (folder / "story.txt").read_text() == "the original"
    assert sorted(p.name for p in folder.iterdir()) == ["story-2.txt", "story-3.txt", "story.txt"]


def test_too_big_and_empty_files_are_refused(tmp_path):
    big = tmp_path / "big"
    with open(big, "wb") as fh:
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    folder = tmp_path / "collection"
    report = save_uploads([("big.txt", big), ("empty.txt", empty)], folder)
    assert report.saved == []
    assert "MB limit" in report.errors[0] and "empty" in report.errors[1]
    assert list(folder.iterdir()) == []


def test_too_many_files_at_once_adds_nothing(tmp_path):
    src = tmp_path / "src"
    src.write_text("text")
    report = save_uploads([(f"f{i}.txt", src) for i in range(MAX_UPLOAD_FILES + 1)], tmp_path / "c")
    assert report.saved == [] and "limit" in report.errors[0]


def test_no_temporary_files_are_left_behind(tmp_path):
    src = tmp_path / "src"
    src.write_text("text")
    folder = tmp_path / "c"
    save_uploads([("one.txt", src), ("one.txt", src), ("bad.exe", src)], folder)
    assert [p.name for p in folder.iterdir()] == ["one.txt"]


# ---- hostile upload names ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../escape.txt", "../../etc/passwd.txt", "a/../../b.txt", "/etc/cron.d/x.txt",
                                  "/tmp/abs.txt", "C:\\Windows\\x.txt", "..\\..\\win.txt", "\\\\server\\share\\x.txt"])
def test_upload_names_cannot_leave_the_collection(tmp_path, name):
    from qa.ingest.uploads import save_uploads

    collection, outside = tmp_path / "collection", tmp_path / "upload-src"
    outside.mkdir()
    src = outside / "payload.txt"
    src.write_text("an article that tries to escape", encoding="utf-8")
    before = {p for p in tmp_path.rglob("*")}
    report = save_uploads([(name, src)], collection)
    assert report.saved == [] and len(report.errors) == 1 and "\n" not in report.errors[0]
    assert {p for p in tmp_path.rglob("*")} - before <= {collection}  # nothing written anywhere else

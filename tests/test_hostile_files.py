"""Hostile files: odd encodings and binaries, files turned bad, 50 MB, uploads a crash left behind, undecodable
file names, links out, escapes, long titles: skipped with a reason or indexed, nothing lost."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .pdfs import one_file, pdf_bytes, text_ops
from .support import NOOP, PLAIN, SEEDS, SPUN, seed_index_intact


# ---- an upload left by a crash is indexed on re-upload and at start ---------------------------------
def _crash_after_save(tmp_path: Path, engine) -> tuple[Path, Path]:
    """A collection indexed without the article a killed app had saved but not yet indexed."""
    from qa.ingest.uploads import save_uploads

    collection = tmp_path / "articles"
    collection.mkdir()
    shutil.copy(SEEDS / PLAIN, collection / PLAIN)
    engine.build([collection])
    upload = tmp_path / "browser" / "quokka.txt"
    upload.parent.mkdir()
    upload.write_text("Quokka census\nRangers on Wadjemup counted 12,408 quokkas in the March census, "
                      "up from 10,100 two years earlier.\n", encoding="utf-8")
    assert save_uploads([(upload.name, upload)], collection).saved == [collection / "quokka.txt"]
    return collection, upload  # ... and the app is killed here, before its build


def test_reupload_after_a_crash_indexes_the_file(tmp_path, fresh_engine):
    from qa.ui.collection_tab import CollectionTab

    engine = fresh_engine()
    collection, upload = _crash_after_save(tmp_path, engine)
    app = CollectionTab(engine, collection)
    notice, *_ = app.add_files([str(upload)], progress=NOOP)
    assert "quokka.txt" in {d.doc_id for d, _ in engine.documents()}
    assert "quokka.txt: added and ready for questions" in notice and "already" not in notice
    # a second identical upload of an indexed file: nothing to do, and it says so
    notice, *_ = app.add_files([str(upload)], progress=NOOP)
    assert "quokka.txt: already in the collection" in notice


def test_app_start_indexes_files_left_by_a_crash(tmp_path, fresh_engine):
    from qa.engine import Engine

    from .apprunner import launch, stop, wait_until_up

    collection, _ = _crash_after_save(tmp_path, fresh_engine())
    log = open(tmp_path / "app.log", "w")
    proc, url, _ = launch(["--source", str(collection), "--index", str(tmp_path / "index")],
                          stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        assert wait_until_up(proc, url, timeout=300), (tmp_path / "app.log").read_text()[-3000:]
        assert "quokka.txt" in {d.doc_id for d, _ in Engine(tmp_path / "index").documents()}
    finally:
        stop(proc)
        log.close()


# ---- a file name that is not UTF-8 -----------------------------------------------------------------
@pytest.mark.model  # `qa build` loads the model
def test_a_file_name_that_is_not_utf8_is_skipped_and_the_build_commits(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEEDS / PLAIN, folder / PLAIN)
    with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as out:  # Latin-1 é: not UTF-8
        out.write(b"The cafe article.\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    run = subprocess.run([sys.executable, "-m", "qa.cli", "build", "--source", str(folder), "--index",
                          str(tmp_path / "index"), "--json"], capture_output=True, env=env, timeout=300)
    stderr = run.stderr.decode("utf-8", "replace")
    assert run.returncode == 0, stderr[-2000:]
    report = json.loads(run.stdout)
    assert report["added"] == [PLAIN]
    assert report["skipped"] == [["caf\\xe9.txt", "the file name is not valid UTF-8; rename the file"]]
    warnings = [line for line in stderr.splitlines() if line.startswith("warning:")]
    assert warnings == ["warning: skipped caf\\xe9.txt: the file name is not valid UTF-8; rename the file"]


# ---- symbolic links ---------------------------------------------------------------------------------
def test_links_that_leave_the_collection_are_not_followed(tmp_path, fresh_engine):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret\nThe vault code is 4417-ZEBRA, said the caretaker.\n")
    (outside / "passwd").write_text("root:x:0:0:root:/root:/bin/bash vault code 4417-ZEBRA\n")
    (outside / "more").mkdir()
    (outside / "more" / "inner.txt").write_text("The vault code is 4417-ZEBRA.\n")
    folder = tmp_path / "articles"
    folder.mkdir()
    shutil.copy(SEEDS / PLAIN, folder / PLAIN)
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff not an article")
    (folder / "secret.txt").symlink_to(outside / "secret.txt")
    (folder / "passwd.txt").symlink_to(outside / "passwd")
    (folder / "relative.txt").symlink_to(Path("..") / "outside" / "secret.txt")
    (folder / "more").symlink_to(outside / "more", target_is_directory=True)
    (folder / "photo.txt").symlink_to(folder / "photo.jpg")  # inside, but not an article type
    (folder / "alias.txt").symlink_to(PLAIN)  # inside and an article: followed
    engine = fresh_engine()
    report = engine.build([folder], warn=NOOP)
    skipped = dict(report.skipped)
    for name in ("secret.txt", "passwd.txt", "relative.txt"):
        assert skipped[name] == "a link that leaves the collection folder; not followed"
    assert skipped["photo.txt"] == "a link to a file of unsupported type '.jpg'"
    assert {d.doc_id for d, _ in engine.documents()} == {PLAIN, "alias.txt"}
    assert engine.document("alias.txt").source == str((folder / PLAIN).resolve())
    answer = engine.ask("What is the vault code?", 10)
    assert all("4417" not in e.text and str(outside) not in e.citation.source for e in answer.excerpts)


# ---- terminal escape sequences ---------------------------------------------------------------------
ESCAPES = ("Zanzibar clove harvest\x1b[2J\x1b]0;pwned title\x07 The Zanzibar clove harvest reached 8,300 tonnes, "
           "\x1b]8;;http://evil.example/\x1b\\officials said\x1b]8;;\x1b\\ on Monday.\x9b31m\x7f\n")


def test_cli_human_output_replaces_control_characters(tmp_path, fresh_engine):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "cloves.txt").write_text(ESCAPES, encoding="utf-8")
    fresh_engine().build([folder])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}

    def qa(*args: str) -> str:
        run = subprocess.run([sys.executable, "-m", "qa.cli", *args, "--index", str(tmp_path / "index")],
                             capture_output=True, env=env, timeout=300)
        assert run.returncode == 0, run.stderr.decode(errors="replace")[-2000:]
        return run.stdout.decode("utf-8")

    controls = {chr(c) for c in (*range(0x20), *range(0x7f, 0xa0))} - {"\n"}
    for out in (qa("ask", "How large was the Zanzibar clove harvest?", "-k", "1"), qa("show", "cloves.txt")):
        assert "8,300 tonnes" in out and not controls & set(out), repr(out)
        assert "\ufffd[2J" in out and "\ufffd]0;pwned title\ufffd" in out
    for out in (qa("ask", "How large was the Zanzibar clove harvest?", "-k", "1", "--json"),
                qa("show", "cloves.txt", "--json")):
        assert not controls & set(out), repr(out)  # escaped by JSON (\u001b, \u009b), not raw
        data = json.loads(out)
        text = data["excerpts"][0]["text"] if "excerpts" in data else data["text"]
        assert "\x1b[2J" in text and "\x1b]0;pwned title\x07" in text and "\x9b31m\x7f" in text


# ---- titles ----------------------------------------------------------------------------------------
def test_long_titles_are_capped_for_display_in_every_format(tmp_path):
    from qa.ui import render as ui_render
    from qa.ingest.loader import load
    from qa.records import Document

    cap = 120 + 1  # LoadSettings.title_chars, and the "…" after the cut
    words = " ".join(f"word{i}" for i in range(900))  # 5,009 characters, as in the issue
    assert len(words[:5009]) == 5009
    body = "".join(f"<p>Paragraph {i} of an article about the harbour reopening after the long strike.</p>"
                   for i in range(8))
    html = f"<html><head><title>{words[:5009]}</title></head><body><article>{body}</article></body></html>"
    cases = {
        "long.html": html.encode(),
        "nospace.html": html.replace(words[:5009], "x" * 5009).encode(),
        "long.txt": (words + "\n\nThe harbour reopened on Monday.\n").encode(),
        "long.md": ("# " + words + "\n\nThe harbour reopened on Monday.\n").encode(),
        "long.pdf": pdf_bytes([text_ops("The harbour reopened on Monday.", 3)], title=words[:3000]),
    }
    for name, data in cases.items():
        doc = load(one_file(tmp_path / name.replace(".", "_"), name, data))
        assert doc.title and len(doc.title) <= cap, (name, len(doc.title or ""))
    # an index built before the fix still holds a whole title: the UI caps it when it shows it
    old = Document("old.html", "The harbour reopened on Monday.", "0" * 64, title="y" * 5009)
    heading = ui_render.source(old, 0, 10, []).split("<h3>")[1].split("</h3>")[0]
    assert len(heading) <= cap
    answer = {"question": "q", "answered": True, "took_ms": 1.0, "excerpts": [
        {"rank": 1, "score": 1.0, "doc_id": "old.html", "title": "y" * 5009, "date": None, "source": "",
         "start": 0, "end": 10, "text": "The harbou", "highlight": []}]}
    button = ui_render.conversation([answer]).split('class="qa-cite-btn"')[1].split("</button>")[0]
    shown = ui_render.TABLE_TITLE_CHARS  # a source line shows the table's shorter title
    assert "y" * (shown + 1) not in button and "y" * (shown - 2) in button


# ---- hostile files ---------------------------------------------------------------------------------------
def hostile_collection(folder: Path) -> dict[str, str]:
    """Seeds plus one file of each hostile kind; returns {file: what should happen to it}."""
    shutil.copytree(SEEDS, folder)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\t\n", encoding="utf-8")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "image.html").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(500))
    (folder / "mixed.txt").write_bytes("Caf\u00e9 owners in Zorbtown ".encode() + "na\u00efve cr\u00e8me ".encode("cp1252")
                                       + b"\xff\xfe broken bytes \xc3\x28 and the Zorbtown harbour reopened.\n")
    (folder / "latin1.txt").write_bytes("Qu\u00e9bec's Vrelmarsh ferry carried 812 cars.\n".encode("latin-1"))
    (folder / "utf16.txt").write_bytes("Glimwick bakery sold 77 pies.\n".encode("utf-16"))
    (folder / "malformed.html").write_text("<html><head><title>Broken <b>page</title><body><p>The Quillhaven "
                                           "lighthouse keeper <i>retired <p>after 40 years<div></span></table>"
                                           "<script>alert(1)</script><!-- unclosed", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer<<>>\n%%EO")
    (folder / "notreally.pdf").write_text("just text with a pdf name", encoding="utf-8")
    (folder / "copy of plain.txt").write_bytes((SEEDS / PLAIN).read_bytes())
    return {"empty.txt": "no text", "blank.md": "no text", "binary.txt": "binary file", "image.html": "binary file",
            "broken.pdf": "PDF could not be parsed", "notreally.pdf": "PDF could not be parsed"}


def test_hostile_files_are_skipped_or_indexed_and_nothing_is_lost(tmp_path, fresh_engine):
    folder = tmp_path / "articles"
    expected_skips = hostile_collection(folder)
    engine = fresh_engine()
    report = engine.build([folder], warn=lambda msg: None)
    skipped = dict(report.skipped)
    for name, reason in expected_skips.items():
        assert reason in skipped.get(name, ""), f"{name}: {skipped.get(name)}"
        assert "\n" not in skipped[name]
    indexed = {d.doc_id for d, _ in engine.documents()}
    assert indexed == {p.name for p in folder.iterdir()} - set(expected_skips)
    assert "Zorbtown harbour reopened" in engine.document("mixed.txt").text  # mixed encodings: decoded, not dropped
    assert "Québec's Vrelmarsh" in engine.document("latin1.txt").text
    assert engine.document("utf16.txt").text.strip() == "Glimwick bakery sold 77 pies."
    assert "Quillhaven" in engine.document("malformed.html").text and "alert" not in engine.document("malformed.html").text
    seed_index_intact(engine)
    # the same content under two names: both are indexed, an answer quotes it once
    cited = [e.citation.doc_id for e in engine.ask("What is the Counternarcotics Working Group?", 5).excerpts]
    assert (PLAIN in cited) != ("copy of plain.txt" in cited), f"one of the two copies, not both: {cited}"
    texts = [e.text for e in engine.ask("What is the Counternarcotics Working Group?", 5).excerpts]
    assert len(texts) == len(set(texts)), "the same passage was shown twice"


def test_a_good_file_turned_bad_keeps_its_indexed_version(tmp_path, fresh_engine):
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    engine = fresh_engine()
    engine.build([folder])
    (folder / SPUN).write_bytes(b"\x00\x01binary now" * 100)
    warnings: list[str] = []
    report = engine.build([folder], warn=warnings.append)
    assert any(SPUN in w and "binary" in w and "indexed version is kept" in w for w in warnings)
    assert report.updated == [] and SPUN not in report.removed
    seed_index_intact(engine)


def test_fifty_megabytes_of_text_is_skipped_unread_with_the_limit_named(tmp_path, fresh_engine):
    import resource

    from qa.ingest.loader import MAX_FILE_BYTES

    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    engine = fresh_engine()
    engine.build([folder])  # the model is loaded now, whichever tests ran before: the peak below is the file's
    line = b"The enormous report repeats this sentence about nothing in particular again and again.\n"
    with open(folder / "huge.txt", "wb") as out:
        for _ in range(50 * 2**20 // (len(line) * 1024) + 1):
            out.write(line * 1024)
    assert (folder / "huge.txt").stat().st_size >= 50 * 2**20 > MAX_FILE_BYTES
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = engine.build([folder], warn=lambda msg: None)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before < 200 * 1024  # KiB: never read whole
    reason = dict(report.skipped)["huge.txt"]
    assert reason == f"too large (50 MB > {MAX_FILE_BYTES // 2**20} MB)"
    seed_index_intact(engine)

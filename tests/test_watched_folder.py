"""The watched folder. Files added, changed and removed by hand reach the index, one update at
a time; temp and hidden files and the index folder are ignored. Updates are counted, never timed."""
from __future__ import annotations

import queue
import threading

import pytest

from qa.ingest.watch import Watcher, WatchEvent, wanted

from .support import check_consistent

WAIT = 300  # seconds: generous, the CPU is shared; the tests wait for events, they do not time them


def test_temp_hidden_and_index_files_are_not_articles(tmp_path):
    root, index = tmp_path / "articles", tmp_path / "articles" / "index"
    assert wanted(root / "story.txt", [root], [index]) and wanted(root / "sub" / "story.md", [root], [index])
    for name in (".story.txt.swp", "story.txt~", "story.html.part", "story.txt.tmp", "vectors-3.faiss.tmp42",
                 "story.html.crdownload", "~$story.docx", ".hidden/story.txt", "index/qa.sqlite"):
        assert not wanted(root / name, [root], [index]), name


def _article(title: str, fact: str) -> str:
    return f"{title}\n{fact} The report was published by the regional office and covers the whole year.\n"


@pytest.fixture
def watched(tmp_path, fresh_engine):
    """A built one-article collection, its engine and a running Watcher whose updates arrive in a queue."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "first.txt").write_text(_article("Moss survey", "The moss survey found 31 species on the old wall."))
    engine = fresh_engine()
    engine.build([folder])
    events: queue.Queue[WatchEvent] = queue.Queue()
    watcher = Watcher(lambda: engine.build([folder], warn=lambda _m: None), [folder], ignore=[engine.index_dir],
                      on_update=events.put, debounce_ms=500).start()
    yield folder, engine, events, watcher
    watcher.stop()


def _ids(engine) -> set[str]:
    return {d.doc_id for d, _ in engine.documents()}


def _next(events: queue.Queue) -> WatchEvent:
    event = events.get(timeout=WAIT)
    assert event.error is None, event.error
    return event


def test_added_changed_and_removed_files_reach_the_index(watched, embedder):
    folder, engine, events, watcher = watched
    (folder / ".second.txt.swp").write_text("editor swap file")  # ignored: no update for it alone
    (folder / "second.txt").write_text(_article("Heron count", "Observers counted 58 grey herons at the lake."))
    event = _next(events)
    assert event.report.added == ["second.txt"] and _ids(engine) == {"first.txt", "second.txt"}
    assert "58 grey herons" in engine.ask("How many grey herons were counted?", 1).excerpts[0].text

    (folder / "second.txt").write_text(_article("Heron count", "Observers counted 61 grey herons at the lake."))
    assert _next(events).report.updated == ["second.txt"]
    assert "61 grey herons" in engine.ask("How many grey herons were counted?", 1).excerpts[0].text

    (folder / "second.txt").unlink()
    assert _next(events).report.removed == ["second.txt"] and _ids(engine) == {"first.txt"}
    assert watcher.updates == 3 and events.empty()
    check_consistent(engine.index_dir, embedder)


def test_a_change_during_an_update_causes_one_more_update_after_it(tmp_path, fresh_engine):
    folder = tmp_path / "articles"
    folder.mkdir()
    engine = fresh_engine()
    (folder / "first.txt").write_text(_article("Moss survey", "The moss survey found 31 species on the old wall."))
    engine.build([folder])
    running, most, finished, gate = [0], [0], threading.Event(), threading.Event()
    lock = threading.Lock()

    def build():
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            report = engine.build([folder], warn=lambda _m: None)
            finished.set()
            gate.wait(WAIT)  # hold the update open while another file arrives
            return report
        finally:
            with lock:
                running[0] -= 1

    events: queue.Queue[WatchEvent] = queue.Queue()
    watcher = Watcher(build, [folder], on_update=events.put, debounce_ms=300).start()
    try:
        (folder / "a.txt").write_text(_article("Owl report", "Seven barn owls nested in the church tower."))
        assert finished.wait(WAIT)
        seen = watcher.seen
        (folder / "b.txt").write_text(_article("Bat report", "Forty bats roosted under the bridge."))
        _wait_for(lambda: watcher.seen > seen)  # heard while the first update is still running
        gate.set()
        first, second = _next(events), _next(events)
        assert first.report.added == ["a.txt"] and second.report.added == ["b.txt"]
        assert most[0] == 1, "two updates ran at once"
    finally:
        gate.set()
        watcher.stop()


def _wait_for(condition) -> None:
    done = threading.Event()
    for _ in range(WAIT * 10):
        if condition():
            return
        done.wait(0.1)
    raise AssertionError("the watcher did not hear the change")


def test_the_index_folder_inside_the_collection_is_ignored(tmp_path, fresh_engine):
    """An index kept inside the watched folder: its own writes must not cause updates (an endless loop)."""
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "first.txt").write_text(_article("Moss survey", "The moss survey found 31 species on the old wall."))
    from qa.engine import Engine

    engine = Engine(folder / "index", embedder=fresh_engine().embedder, create=True)
    events: queue.Queue[WatchEvent] = queue.Queue()
    watcher = Watcher(lambda: engine.build([folder], warn=lambda _m: None), [folder], ignore=[folder / "index"],
                      on_update=events.put, debounce_ms=300).start()
    try:
        (folder / "second.txt").write_text(_article("Heron count", "Observers counted 58 grey herons."))
        first = _next(events)
        assert "second.txt" in first.report.added
        # the update wrote the index (a new generation) inside the folder; a marker file written after it is
        # the next change heard, so any update caused by the index's own files would come before it
        (folder / "third.txt").write_text(_article("Bat report", "Forty bats roosted under the bridge."))
        second = _next(events)
        assert second.number == 2 and second.report.added == ["third.txt"]
        assert not any(d.startswith("index/") for d in _ids(engine))
    finally:
        watcher.stop()


@pytest.mark.model  # `qa watch` builds with the model
def test_qa_watch_prints_one_line_per_update_and_stops_on_ctrl_c(tmp_path):
    import signal
    import subprocess
    import sys

    from .support import ROOT

    folder, index = tmp_path / "articles", tmp_path / "index"
    folder.mkdir()
    (folder / "first.txt").write_text(_article("Moss survey", "The moss survey found 31 species on the old wall."))
    # SIGINT as a terminal sends it: a test run started in the background (nohup, `&`) ignores SIGINT, the child
    # would inherit that, and Python raises KeyboardInterrupt only when SIGINT was not ignored at its start
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "watch", "--source", str(folder), "--index", str(index)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert "1 added" in proc.stdout.readline()  # the first update brings the index up to date
        for line in proc.stderr:  # start-up output ends with the line that says it is watching
            if line.startswith("watching"):
                break
        (folder / "second.txt").write_text(_article("Heron count", "Observers counted 58 grey herons."))
        line = proc.stdout.readline()
        assert line.startswith("watch: update 1 (") and "1 added" in line, line
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=WAIT) == 0
    finally:
        proc.kill()

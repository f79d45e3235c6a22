"""Build progress moves every 64 passages at most, and each stage is named before its work."""
import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest

from qa.config import SETTINGS, BuildSettings
from qa.console import ConsoleProgress

from .support import ROOT, article, long_article

STEP = SETTINGS.build.progress_every


def _collection(folder):
    folder.mkdir()
    (folder / "report.txt").write_text(long_article(1, 400), encoding="utf-8")
    (folder / "a002.txt").write_text(article(2), encoding="utf-8")
    return folder


def test_progress_reports_every_64_passages_across_commit_batches(tmp_path, fresh_engine):
    # a commit batch that is not a multiple of the step: reports still come every 64 passages or fewer
    engine = fresh_engine(replace(SETTINGS, build=BuildSettings(embed_batch=100)))
    events: list[tuple[str, int, int]] = []
    report = engine.build([_collection(tmp_path / "articles")], progress=lambda *e: events.append(e))
    reading = [e for e in events if e[0] == "reading"]
    embedding = [(done, total) for stage, done, total in events if stage == "embedding"]
    assert reading == [("reading", 0, 2), ("reading", 1, 2), ("reading", 2, 2)]
    assert events.index(("embedding", 0, report.passages_embedded)) == len(reading)  # named before any passage
    total = report.passages_embedded
    assert total > 2 * STEP and {t for _, t in embedding} == {total}
    done = [d for d, _ in embedding]
    assert done[0] == 0 and done[-1] == total
    steps = [b - a for a, b in zip(done, done[1:])]
    assert all(0 < s <= STEP for s in steps), steps
    assert len(steps) >= total // STEP


def test_console_names_each_stage_before_its_first_item(capsys):
    with ConsoleProgress() as progress:
        progress("reading", 0, 2)
        first = capsys.readouterr().err
        progress("reading", 1, 2)
        progress("reading", 2, 2)
        progress("embedding", 0, 150)
        named = capsys.readouterr().err
        for done in (64, 128, 150):
            progress("embedding", done, 150)
    moved = capsys.readouterr().err
    assert "reading 2 articles" in first and "0/2" in first
    assert "embedding 150 passages" in named and "0/150" in named
    assert all(f"{n}/150" in moved for n in (64, 128, 150))


@pytest.mark.model  # `qa build` loads the model
def test_qa_build_says_what_it_does_before_the_first_passage(tmp_path):
    """The real console of `qa build`: the stages in order, each shown at 0 first, then every 64 passages."""
    source = _collection(tmp_path / "articles")
    out = subprocess.run([sys.executable, "-m", "qa.cli", "build", "--source", str(source), "--index",
                          str(tmp_path / "index"), "--json"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    total = json.loads(out.stdout)["passages_embedded"]
    err = out.stderr
    positions = [err.find(s) for s in ("reading 2 articles", "0/2", "2/2", f"embedding {total} passages",
                                       f"0/{total}", f"{total}/{total}")]
    assert -1 not in positions and positions == sorted(positions), (positions, err[-3000:])
    # which counts are drawn depends on which int8 batch finishes first, so the test checks the steps, not the values
    drawn = [int(n) for n in re.findall(rf"\| *(\d+)/{total} \[", err)]
    steps = [b - a for a, b in zip(drawn, drawn[1:])]
    # (a count may be drawn twice: tqdm draws the last one again when the bar closes)
    assert drawn[0] == 0 and drawn[-1] == total and all(0 <= s <= STEP for s in steps), (drawn, err[-3000:])

"""Syndicated and near-duplicate articles: which pairs of real articles group (MinHash, LSH), and the end to end
result: one excerpt per story with the other articles in `also_in`."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from qa.config import SETTINGS
from qa.index.syndication import group, signature, similarity

from .support import PLAIN, SEEDS, SPUN

ORIGINAL = Path(__file__).parent / "data" / "wire_original.txt"  # seed 000 before it was machine-reworded
S = SETTINGS.groups


def edited_copy(text: str, headline: str) -> str:
    """What a syndication partner prints: its own headline, and one paragraph cut."""
    paragraphs = text.splitlines()
    return "\n".join([headline] + paragraphs[1:4] + paragraphs[5:]) + "\n"


def test_copies_group_and_different_stories_on_one_topic_do_not():
    spun, plain, original = (SEEDS / SPUN).read_text(), (SEEDS / PLAIN).read_text(), ORIGINAL.read_text()
    sig = {"spun": signature(spun, S), "original": signature(original, S), "plain": signature(plain, S),
           "verbatim": signature(plain, S), "edited": signature(edited_copy(plain, "Drug talks make progress"), S)}
    assert similarity(sig["plain"], sig["verbatim"]) == 1.0
    assert similarity(sig["plain"], sig["edited"]) >= S.threshold
    assert similarity(sig["spun"], sig["original"]) >= S.threshold  # reworded by a machine: still one story
    # the two seeds are both about US-China fentanyl talks, and are different stories
    assert similarity(sig["spun"], sig["plain"]) < S.threshold / 2
    assert group(sig, S) == [["edited", "plain", "verbatim"], ["original", "spun"]]


def test_signatures_are_stable():
    text = (SEEDS / PLAIN).read_text()
    assert (signature(text, S) == signature(text, S)).all() and signature(text, S).dtype.name == "uint32"


def qa(*args):
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, timeout=300)


def test_a_syndicated_copy_gives_one_excerpt_with_also_in(tmp_path, fresh_engine):
    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    copy = src / "partner" / "ortiz_reprint.txt"
    copy.parent.mkdir()
    copy.write_text(edited_copy((SEEDS / PLAIN).read_text(), "US and China report progress on fentanyl"))
    engine = fresh_engine()
    engine.build([src])
    reprint = "partner/ortiz_reprint.txt"
    assert engine.groups() == [(PLAIN, reprint)]
    answer = engine.ask("Who is the NSC spokesman?", 5)
    stories = [e for e in answer.excerpts if e.citation.doc_id in (PLAIN, reprint)]
    assert stories and len({e.citation.doc_id for e in stories}) == 1  # one article speaks for the story
    speaker = stories[0].citation.doc_id
    assert all(e.also_in == ((reprint,) if speaker == PLAIN else (PLAIN,)) for e in stories)
    assert all(e.also_in == () for e in answer.excerpts if e not in stories)
    assert json.loads(json.dumps(answer.to_json()))["excerpts"][0]["also_in"] == list(stories[0].also_in)
    shown = json.loads(qa("show", reprint, "--index", str(engine.index_dir), "--json").stdout)
    assert shown["also_in"] == [PLAIN]

    copy.unlink()  # the copy gone, the story appears once again
    engine.build([src])
    assert engine.groups() == []
    assert all(e.also_in == () for e in engine.ask("Who is the NSC spokesman?", 5).excerpts)


def test_a_doc_filter_on_the_copy_answers_from_the_copy(tmp_path, fresh_engine):
    from qa.records import Filters

    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    (src / "wire.txt").write_text("Officials to meet on fentanyl precursors\n" + ORIGINAL.read_text())
    engine = fresh_engine()
    engine.build([src])
    assert engine.groups() == [(SPUN, "wire.txt")]
    answer = engine.ask("Who submitted drug incidents to the narcotics board database?", 3,
                        filters=Filters(doc_ids=(SPUN,)))
    assert [e.citation.doc_id for e in answer.excerpts] == [SPUN] * 3
    assert all(e.also_in == ("wire.txt",) for e in answer.excerpts)


def test_an_index_made_before_grouping_is_grouped_by_its_next_build(tmp_path, fresh_engine):
    import sqlite3

    src = tmp_path / "articles"
    shutil.copytree(SEEDS, src)
    (src / "wire.txt").write_text(ORIGINAL.read_text())
    engine = fresh_engine()
    engine.build([src])
    with sqlite3.connect(engine.index_dir / "qa.sqlite") as db:  # as an index built before grouping existed
        db.execute("DROP TABLE story_groups")
        db.execute("DROP TABLE story_signatures")
    before = engine.generation()
    assert engine.groups() == []
    report = engine.build([src])
    assert report.added == report.updated == report.removed == [] and engine.generation() == before + 1
    assert engine.groups() == [(SPUN, "wire.txt")]
    engine.build([src])
    assert engine.generation() == before + 1  # grouped once; nothing changed since

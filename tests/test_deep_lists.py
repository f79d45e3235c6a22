"""Deep lists for programs: k up to MAX_K_JSON through the engine and `qa ask --json`, a handful for people."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import random

import pytest

from .support import keyword, question

ARTICLES = 240  # 240+ excerpts: more than the 4 x 50 candidates a depth that ignored k would find
_SYLLABLES = ["ba", "ko", "mel", "tir", "zu", "pha", "gor", "len", "vi", "dus", "ra", "quo", "sen", "wy", "tal", "fe"]


def story(i: int) -> str:
    """A short article of its own made-up words: distinct stories (templated text would be grouped as copies of
    one story, and the list would collapse to a few excerpts)."""
    rng = random.Random(f"deep{i}")
    noun = question(i).rsplit(" ", 1)[1].rstrip("?")

    def sentence() -> str:
        return " ".join("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))) for _ in range(10))

    body = [f"The {keyword(i)} {noun} was rebuilt after the great flood."]
    body += [sentence().capitalize() + "." for _ in range(8)]
    return "\n".join([f"The {keyword(i)} {noun} story", "By Test Writer", f"2024-03-0{1 + i % 9}", "", *body]) + "\n"


@pytest.fixture(scope="module")
def deep(tmp_path_factory, embedder):
    from qa.engine import Engine

    base = tmp_path_factory.mktemp("deepk")
    source = base / "articles"
    source.mkdir()
    for i in range(ARTICLES):
        (source / f"a{i:03d}.txt").write_text(story(i), encoding="utf-8")
    engine = Engine(base / "index", embedder=embedder, create=True)
    engine.build([source])
    return engine


def test_k_1000_returns_every_distinct_passage_of_a_smaller_collection(deep):
    from qa.config import MAX_K_JSON
    from qa.answering.excerpts import near_duplicate

    everything = deep.store.passages()
    assert 200 < len(everything) < MAX_K_JSON
    got = deep.ask(question(7), MAX_K_JSON)
    ids = [e.passage_id for e in got.excerpts]
    assert len(ids) == len(set(ids)) and [e.rank for e in got.excerpts] == list(range(1, len(ids) + 1))
    returned = [p for p in everything if p.passage_id in set(ids)]
    spans = [(e.citation.doc_id, e.citation.start, e.citation.end) for e in got.excerpts]
    jaccard = deep.settings.retrieval.dedup_jaccard

    def shown(p) -> bool:  # an excerpt covers it, or overlaps it (overlapping windows are merged or dropped)
        return any(doc == p.doc_id and start < p.end and p.start < end for doc, start, end in spans)

    # every passage is shown, or is a near-copy of one that is: candidates went as deep as k asked
    assert all(shown(p) or any(near_duplicate(p, q, jaccard) for q in returned) for p in everything)
    assert len(ids) > 4 * deep.settings.retrieval.candidates
    texts = {d.doc_id: deep.document(d.doc_id).text for d, _ in deep.documents()}
    assert all(texts[e.citation.doc_id][e.citation.start:e.citation.end] == e.text for e in got.excerpts)
    assert keyword(7) in got.excerpts[0].text
    scores = [e.score for e in got.excerpts]
    assert scores == sorted(scores, reverse=True)


def test_k_50_is_exactly_50_and_the_head_of_the_deep_list_is_the_same_article(deep):
    shallow, deep_list = deep.ask(question(3), 50), deep.ask(question(3), 1000)
    assert len(shallow.excerpts) == 50
    assert shallow.excerpts[0].citation.doc_id == deep_list.excerpts[0].citation.doc_id == "a003.txt"


def test_k_limits_json_for_programs_and_a_handful_for_people(deep):
    from qa.config import MAX_K, MAX_K_JSON
    from qa.errors import QuestionError

    assert deep.check_k(MAX_K_JSON) == MAX_K_JSON and deep.check_k(MAX_K + 1) == MAX_K + 1
    with pytest.raises(QuestionError, match=f"k must be from 1 to {MAX_K_JSON}, not {MAX_K_JSON + 1}"):
        deep.ask("anything", MAX_K_JSON + 1)
    with pytest.raises(QuestionError, match=f"k must be from 1 to {MAX_K}, not {MAX_K + 1}"):
        deep.check_k(MAX_K + 1, limit=MAX_K)


def _qa(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_cli_takes_k_1000_with_json_only(deep):
    index = str(deep.index_dir)
    out = _qa("ask", question(7), "--index", index, "-k", "1000", "--json")
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert len(got["excerpts"]) == len(deep.ask(question(7), 1000).excerpts) > 200
    text = _qa("ask", question(7), "--index", index, "-k", "51")
    assert text.returncode == 2 and text.stderr.strip() == "qa: error: k must be from 1 to 50, not 51"
    too_many = _qa("ask", question(7), "--index", index, "-k", "1001", "--json")
    assert too_many.returncode == 2 and "k must be from 1 to 1000, not 1001" in too_many.stderr
